package createticket_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// recordingTB collects the errors the fake reports instead of failing.
type recordingTB struct {
	testing.TB
	mu     sync.Mutex
	errors []string
}

func (r *recordingTB) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

// The fake must catch requests that break the seed spec, or the handler
// tests would prove nothing about conformance.
func TestFakePeriskopeCatchesNonConformingRequests(t *testing.T) {
	cases := []struct {
		name, body, phone, auth, want string
	}{
		{"priority as a number", `{"chat_id":"919876543210@c.us","subject":"x","priority":2}`, testPhone, "Bearer k", "priority"},
		{"no subject", `{"chat_id":"919876543210@c.us"}`, testPhone, "Bearer k", "subject"},
		{"undocumented member", `{"chat_id":"919876543210@c.us","subject":"x","extra":"y"}`, testPhone, "Bearer k", "extra"},
		{"no bearer token", `{"chat_id":"919876543210@c.us","subject":"x"}`, testPhone, "", "security"},
		{"wrong x-phone", `{"chat_id":"919876543210@c.us","subject":"x"}`, "123", "Bearer k", "x-phone"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := &recordingTB{TB: t}
			f := newFakePeriskope(rec, "k")
			req, _ := http.NewRequest(http.MethodPost, f.URL()+"/tickets/create", strings.NewReader(c.body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("x-phone", c.phone)
			if c.auth != "" {
				req.Header.Set("Authorization", c.auth)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			joined := strings.Join(rec.errors, "\n")
			if !strings.Contains(joined, c.want) {
				t.Errorf("fake reported %q, want a complaint about %s", joined, c.want)
			}
		})
	}
	t.Run("a conforming request passes", func(t *testing.T) {
		rec := &recordingTB{TB: t}
		f := newFakePeriskope(rec, "k")
		req, _ := http.NewRequest(http.MethodPost, f.URL()+"/tickets/create", strings.NewReader(`{"chat_id":"919876543210@c.us","subject":"x","priority":"2"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("x-phone", testPhone)
		req.Header.Set("Authorization", "Bearer k")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if len(rec.errors) != 0 || resp.StatusCode != 200 {
			t.Errorf("status %d, complaints %q", resp.StatusCode, rec.errors)
		}
	})
}
