package ticketstore_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/periskope-connect/periskope-aws/internal/dev/samples"
	"github.com/periskope-connect/periskope-aws/internal/ticketstore"
)

// dataOfDelivery returns the data member of a ticket.created body.
func dataOfDelivery(t testing.TB, body []byte) []byte {
	t.Helper()
	var env struct{ Data json.RawMessage }
	if err := json.Unmarshal(body, &env); err != nil {
		t.Fatal(err)
	}
	return env.Data
}

// incompressible returns n bytes of random hex (gzip cannot shrink it much
// below half), from a fixed seed.
func incompressible(n int) string {
	b := make([]byte, n/2)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return hex.EncodeToString(b)
}

// groupWithIncompressibleMembers is a ticket info object whose members map
// alone is size bytes of random text: too large for the item even gzipped.
func groupWithIncompressibleMembers(t testing.TB, size int) []byte {
	t.Helper()
	data := dataOfDelivery(t, samples.LargeGroup(2, 2))
	var info map[string]any
	if err := json.Unmarshal(data, &info); err != nil {
		t.Fatal(err)
	}
	info["chat"].(map[string]any)["members"] = map[string]any{"x@c.us": map[string]any{"contact_name": incompressible(size)}}
	out, err := json.Marshal(info)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func form(item map[string]types.AttributeValue) string {
	_, raw := item["data"]
	_, gz := item["data_gz"]
	_, cut := item["members_truncated"]
	switch {
	case raw && !gz && !cut:
		return "text"
	case gz && !raw && !cut:
		return "gzip"
	case gz && !raw && cut:
		return "gzip, members cut"
	}
	return "inconsistent"
}

// Each storage form is chosen only when the one before does not fit, and
// DataOf (through FromItem) gives back data byte for byte, but for the
// members of a truncated one.
func TestStorageForms(t *testing.T) {
	for _, tc := range []struct {
		name     string
		data     []byte
		want     string
		lossless bool
	}{
		{"450-member group", dataOfDelivery(t, samples.LargeGroup(450, 20)), "text", true},
		{"1,024-member group", dataOfDelivery(t, samples.LargeGroup(samples.WhatsAppMaxGroupMembers, 100)), "gzip", true},
		{"5 MB group", dataOfDelivery(t, samples.LargeGroup(11300, 100)), "gzip", true},
		{"incompressible members", groupWithIncompressibleMembers(t, 1<<20), "gzip, members cut", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tk := validTicket()
			tk.Data = tc.data
			if err := tk.Validate(); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			item := tk.Item()
			if got := form(item); got != tc.want {
				t.Fatalf("stored as %s, want %s", got, tc.want)
			}
			back, err := ticketstore.FromItem(item)
			if err != nil {
				t.Fatal(err)
			}
			if back.MembersTruncated == tc.lossless {
				t.Errorf("MembersTruncated = %v", back.MembersTruncated)
			}
			if tc.lossless {
				if !bytes.Equal(back.Data, tc.data) {
					t.Fatal("data read back differs from data stored")
				}
				return
			}
			var info struct {
				Chat struct {
					Members map[string]any `json:"members"`
					ChatID  string         `json:"chat_id"`
				} `json:"chat"`
				Ticket struct {
					TicketID string `json:"ticket_id"`
				} `json:"ticket"`
			}
			if err := json.Unmarshal(back.Data, &info); err != nil {
				t.Fatalf("truncated data is not JSON: %v", err)
			}
			if info.Chat.Members == nil || len(info.Chat.Members) != 0 || info.Chat.ChatID == "" || info.Ticket.TicketID == "" {
				t.Errorf("truncated data %+v: want an empty members map and the rest", info)
			}
		})
	}
}

// A large group cut to fit keeps every byte of its data but the members:
// member order, spacing and escapes as sent, "<" unescaped. Sent
// string-wrapped (as the webhook may receive data), it is stored the same,
// as the object the string holds, rather than refused as too large.
func TestMembersCutKeepsTheRestOfTheData(t *testing.T) {
	members := `{"x@c.us": {"contact_name": "` + incompressible(1<<20) + `"}}`
	object := `{ "ticket" : {"ticket_id":"T<1>","subject":"a<b>&c \u00e9 \/ \ud83d\ude00 \u003c"},` +
		"\n\t\"chat\":{\"chat_id\":\"1@c.us\", \"members\" : " + members + ` , "name":"<x>"}, "a":1.50 }`
	want := strings.Replace(object, members, "{}", 1)
	wrapped, err := json.Marshal(object)
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"object": []byte(object), "string-wrapped": wrapped} {
		t.Run(name, func(t *testing.T) {
			tk := validTicket()
			tk.Data = data
			if err := tk.Validate(); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			item := tk.Item()
			if got := form(item); got != "gzip, members cut" {
				t.Fatalf("stored as %s, want gzip, members cut", got)
			}
			back, err := ticketstore.FromItem(item)
			if err != nil {
				t.Fatal(err)
			}
			if !back.MembersTruncated || string(back.Data) != want {
				t.Errorf("data stored %.300q (truncated %v), want %.300q", back.Data, back.MembersTruncated, want)
			}
		})
	}
}

// Data that fits in no form is refused before DynamoDB is called.
func TestTooLargeInEveryForm(t *testing.T) {
	for name, data := range map[string][]byte{
		"not an object":          []byte(`"` + incompressible(ticketstore.MaxItemBytes*2) + `"`),
		"incompressible subject": []byte(`{"ticket":{"subject":"` + incompressible(ticketstore.MaxItemBytes*2) + `"}}`),
	} {
		tk := validTicket()
		tk.Data = data
		db := &fakeDB{}
		if err := ticketstore.New(db, "tickets").Put(context.Background(), tk); !errors.Is(err, ticketstore.ErrTooLarge) {
			t.Errorf("%s: err = %v, want ErrTooLarge", name, err)
		}
		if len(db.calls) != 0 {
			t.Errorf("%s: PutItem called", name)
		}
	}
}

func TestDataOfRefusesDamagedItems(t *testing.T) {
	gz := validTicket()
	gz.Data = []byte(incompressible(ticketstore.MaxItemBytes / 2 * 3))
	for name, mutate := range map[string]func(map[string]types.AttributeValue){
		"no data":     func(item map[string]types.AttributeValue) { delete(item, "data_gz") },
		"no encoding": func(item map[string]types.AttributeValue) { delete(item, "data_encoding") },
		"unknown encoding": func(item map[string]types.AttributeValue) {
			item["data_encoding"] = &types.AttributeValueMemberS{Value: "br"}
		},
		"not gzip": func(item map[string]types.AttributeValue) {
			item["data_gz"] = &types.AttributeValueMemberB{Value: []byte("plain")}
		},
		"past MaxDataBytes": func(item map[string]types.AttributeValue) {
			item["data_gz"] = &types.AttributeValueMemberB{Value: ticketstore.Gzip(make([]byte, ticketstore.MaxDataBytes+1))}
		},
		"cut short": func(item map[string]types.AttributeValue) {
			b := item["data_gz"].(*types.AttributeValueMemberB).Value
			item["data_gz"] = &types.AttributeValueMemberB{Value: b[:len(b)/2]}
		},
	} {
		item := gz.Item()
		if form(item) != "gzip" {
			t.Fatalf("baseline stored as %s", form(item))
		}
		mutate(item)
		if _, err := ticketstore.DataOf(item); !errors.Is(err, ticketstore.ErrBadData) {
			t.Errorf("%s: err = %v, want ErrBadData", name, err)
		}
	}
}

// A huge subject (stored twice: in data and as the top-level copy) does not
// keep a ticket out: with data compressed, the copy is cut to MaxCopyBytes
// at a character boundary and data keeps the subject whole.
func TestHugeSubjectIsStoredWithItsCopyCut(t *testing.T) {
	subject := strings.Repeat("é", 3<<20) // 6 MiB of two-byte characters
	tk := validTicket()
	tk.Subject = subject
	tk.Data = []byte(`{"ticket":{"subject":"` + subject + `"}}`)
	if err := tk.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	item := tk.Item()
	got := item["subject"].(*types.AttributeValueMemberS).Value
	if len(got) > ticketstore.MaxCopyBytes || !utf8.ValidString(got) || !strings.HasPrefix(subject, got) || len(got) < ticketstore.MaxCopyBytes-1 {
		t.Errorf("subject copy of %d bytes, want a prefix of at most %d", len(got), ticketstore.MaxCopyBytes)
	}
	back, err := ticketstore.FromItem(item)
	if err != nil || !bytes.Equal(back.Data, tk.Data) {
		t.Fatalf("data not read back whole: %v", err)
	}
}
