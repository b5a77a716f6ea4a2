// Package ticketlookup answers an operator's two questions about the
// tickets table, "did ticket X arrive?" and "what came from this chat?",
// for `make ticket` and `make tickets` (cmd/lookup).
package ticketlookup

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/periskope-connect/periskope-aws/internal/text"
	"github.com/periskope-connect/periskope-aws/internal/ticketstore"
	"github.com/periskope-connect/periskope-aws/pkg/periskope"
)

// Errors of the lookups.
var (
	ErrNotFound  = errors.New("no such ticket")            // no item has the ticket's key
	ErrNoTickets = errors.New("the table holds no ticket") // so no org can be found
	ErrInvalid   = errors.New("invalid argument")          // not an id, org or chat
)

// Item is one DynamoDB item.
type Item = map[string]types.AttributeValue

// DB is what the lookups call; *dynamodb.Client implements it.
type DB interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	Scan(ctx context.Context, in *dynamodb.ScanInput, opts ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error)
}

// Lookup reads one tickets table.
type Lookup struct {
	db    DB
	table string
}

// New returns a Lookup of table through db.
func New(db DB, table string) *Lookup { return &Lookup{db: db, table: table} }

// Ticket returns the stored item of ticket ticketID of org orgID, or
// ErrNotFound. The read is consistent: a delivery acknowledged a moment ago
// is there.
func (l *Lookup) Ticket(ctx context.Context, orgID, ticketID string) (Item, error) {
	switch {
	case strings.TrimSpace(orgID) == "" || strings.TrimSpace(ticketID) == "":
		return nil, fmt.Errorf("%w: org and ticket id are required", ErrInvalid)
	case strings.Contains(orgID, "#"):
		return nil, fmt.Errorf("%w: an org id has no '#'", ErrInvalid)
	case text.Escape(orgID) != orgID || text.Escape(ticketID) != ticketID:
		return nil, fmt.Errorf("%w: org and ticket id are printable text, without control characters", ErrInvalid)
	}
	out, err := l.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(l.table),
		Key:            ticketstore.ItemKey(orgID, ticketID),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", ticketstore.Key(orgID, ticketID), err)
	}
	if len(out.Item) == 0 {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, ticketstore.Key(orgID, ticketID))
	}
	return out.Item, nil
}

// ChatTickets returns up to limit (<= 0: all) tickets of chat, newest
// first. Bare digits get "@c.us", as Periskope writes a person's chat.
func (l *Lookup) ChatTickets(ctx context.Context, chat string, limit int) ([]Item, error) {
	chat = periskope.NormalizeChatID(chat)
	switch {
	case chat == "":
		return nil, fmt.Errorf("%w: chat id is required", ErrInvalid)
	case !strings.HasSuffix(chat, "@c.us") && !strings.HasSuffix(chat, "@g.us"), strings.ContainsAny(chat, " #"), text.Escape(chat) != chat:
		return nil, fmt.Errorf("%w: want a chat id such as 919537851844@c.us, 120363025246125486@g.us or the phone number's digits", ErrInvalid)
	}
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(l.table),
		IndexName:                 aws.String(ticketstore.IndexByChat),
		KeyConditionExpression:    aws.String("chat_id = :chat"),
		ExpressionAttributeValues: Item{":chat": &types.AttributeValueMemberS{Value: chat}},
		ScanIndexForward:          aws.Bool(false),
	}
	var items []Item
	for {
		if limit > 0 {
			in.Limit = aws.Int32(int32(limit - len(items)))
		}
		out, err := l.db.Query(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("query %s for chat %s: %w", ticketstore.IndexByChat, chat, err)
		}
		items = append(items, out.Items...)
		if limit > 0 && len(items) >= limit {
			return items[:limit], nil
		}
		if len(out.LastEvaluatedKey) == 0 {
			return items, nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

// Org returns the org of the first ticket a scan of the table meets, for a
// lookup by ticket id alone: a stack serves one Periskope org. It reads
// keys only and stops at the first ticket; ErrNoTickets when there is none.
func (l *Lookup) Org(ctx context.Context) (string, error) {
	pages := dynamodb.NewScanPaginator(l.db, &dynamodb.ScanInput{
		TableName:                 aws.String(l.table),
		ProjectionExpression:      aws.String("pk"),
		FilterExpression:          aws.String("begins_with(pk, :prefix)"),
		ExpressionAttributeValues: Item{":prefix": &types.AttributeValueMemberS{Value: ticketstore.KeyPrefix}},
	})
	for pages.HasMorePages() {
		out, err := pages.NextPage(ctx)
		if err != nil {
			return "", fmt.Errorf("scan %s for a ticket: %w", l.table, err)
		}
		for _, item := range out.Items {
			if pk, ok := item["pk"].(*types.AttributeValueMemberS); ok {
				rest := strings.TrimPrefix(pk.Value, ticketstore.KeyPrefix)
				if org, _, ok := strings.Cut(rest, "#"); ok && org != "" {
					return org, nil
				}
			}
		}
	}
	return "", ErrNoTickets
}

// WriteJSON writes item as plain JSON (sets as lists, binary as base64)
// with its data, however stored, as "data", embedded when it is JSON. Each
// line is escaped (text.Escape), which leaves JSON valid: the controls
// JSON's encoder keeps become \u escapes.
func WriteJSON(w io.Writer, item Item) error {
	plain := make(map[string]any, len(item))
	for name, v := range item {
		plain[name] = value(v)
	}
	if data, err := ticketstore.DataOf(item); err == nil {
		delete(plain, "data_gz")
		valid := strings.ToValidUTF8(string(data), "\uFFFD")
		plain["data"] = valid
		if json.Valid(data) {
			plain["data"] = json.RawMessage(valid)
		}
	}
	b, err := json.MarshalIndent(plain, "", "  ")
	if err != nil {
		return err
	}
	lines := strings.Split(string(b), "\n")
	for i, line := range lines {
		lines[i] = text.Escape(line)
	}
	_, err = fmt.Fprintln(w, strings.Join(lines, "\n"))
	return err
}

var summaryColumns = []string{"created_at", "ticket_id", "org_id", "status", "priority", "subject"}

// WriteSummary prints items as a table, one ticket a line. Cells are
// escaped (text.Escape): a subject can neither forge a row or a column nor
// send the terminal an escape sequence.
func WriteSummary(w io.Writer, items []Item) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(summaryColumns, "\t"))
	for _, item := range items {
		cells := make([]string, len(summaryColumns))
		for i, name := range summaryColumns {
			cells[i] = "-"
			if v := item[name]; v != nil {
				cells[i] = text.Escape(fmt.Sprint(value(v)))
			}
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	return tw.Flush()
}

func value(v types.AttributeValue) any {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return v.Value
	case *types.AttributeValueMemberN:
		return json.Number(v.Value)
	case *types.AttributeValueMemberBOOL:
		return v.Value
	case *types.AttributeValueMemberNULL:
		return nil
	case *types.AttributeValueMemberB:
		return v.Value
	case *types.AttributeValueMemberSS:
		return v.Value
	case *types.AttributeValueMemberNS:
		nums := make([]json.Number, len(v.Value))
		for i, n := range v.Value {
			nums[i] = json.Number(n)
		}
		return nums
	case *types.AttributeValueMemberBS:
		return v.Value
	case *types.AttributeValueMemberL:
		out := make([]any, len(v.Value))
		for i, e := range v.Value {
			out[i] = value(e)
		}
		return out
	case *types.AttributeValueMemberM:
		out := make(map[string]any, len(v.Value))
		for k, e := range v.Value {
			out[k] = value(e)
		}
		return out
	}
	return nil
}
