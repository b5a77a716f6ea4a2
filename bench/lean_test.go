package bench

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/periskope-connect/periskope-aws/bench/benchkit"
	"github.com/periskope-connect/periskope-aws/internal/ticketstore"
	"github.com/periskope-connect/periskope-aws/pkg/periskope"
)

// This file is not product code: it is a prototype that shows what the
// webhook's CPU path could cost if it decoded the delivery in one typed pass
// and only the members it stores (ticket, and the chat id), instead of the
// whole tolerant ticket info object. BENCHMARKS.md cites it as the fix for
// the missed CPU-path goal.

type leanEnvelope struct {
	Event     string          `json:"event"`
	EventType string          `json:"event_type"`
	OrgID     string          `json:"org_id"`
	Timestamp string          `json:"timestamp"`
	Data      json.RawMessage `json:"data"`
}

type leanData struct {
	Ticket *struct {
		TicketID  string          `json:"ticket_id"`
		OrgID     string          `json:"org_id"`
		ChatID    string          `json:"chat_id"`
		Subject   string          `json:"subject"`
		Status    string          `json:"status"`
		Priority  json.RawMessage `json:"priority"`   // number or string: read apart, tolerantly
		CreatedAt json.RawMessage `json:"created_at"` // kept as sent
	} `json:"ticket"`
	Chat *struct {
		ChatID string `json:"chat_id"`
	} `json:"chat"`
	Message *struct {
		ChatID string `json:"chat_id"`
	} `json:"message"`
}

func leanPath(body []byte, sig string, now time.Time) (*ticketstore.Ticket, error) {
	if err := periskope.Verify(body, sig, signingKey); err != nil {
		return nil, err
	}
	if !utf8.Valid(body) {
		return nil, errors.New("not UTF-8")
	}
	var env leanEnvelope
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, err
	}
	var d leanData
	if err := json.Unmarshal(env.Data, &d); err != nil || d.Ticket == nil {
		return nil, errors.New("no ticket")
	}
	chatID := d.Ticket.ChatID
	if chatID == "" && d.Chat != nil {
		chatID = d.Chat.ChatID
	}
	if chatID == "" && d.Message != nil {
		chatID = d.Message.ChatID
	}
	priority, _ := strconv.Atoi(strings.Trim(string(d.Ticket.Priority), `"`))
	created, _ := strconv.Unquote(string(d.Ticket.CreatedAt))
	t := &ticketstore.Ticket{OrgID: env.OrgID, TicketID: d.Ticket.TicketID, ChatID: chatID, Subject: d.Ticket.Subject,
		Status: d.Ticket.Status, Priority: priority, CreatedAt: created, ReceivedAt: now, Event: env.Event,
		EventTimestamp: env.Timestamp, Data: env.Data}
	return t, t.Validate()
}

func TestLeanPrototypeMatchesTheHandler(t *testing.T) {
	body := benchkit.TicketCreatedFixture
	got, err := leanPath(body, periskope.Sign(body, signingKey), time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	h, db, req := cpuPath(nil)
	if _, err := h.Handle(t.Context(), req); err != nil {
		t.Fatal(err)
	}
	want, err := ticketstore.FromItem(db.last)
	if err != nil {
		t.Fatal(err)
	}
	got.ReceivedAt = want.ReceivedAt
	if got.OrgID != want.OrgID || got.TicketID != want.TicketID || got.ChatID != want.ChatID || got.Subject != want.Subject ||
		got.Status != want.Status || got.Priority != want.Priority || got.CreatedAt != want.CreatedAt ||
		got.EventTimestamp != want.EventTimestamp || string(got.Data) != string(want.Data) {
		t.Errorf("prototype item\n%+v\ndiffers from the handler's\n%+v", got, want)
	}
}

// BenchmarkWebhookLeanPrototype is informative: see the file comment.
func BenchmarkWebhookLeanPrototype(b *testing.B) {
	body := benchkit.TicketCreatedFixture
	sig := periskope.Sign(body, signingKey)
	now := time.Now()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		t, err := leanPath(body, sig, now)
		if err != nil {
			b.Fatal(err)
		}
		_ = t.Item()
	}
}
