// Package idempotency makes a create request safe to retry: the first
// request with an Idempotency-Key claims the key in DynamoDB with a
// conditional write before doing anything irreversible, and stores its
// answer afterwards for every retry with the same key and request.
//
// A key belongs to its caller's scope (Key.Caller): neither of two scopes
// using the same key can read the other's answer or learn that the key
// exists. A record expires through the table's TTL attribute expires_at;
// an expired record DynamoDB has not deleted yet counts as absent.
//
// The semantics are at most once. Begin writes the claim and Claim.Start
// marks it, with a second conditional write, just before the work. A claim
// never started is taken over, past its start window, by a request with
// the same key and body: its holder certainly did no work (its claim write
// may have timed out yet been applied), and a holder still about to Start
// finds its claim gone. A started claim is only released when the work
// certainly was not done; an unknown outcome is stored like any answer, and
// a started claim whose holder vanished is never taken over.
package idempotency

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/periskope-connect/periskope-aws/internal/ticketstore"
)

// MaxKeyLength is the longest Idempotency-Key accepted, in bytes.
const MaxKeyLength = 255

// KeyPrefix starts the partition key of every idempotency record.
const KeyPrefix = "IDEMPOTENCY#"

const (
	// TTL is how long a record lives after the first request.
	TTL = 24 * time.Hour
	// DefaultCallTimeout bounds each DynamoDB call, retries included, so an
	// unreachable DynamoDB is ErrUnavailable while there is time to answer.
	DefaultCallTimeout = 2 * time.Second
)

// StartWindow is the default of how long after Begin a claim not started
// is protected from a takeover. It only keeps concurrent duplicates from
// taking turns (Start is conditional on the claim), and it is shorter than
// the call timeout, so a client retrying a failed claim write is past it.
const StartWindow = time.Second

// Errors of Begin, Complete and Release.
var (
	// ErrInvalidKey: the key is empty, longer than MaxKeyLength or not printable ASCII.
	ErrInvalidKey = errors.New("idempotency: invalid key")
	// ErrConflict: the key was first used with a different request.
	ErrConflict = errors.New("idempotency: key already used with a different request")
	// ErrInProgress: the first request with the key is still running.
	ErrInProgress = errors.New("idempotency: a request with this key is in progress")
	// ErrOutcomeUnknown: the first request with the key died without
	// recording an answer; the key is unusable until the record expires.
	ErrOutcomeUnknown = errors.New("idempotency: an earlier request with this key ended without an answer")
	// ErrAnswerUnreadable: the first request with the key finished, but
	// its recorded answer cannot be read back; retrying cannot help.
	ErrAnswerUnreadable = errors.New("idempotency: the recorded answer of this key is unreadable")
	// ErrUnavailable wraps a DynamoDB failure.
	ErrUnavailable = errors.New("idempotency: store unavailable")
	// ErrClaimLost: Start, Complete or Release found the record no longer
	// held by this claim (taken over, or expired and claimed again).
	ErrClaimLost = errors.New("idempotency: claim no longer held")
)

const (
	statusInProgress = "in_progress"
	statusCompleted  = "completed"
	statusReleased   = "released"
)

// Store keeps idempotency records in one DynamoDB table, every state change
// a conditional PutItem. It is safe for concurrent use.
type Store struct {
	db          ticketstore.PutItemAPI
	table       string
	startWindow time.Duration
}

// Option configures a Store.
type Option func(*Store)

// WithStartWindow replaces StartWindow: longer for tests that must see
// concurrent requests in progress on a slow machine.
func WithStartWindow(d time.Duration) Option { return func(s *Store) { s.startWindow = d } }

// New returns a Store over table.
func New(db ticketstore.PutItemAPI, table string, opts ...Option) *Store {
	s := &Store{db: db, table: table, startWindow: StartWindow}
	for _, opt := range opts {
		opt(s)
	}
	return s
}

// ValidateKey checks an Idempotency-Key: 1 to MaxKeyLength bytes of
// printable ASCII.
func ValidateKey(key string) error {
	if key == "" || len(key) > MaxKeyLength {
		return fmt.Errorf("%w: must be 1 to %d characters", ErrInvalidKey, MaxKeyLength)
	}
	if strings.ContainsFunc(key, func(r rune) bool { return r < 0x20 || r > 0x7e }) {
		return fmt.Errorf("%w: must be printable ASCII", ErrInvalidKey)
	}
	return nil
}

// Fingerprint is the hex SHA-256 of b, which Begin compares to tell the
// same request from another under the same key.
func Fingerprint(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Key names an idempotent request: the client's Idempotency-Key within the
// scope of the caller that sent it.
type Key struct {
	// Caller identifies who sent the request; "" is the one anonymous
	// scope, for requests no authorizer vouched for (local runs).
	Caller string
	Value  string
}

// PartitionKey is the pk of the record of k. Caller (length-prefixed, so
// no two pairs hash the same input) and key are hashed: the item key has a
// fixed length, and neither the raw key nor the caller is stored.
func PartitionKey(k Key) string {
	return KeyPrefix + Fingerprint([]byte(strconv.Itoa(len(k.Caller))+":"+k.Caller+k.Value))
}

// Response is a stored answer.
type Response struct {
	Status   int
	Body     []byte
	TicketID string // for logs of replays; may be empty
}

// Begun is the result of Begin: exactly one of Claim and Replay is set.
type Begun struct {
	// Claim: this request holds the key, must do the work, then Complete
	// or Release the claim.
	Claim *Claim
	// Replay: an earlier request with the same key and fingerprint
	// completed; answer with it and do nothing else.
	Replay *Response
}

// Begin claims key for a request with the given fingerprint, with a single
// conditional write. leaseUntil is when the claimant is certainly no longer
// running (a Lambda function's deadline): until then a duplicate gets
// ErrInProgress, after it ErrOutcomeUnknown. It returns ErrConflict,
// ErrInProgress, ErrOutcomeUnknown, ErrInvalidKey, or an error wrapping
// ErrAnswerUnreadable or ErrUnavailable.
func (s *Store) Begin(ctx context.Context, key Key, fingerprint string, leaseUntil time.Time) (Begun, error) {
	if err := ValidateKey(key.Value); err != nil {
		return Begun{}, err
	}
	now := time.Now()
	var owner [16]byte
	_, _ = rand.Read(owner[:]) // crypto/rand.Read never fails on supported platforms
	claim := &Claim{store: s, pk: PartitionKey(key), owner: hex.EncodeToString(owner[:])}
	claim.record = map[string]types.AttributeValue{
		"pk":          str(claim.pk),
		"body_hash":   str(fingerprint),
		"owner":       str(claim.owner),
		"created_at":  str(now.UTC().Format(time.RFC3339Nano)),
		"lease_until": num(leaseUntil.UnixMilli()),
		"start_by":    num(now.Add(s.startWindow).UnixMilli()),
		"expires_at":  num(now.Add(TTL).Unix()),
	}
	ctx, cancel := context.WithTimeout(ctx, DefaultCallTimeout)
	defer cancel()
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.table),
		Item:      claim.item(map[string]types.AttributeValue{"status": str(statusInProgress)}),
		// Absent, expired or released: claim it. Never started, for the
		// same request, and past its start window or this very claim (an
		// applied retry of this write): take it over.
		ConditionExpression: aws.String("attribute_not_exists(pk) OR expires_at < :now OR #status = :released OR " +
			"(#status = :in_progress AND attribute_not_exists(started_at) AND body_hash = :hash AND (start_by < :now_ms OR #owner = :owner))"),
		ExpressionAttributeNames: map[string]string{"#status": "status", "#owner": "owner"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":now": num(now.Unix()), ":now_ms": num(now.UnixMilli()), ":released": str(statusReleased),
			":in_progress": str(statusInProgress), ":hash": str(fingerprint), ":owner": str(claim.owner),
		},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if err == nil {
		return Begun{Claim: claim}, nil
	}
	var failed *types.ConditionalCheckFailedException
	if !errors.As(err, &failed) {
		return Begun{}, fmt.Errorf("%w: claiming key: %w", ErrUnavailable, err)
	}
	if failed.Item == nil {
		return Begun{}, fmt.Errorf("%w: conditional write failed without returning the record", ErrUnavailable)
	}
	return s.existing(failed.Item, fingerprint, now)
}

func (s *Store) existing(item map[string]types.AttributeValue, fingerprint string, now time.Time) (Begun, error) {
	if getS(item, "body_hash") != fingerprint {
		return Begun{}, ErrConflict
	}
	switch getS(item, "status") {
	case statusCompleted:
		resp, err := decodeResponse(item)
		if err != nil {
			return Begun{}, fmt.Errorf("%w: %w", ErrAnswerUnreadable, err)
		}
		return Begun{Replay: resp}, nil
	case statusInProgress:
		// A claim not started is in its start window here (past it, Begin
		// took it over).
		_, started := item["started_at"]
		if now.UnixMilli() < getN(item, "lease_until") || !started && now.UnixMilli() <= getN(item, "start_by") {
			return Begun{}, ErrInProgress
		}
		return Begun{}, ErrOutcomeUnknown
	default:
		return Begun{}, fmt.Errorf("%w: record in unknown state %q", ErrUnavailable, getS(item, "status"))
	}
}

// Claim is the right, won by Begin, to do the work of one key.
type Claim struct {
	store  *Store
	pk     string
	owner  string                          // random per claim, so a claim cannot finish another's record
	record map[string]types.AttributeValue // the attributes every state of the record keeps
}

// item returns the claim's record with the attributes of one state added.
func (c *Claim) item(state map[string]types.AttributeValue) map[string]types.AttributeValue {
	item := maps.Clone(c.record)
	maps.Copy(item, state)
	return item
}

// Start marks the claim as started, never to be taken over: call it just
// before the work, and do the work only if it returns nil. ErrClaimLost: a
// request with the same key took the claim over and does the work; after
// any other error (wrapping ErrUnavailable) Release, or Start again.
func (c *Claim) Start(ctx context.Context) error {
	c.record["started_at"] = str(time.Now().UTC().Format(time.RFC3339Nano))
	return c.finish(ctx, map[string]types.AttributeValue{"status": str(statusInProgress)})
}

// Complete stores resp as the answer to every later request with the key.
// It returns ErrClaimLost or an error wrapping ErrUnavailable on failure.
func (c *Claim) Complete(ctx context.Context, resp Response) error {
	// Gzipped: a large group's ticket info carries every member and would
	// risk the 400 KB item limit.
	return c.finish(ctx, map[string]types.AttributeValue{
		"status":           str(statusCompleted),
		"response_status":  num(int64(resp.Status)),
		"response_body_gz": &types.AttributeValueMemberB{Value: ticketstore.Gzip(resp.Body)},
		"ticket_id":        str(resp.TicketID),
		"completed_at":     str(time.Now().UTC().Format(time.RFC3339Nano)),
	})
}

// Release gives the key up for a retry to do the work afresh: only when
// the work certainly was not done. status, the answer given, is kept for
// debugging.
func (c *Claim) Release(ctx context.Context, status int) error {
	return c.finish(ctx, map[string]types.AttributeValue{
		"status":          str(statusReleased),
		"response_status": num(int64(status)),
		"released_at":     str(time.Now().UTC().Format(time.RFC3339Nano)),
	})
}

// finish replaces the record with its next state if this claim still holds
// it: a whole PutItem, not an UpdateItem, so the function needs one IAM
// action only.
func (c *Claim) finish(ctx context.Context, state map[string]types.AttributeValue) error {
	s := c.store
	ctx, cancel := context.WithTimeout(ctx, DefaultCallTimeout)
	defer cancel()
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                 aws.String(s.table),
		Item:                      c.item(state),
		ConditionExpression:       aws.String("#status = :in_progress AND #owner = :owner"),
		ExpressionAttributeNames:  map[string]string{"#status": "status", "#owner": "owner"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":in_progress": str(statusInProgress), ":owner": str(c.owner)},
	})
	var failed *types.ConditionalCheckFailedException
	switch {
	case err == nil:
		return nil
	case errors.As(err, &failed):
		return ErrClaimLost
	default:
		return fmt.Errorf("%w: recording outcome: %w", ErrUnavailable, err)
	}
}

func decodeResponse(item map[string]types.AttributeValue) (*Response, error) {
	status := getN(item, "response_status")
	if status < 100 || status > 599 {
		return nil, fmt.Errorf("status %d", status)
	}
	gz, ok := item["response_body_gz"].(*types.AttributeValueMemberB)
	if !ok {
		return nil, errors.New("no body")
	}
	body, err := ticketstore.Gunzip(gz.Value)
	if err != nil {
		return nil, err
	}
	return &Response{Status: int(status), Body: body, TicketID: getS(item, "ticket_id")}, nil
}

func str(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }

func num(n int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)}
}

func getS(item map[string]types.AttributeValue, name string) string {
	if v, ok := item[name].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

// getN reads a whole number; a missing or unreadable one is 0.
func getN(item map[string]types.AttributeValue, name string) int64 {
	if v, ok := item[name].(*types.AttributeValueMemberN); ok {
		if n, err := strconv.ParseInt(v.Value, 10, 64); err == nil {
			return n
		}
	}
	return 0
}
