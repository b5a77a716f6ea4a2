package gateway_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// get-root.json must be aws-lambda-go's recorded event for the same request,
// except for what the fixture README lists: no mutual-TLS authentication
// block, and the route key of a route instead of $default.
func TestGetRootFixtureIsTheRecordedUpstreamEvent(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/aws/aws-lambda-go").Output()
	if err != nil {
		t.Fatalf("locating aws-lambda-go: %v", err)
	}
	raw, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), "events", "testdata", "apigw-v2-request-no-authorizer.json"))
	if err != nil {
		t.Fatal(err)
	}
	var upstream map[string]any
	if err := json.Unmarshal(raw, &upstream); err != nil {
		t.Fatal(err)
	}
	ctx := upstream["requestContext"].(map[string]any)
	delete(ctx, "authentication")
	upstream["routeKey"], ctx["routeKey"] = "GET /", "GET /"

	ours := readJSON(t, filepath.Join("testdata", "get-root.json"))
	if !reflect.DeepEqual(ours, upstream) {
		t.Errorf("testdata/get-root.json drifted from aws-lambda-go's apigw-v2-request-no-authorizer.json")
	}
}
