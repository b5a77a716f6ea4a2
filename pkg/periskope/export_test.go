package periskope

import (
	"sync/atomic"
	"testing"

	"github.com/periskope-connect/periskope-aws/pkg/periskope/internal/jsonscan"
)

// DecodePath is one decoding of the package, in its two implementations:
// Fast reports false where it leaves the input to the tolerant path.
type DecodePath struct {
	Name     string
	Fast     func(b []byte) (any, bool)
	Tolerant func(b []byte) (any, error)
}

// DecodePaths are the decodings with a fast path, for the tests that prove
// both implementations give the same results.
var DecodePaths = []DecodePath{
	{"decodeTicketInfo",
		func(b []byte) (any, bool) { return fastDecodeTicketInfo(b) },
		func(b []byte) (any, error) { return decodeTicketInfoTolerant(b) }},
	{"TicketInfo",
		func(b []byte) (any, bool) { v, ok := fastTicketInfo(b); return &v, ok },
		func(b []byte) (any, error) { var v TicketInfo; err := v.decodeTolerant(b); return &v, err }},
	{"Ticket",
		func(b []byte) (any, bool) { v, ok := fastTicket(b); return &v, ok },
		func(b []byte) (any, error) { var v Ticket; err := v.decodeTolerant(b); return &v, err }},
	{"Chat",
		func(b []byte) (any, bool) { v, ok := fastChat(b); return &v, ok },
		func(b []byte) (any, error) { var v Chat; err := v.decodeTolerant(b); return &v, err }},
	{"ChatMember",
		func(b []byte) (any, bool) { v, ok := fastChatMember(b); return &v, ok },
		func(b []byte) (any, error) { var v ChatMember; err := v.decodeTolerant(b); return &v, err }},
	{"Message",
		func(b []byte) (any, bool) { v, ok := fastMessage(b); return &v, ok },
		func(b []byte) (any, error) { var v Message; err := v.decodeTolerant(b); return &v, err }},
	{"TicketList",
		func(b []byte) (any, bool) { v, ok := fastTicketList(b); return &v, ok },
		func(b []byte) (any, error) { var v TicketList; err := v.decodeTolerant(b); return &v, err }},
	{"Event",
		func(b []byte) (any, bool) { v, ok := fastEvent(b); return &v, ok },
		func(b []byte) (any, error) { var v Event; err := v.decodeTolerant(b); return &v, err }},
	{"bare ticket array",
		func(b []byte) (any, bool) { return fastTickets(b) },
		func(b []byte) (any, error) { return objects[Ticket](b), nil }},
}

// ScanValid reports whether the fast path's scanner accepts b as one JSON
// value, and whether b nests deeper than the scanner goes.
func ScanValid(b []byte) (valid, tooDeep bool) {
	s := jsonscan.New(b)
	s.SkipSpace()
	_, ok := s.Value()
	s.SkipSpace()
	return ok && s.AtEnd(), s.TooDeep()
}

// MaxScanDepth is the deepest nesting the fast path reads.
const MaxScanDepth = jsonscan.MaxDepth

// CountMACs makes every HMAC the verifier computes count, until the test
// ends, and returns the count so far.
func CountMACs(t testing.TB) func() int {
	var n atomic.Int64
	orig := macFunc
	macFunc = func(body []byte, key string) []byte {
		n.Add(1)
		return orig(body, key)
	}
	t.Cleanup(func() { macFunc = orig })
	return func() int { return int(n.Load()) }
}

// V2Decodings are the encoding/json/v2 decodings, by the name of the
// DecodePath they replace, for the differential tests.
var V2Decodings = map[string]func(b []byte) (any, error){
	"decodeTicketInfo": func(b []byte) (any, error) { return decodeTicketInfoV2(b) },
	"TicketInfo": func(b []byte) (any, error) {
		var v TicketInfo
		err := decodeTicketInfoObjectV2(&v, b)
		return &v, err
	},
	"Ticket":     func(b []byte) (any, error) { v, err := decodeModelV2(b, readTicketV2); return &v, err },
	"Chat":       func(b []byte) (any, error) { v, err := decodeModelV2(b, readChatV2); return &v, err },
	"ChatMember": func(b []byte) (any, error) { v, err := decodeModelV2(b, readChatMemberV2); return &v, err },
	"Message":    func(b []byte) (any, error) { v, err := decodeModelV2(b, readMessageV2); return &v, err },
	"TicketList": func(b []byte) (any, error) {
		v, err := decodeModelV2(b, readTicketListV2)
		if err == nil {
			v.Raw = append([]byte(nil), b...)
		}
		return &v, err
	},
	"Event":             func(b []byte) (any, error) { v, err := decodeEventV2(b); return &v, err },
	"bare ticket array": func(b []byte) (any, error) { return decodeTicketArrayV2(b) },
}

// TicketInfoV2 is Event.TicketInfo on the encoding/json/v2 decoding.
func (e *Event) TicketInfoV2() (*TicketInfo, error) { return ticketInfoV2(e) }

// EventV2 is ParseEvent's decoding on encoding/json/v2.
func EventV2(b []byte) (*Event, error) { v, err := decodeEventV2(b); return &v, err }
