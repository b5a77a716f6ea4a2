package createticket_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"unicode"
	"unicode/utf8"
)

// This file covers answers a well-behaved Periskope does not give.

func TestUpstreamRedirectIsNotFollowed(t *testing.T) {
	for _, status := range []int{http.StatusFound, http.StatusTemporaryRedirect} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			var reached atomic.Int32
			elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				reached.Add(1)
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(`{"ticket":{"ticket_id":"FORGED-1"}}`))
			}))
			defer elsewhere.Close()
			hs := newHarness(t, setup{})
			hs.up.Answer(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Location", elsewhere.URL+r.URL.Path)
				w.WriteHeader(status)
			})

			resp := hs.do(t, context.Background(), request(minimalBody))
			e := wantError(t, resp, http.StatusBadGateway, "upstream_error", "")
			// Periskope answered the POST itself: whether it made the
			// ticket before redirecting is not ours to know.
			if !strings.Contains(e.Message, "may or may not") {
				t.Errorf("message %q does not say the outcome is unknown", e.Message)
			}
			if n := reached.Load(); n != 0 {
				t.Errorf("the redirect target received %d requests, want 0", n)
			}
			if hs.up.Calls() != 1 {
				t.Errorf("Periskope calls = %d, want 1", hs.up.Calls())
			}
		})
	}
}

func TestUpstreamSuccessWithoutATicket(t *testing.T) {
	for _, body := range []string{`{}`, `{"ticket":null}`, `{"ticket":{"subject":"Printer on fire"}}`, `{"chat":null,"message":null}`} {
		t.Run(body, func(t *testing.T) {
			hs := newHarness(t, setup{})
			hs.up.Answer(answer(http.StatusOK, body))
			resp := hs.do(t, context.Background(), request(minimalBody))
			e := wantError(t, resp, http.StatusBadGateway, "upstream_error", "")
			if !strings.Contains(e.Message, "may or may not") {
				t.Errorf("message %q does not say the ticket may have been created", e.Message)
			}
			if hs.metrics.Get("Created") != 0 || hs.metrics.Get("UpstreamError") != 1 {
				t.Errorf("metrics %v, want one UpstreamError and no Created", hs.metrics.All())
			}
		})
	}
}

func TestUpstreamAnswerOverTheSizeCap(t *testing.T) {
	hs := newHarness(t, setup{})
	// The subject alone fills the client's 5 MB answer cap.
	huge := `{"ticket":{"ticket_id":"BKT-1","subject":"` + strings.Repeat("x", 5<<20) + `"}}`
	hs.up.Answer(answer(http.StatusOK, huge))
	resp := hs.do(t, context.Background(), request(minimalBody))
	wantError(t, resp, http.StatusBadGateway, "upstream_error", "")
	if len(resp.Body) > 1024 {
		t.Errorf("answer of %d bytes", len(resp.Body))
	}
}

func TestUpstreamRejectionMessageIsBoundedPrintableText(t *testing.T) {
	const prefix = "Periskope rejected the ticket: "
	tests := []struct {
		name, message, want string
	}{
		{"plain", "chat not found", "chat not found"},
		{"control characters", "chat\r\nX-Injected: 1\u0007\u001b[31m not\tfound\u202e", "chat X-Injected: 1 [31m not found"},
		{"long", strings.Repeat("é", 1000), strings.Repeat("é", 199) + "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hs := newHarness(t, setup{})
			quoted, err := json.Marshal(tt.message)
			if err != nil {
				t.Fatal(err)
			}
			hs.up.Answer(answer(http.StatusBadRequest, `{"code":"bad_request","message":`+string(quoted)+`}`))
			e := wantError(t, hs.do(t, context.Background(), request(minimalBody)), http.StatusBadRequest, "upstream_rejected", "")
			got, ok := strings.CutPrefix(e.Message, prefix)
			if !ok || got != tt.want {
				t.Errorf("message = %q, want %q", e.Message, prefix+tt.want)
			}
			if n := utf8.RuneCountInString(got); n > 200 {
				t.Errorf("Periskope's part is %d characters, want at most 200", n)
			}
			for _, r := range got {
				if !unicode.IsPrint(r) {
					t.Errorf("message holds %U", r)
				}
			}
		})
	}
}
