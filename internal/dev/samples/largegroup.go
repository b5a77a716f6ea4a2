package samples

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// WhatsAppMaxGroupMembers is WhatsApp's limit on the members of a group: the
// largest members map a ticket.created can carry.
const WhatsAppMaxGroupMembers = 1024

// LargeGroupOrgID and LargeGroupChatID are the org and the group chat of
// every LargeGroup delivery.
const (
	LargeGroupOrgID  = "2997dd64-89bf-48d3-9a22-b314fca017e5"
	LargeGroupChatID = "120363043219876543@g.us"
	orgPhone         = "918527184400@c.us"
)

// LargeGroupTicketID is the ticket id of LargeGroup(members, messages):
// deliveries of different sizes are different tickets.
func LargeGroupTicketID(members, messages int) string {
	return fmt.Sprintf("LG-%d-%d", members, messages)
}

// LargeGroup returns the body of a ticket.created event for a ticket raised
// in a WhatsApp group of members members, with messages attached messages:
// the envelope, chat, message and ticket of Periskope's documented example
// (pkg/periskope/testdata/ticket-created.json), its members map grown to
// members entries shaped like the example's. Names, numbers, colours and
// timestamps vary as in a real group (from a fixed seed, so the same
// arguments give the same bytes), so that its gzip size is realistic rather
// than that of one entry repeated. The body is compact JSON, as a sender
// serialises it.
func LargeGroup(members, messages int) []byte {
	rng := rand.New(rand.NewPCG(uint64(members), uint64(messages)))
	memberMap := make(map[string]any, members)
	for i := range members {
		phone := fmt.Sprintf("91%010d@c.us", rng.Int64N(1e10))
		for memberMap[phone] != nil { // distinct members
			phone = fmt.Sprintf("91%010d@c.us", rng.Int64N(1e10))
		}
		memberMap[phone] = map[string]any{
			"org_id":        LargeGroupOrgID,
			"chat_id":       LargeGroupChatID,
			"is_admin":      i < 3,
			"org_phone":     orgPhone,
			"contact_id":    phone,
			"is_internal":   i == 0,
			"contact_name":  contactName(rng),
			"contact_color": fmt.Sprintf("#%06X", rng.IntN(1<<24)),
			"contact_image": fmt.Sprintf("https://storage.googleapis.com/periskope-images/%s%%2F%s.jpg?timestamp=%d",
				LargeGroupOrgID, strings.ReplaceAll(phone, "@", "%40"), 1737689973340+rng.Int64N(1e9)),
			"is_super_admin": i == 0,
		}
	}
	created := time.Date(2025, 1, 26, 2, 30, 50, 0, time.UTC)
	attached := make([]any, messages)
	for i := range attached {
		attached[i] = message(rng, created.Add(time.Duration(i)*time.Minute))
	}
	data := map[string]any{
		"chat": map[string]any{
			"org_id":            LargeGroupOrgID,
			"org_phone":         orgPhone,
			"chat_id":           LargeGroupChatID,
			"members":           memberMap,
			"is_muted":          false,
			"chat_name":         "Residents' Association",
			"chat_type":         "group",
			"chat_image":        "/storage/image.jpeg",
			"created_at":        "2025-01-26T02:30:50+00:00",
			"chat_labels":       "label1, label2",
			"invite_link":       "https://chat.whatsapp.com/invite/BZcwk7oCxxVIhExxxcmKxN",
			"custom_properties": map[string]any{"Property1": "option1"},
			"group_description": "Announcements and support for residents",
		},
		"message": message(rng, created),
		"ticket": map[string]any{
			"org_id":                   LargeGroupOrgID,
			"status":                   "open",
			"subject":                  "Water leak reported in the group",
			"assignee":                 "assignee@example.com",
			"priority":                 2,
			"raised_by":                "raisedby@example.com",
			"ticket_id":                LargeGroupTicketID(members, messages),
			"created_at":               "2025-01-26T03:00:00+00:00",
			"is_deleted":               false,
			"assigned_by":              "manager@example.com",
			"ticket_labels":            "label1, label2",
			"quoted_message_id":        "3EB0DAB631F7E580EAAE0C",
			"ticket_custom_properties": map[string]any{"property-1": "value-1"},
		},
		"attached_messages": attached,
	}
	body, err := json.Marshal(map[string]any{
		"event":               "ticket.created",
		"data":                data,
		"org_id":              LargeGroupOrgID,
		"previous_attributes": map[string]any{},
		"timestamp":           "2025-01-26T03:00:00.123456+00:00",
	})
	if err != nil {
		panic(err) // maps of strings, numbers and booleans always encode
	}
	return body
}

var (
	firstNames = strings.Fields("Aarav Priya Rohan Ananya Vikram Sneha Arjun Kavya Rahul Meera Aditya Isha Karan Diya Nikhil Pooja Sanjay Riya Amit Neha")
	lastNames  = strings.Fields("Sharma Patel Iyer Reddy Gupta Singh Nair Rao Mehta Das Joshi Kumar Verma Bose Menon")
	words      = strings.Fields("the water tank in block B is leaking again please send someone today lift not working since morning power cut in the parking area thanks for the update when will it be fixed any news on the plumber")
)

func contactName(rng *rand.Rand) string {
	return firstNames[rng.IntN(len(firstNames))] + " " + lastNames[rng.IntN(len(lastNames))]
}

func message(rng *rand.Rand, at time.Time) map[string]any {
	n := 5 + rng.IntN(40)
	body := make([]string, n)
	for i := range body {
		body[i] = words[rng.IntN(len(words))]
	}
	sender := fmt.Sprintf("91%010d", rng.Int64N(1e10))
	return map[string]any{
		"body":         strings.Join(body, " "),
		"chat_id":      LargeGroupChatID,
		"org_phone":    orgPhone,
		"timestamp":    at.Format("2006-01-02T15:04:05+00:00"),
		"media_path":   "/path/to/media",
		"message_id":   fmt.Sprintf("false_%s_%s_3EB0%016X", LargeGroupChatID, sender+"@c.us", rng.Uint64()),
		"sender_name":  contactName(rng),
		"performed_by": "demo@email.com",
		"sender_phone": sender,
	}
}
