package periskope_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/periskope-connect/periskope-aws/pkg/periskope"
)

// This file covers answers a well-behaved Periskope does not give: a
// redirect, a 2xx without a ticket, an oversized body.

// redirectTo answers every request with status and a Location on target.
func redirectTo(status int, target string) responder {
	return func(w http.ResponseWriter, r *http.Request, _ int) {
		w.Header().Set("Location", target+r.URL.Path)
		w.Header().Set("x-periskope-trace-id", "trace-123")
		w.WriteHeader(status)
	}
}

func TestRedirectsAreNeverFollowed(t *testing.T) {
	clients := []struct {
		name string
		opts []periskope.Option
	}{
		{"default HTTP client", nil},
		// A caller's client that would follow redirects is not trusted to
		// refuse them: the key must not travel to the Location either way.
		{"caller's HTTP client", []periskope.Option{periskope.WithHTTPClient(&http.Client{})}},
	}
	for _, status := range []int{http.StatusFound, http.StatusTemporaryRedirect} {
		for _, cl := range clients {
			t.Run(http.StatusText(status)+"/"+cl.name, func(t *testing.T) {
				var reached atomic.Int32
				elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					reached.Add(1)
					reply(w, http.StatusOK, createExample(t))
				}))
				defer elsewhere.Close()
				api := newFakeAPI(t, redirectTo(status, elsewhere.URL))
				c := newTestClient(t, api, cl.opts...)

				_, err := c.CreateTicket(context.Background(), createReq)
				var apiErr *periskope.APIError
				if !errors.As(err, &apiErr) || apiErr.StatusCode != status || !errors.Is(err, periskope.ErrRedirected) {
					t.Fatalf("CreateTicket err = %v, want an *APIError %d matching ErrRedirected", err, status)
				}
				if _, err := c.GetTicket(context.Background(), "BKT-1"); !errors.Is(err, periskope.ErrRedirected) {
					t.Errorf("GetTicket err = %v, want ErrRedirected", err)
				}
				if n := reached.Load(); n != 0 {
					t.Errorf("the redirect target received %d requests, want 0", n)
				}
				if api.Count() != 2 {
					t.Errorf("Periskope received %d requests, want 2 (a redirect is not retried)", api.Count())
				}
			})
		}
	}
}

func TestAnswerWithoutATicketIsMalformed(t *testing.T) {
	for _, body := range []string{
		`{}`,
		`{"ticket":null}`,
		`{"ticket":{}}`,
		`{"ticket":{"ticket_id":""}}`,
		`{"ticket":{"subject":"Printer on fire"},"chat":null}`,
		`{"chat":{"chat_id":"919537851844@c.us"}}`,
	} {
		t.Run(body, func(t *testing.T) {
			api := newFakeAPI(t, always(http.StatusOK, []byte(body)))
			c := newTestClient(t, api)
			if ti, err := c.CreateTicket(context.Background(), createReq); !errors.Is(err, periskope.ErrMalformedResponse) {
				t.Errorf("CreateTicket = %+v, %v; want ErrMalformedResponse", ti, err)
			}
			if ti, err := c.GetTicket(context.Background(), "BKT-1"); !errors.Is(err, periskope.ErrMalformedResponse) {
				t.Errorf("GetTicket = %+v, %v; want ErrMalformedResponse", ti, err)
			}
		})
	}
}

func TestAnswerSizeIsCapped(t *testing.T) {
	example := createExample(t)
	// The example with a member padded to take it just over the cap.
	padded := func(size int) []byte {
		pad := size - len(example) - len(`,"pad":""`)
		return bytes.Replace(example, []byte("{"), []byte(`{"pad":"`+strings.Repeat("x", pad)+`",`), 1)
	}
	tests := []struct {
		name string
		body []byte
		ok   bool
	}{
		{"at the cap", padded(periskope.MaxResponseBytes), true},
		{"one byte over", padded(periskope.MaxResponseBytes + 1), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if len(tt.body) != periskope.MaxResponseBytes && len(tt.body) != periskope.MaxResponseBytes+1 {
				t.Fatalf("body of %d bytes", len(tt.body))
			}
			api := newFakeAPI(t, always(http.StatusOK, tt.body))
			c := newTestClient(t, api)
			_, err := c.CreateTicket(context.Background(), createReq)
			if tt.ok && err != nil {
				t.Errorf("CreateTicket: %v", err)
			}
			if !tt.ok && !errors.Is(err, periskope.ErrMalformedResponse) {
				t.Errorf("CreateTicket err = %v, want ErrMalformedResponse", err)
			}
		})
	}
}
