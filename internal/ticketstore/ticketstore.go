// Package ticketstore keeps the tickets announced by Periskope's
// ticket.created webhook in the product's DynamoDB table, each exactly once,
// one item a ticket; docs/contract.md ("DynamoDB items") lists its
// attributes.
//
// data is kept as the raw JSON text, exactly what Periskope signed, not as
// a DynamoDB map (which would round numbers, reorder members and merge some
// JSON forms); the top-level attributes are copies for queries and people.
//
// A WhatsApp group of 1,024 members (its limit) with 100 messages is about
// 495 KB of JSON, over the item limit, and about 42 KB gzipped. So the
// storage form is the first that fits: data as text, data gzipped, data
// gzipped without the members (flagged); only a ticket that fits none is
// refused (ErrTooLarge).
package ticketstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// IndexByChat is template.yaml's sparse global secondary index on chat_id
// (partition) and created_at (sort).
const IndexByChat = "ByChat"

// KeyPrefix starts the partition key of every ticket item.
const KeyPrefix = "TICKET#"

// DynamoDB limits checked before calling it, so that an oversized input is
// the caller's fault, not an outage.
const (
	MaxKeyBytes     = 2048 // partition key value, of the table or an index
	MaxSortKeyBytes = 1024 // sort key value of an index
	// MaxItemBytes bounds the whole item, attribute names included. AWS
	// documents "400 KB"; the decimal reading is the safe one.
	MaxItemBytes = 400_000
)

// Errors returned by Put.
var (
	// ErrDuplicate: an item with the same key exists and was left as it was.
	ErrDuplicate = errors.New("ticketstore: ticket already stored")
	// ErrInvalidTicket: the ticket's key cannot be built.
	ErrInvalidTicket = errors.New("ticketstore: ticket cannot be stored")
	// ErrTooLarge: the item would exceed DynamoDB's item size limit.
	ErrTooLarge = errors.New("ticketstore: ticket too large to store")
	// ErrRejected wraps a DynamoDB refusal that retrying will not change.
	ErrRejected = errors.New("ticketstore: DynamoDB rejected the write")
	// ErrUnavailable wraps a DynamoDB failure; the write may be retried.
	ErrUnavailable = errors.New("ticketstore: DynamoDB unavailable")
)

// PutItemAPI is the one DynamoDB call the store makes.
type PutItemAPI interface {
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
}

// Ticket is what the store keeps of a ticket.created delivery.
type Ticket struct {
	OrgID     string
	TicketID  string
	ChatID    string
	Subject   string
	Status    string
	Priority  int
	CreatedAt string // as Periskope wrote it: its formats vary, and the text is what was signed
	// ReceivedAt is when the delivery was accepted.
	ReceivedAt     time.Time
	Event          string // "ticket.created"
	EventTimestamp string // the envelope's, as sent
	// Data is the event's data member exactly as received.
	Data   []byte
	Source string // SourceWebhook or SourceReconcile
	// MembersTruncated is set by FromItem on a ticket stored without its
	// chat's members; Put decides it, not the caller.
	MembersTruncated bool
}

// Key returns the partition key of the ticket ticketID of org orgID.
func Key(orgID, ticketID string) string { return KeyPrefix + orgID + "#" + ticketID }

// ItemKey returns the DynamoDB key of the ticket ticketID of org orgID.
func ItemKey(orgID, ticketID string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: Key(orgID, ticketID)}}
}

// Validate reports why t cannot be stored (ErrInvalidTicket, ErrTooLarge).
func (t *Ticket) Validate() error { return t.validate(t.Item()) }

func (t *Ticket) validate(item map[string]types.AttributeValue) error {
	switch {
	case t.OrgID == "":
		return fmt.Errorf("%w: no org_id", ErrInvalidTicket)
	case strings.Contains(t.OrgID, "#"):
		// The first "#" after the prefix must end the org id, or two
		// different tickets could share a key.
		return fmt.Errorf("%w: org_id contains '#'", ErrInvalidTicket)
	case t.TicketID == "":
		return fmt.Errorf("%w: no ticket_id", ErrInvalidTicket)
	case len(Key(t.OrgID, t.TicketID)) > MaxKeyBytes:
		return fmt.Errorf("%w: key longer than %d bytes", ErrInvalidTicket, MaxKeyBytes)
	}
	if size := itemSize(item); size > MaxItemBytes {
		return fmt.Errorf("%w: item of %d bytes exceeds %d", ErrTooLarge, size, MaxItemBytes)
	}
	return nil
}

// Item returns t as a DynamoDB item, its data in the first storage form
// that fits (else the last tried, which Validate and Put refuse). chat_id
// and created_at, the ByChat index keys, are left out when DynamoDB would
// refuse them as keys, so that the ticket is stored outside the index.
func (t *Ticket) Item() map[string]types.AttributeValue {
	s := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
	item := map[string]types.AttributeValue{
		"pk":              s(Key(t.OrgID, t.TicketID)),
		"ticket_id":       s(t.TicketID),
		"org_id":          s(t.OrgID),
		"chat_id":         s(t.ChatID),
		"subject":         s(t.Subject),
		"status":          s(t.Status),
		"priority":        &types.AttributeValueMemberN{Value: strconv.Itoa(t.Priority)},
		"created_at":      s(t.CreatedAt),
		"received_at":     s(t.ReceivedAt.UTC().Format(time.RFC3339Nano)),
		"event":           s(t.Event),
		"event_timestamp": s(t.EventTimestamp),
		"source":          s(t.Source),
		attrData:          s(string(t.Data)),
	}
	dropUnusableKey(item, "chat_id", MaxKeyBytes)
	dropUnusableKey(item, "created_at", MaxSortKeyBytes)
	if itemSize(item) <= MaxItemBytes {
		return item
	}
	delete(item, attrData)
	shortenCopies(item)
	item[attrDataGzip] = &types.AttributeValueMemberB{Value: Gzip(t.Data)}
	item[attrDataEncoding] = &types.AttributeValueMemberS{Value: encodingGzip}
	if itemSize(item) <= MaxItemBytes {
		return item
	}
	if cut, ok := withoutMembers(t.Data); ok {
		item[attrDataGzip] = &types.AttributeValueMemberB{Value: Gzip(cut)}
		item[attrMembersTruncated] = &types.AttributeValueMemberBOOL{Value: true}
	}
	return item
}

// MaxCopyBytes bounds the top-level copies of free text in an item whose
// data is compressed: a huge subject must not keep the ticket out of the
// table, and data keeps it whole.
const MaxCopyBytes = 1024

func shortenCopies(item map[string]types.AttributeValue) {
	for _, name := range []string{"subject", "status", "event_timestamp"} {
		if v, ok := item[name].(*types.AttributeValueMemberS); ok && len(v.Value) > MaxCopyBytes {
			cut := v.Value[:MaxCopyBytes]
			for !utf8.ValidString(cut) {
				cut = cut[:len(cut)-1]
			}
			item[name] = &types.AttributeValueMemberS{Value: cut}
		}
	}
}

func dropUnusableKey(item map[string]types.AttributeValue, name string, maxBytes int) {
	v, ok := item[name].(*types.AttributeValueMemberS)
	if !ok || v.Value == "" || len(v.Value) > maxBytes {
		delete(item, name)
	}
}

// FromItem reads an item written by Put back into a Ticket.
func FromItem(item map[string]types.AttributeValue) (*Ticket, error) {
	str := func(name string) string {
		if v, ok := item[name].(*types.AttributeValueMemberS); ok {
			return v.Value
		}
		return ""
	}
	t := &Ticket{
		OrgID:          str("org_id"),
		TicketID:       str("ticket_id"),
		ChatID:         str("chat_id"),
		Subject:        str("subject"),
		Status:         str("status"),
		CreatedAt:      str("created_at"),
		Event:          str("event"),
		EventTimestamp: str("event_timestamp"),
		Source:         str("source"),
	}
	if str("pk") != Key(t.OrgID, t.TicketID) {
		return nil, fmt.Errorf("ticketstore: item %q is not a ticket item", str("pk"))
	}
	data, err := DataOf(item)
	if err != nil {
		return nil, err
	}
	t.Data = data
	if b, ok := item[attrMembersTruncated].(*types.AttributeValueMemberBOOL); ok {
		t.MembersTruncated = b.Value
	}
	if n, ok := item["priority"].(*types.AttributeValueMemberN); ok {
		p, err := strconv.Atoi(n.Value)
		if err != nil {
			return nil, fmt.Errorf("ticketstore: priority %q: %w", n.Value, err)
		}
		t.Priority = p
	}
	received, err := time.Parse(time.RFC3339Nano, str("received_at"))
	if err != nil {
		return nil, fmt.Errorf("ticketstore: received_at: %w", err)
	}
	t.ReceivedAt = received
	return t, nil
}

// itemSize is DynamoDB's item size, as AWS documents it; numbers are
// counted as their text, an over-estimate (DynamoDB stores at most 21 bytes).
func itemSize(item map[string]types.AttributeValue) int {
	size := 0
	for name, v := range item {
		size += len(name)
		switch v := v.(type) {
		case *types.AttributeValueMemberS:
			size += len(v.Value)
		case *types.AttributeValueMemberN:
			size += len(v.Value)
		case *types.AttributeValueMemberB:
			size += len(v.Value)
		case *types.AttributeValueMemberBOOL:
			size++
		}
	}
	return size
}

// Store writes tickets to one table.
type Store struct {
	db    PutItemAPI
	table string
}

// New returns a Store writing to table through db.
func New(db PutItemAPI, table string) *Store { return &Store{db: db, table: table} }

// Put stores t unless an item with its key exists, in one conditional write,
// so concurrent deliveries of the same ticket store it once. It returns
// ErrDuplicate, Validate's errors, or wraps the SDK's error in ErrRejected
// or ErrUnavailable.
func (s *Store) Put(ctx context.Context, t *Ticket) error {
	item := t.Item()
	if err := t.validate(item); err != nil {
		return err
	}
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:           aws.String(s.table),
		Item:                item,
		ConditionExpression: aws.String("attribute_not_exists(pk)"),
	})
	var exists *types.ConditionalCheckFailedException
	switch {
	case err == nil:
		return nil
	case errors.As(err, &exists):
		return ErrDuplicate
	case retryable(err):
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	default:
		return fmt.Errorf("%w: %w", ErrRejected, err)
	}
}

// retryable reports whether a failed write may succeed if tried again:
// anything but an answer DynamoDB gives as the client's fault (a 4xx),
// which it would give again.
func retryable(err error) bool {
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		return true // no answer: network, timeout, cancelled
	}
	code := apiErr.ErrorCode()
	_, throttled := retry.DefaultThrottleErrorCodes[code]
	_, timedOut := retry.DefaultRetryableErrorCodes[code]
	var notFound *types.ResourceNotFoundException
	// ResourceNotFoundException is also the answer for a table that is not
	// ACTIVE yet, which a later delivery may find.
	if throttled || timedOut || errors.As(err, &notFound) {
		return true
	}
	var resp *smithyhttp.ResponseError
	if errors.As(err, &resp) && resp.HTTPStatusCode() > 0 {
		return resp.HTTPStatusCode() >= 500
	}
	return apiErr.ErrorFault() != smithy.FaultClient
}
