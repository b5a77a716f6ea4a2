package periskope

import (
	"reflect"
	"testing"

	"encoding/json/jsontext"
)

// TestEveryFieldHasAReader reads null into every field the readers know by
// its json tag, so a field of a type readField has no case for fails here
// rather than at its first delivery.
func TestEveryFieldHasAReader(t *testing.T) {
	for name, c := range map[string]struct {
		v      any
		fields map[string]int
	}{
		"Ticket": {&Ticket{}, ticketFields}, "Chat": {&Chat{}, chatFields}, "ChatMember": {&ChatMember{}, chatMemberFields},
		"Message": {&Message{}, messageFields}, "TicketList": {&TicketList{}, ticketListFields}, "TicketInfo": {&TicketInfo{}, ticketInfoFields},
	} {
		if len(c.fields) < 4 {
			t.Errorf("%s: only %d fields found by tag", name, len(c.fields))
		}
		for member := range c.fields {
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Errorf("%s.%s: %v", name, member, r)
					}
				}()
				err := readJSON([]byte("null"), func(dec *jsontext.Decoder) error {
					return readField(dec, reflect.ValueOf(c.v).Elem(), c.fields, []byte(member))
				})
				if err != nil {
					t.Errorf("%s.%s: %v", name, member, err)
				}
			}()
		}
	}
}
