package periskope

import (
	"bytes"
	"encoding/json"

	"github.com/periskope-connect/periskope-aws/pkg/periskope/internal/jsonscan"
)

// The fast decoding path.
//
// The tolerant path (decode.go) reads every object into a map of raw
// members and converts them one by one, so each nesting level is parsed
// again by encoding/json: a 4 KB ticket.created costs several times a plain
// json.Unmarshal. The fast path reads the same input once with
// jsonscan.Scanner, hands each member's raw JSON to the same converters
// (rawString, rawBool, rawPriority, rawTime, stringMapValue) and decodes
// nested objects where it meets them. Its results are those of the tolerant
// path by construction:
//
//   - member names match exactly, as map keys do (encoding/json would match
//     struct fields case-insensitively, which is why this is not a
//     json.Unmarshal into shadow structs);
//   - a repeated member overwrites what an earlier one set, whole, as the
//     map keeps only the last one (encoding/json would merge repeated
//     objects into one struct);
//   - it accepts only what json.Valid accepts.
//
// Whatever the fast path does not take (input that is not a JSON object
// after bytes.TrimSpace, invalid JSON, nesting deeper than
// jsonscan.MaxDepth), it leaves to the tolerant path, which then decides,
// error included. Tests and FuzzTicketInfoFastPathMatchesTolerant compare
// the two paths. Why a hand-written scanner rather than encoding/json into
// typed structs, in measured numbers: package jsonscan's doc comment and
// BENCHMARKS.md.

// scanner is jsonscan.Scanner with the readers of this package's model
// types (ticketInfo, ticket, chat, ...). They stay here, not in
// internal/jsonscan, because they fill Ticket, Chat, Message and the other
// model types and convert leaves with the tolerant path's converters
// (decode.go), and an internal package cannot import its parent. The
// Scanner is embedded by value, so a reader calls its methods directly, with
// no copy of the input or of a value.
type scanner struct{ jsonscan.Scanner }

// fastObject runs walk on b, which must hold one JSON object once trimmed as
// decodeFields trims it; walk reads the object at the scanner's position. It reports whether
// walk succeeded and nothing but whitespace follows.
func fastObject(b []byte, walk func(s *scanner) bool) bool {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '{' {
		return false
	}
	s := scanner{jsonscan.New(b)}
	if !walk(&s) {
		return false
	}
	s.SkipSpace()
	return s.AtEnd()
}

// fastTicketInfo is TicketInfo.UnmarshalJSON's fast path.
func fastTicketInfo(b []byte) (TicketInfo, bool) {
	var ti TicketInfo
	if !fastObject(b, func(s *scanner) bool { _, _, ok := s.ticketInfo(&ti); return ok }) {
		return TicketInfo{}, false
	}
	ti.Raw = append(json.RawMessage(nil), b...)
	return ti, true
}

// fastDecodeTicketInfo is decodeTicketInfo's fast path: a ticket info
// object, or a bare ticket (ticket_id but no ticket) wrapped in one.
func fastDecodeTicketInfo(b []byte) (*TicketInfo, bool) {
	var ti TicketInfo
	var hasTicket, hasTicketID bool
	ok := fastObject(b, func(s *scanner) bool {
		var ok bool
		hasTicket, hasTicketID, ok = s.ticketInfo(&ti)
		return ok
	})
	if !ok {
		return nil, false
	}
	if !hasTicket && hasTicketID {
		t, ok := fastTicket(b)
		if !ok {
			return nil, false
		}
		ti = TicketInfo{Ticket: &t}
	}
	ti.Raw = append(json.RawMessage(nil), b...)
	return &ti, true
}

// fastTicket is Ticket.UnmarshalJSON's fast path.
func fastTicket(b []byte) (Ticket, bool) {
	var t Ticket
	ok := fastObject(b, func(s *scanner) bool { return s.ticket(&t) })
	return t, ok
}

// fastChat is Chat.UnmarshalJSON's fast path.
func fastChat(b []byte) (Chat, bool) {
	var c Chat
	ok := fastObject(b, func(s *scanner) bool { return s.chat(&c) })
	return c, ok
}

// fastChatMember is ChatMember.UnmarshalJSON's fast path.
func fastChatMember(b []byte) (ChatMember, bool) {
	var m ChatMember
	ok := fastObject(b, func(s *scanner) bool { return s.chatMember(&m) })
	return m, ok
}

// fastMessage is Message.UnmarshalJSON's fast path.
func fastMessage(b []byte) (Message, bool) {
	var m Message
	ok := fastObject(b, func(s *scanner) bool { return s.message(&m) })
	return m, ok
}

// fastTicketList is TicketList.UnmarshalJSON's fast path.
func fastTicketList(b []byte) (TicketList, bool) {
	var l TicketList
	ok := fastObject(b, func(s *scanner) bool {
		return s.Object(func(key []byte) bool {
			var ok bool
			switch string(key) {
			case "tickets":
				l.Tickets, ok = s.tickets()
			case "count":
				l.Count, ok = s.intValue()
			case "from":
				l.From, ok = s.intValue()
			case "to":
				l.To, ok = s.intValue()
			default:
				_, ok = s.Value()
			}
			return ok
		})
	})
	if !ok {
		return TicketList{}, false
	}
	l.Raw = append(json.RawMessage(nil), b...)
	return l, true
}

// fastTickets is objects[Ticket]'s fast path, for a bare array of tickets.
func fastTickets(b []byte) ([]Ticket, bool) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '[' {
		return nil, false
	}
	s := scanner{jsonscan.New(b)}
	tickets, ok := s.tickets()
	s.SkipSpace()
	return tickets, ok && s.AtEnd()
}

// fastEvent is Event.UnmarshalJSON's fast path.
func fastEvent(b []byte) (Event, bool) {
	var e Event
	var eventType string
	var data, previous []byte
	ok := fastObject(b, func(s *scanner) bool {
		return s.Object(func(key []byte) bool {
			var ok bool
			switch string(key) {
			case "event":
				e.Type, ok = s.idMember(idEvent, &e.looseIDs)
			case "event_type":
				eventType, ok = s.idMember(idEventType, &e.looseIDs)
			case "org_id":
				e.OrgID, ok = s.idMember(idOrgID, &e.looseIDs)
			case "timestamp":
				e.Timestamp, ok = s.strValue()
			case "data":
				data, ok = s.Value()
			case "previous_attributes":
				previous, ok = s.Value()
			default:
				_, ok = s.Value()
			}
			return ok
		})
	})
	if !ok {
		return Event{}, false
	}
	e.settleType(eventType)
	e.Data = copyMember(data)
	e.PreviousAttributes = copyMember(previous)
	e.Raw = append(json.RawMessage(nil), b...)
	return e, true
}

// copyMember is rawMember for the fast path: a copy of v, or nil when the
// member was missing or null.
func copyMember(v []byte) json.RawMessage {
	if v == nil || isNull(v) {
		return nil
	}
	return append(json.RawMessage(nil), v...)
}

// ticketInfo reads a ticket info object. It also reports whether the
// object has a non-null ticket and a non-null ticket_id, for the bare
// ticket rule of decodeTicketInfo.
func (s *scanner) ticketInfo(ti *TicketInfo) (hasTicket, hasTicketID, ok bool) {
	ok = s.Object(func(key []byte) bool {
		switch string(key) {
		case "ticket":
			hasTicket = s.Peek() != 'n' // the only value starting with n is null
			ti.Ticket = nil
			if s.Peek() != '{' {
				_, ok := s.Value()
				return ok
			}
			t := new(Ticket)
			ti.Ticket = t
			return s.ticket(t)
		case "chat":
			ti.Chat = nil
			if s.Peek() != '{' {
				_, ok := s.Value()
				return ok
			}
			c := new(Chat)
			ti.Chat = c
			return s.chat(c)
		case "message":
			ti.Message = nil
			if s.Peek() != '{' {
				_, ok := s.Value()
				return ok
			}
			m := new(Message)
			ti.Message = m
			return s.message(m)
		case "attached_messages":
			var ok bool
			ti.AttachedMessages, ok = s.messages()
			return ok
		case "ticket_id":
			hasTicketID = s.Peek() != 'n'
		}
		_, ok := s.Value()
		return ok
	})
	return hasTicket, hasTicketID, ok
}

// ticket reads a ticket object into t, which must be zero.
func (s *scanner) ticket(t *Ticket) bool {
	return s.Object(func(key []byte) bool {
		var ok bool
		switch string(key) {
		case "org_id":
			t.OrgID, ok = s.idMember(idOrgID, &t.looseIDs)
		case "ticket_id":
			t.TicketID, ok = s.idMember(idTicketID, &t.looseIDs)
		case "chat_id":
			t.ChatID, ok = s.strValue()
		case "subject":
			t.Subject, ok = s.strValue()
		case "status":
			t.Status, ok = s.strValue()
		case "priority":
			t.Priority, ok = s.priorityValue()
		case "assignee":
			t.Assignee, ok = s.strValue()
		case "assigned_by":
			t.AssignedBy, ok = s.strValue()
		case "raised_by":
			t.RaisedBy, ok = s.strValue()
		case "due_date":
			t.DueDate, ok = s.timeValue()
		case "created_at":
			t.CreatedAt, ok = s.timeValue()
		case "closed_at":
			t.ClosedAt, ok = s.timeValue()
		case "closed_by":
			t.ClosedBy, ok = s.strValue()
		case "ticket_labels":
			t.TicketLabels, ok = s.strValue()
		case "quoted_message_id":
			t.QuotedMessageID, ok = s.strValue()
		case "ticket_custom_properties":
			t.TicketCustomProperties, ok = s.stringMap()
		case "is_deleted":
			t.IsDeleted, ok = s.boolValue()
		case "last_updated_at":
			t.LastUpdatedAt, ok = s.timeValue()
		default:
			_, ok = s.Value()
		}
		return ok
	})
}

// chat reads a chat object into c, which must be zero.
func (s *scanner) chat(c *Chat) bool {
	return s.Object(func(key []byte) bool {
		var ok bool
		switch string(key) {
		case "chat_id":
			c.ChatID, ok = s.strValue()
		case "chat_name":
			c.ChatName, ok = s.strValue()
		case "chat_type":
			c.ChatType, ok = s.strValue()
		case "chat_image":
			c.ChatImage, ok = s.strValue()
		case "org_id":
			c.OrgID, ok = s.strValue()
		case "org_phone":
			c.OrgPhone, ok = s.strValue()
		case "chat_labels":
			c.ChatLabels, ok = s.strValue()
		case "custom_properties":
			c.CustomProperties, ok = s.stringMap()
		case "members":
			c.Members, ok = s.members()
		case "invite_link":
			c.InviteLink, ok = s.strValue()
		case "group_description":
			c.GroupDescription, ok = s.strValue()
		case "is_muted":
			c.IsMuted, ok = s.boolValue()
		case "created_at":
			c.CreatedAt, ok = s.timeValue()
		default:
			_, ok = s.Value()
		}
		return ok
	})
}

// members reads Chat.Members: an object of member objects, keyed by
// contact id. Members that are not objects are left out (also when an
// earlier member of the same id was one); a members value that is not an
// object is nil.
func (s *scanner) members() (map[string]ChatMember, bool) {
	if s.Peek() != '{' {
		_, ok := s.Value()
		return nil, ok
	}
	members := map[string]ChatMember{}
	ok := s.Object(func(key []byte) bool {
		if s.Peek() != '{' {
			delete(members, string(key))
			_, ok := s.Value()
			return ok
		}
		var m ChatMember
		if !s.chatMember(&m) {
			return false
		}
		members[string(key)] = m
		return true
	})
	return members, ok
}

// chatMember reads a chat member object into m, which must be zero.
func (s *scanner) chatMember(m *ChatMember) bool {
	return s.Object(func(key []byte) bool {
		var ok bool
		switch string(key) {
		case "contact_id":
			m.ContactID, ok = s.strValue()
		case "contact_name":
			m.ContactName, ok = s.strValue()
		case "contact_labels":
			m.ContactLabels, ok = s.strValue()
		case "chat_id":
			m.ChatID, ok = s.strValue()
		case "org_id":
			m.OrgID, ok = s.strValue()
		case "org_phone":
			m.OrgPhone, ok = s.strValue()
		case "contact_color":
			m.ContactColor, ok = s.strValue()
		case "contact_image":
			m.ContactImage, ok = s.strValue()
		case "is_admin":
			m.IsAdmin, ok = s.boolValue()
		case "is_super_admin":
			m.IsSuperAdmin, ok = s.boolValue()
		case "is_internal":
			m.IsInternal, ok = s.boolValue()
		default:
			_, ok = s.Value()
		}
		return ok
	})
}

// message reads a message object into m, which must be zero.
func (s *scanner) message(m *Message) bool {
	return s.Object(func(key []byte) bool {
		var ok bool
		switch string(key) {
		case "message_id":
			m.MessageID, ok = s.strValue()
		case "chat_id":
			m.ChatID, ok = s.strValue()
		case "body":
			m.Body, ok = s.strValue()
		case "sender_name":
			m.SenderName, ok = s.strValue()
		case "sender_phone":
			m.SenderPhone, ok = s.strValue()
		case "org_phone":
			m.OrgPhone, ok = s.strValue()
		case "timestamp":
			m.Timestamp, ok = s.timeValue()
		case "media_path":
			m.MediaPath, ok = s.strValue()
		case "performed_by":
			m.PerformedBy, ok = s.strValue()
		default:
			_, ok = s.Value()
		}
		return ok
	})
}

// messages is objects[Message]: the object elements of an array, nil when
// the value is not an array.
func (s *scanner) messages() ([]Message, bool) {
	if s.Peek() != '[' {
		_, ok := s.Value()
		return nil, ok
	}
	out := []Message{}
	ok := s.Array(func() bool {
		if s.Peek() != '{' {
			_, ok := s.Value()
			return ok
		}
		var m Message
		if !s.message(&m) {
			return false
		}
		out = append(out, m)
		return true
	})
	return out, ok
}

// tickets is objects[Ticket], as messages is objects[Message].
func (s *scanner) tickets() ([]Ticket, bool) {
	if s.Peek() != '[' {
		_, ok := s.Value()
		return nil, ok
	}
	out := []Ticket{}
	ok := s.Array(func() bool {
		if s.Peek() != '{' {
			_, ok := s.Value()
			return ok
		}
		var t Ticket
		if !s.ticket(&t) {
			return false
		}
		out = append(out, t)
		return true
	})
	return out, ok
}

// strValue reads a value as fields.str does: a string's text, the JSON text
// of a number or boolean, "" for null, objects and arrays.
func (s *scanner) strValue() (string, bool) {
	if s.Peek() == '"' {
		return s.Text()
	}
	raw, ok := s.Value()
	if !ok {
		return "", false
	}
	return rawString(raw), true
}

// idMember reads an identifier as fields.id does, marking it in set.
func (s *scanner) idMember(id idSet, set *idSet) (string, bool) {
	v, exact, ok := s.idValue()
	set.mark(id, exact)
	return v, ok
}

// timeValue reads a value as fields.time does.
func (s *scanner) timeValue() (Time, bool) {
	if s.Peek() != '"' {
		raw, ok := s.Value()
		if !ok {
			return Time{}, false
		}
		return rawTime(raw), true
	}
	raw, plain, ok := s.RawString()
	switch {
	case !ok:
		return Time{}, false
	case !plain:
		return rawTime(raw), true
	}
	// rawTime's string case, without decoding the string through
	// encoding/json: a plain string's text is its value.
	text := string(raw[1 : len(raw)-1])
	var t Time
	if t.setText(text) != nil {
		t = Time{Raw: text}
	}
	return t, true
}

// boolValue reads a value as fields.boolean does.
func (s *scanner) boolValue() (bool, bool) {
	raw, ok := s.Value()
	if !ok {
		return false, false
	}
	return rawBool(raw), true
}

// intValue reads a value as fields.integer does.
func (s *scanner) intValue() (int, bool) {
	raw, ok := s.Value()
	if !ok {
		return 0, false
	}
	return rawInt(raw), true
}

// priorityValue reads a value as fields.priority does.
func (s *scanner) priorityValue() (Priority, bool) {
	raw, ok := s.Value()
	if !ok {
		return PriorityNone, false
	}
	return rawPriority(raw), true
}

// stringMap reads a value as fields.stringMap does: nil unless it is an
// object.
func (s *scanner) stringMap() (map[string]string, bool) {
	if s.Peek() != '{' {
		_, ok := s.Value()
		return nil, ok
	}
	m := map[string]string{}
	ok := s.Object(func(key []byte) bool {
		var v string
		if s.Peek() == '"' {
			var ok bool
			if v, ok = s.Text(); !ok {
				return false
			}
		} else {
			raw, ok := s.Value()
			if !ok {
				return false
			}
			v = stringMapValue(raw)
		}
		m[string(key)] = v
		return true
	})
	return m, ok
}

// idValue reads an identifier as fields.id does: its value, and whether it
// is exact (see rawID).
func (s *scanner) idValue() (v string, exact, ok bool) {
	if s.Peek() != '"' {
		raw, ok := s.Value()
		if !ok {
			return "", false, false
		}
		v, exact = rawID(raw)
		return v, exact, true
	}
	raw, plain, ok := s.RawString()
	switch {
	case !ok:
		return "", false, false
	case plain: // no escape, valid UTF-8: exact
		return string(raw[1 : len(raw)-1]), true, true
	default:
		return jsonscan.Unquote(raw), exactString(raw), true
	}
}
