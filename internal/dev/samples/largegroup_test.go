package samples_test

import (
	"bytes"
	"testing"

	"github.com/periskope-connect/periskope-aws/internal/dev/samples"
	"github.com/periskope-connect/periskope-aws/pkg/periskope"
)

// A LargeGroup body is a ticket.created the product's decoder reads, with
// exactly the members and messages asked for, the same bytes each time.
func TestLargeGroup(t *testing.T) {
	body := samples.LargeGroup(samples.WhatsAppMaxGroupMembers, 7)
	if !bytes.Equal(body, samples.LargeGroup(samples.WhatsAppMaxGroupMembers, 7)) {
		t.Fatal("two calls with the same arguments differ")
	}
	ev, err := periskope.ParseEvent(body)
	if err != nil || ev.Type != periskope.EventTicketCreated || ev.OrgID != samples.LargeGroupOrgID {
		t.Fatalf("ParseEvent = %+v, %v", ev, err)
	}
	info, err := ev.TicketInfo()
	if err != nil {
		t.Fatal(err)
	}
	if info.Ticket == nil || info.Ticket.TicketID != samples.LargeGroupTicketID(samples.WhatsAppMaxGroupMembers, 7) || info.Chat == nil || info.Chat.ChatID != samples.LargeGroupChatID {
		t.Fatalf("ticket info %+v", info)
	}
	if n := len(info.Chat.Members); n != samples.WhatsAppMaxGroupMembers {
		t.Errorf("%d members, want %d", n, samples.WhatsAppMaxGroupMembers)
	}
	if n := len(info.AttachedMessages); n != 7 {
		t.Errorf("%d attached messages, want 7", n)
	}
}
