package ticketstore

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Values of Ticket.Source: who stored a ticket.
const (
	SourceWebhook   = "webhook"   // a ticket.created delivery
	SourceReconcile = "reconcile" // cmd/reconcile, from Periskope's ticket API
)

// MaxBatchKeys is the most keys one BatchGetItem call may ask for.
const MaxBatchKeys = 100

// While DynamoDB leaves keys unprocessed (throttling), Stored makes at most
// maxRounds calls, waiting firstBackoff before the second, doubled after each.
const (
	maxRounds    = 5
	firstBackoff = 50 * time.Millisecond
)

// ErrTooManyKeys is returned by Stored for more than MaxBatchKeys keys.
var ErrTooManyKeys = fmt.Errorf("ticketstore: more than %d keys in one batch", MaxBatchKeys)

// BatchGetItemAPI is the one DynamoDB call Lookup makes.
type BatchGetItemAPI interface {
	BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error)
}

// TicketRef names one ticket.
type TicketRef struct {
	OrgID, TicketID string
}

// Key is the ticket's partition key.
func (r TicketRef) Key() string { return Key(r.OrgID, r.TicketID) }

// Lookup tells which tickets a table holds, many per call.
type Lookup struct {
	db    BatchGetItemAPI
	table string
}

// NewLookup returns a Lookup reading table through db.
func NewLookup(db BatchGetItemAPI, table string) *Lookup { return &Lookup{db: db, table: table} }

// Stored reports which of refs (at most MaxBatchKeys) have an item, in one
// strongly consistent BatchGetItem of the keys, plus one call per round of
// keys left unprocessed. It wraps ErrUnavailable when DynamoDB fails or
// leaves keys unprocessed after maxRounds calls.
func (l *Lookup) Stored(ctx context.Context, refs []TicketRef) (map[TicketRef]bool, error) {
	if len(refs) > MaxBatchKeys {
		return nil, ErrTooManyKeys
	}
	stored := make(map[TicketRef]bool, len(refs))
	byKey := make(map[string]TicketRef, len(refs))
	keys := make([]map[string]types.AttributeValue, 0, len(refs))
	for _, r := range refs {
		if _, dup := byKey[r.Key()]; dup {
			continue // BatchGetItem refuses a key asked twice
		}
		byKey[r.Key()] = r
		stored[r] = false
		keys = append(keys, ItemKey(r.OrgID, r.TicketID))
	}
	wait := firstBackoff
	for round := 1; len(keys) > 0; round++ {
		if round > maxRounds {
			return nil, fmt.Errorf("%w: %d keys still unprocessed after %d BatchGetItem calls", ErrUnavailable, len(keys), round-1)
		}
		if round > 1 {
			select {
			case <-ctx.Done():
				return nil, fmt.Errorf("%w: %w", ErrUnavailable, ctx.Err())
			case <-time.After(wait): // collected once unreferenced, stopped or not (Go 1.23)
			}
			wait *= 2
		}
		out, err := l.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{
			l.table: {Keys: keys, ConsistentRead: aws.Bool(true), ProjectionExpression: aws.String("pk")},
		}})
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
		}
		for _, item := range out.Responses[l.table] {
			if pk, ok := item["pk"].(*types.AttributeValueMemberS); ok {
				if r, ok := byKey[pk.Value]; ok {
					stored[r] = true
				}
			}
		}
		keys = out.UnprocessedKeys[l.table].Keys
	}
	return stored, nil
}
