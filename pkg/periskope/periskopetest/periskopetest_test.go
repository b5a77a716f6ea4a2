package periskopetest_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/periskope-connect/periskope-aws/pkg/periskope/periskopetest"
)

// recorder is a testing.TB that keeps the Fake's complaints instead of
// failing the test.
type recorder struct {
	testing.TB
	mu     sync.Mutex
	errors []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func (r *recorder) complaints() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.errors, "\n")
}

const validCreate = `{"chat_id":"919537851844@c.us","subject":"Broken tap"}`

func TestFakeChecksEveryRequest(t *testing.T) {
	for _, tt := range []struct {
		name, method, path, phone, body string
		want                            string // in the complaints; "" for none
	}{
		{"a valid create", "POST", "/v1/tickets/create", "919876543210", validCreate, ""},
		{"a valid get", "GET", "/v1/tickets/BKT-1", "phone-abc1", "", ""},
		{"create without subject", "POST", "/v1/tickets/create", "919876543210", `{"chat_id":"919537851844@c.us"}`, "violates the spec"},
		{"an undocumented member", "POST", "/v1/tickets/create", "919876543210", `{"chat_id":"919537851844@c.us","subject":"s","colour":"red"}`, `"colour"`},
		{"x-phone with a plus", "POST", "/v1/tickets/create", "+919876543210", validCreate, "x-phone"},
		{"no such operation", "DELETE", "/v1/tickets/BKT-1", "919876543210", "", "matches no operation"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{TB: t}
			fake := periskopetest.New(rec, func(w http.ResponseWriter, _ *http.Request, n int) { w.WriteHeader(http.StatusOK) })
			srv := httptest.NewServer(fake)
			defer srv.Close()
			req, err := http.NewRequest(tt.method, srv.URL+tt.path, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer k")
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("x-phone", tt.phone)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			got := rec.complaints()
			if tt.want == "" && got != "" || !strings.Contains(got, tt.want) {
				t.Errorf("complaints %q, want %q", got, tt.want)
			}
			if fake.Count() != 1 || fake.Requests()[0].Method != tt.method {
				t.Errorf("recorded %+v", fake.Requests())
			}
		})
	}
}

func TestValidatorRequiresABearerToken(t *testing.T) {
	v, err := periskopetest.NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("POST", "/v1/tickets/create", strings.NewReader(validCreate))
	req.Header.Set("Content-Type", "application/json")
	if _, err := v.Validate(req, []byte(validCreate)); err == nil {
		t.Error("a create without Authorization validates")
	}
	req.Header.Set("Authorization", "Bearer k")
	if op, err := v.Validate(req, []byte(validCreate)); err != nil || op == "" {
		t.Errorf("Validate = %q, %v", op, err)
	}
}
