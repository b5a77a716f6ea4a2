package ticketstore

import "github.com/periskope-connect/periskope-aws/pkg/periskope"

// EventTicketCreated is the Event of every ticket item, reconciled ones
// included.
const EventTicketCreated = periskope.EventTicketCreated

// FromTicketInfo fills the ticket fields of an item from info, decoded
// from data (kept byte for byte). The caller sets ReceivedAt, the event
// fields and Source. info.Ticket must not be nil.
func FromTicketInfo(orgID string, info *periskope.TicketInfo, data []byte) *Ticket {
	tk := info.Ticket
	return &Ticket{
		OrgID:     orgID,
		TicketID:  tk.TicketID,
		ChatID:    chatID(info),
		Subject:   tk.Subject,
		Status:    tk.Status,
		Priority:  int(tk.Priority),
		CreatedAt: tk.CreatedAt.Raw,
		Data:      data,
	}
}

// chatID is the ticket's chat: named on the ticket in some payloads, else
// by the chat or the quoted message.
func chatID(info *periskope.TicketInfo) string {
	switch {
	case info.Ticket.ChatID != "":
		return info.Ticket.ChatID
	case info.Chat != nil && info.Chat.ChatID != "":
		return info.Chat.ChatID
	case info.Message != nil:
		return info.Message.ChatID
	}
	return ""
}
