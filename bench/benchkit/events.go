package benchkit

import (
	"bytes"
	_ "embed"
	"net/http/httptest"
	"time"

	"github.com/periskope-connect/periskope-aws/internal/dev/gateway"
	"github.com/periskope-connect/periskope-aws/pkg/periskope"
)

// TicketCreatedFixture is a realistic ticket.created delivery of 4,013 bytes:
// Periskope's documented example (a chat with two members, a quoted message
// and two attached messages), pretty-printed as it is sent.
//
//go:embed ticket-created.json
var TicketCreatedFixture []byte

// Identifiers of the fixture that TicketCreated replaces.
const (
	fixtureOrgID    = "2997xx64-89bf-48d3-9a22-b314fxx017e5"
	fixtureTicketID = "TICKET-12345"
)

// TicketCreated returns the fixture with its org id and ticket id replaced,
// so that each generated delivery names a different ticket but keeps the
// size and shape of the real one.
func TicketCreated(orgID, ticketID string) []byte {
	b := bytes.ReplaceAll(TicketCreatedFixture, []byte(fixtureOrgID), []byte(orgID))
	return bytes.ReplaceAll(b, []byte(fixtureTicketID), []byte(ticketID))
}

// SignedHeaders are the headers of a delivery signed with key.
func SignedHeaders(body []byte, key string) map[string]string {
	return map[string]string{
		"Content-Type":            "application/json",
		periskope.SignatureHeader: periskope.Sign(body, key),
	}
}

// APIEvent returns the HTTP API payload 2.0 event the local gateway would
// hand a function for this request. Like httptest.NewRequest, it panics on
// a request that cannot be one.
func APIEvent(method, path string, headers map[string]string, body []byte) []byte {
	r := httptest.NewRequest(method, path, bytes.NewReader(body))
	for k, v := range headers {
		r.Header.Set(k, v)
	}
	ev := gateway.BuildEvent(r, body, gateway.RequestMeta{
		RouteKey: method + " " + path, APIID: gateway.DefaultAPIID, RequestID: "bench", Time: time.Now(),
	})
	b, err := gateway.MarshalEvent(ev)
	if err != nil {
		panic(err)
	}
	return b
}
