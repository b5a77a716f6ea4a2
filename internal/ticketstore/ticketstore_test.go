package ticketstore_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/periskope-connect/periskope-aws/internal/ticketstore"
	"github.com/periskope-connect/periskope-aws/pkg/periskope"
)

var received = time.Date(2025, 3, 1, 12, 30, 45, 123456789, time.UTC)

// validTicket is the baseline the table tests mutate one field at a time.
func validTicket() *ticketstore.Ticket {
	return &ticketstore.Ticket{
		OrgID:          "2997dd64-89bf-48d3-9a22-b314fca017e5",
		TicketID:       "TICKET-12345",
		ChatID:         "919537851844@c.us",
		Subject:        "Sample Ticket Subject",
		Status:         "open",
		Priority:       2,
		CreatedAt:      "2024-05-24T08:30:00+00:00",
		ReceivedAt:     received,
		Event:          "ticket.created",
		EventTimestamp: "2024-05-24T08:30:01+00:00",
		Data:           []byte(`{"ticket": {"ticket_id": "TICKET-12345", "priority": 2.50000000000000000001, "x": {"y": [1, "2"]}}}`),
		Source:         ticketstore.SourceWebhook,
	}
}

// fakeDB records the PutItem calls and answers with err.
type fakeDB struct {
	calls []*dynamodb.PutItemInput
	err   error
}

func (f *fakeDB) PutItem(_ context.Context, in *dynamodb.PutItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	f.calls = append(f.calls, in)
	return &dynamodb.PutItemOutput{}, f.err
}

func TestPutWritesOneConditionalItem(t *testing.T) {
	db := &fakeDB{}
	if err := ticketstore.New(db, "tickets").Put(context.Background(), validTicket()); err != nil {
		t.Fatal(err)
	}
	if len(db.calls) != 1 {
		t.Fatalf("%d PutItem calls, want 1", len(db.calls))
	}
	in := db.calls[0]
	if got := aws.ToString(in.TableName); got != "tickets" {
		t.Errorf("table = %q", got)
	}
	if got := aws.ToString(in.ConditionExpression); got != "attribute_not_exists(pk)" {
		t.Errorf("condition = %q", got)
	}
	want := map[string]types.AttributeValue{
		"pk":              &types.AttributeValueMemberS{Value: "TICKET#2997dd64-89bf-48d3-9a22-b314fca017e5#TICKET-12345"},
		"ticket_id":       &types.AttributeValueMemberS{Value: "TICKET-12345"},
		"org_id":          &types.AttributeValueMemberS{Value: "2997dd64-89bf-48d3-9a22-b314fca017e5"},
		"chat_id":         &types.AttributeValueMemberS{Value: "919537851844@c.us"},
		"subject":         &types.AttributeValueMemberS{Value: "Sample Ticket Subject"},
		"status":          &types.AttributeValueMemberS{Value: "open"},
		"priority":        &types.AttributeValueMemberN{Value: "2"},
		"created_at":      &types.AttributeValueMemberS{Value: "2024-05-24T08:30:00+00:00"},
		"received_at":     &types.AttributeValueMemberS{Value: "2025-03-01T12:30:45.123456789Z"},
		"event":           &types.AttributeValueMemberS{Value: "ticket.created"},
		"event_timestamp": &types.AttributeValueMemberS{Value: "2024-05-24T08:30:01+00:00"},
		"data":            &types.AttributeValueMemberS{Value: string(validTicket().Data)},
		"source":          &types.AttributeValueMemberS{Value: "webhook"},
	}
	if !reflect.DeepEqual(in.Item, want) {
		t.Errorf("item:\n got %#v\nwant %#v", in.Item, want)
	}
}

func TestPutMapsErrors(t *testing.T) {
	conditionFailed := &types.ConditionalCheckFailedException{Message: aws.String("The conditional request failed")}
	for _, tc := range []struct {
		name    string
		err     error
		want    error
		wantAWS string // error code still reachable through the chain
	}{
		{"condition failed", conditionFailed, ticketstore.ErrDuplicate, ""},
		{"condition failed wrapped", &smithy.OperationError{ServiceID: "DynamoDB", OperationName: "PutItem", Err: conditionFailed}, ticketstore.ErrDuplicate, ""},
		{"validation", httpError(400, &smithy.GenericAPIError{Code: "ValidationException", Message: "index key empty"}), ticketstore.ErrRejected, "ValidationException"},
		{"access denied", httpError(400, &smithy.GenericAPIError{Code: "AccessDeniedException"}), ticketstore.ErrRejected, "AccessDeniedException"},
		// Also a table that is not ACTIVE yet (being created or restored).
		{"table missing", &types.ResourceNotFoundException{Message: aws.String("no table")}, ticketstore.ErrUnavailable, "ResourceNotFoundException"},
		{"throttled", &types.ProvisionedThroughputExceededException{}, ticketstore.ErrUnavailable, "ProvisionedThroughputExceededException"},
		{"throttled over HTTP 400", httpError(400, &smithy.GenericAPIError{Code: "ThrottlingException"}), ticketstore.ErrUnavailable, "ThrottlingException"},
		{"request timeout over HTTP 400", httpError(400, &smithy.GenericAPIError{Code: "RequestTimeoutException"}), ticketstore.ErrUnavailable, "RequestTimeoutException"},
		{"server error", httpError(500, &types.InternalServerError{}), ticketstore.ErrUnavailable, "InternalServerError"},
		{"unknown code over HTTP 503", httpError(503, &smithy.GenericAPIError{Code: "ServiceUnavailable"}), ticketstore.ErrUnavailable, "ServiceUnavailable"},
		{"timeout", fmt.Errorf("operation error DynamoDB: PutItem: %w", context.DeadlineExceeded), ticketstore.ErrUnavailable, ""},
		{"network", errors.New("dial tcp 127.0.0.1:1: connection refused"), ticketstore.ErrUnavailable, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := ticketstore.New(&fakeDB{err: tc.err}, "tickets").Put(context.Background(), validTicket())
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if errors.Is(err, ticketstore.ErrRejected) && errors.Is(err, ticketstore.ErrUnavailable) {
				t.Fatalf("err = %v is both rejected and unavailable", err)
			}
			var apiErr smithy.APIError
			if tc.wantAWS != "" && (!errors.As(err, &apiErr) || apiErr.ErrorCode() != tc.wantAWS) {
				t.Errorf("AWS error code lost: %v", err)
			}
		})
	}
}

// httpError wraps err as the SDK delivers an error answer with status.
func httpError(status int, err error) error {
	return &smithy.OperationError{ServiceID: "DynamoDB", OperationName: "PutItem", Err: &awshttp.ResponseError{
		ResponseError: &smithyhttp.ResponseError{
			Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}},
			Err:      err,
		},
	}}
}

// The index key attributes of the sparse ByChat index are left out of the
// item when DynamoDB would refuse them as keys; the rest of the item stays.
func TestItemLeavesOutUnusableIndexKeys(t *testing.T) {
	for _, tc := range []struct {
		name        string
		mutate      func(*ticketstore.Ticket)
		wantChat    bool
		wantCreated bool
	}{
		{"both", func(*ticketstore.Ticket) {}, true, true},
		{"no chat_id", func(tk *ticketstore.Ticket) { tk.ChatID = "" }, false, true},
		{"no created_at", func(tk *ticketstore.Ticket) { tk.CreatedAt = "" }, true, false},
		{"chat_id at the partition key limit", func(tk *ticketstore.Ticket) { tk.ChatID = strings.Repeat("c", ticketstore.MaxKeyBytes) }, true, true},
		{"chat_id over it", func(tk *ticketstore.Ticket) { tk.ChatID = strings.Repeat("c", ticketstore.MaxKeyBytes+1) }, false, true},
		{"created_at at the sort key limit", func(tk *ticketstore.Ticket) { tk.CreatedAt = strings.Repeat("9", ticketstore.MaxSortKeyBytes) }, true, true},
		{"created_at of 1,500 bytes", func(tk *ticketstore.Ticket) { tk.CreatedAt = strings.Repeat("9", 1500) }, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tk := validTicket()
			tc.mutate(tk)
			item := tk.Item()
			if _, ok := item["chat_id"]; ok != tc.wantChat {
				t.Errorf("chat_id in the item = %v, want %v", ok, tc.wantChat)
			}
			if _, ok := item["created_at"]; ok != tc.wantCreated {
				t.Errorf("created_at in the item = %v, want %v", ok, tc.wantCreated)
			}
			for _, name := range []string{"pk", "ticket_id", "org_id", "data", "received_at"} {
				if _, ok := item[name]; !ok {
					t.Errorf("%s missing", name)
				}
			}
		})
	}
}

func TestPutRefusesWhatDynamoDBWouldReject(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*ticketstore.Ticket)
		want   error
	}{
		{"no org id", func(tk *ticketstore.Ticket) { tk.OrgID = "" }, ticketstore.ErrInvalidTicket},
		{"no ticket id", func(tk *ticketstore.Ticket) { tk.TicketID = "" }, ticketstore.ErrInvalidTicket},
		{"org id with separator", func(tk *ticketstore.Ticket) { tk.OrgID = "a#b" }, ticketstore.ErrInvalidTicket},
		{"key too long", func(tk *ticketstore.Ticket) { tk.TicketID = strings.Repeat("x", ticketstore.MaxKeyBytes) }, ticketstore.ErrInvalidTicket},
		// Compressed or not: random text shrinks to about half, and it is
		// not an object with members to cut.
		{"item too large", func(tk *ticketstore.Ticket) { tk.Data = []byte(incompressible(3 * ticketstore.MaxItemBytes)) }, ticketstore.ErrTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tk := validTicket()
			tc.mutate(tk)
			db := &fakeDB{}
			err := ticketstore.New(db, "tickets").Put(context.Background(), tk)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if len(db.calls) != 0 {
				t.Errorf("PutItem called for an invalid ticket")
			}
		})
	}
}

// TestKeyLengthLimit: a key of exactly MaxKeyBytes is stored, one byte
// more is refused.
func TestKeyLengthLimit(t *testing.T) {
	for _, extra := range []int{0, 1} {
		tk := validTicket()
		tk.TicketID = strings.Repeat("x", ticketstore.MaxKeyBytes-len(ticketstore.Key(tk.OrgID, ""))+extra)
		err := tk.Validate()
		if n := len(ticketstore.Key(tk.OrgID, tk.TicketID)); (err == nil) != (n <= ticketstore.MaxKeyBytes) {
			t.Errorf("key of %d bytes: Validate = %v", n, err)
		}
	}
}

func TestItemRoundTrip(t *testing.T) {
	want := validTicket()
	got, err := ticketstore.FromItem(want.Item())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, want)
	}
}

func TestFromItemRejectsOtherItems(t *testing.T) {
	item := validTicket().Item()
	item["pk"] = &types.AttributeValueMemberS{Value: "IDEMPOTENCY#abc"}
	if _, err := ticketstore.FromItem(item); err == nil {
		t.Error("an idempotency item read as a ticket")
	}
}

func TestFromTicketInfoTakesTheChatFromTheTicketThenTheChatThenTheMessage(t *testing.T) {
	base := func() *periskope.TicketInfo {
		return &periskope.TicketInfo{
			Ticket:  &periskope.Ticket{TicketID: "T-1", ChatID: "1@c.us", Subject: "s", Status: "open", Priority: 3, CreatedAt: periskope.Time{Raw: "2024-05-13 11:19:34+00"}},
			Chat:    &periskope.Chat{ChatID: "2@c.us"},
			Message: &periskope.Message{ChatID: "3@c.us"},
		}
	}
	tests := []struct {
		name   string
		mutate func(*periskope.TicketInfo)
		want   string
	}{
		{"the ticket's", func(*periskope.TicketInfo) {}, "1@c.us"},
		{"the chat's", func(i *periskope.TicketInfo) { i.Ticket.ChatID = "" }, "2@c.us"},
		{"the message's", func(i *periskope.TicketInfo) { i.Ticket.ChatID, i.Chat = "", nil }, "3@c.us"},
		{"none", func(i *periskope.TicketInfo) { i.Ticket.ChatID, i.Chat, i.Message = "", nil, nil }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info := base()
			tt.mutate(info)
			got := ticketstore.FromTicketInfo("org", info, []byte(`{"raw":true}`))
			want := &ticketstore.Ticket{OrgID: "org", TicketID: "T-1", ChatID: tt.want, Subject: "s", Status: "open", Priority: 3,
				CreatedAt: "2024-05-13 11:19:34+00", Data: []byte(`{"raw":true}`)}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got %+v\nwant %+v", got, want)
			}
		})
	}
}
