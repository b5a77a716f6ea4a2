package periskopetest_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/periskope-connect/periskope-aws/pkg/periskope"
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
		auth                            string // Authorization; "" sends none
		want                            string // in the complaints; "" for none
	}{
		{"a valid create", "POST", "/v1/tickets/create", "919876543210", validCreate, "Bearer k", ""},
		{"a create with a priority", "POST", "/v1/tickets/create", "919876543210", `{"chat_id":"919537851844@c.us","subject":"s","priority":"2"}`, "Bearer k", ""},
		{"a valid get", "GET", "/v1/tickets/BKT-1", "phone-abc1", "", "Bearer k", ""},
		{"create without subject", "POST", "/v1/tickets/create", "919876543210", `{"chat_id":"919537851844@c.us"}`, "Bearer k", "violates the spec"},
		{"priority as a number", "POST", "/v1/tickets/create", "919876543210", `{"chat_id":"919537851844@c.us","subject":"s","priority":2}`, "Bearer k", "priority"},
		{"an undocumented member", "POST", "/v1/tickets/create", "919876543210", `{"chat_id":"919537851844@c.us","subject":"s","colour":"red"}`, "Bearer k", `"colour"`},
		{"no bearer token", "POST", "/v1/tickets/create", "919876543210", validCreate, "", "security"},
		{"x-phone with a plus", "POST", "/v1/tickets/create", "+919876543210", validCreate, "Bearer k", "x-phone"},
		{"x-phone too short", "POST", "/v1/tickets/create", "123", validCreate, "Bearer k", "x-phone"},
		{"no such operation", "DELETE", "/v1/tickets/BKT-1", "919876543210", "", "Bearer k", "matches no operation"},
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
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
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
			if resp.StatusCode != http.StatusOK {
				t.Errorf("status %d, want the Responder's 200", resp.StatusCode)
			}
			if fake.Count() != 1 || fake.Requests()[0].Method != tt.method {
				t.Errorf("recorded %+v", fake.Requests())
			}
		})
	}
}

// A body sent as anything but JSON breaks the spec's request body.
func TestFakeChecksTheContentType(t *testing.T) {
	rec := &recorder{TB: t}
	srv := httptest.NewServer(periskopetest.New(rec, func(http.ResponseWriter, *http.Request, int) {}))
	defer srv.Close()
	req, err := http.NewRequest("POST", srv.URL+"/v1/tickets/create", strings.NewReader(validCreate))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer k")
	req.Header.Set("x-phone", "919876543210")
	req.Header.Set("Content-Type", "text/plain")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := rec.complaints(); !strings.Contains(got, `Content-Type has unexpected value "text/plain"`) {
		t.Errorf("complaints %q, want the Content-Type named", got)
	}
}

func TestValidatorRequiresABearerToken(t *testing.T) {
	v, err := periskopetest.NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("POST", "/v1/tickets/create", strings.NewReader(validCreate))
	req.Header.Set("Content-Type", "application/json")
	if err := v.Validate(req, []byte(validCreate)); err == nil {
		t.Error("a create without Authorization validates")
	}
	req.Header.Set("Authorization", "Bearer k")
	if err := v.Validate(req, []byte(validCreate)); err != nil {
		t.Errorf("Validate = %v", err)
	}
}

func TestExample(t *testing.T) {
	created := periskopetest.Example("createTicket", http.StatusOK)
	if !strings.Contains(string(created), `"ticket_id":"BKT-001"`) {
		t.Errorf("createTicket 200 example = %s, want the documented ticket BKT-001", created)
	}
	if got := periskopetest.Example("createTicket", http.StatusTeapot); got != nil {
		t.Errorf("example of an undocumented status = %s, want nil", got)
	}
	if got := periskopetest.Example("noSuchOperation", http.StatusOK); got != nil {
		t.Errorf("example of an unknown operation = %s, want nil", got)
	}
}

// Validate's error is one line naming what is wrong, as an API's 400
// answer (the local sandbox's) needs it, not kin-openapi's multi-line report.
func TestValidateDescribesInOneLine(t *testing.T) {
	v, err := periskopetest.NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ name, method, target, body, want string }{
		{"a member of the wrong type", "POST", "/v1/tickets/create", `{"chat_id":"919537851844@c.us","subject":"s","priority":2}`, "priority"},
		{"a missing member", "POST", "/v1/tickets/create", `{"chat_id":"919537851844@c.us"}`, "subject"},
		{"a value outside the enum", "PATCH", "/v1/tickets/BKT-1", `{"status":"done"}`, "status"},
		{"a query parameter", "GET", "/v1/tickets?limit=0", "", `parameter "limit" in query`},
		{"a query value holding a line break", "GET", "/v1/tickets?limit=%0A2%0D%0A3", "", `parameter "limit" in query`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, tt.target, strings.NewReader(tt.body))
			req.Header.Set("Authorization", "Bearer k")
			req.Header.Set("x-phone", "919876543210")
			if tt.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			err := v.Validate(req, []byte(tt.body))
			if err == nil || strings.ContainsAny(err.Error(), "\r\n") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Validate error %q, want one line naming %s", err, tt.want)
			}
			if reqErr := (*openapi3filter.RequestError)(nil); !errors.As(err, &reqErr) {
				t.Errorf("Validate error %q does not unwrap to kin-openapi's RequestError", err)
			}
		})
	}
}

func TestCheckPhone(t *testing.T) {
	for phone, ok := range map[string]bool{
		"919876543210": true, "phone-bqzvyibhmwkaergr": true,
		"": false, "+919876543210": false, "91 98765 43210": false, "123": false, "phone-": false,
	} {
		if err := periskopetest.CheckPhone(phone); (err == nil) != ok || err != nil && !strings.Contains(err.Error(), "x-phone") {
			t.Errorf("CheckPhone(%q) = %v, want ok %v", phone, err, ok)
		}
	}
}

// The phone rule is written twice on purpose: the fake's regular
// expression is the oracle, the library's ValidatePhone is hand-written for
// its cold start. They must agree on every value.
func TestCheckPhoneAgreesWithTheLibrarysValidatePhone(t *testing.T) {
	for _, phone := range []string{
		"919876543210", "1234567", "123456789012345", "phone-bqzvyibhmwkaergr", "phone-0",
		"", "123456", "1234567890123456", "0919876543210", "+919876543210", "91 98765 43210", "9198765432a0",
		"phone-", "phone-ABC", "phone-a_b", "phone-a b", "Phone-abc", "phone--a", "919876543210\n", "٩١٩٨٧٦٥٤٣٢١٠",
	} {
		fake, lib := periskopetest.CheckPhone(phone) == nil, periskope.ValidatePhone(phone) == nil
		if fake != lib {
			t.Errorf("%q: the fake accepts it %v, the library's ValidatePhone %v", phone, fake, lib)
		}
	}
}
