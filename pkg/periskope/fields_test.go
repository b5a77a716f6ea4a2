package periskope

import (
	"reflect"
	"strings"
	"testing"
)

// TestEveryFieldIsTolerant gives every member of each model type, found by
// its json tag, a value of each JSON kind, so a field whose type has no
// tolerant reader in decodeOptions fails here rather than at its first
// delivery: a mistyped member must read as its zero value, never refuse
// the whole object.
func TestEveryFieldIsTolerant(t *testing.T) {
	for name, v := range map[string]any{
		"Ticket": Ticket{}, "Chat": Chat{}, "ChatMember": ChatMember{},
		"Message": Message{}, "TicketList": TicketList{}, "TicketInfo": TicketInfo{},
	} {
		typ := reflect.TypeOf(v)
		if typ.NumField() < 4 {
			t.Errorf("%s: only %d fields", name, typ.NumField())
		}
		for i := range typ.NumField() {
			member, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
			if member == "" || member == "-" {
				continue
			}
			for _, value := range []string{`null`, `[1,"a"]`, `{"a":[1]}`, `"x"`, `1.5`, `true`} {
				body := `{"` + member + `":` + value + `}`
				if _, err := Decodings[name]([]byte(body)); err != nil {
					t.Errorf("%s: %s: %v", name, body, err)
				}
			}
		}
	}
}
