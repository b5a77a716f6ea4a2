package samples_test

import (
	"encoding/json"
	"testing"

	"github.com/periskope-connect/periskope-aws/internal/dev/samples"
)

func TestLargeGroupHasTheMembersAndMessagesAskedFor(t *testing.T) {
	var d struct {
		Event string `json:"event"`
		Data  struct {
			Chat struct {
				Members map[string]struct {
					ContactID string `json:"contact_id"`
				} `json:"members"`
			} `json:"chat"`
			Ticket struct {
				TicketID string `json:"ticket_id"`
			} `json:"ticket"`
			Attached []json.RawMessage `json:"attached_messages"`
		} `json:"data"`
	}
	if err := json.Unmarshal(samples.LargeGroup(1024, 3), &d); err != nil {
		t.Fatal(err)
	}
	if d.Event != "ticket.created" || d.Data.Ticket.TicketID != samples.LargeGroupTicketID {
		t.Errorf("event %q, ticket %q", d.Event, d.Data.Ticket.TicketID)
	}
	if len(d.Data.Chat.Members) != 1024 || len(d.Data.Attached) != 3 {
		t.Errorf("%d members, %d attached messages, want 1024 and 3", len(d.Data.Chat.Members), len(d.Data.Attached))
	}
	for phone, m := range d.Data.Chat.Members {
		if m.ContactID != phone {
			t.Fatalf("member %s has contact_id %q", phone, m.ContactID)
		}
	}
}
