package uuid_test

import (
	"strings"
	"testing"

	"github.com/periskope-connect/periskope-aws/internal/dev/uuid"
)

func TestNew(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		id := uuid.New()
		groups := strings.Split(id, "-")
		if len(groups) != 5 || len(groups[0]) != 8 || len(groups[1]) != 4 || len(groups[2]) != 4 || len(groups[3]) != 4 || len(groups[4]) != 12 {
			t.Fatalf("%q is not 8-4-4-4-12", id)
		}
		if strings.Trim(strings.ReplaceAll(id, "-", ""), "0123456789abcdef") != "" {
			t.Fatalf("%q is not lowercase hex", id)
		}
		if groups[2][0] != '4' || !strings.ContainsRune("89ab", rune(groups[3][0])) {
			t.Fatalf("%q is not a version 4, RFC 9562 variant UUID", id)
		}
		if seen[id] {
			t.Fatalf("%q repeated", id)
		}
		seen[id] = true
	}
}
