package main

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/periskope-connect/periskope-aws/bench/benchkit"
)

// TestFloorTicketIsTheFixtures proves the floor writes the item the webhook
// would write for the benchmark's delivery: every field the webhook takes
// from the delivery has the delivery's value.
func TestFloorTicketIsTheFixtures(t *testing.T) {
	var d struct {
		Event     string `json:"event"`
		Timestamp string `json:"timestamp"`
		Data      struct {
			Chat struct {
				ChatID string `json:"chat_id"`
			} `json:"chat"`
			Ticket struct {
				Subject   string `json:"subject"`
				Status    string `json:"status"`
				Priority  int    `json:"priority"`
				CreatedAt string `json:"created_at"`
			} `json:"ticket"`
		} `json:"data"`
	}
	if err := json.Unmarshal(benchkit.TicketCreatedFixture, &d); err != nil {
		t.Fatal(err)
	}
	got := floorTicket("req-1", benchkit.TicketCreatedFixture, time.Unix(1700000000, 0))
	for _, c := range []struct{ field, got, want string }{
		{"Event", got.Event, d.Event},
		{"EventTimestamp", got.EventTimestamp, d.Timestamp},
		{"ChatID", got.ChatID, d.Data.Chat.ChatID},
		{"Subject", got.Subject, d.Data.Ticket.Subject},
		{"Status", got.Status, d.Data.Ticket.Status},
		{"CreatedAt", got.CreatedAt, d.Data.Ticket.CreatedAt},
		{"TicketID", got.TicketID, "req-1"},
	} {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.field, c.got, c.want)
		}
	}
	if got.Priority != d.Data.Ticket.Priority {
		t.Errorf("Priority = %d, want %d", got.Priority, d.Data.Ticket.Priority)
	}
	if item := got.Item(); len(item) == 0 {
		t.Error("the floor's ticket has no item")
	}
}
