package samples

import (
	"encoding/json"
	"fmt"
)

// Identifiers of the delivery LargeGroup builds, those of Periskope's
// documented ticket.created example (pkg/periskope/testdata), so a caller
// can replace them to name another ticket.
const (
	LargeGroupOrgID    = "2997xx64-89bf-48d3-9a22-b314fxx017e5"
	LargeGroupTicketID = "TICKET-12345"
)

// LargeGroup returns a ticket.created delivery of a group chat with members
// members and messages attached messages, each shaped like those of
// Periskope's documented example: what a big WhatsApp group's ticket looks
// like on the wire.
func LargeGroup(members, messages int) []byte {
	const org = "2997dd64-89bf-48d3-9a22-b314fca017e5"
	memberMap := make(map[string]any, members)
	for i := range members {
		phone := fmt.Sprintf("9185%08d@c.us", i)
		memberMap[phone] = map[string]any{
			"org_id": org, "chat_id": "120363392071406466@g.us", "is_admin": i == 0,
			"org_phone": "918527184400@c.us", "contact_id": phone, "is_internal": i == 0,
			"contact_name": fmt.Sprintf("Member %d", i), "contact_color": "#B4876E",
			"contact_image":  "https://storage.googleapis.com/periskope-images/" + org + "%2F" + phone + ".jpg?timestamp=1737690126280",
			"is_super_admin": i == 0,
		}
	}
	message := func(body string) map[string]any {
		return map[string]any{
			"body": body, "chat_id": "120363392071406466@g.us", "org_phone": "918527184400@c.us",
			"timestamp": "2024-05-13T17:27:15+00:00", "media_path": "/path/to/media",
			"message_id": "true_120363392071406466@g.us_3EB0DAB631F7E58XXXXE0C", "sender_name": "Periskope Central",
			"performed_by": "demo@email.com", "sender_phone": "918527184400",
		}
	}
	attached := make([]any, messages)
	for i := range attached {
		attached[i] = message(fmt.Sprintf("attached message %d", i+1))
	}
	delivery := map[string]any{
		"event":               "ticket.created",
		"org_id":              LargeGroupOrgID,
		"previous_attributes": map[string]any{},
		"timestamp":           "2024-05-24T08:30:00.123456+00:00",
		"data": map[string]any{
			"chat": map[string]any{
				"org_id": LargeGroupOrgID, "org_phone": "918527184400@c.us", "chat_id": "120363392071406466@g.us",
				"members": memberMap, "is_muted": false, "chat_name": "Large group", "chat_type": "group",
				"chat_image": "/storage/image.jpeg", "created_at": "2025-01-26T02:30:50+00:00",
				"chat_labels": "label1, label2", "invite_link": "https://chat.whatsapp.com/invite/BZcwk7oCxxVIhExxxcmKxN",
				"custom_properties": map[string]any{}, "group_description": nil,
			},
			"message": message("hello"),
			"ticket": map[string]any{
				"org_id": LargeGroupOrgID, "status": "open", "subject": "Sample Ticket Subject",
				"assignee": "assignee@example.com", "due_date": "2024-06-15T12:00:00+00:00", "priority": 2,
				"closed_at": nil, "closed_by": nil, "raised_by": "raisedby@example.com",
				"ticket_id": LargeGroupTicketID, "created_at": "2024-05-24T08:30:00+00:00", "is_deleted": false,
				"assigned_by": "manager@example.com", "ticket_labels": "label1, label2",
				"quoted_message_id": "3EB0DAB631F7E580EAAE0C", "ticket_custom_properties": map[string]any{},
			},
			"attached_messages": attached,
		},
	}
	b, err := json.Marshal(delivery)
	if err != nil {
		panic(err) // maps of strings, numbers and booleans always marshal
	}
	return b
}
