package periskope_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/periskope-connect/periskope-aws/pkg/periskope"
)

// examplePeriskope stands in for api.periskope.app in the examples.
func examplePeriskope() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("x-periskope-trace-id", "f3da7ae0-dc9e-11ef-92d0-dfa7145a6112")
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/v1/tickets/create":
			body, _ := io.ReadAll(r.Body)
			fmt.Printf("Periskope received %s\n", body)
			fmt.Fprint(w, `{"ticket":{"ticket_id":"BKT-001","subject":"Printer on fire","status":"open","priority":3,
				"created_at":"2025-01-26T13:46:21.670006+00:00","raised_by":null},"chat":null,"message":null,"attached_messages":[]}`)
		case r.Method == http.MethodGet && r.URL.Path == "/v1/tickets/BKT-001":
			fmt.Fprint(w, `{"ticket":{"ticket_id":"BKT-001","subject":"Printer on fire","status":"inprogress","priority":"3",
				"due_date":"2025-04-20"},"chat":{"chat_id":"919537851844@c.us","chat_name":"BK Local1","invite_link":null}}`)
		case r.Method == http.MethodGet && r.URL.Path == "/v1/tickets/BKT-404":
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"message":"Ticket not found","code":"not_found"}`)
		default:
			w.Header().Set("X-RateLimit-Reset", "12")
			w.WriteHeader(http.StatusTooManyRequests)
			fmt.Fprint(w, `{"message":"Too many requests"}`)
		}
	}))
}

func ExampleClient_CreateTicket() {
	srv := examplePeriskope()
	defer srv.Close()

	c, err := periskope.New(
		periskope.WithBaseURL(srv.URL+"/v1"), // default: periskope.DefaultBaseURL
		periskope.WithAPIKey("YOUR_API_KEY"),
		periskope.WithPhone("919876543210"),
	)
	if err != nil {
		log.Fatal(err)
	}
	ti, err := c.CreateTicket(context.Background(), periskope.CreateTicketRequest{
		ChatID:   "919537851844", // bare digits become 919537851844@c.us
		Subject:  "Printer on fire",
		Priority: periskope.PriorityHigh,
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ti.Ticket.TicketID, ti.Ticket.Status, ti.Ticket.Priority, ti.Ticket.CreatedAt.Format("2006-01-02"))
	fmt.Println("trace id:", ti.TraceID)
	// Output:
	// Periskope received {"chat_id":"919537851844@c.us","subject":"Printer on fire","priority":"3"}
	// BKT-001 open 3 2025-01-26
	// trace id: f3da7ae0-dc9e-11ef-92d0-dfa7145a6112
}

func ExampleClient_GetTicket() {
	srv := examplePeriskope()
	defer srv.Close()

	c, err := periskope.New(periskope.WithBaseURL(srv.URL+"/v1"), periskope.WithAPIKey("YOUR_API_KEY"), periskope.WithPhone("919876543210"))
	if err != nil {
		log.Fatal(err)
	}
	ti, err := c.GetTicket(context.Background(), "BKT-001")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s %q priority %d due %s in chat %q\n", ti.Ticket.TicketID, ti.Ticket.Subject, ti.Ticket.Priority,
		ti.Ticket.DueDate.Format("2 Jan 2006"), ti.Chat.ChatName)

	_, err = c.GetTicket(context.Background(), "BKT-404")
	var apiErr *periskope.APIError
	if errors.Is(err, periskope.ErrNotFound) && errors.As(err, &apiErr) {
		fmt.Println("not found:", apiErr.Code, apiErr.Message)
	}
	// Output:
	// BKT-001 "Printer on fire" priority 3 due 20 Apr 2025 in chat "BK Local1"
	// not found: not_found Ticket not found
}

// A 429 that cannot be waited out within the caller's limits comes back as
// an *APIError with RetryAfter, for a Retry-After of one's own.
func ExampleAPIError_rateLimited() {
	srv := examplePeriskope()
	defer srv.Close()

	c, err := periskope.New(periskope.WithBaseURL(srv.URL+"/v1"), periskope.WithAPIKey("YOUR_API_KEY"),
		periskope.WithRetryPolicy(periskope.RetryPolicy{MaxAttempts: 1}))
	if err != nil {
		log.Fatal(err)
	}
	_, err = c.ListTickets(context.Background(), periskope.ListTicketsParams{Limit: 10})
	var apiErr *periskope.APIError
	if errors.Is(err, periskope.ErrRateLimited) && errors.As(err, &apiErr) {
		fmt.Println("rate limited; retry after", apiErr.RetryAfter)
	}
	// Output:
	// rate limited; retry after 12s
}

func ExampleConstructEvent_rotation() {
	body := []byte(`{"event":"ticket.created","org_id":"org-1","data":{"ticket":{"ticket_id":"BKT-001"}}}`)
	// What Periskope sends, as API Gateway hands it over (lower-case names).
	headers := map[string]string{"x-periskope-signature": periskope.Sign(body, "previous-key")}

	// During a rotation both the new and the previous key are accepted.
	_, err := periskope.ConstructEvent(body, headers, "current-key", "previous-key")
	fmt.Println("signed delivery:", err)

	tampered := []byte(`{"event":"ticket.created","org_id":"org-2","data":{"ticket":{"ticket_id":"BKT-001"}}}`)
	_, err = periskope.ConstructEvent(tampered, headers, "current-key", "previous-key")
	fmt.Println("tampered delivery:", errors.Is(err, periskope.ErrInvalidSignature))

	_, err = periskope.ConstructEvent(body, map[string]string{}, "current-key")
	fmt.Println("unsigned delivery:", errors.Is(err, periskope.ErrMissingSignature))
	// Output:
	// signed delivery: <nil>
	// tampered delivery: true
	// unsigned delivery: true
}

func ExampleParseSignatures() {
	body := []byte(`{"event":"ticket.created","org_id":"org-1","data":{"ticket":{"ticket_id":"BKT-001"}}}`)
	headers := map[string]string{"x-periskope-signature": periskope.Sign(body, "signing-key")}

	// Read the candidates first: junk is refused before any key is fetched.
	sigs, err := periskope.ParseSignatures(headers)
	fmt.Println("parsed:", err)
	fmt.Println("verified:", sigs.Verify(body, "signing-key"))

	_, err = periskope.ParseSignatures(map[string]string{"x-periskope-signature": "a,b,c,d,e"})
	fmt.Println("five candidates:", errors.Is(err, periskope.ErrInvalidSignature))
	_, err = periskope.ParseSignatures(map[string]string{"x-periskope-signature": "sha256=abc"})
	fmt.Println("not 64 hex digits:", errors.Is(err, periskope.ErrInvalidSignature))
	// Output:
	// parsed: <nil>
	// verified: <nil>
	// five candidates: true
	// not 64 hex digits: true
}

func ExampleConstructEvent() {
	body := []byte(`{"event":"ticket.created","org_id":"org-1","timestamp":"2025-01-26T13:46:22+00:00",
		"data":{"ticket":{"ticket_id":"BKT-001","subject":"Printer on fire","priority":2},"chat":{"chat_id":"919537851844@c.us"}}}`)
	headers := map[string]string{"X-Periskope-Signature": periskope.Sign(body, "signing-key")}

	e, err := periskope.ConstructEvent(body, headers, "signing-key")
	if err != nil {
		log.Fatal(err) // a webhook handler answers 401 for signature errors
	}
	if e.Type != periskope.EventTicketCreated {
		return // acknowledge other events without acting on them
	}
	ti, err := e.TicketInfo()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(e.OrgID, ti.Ticket.TicketID, ti.Ticket.Priority, ti.Chat.ChatID)
	// Output:
	// org-1 BKT-001 2 919537851844@c.us
}

// A create that failed before a connection was made can be repeated: no
// ticket can exist. Here nothing listens on the port.
func ExampleNeverSent() {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close() // the port now refuses connections
	c, err := periskope.New(periskope.WithBaseURL(srv.URL+"/v1"), periskope.WithAPIKey("key"),
		periskope.WithRetryPolicy(periskope.RetryPolicy{MaxAttempts: 1}))
	if err != nil {
		log.Fatal(err)
	}
	_, err = c.CreateTicket(context.Background(), periskope.CreateTicketRequest{ChatID: "919876543210", Subject: "Printer on fire"})
	fmt.Println("never sent:", periskope.NeverSent(err))
	// Output: never sent: true
}

func ExampleNormalizeChatID() {
	for _, id := range []string{"919876543210", " 919876543210@c.us ", "120363392071406466@g.us"} {
		fmt.Println(periskope.NormalizeChatID(id))
	}
	// Output:
	// 919876543210@c.us
	// 919876543210@c.us
	// 120363392071406466@g.us
}
