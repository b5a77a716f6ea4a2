// Package idempotency makes a create request safe to retry: the first
// request with an Idempotency-Key claims the key in DynamoDB with a
// conditional write before doing anything irreversible, and stores its
// answer afterwards, so a retry with the same key and request gets that
// answer back instead of doing the work again.
//
// A key belongs to its caller's scope (Key.Caller): two scopes using the
// same key get independent records, and neither can read the other's
// answer or learn that the key exists. Within a scope every caller (for
// create-ticket, every session of one assumed role) shares the records, so
// a retry from another worker finds the first request's answer.
//
// A record is the item pk = "IDEMPOTENCY#<sha256 of caller and key>". It
// expires through the table's TTL attribute expires_at (epoch seconds), by
// default 24 hours after the first request; an expired record that
// DynamoDB has not deleted yet counts as absent.
//
// The semantics are at most once. Begin writes the claim and Claim.Start
// marks it, with a second conditional write, just before the work. A claim
// never started (no started_at) is taken over, once its start window has
// passed, by a request with the same key and body: its holder certainly
// did no work, whether it answered an error (its claim write timed out but
// was applied, as a timed-out write may be) or died, and a holder still
// about to Start finds its claim gone. A started claim is only given up
// (Release) when the work certainly was not done; an unknown outcome (a
// timeout, a 5xx) is stored like any other answer (Complete), and a started
// claim whose holder vanished (ErrOutcomeUnknown) is never taken over,
// because the work may have been done.
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

// Defaults for New.
const (
	DefaultTTL = 24 * time.Hour
	// DefaultCallTimeout bounds each DynamoDB call, retries included, so an
	// unreachable DynamoDB turns into ErrUnavailable while there is still
	// time to answer.
	DefaultCallTimeout = 2 * time.Second
)

// StartWindow is the default of how long after Begin a claim that has not
// been started is protected from being taken over by a request with the
// same key and body (see WithStartWindow). It only keeps concurrent
// duplicates from taking turns: correctness does not depend on it (Start is
// conditional on the claim), and it is shorter than the call timeout, so a
// request that gave up on its claim write has always passed it when its
// client retries.
const StartWindow = time.Second

// Errors of Begin, Complete and Release.
var (
	// ErrInvalidKey: the key is empty, longer than MaxKeyLength or not printable ASCII.
	ErrInvalidKey = errors.New("idempotency: invalid key")
	// ErrConflict: the key was first used with a different request.
	ErrConflict = errors.New("idempotency: key already used with a different request")
	// ErrInProgress: the first request with the key is still running.
	ErrInProgress = errors.New("idempotency: a request with this key is in progress")
	// ErrOutcomeUnknown: the first request with the key ended without
	// recording an answer (its process died), so whether its work was done
	// is unknown. The key cannot be used again until the record expires.
	ErrOutcomeUnknown = errors.New("idempotency: an earlier request with this key ended without an answer")
	// ErrAnswerUnreadable: the first request with the key finished, but
	// its recorded answer cannot be read back (damaged, or past
	// ticketstore.MaxDataBytes). Its work was done, so retrying cannot help.
	ErrAnswerUnreadable = errors.New("idempotency: the recorded answer of this key is unreadable")
	// ErrUnavailable wraps a DynamoDB failure.
	ErrUnavailable = errors.New("idempotency: store unavailable")
	// ErrClaimLost: Start, Complete or Release found the record no longer
	// held by this claim (a request with the same key took over a claim
	// that was not started, or the record expired and was claimed again).
	ErrClaimLost = errors.New("idempotency: claim no longer held")
)

// Record states.
const (
	statusInProgress = "in_progress"
	statusCompleted  = "completed"
	statusReleased   = "released"
)

// DB is the one DynamoDB call the store uses: every state change is a
// conditional PutItem.
type DB interface {
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
}

// Store keeps idempotency records in one DynamoDB table. It is safe for
// concurrent use.
type Store struct {
	db          DB
	table       string
	ttl         time.Duration
	startWindow time.Duration
}

// Option configures a Store.
type Option func(*Store)

// WithTTL sets how long a record lives after the first request (default DefaultTTL).
func WithTTL(d time.Duration) Option { return func(s *Store) { s.ttl = d } }

// WithStartWindow sets how long a claim not yet started is protected from
// being taken over (default StartWindow). Keep it shorter than the call
// timeout (see StartWindow); tests that must see concurrent requests in
// progress on a slow machine take a longer one.
func WithStartWindow(d time.Duration) Option { return func(s *Store) { s.startWindow = d } }

// New returns a Store over table.
func New(db DB, table string, opts ...Option) *Store {
	s := &Store{db: db, table: table, ttl: DefaultTTL, startWindow: StartWindow}
	for _, opt := range opts {
		opt(s)
	}
	return s
}

// ValidateKey checks an Idempotency-Key: 1 to MaxKeyLength bytes of
// printable ASCII (space to tilde). A UUID is the usual choice.
func ValidateKey(key string) error {
	if key == "" || len(key) > MaxKeyLength {
		return fmt.Errorf("%w: must be 1 to %d characters", ErrInvalidKey, MaxKeyLength)
	}
	if strings.ContainsFunc(key, func(r rune) bool { return r < 0x20 || r > 0x7e }) {
		return fmt.Errorf("%w: must be printable ASCII", ErrInvalidKey)
	}
	return nil
}

// Fingerprint is the hex SHA-256 of b, the value Begin compares to tell
// "the same request" from "another request under the same key".
func Fingerprint(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Key names an idempotent request: the client's Idempotency-Key within the
// scope of the caller that sent it.
type Key struct {
	// Caller identifies who sent the request, e.g. an IAM principal's ARN
	// or a JWT's issuer and subject. "" is the one anonymous scope, for
	// requests no authorizer vouched for (local runs).
	Caller string
	// Value is the Idempotency-Key header; see ValidateKey.
	Value string
}

// PartitionKey is the pk of the record of k. Caller and key are hashed
// together (the caller length-prefixed, so no two pairs hash the same
// input), so that whatever a client sends the item key has a fixed length
// and neither the raw key nor the caller's identity is stored.
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
	// Claim is set when this request now holds the key and must do the
	// work, then Complete or Release the claim.
	Claim *Claim
	// Replay is set when an earlier request with the same key and
	// fingerprint completed: answer with it and do nothing else.
	Replay *Response
}

// Begin claims key for a request with the given fingerprint, with a single
// conditional write. leaseUntil is when the claimant is certainly no longer
// running (for a Lambda function, its deadline): until then a duplicate gets
// ErrInProgress, after it ErrOutcomeUnknown.
//
// It returns ErrConflict, ErrInProgress, ErrOutcomeUnknown, ErrInvalidKey,
// or an error wrapping ErrAnswerUnreadable or ErrUnavailable.
func (s *Store) Begin(ctx context.Context, key Key, fingerprint string, leaseUntil time.Time) (Begun, error) {
	if err := ValidateKey(key.Value); err != nil {
		return Begun{}, err
	}
	now := time.Now()
	claim := &Claim{store: s, pk: PartitionKey(key), owner: newOwnerToken()}
	claim.record = map[string]types.AttributeValue{
		"pk":          str(claim.pk),
		"body_hash":   str(fingerprint),
		"owner":       str(claim.owner),
		"created_at":  str(now.UTC().Format(time.RFC3339Nano)),
		"lease_until": num(leaseUntil.UnixMilli()),
		"start_by":    num(now.Add(s.startWindow).UnixMilli()),
		"expires_at":  num(now.Add(s.ttl).Unix()),
	}
	ctx, cancel := context.WithTimeout(ctx, DefaultCallTimeout)
	defer cancel()
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.table),
		Item:      claim.item(map[string]types.AttributeValue{"status": str(statusInProgress)}),
		// Absent, expired but not yet swept by TTL, or given up: claim it.
		// Claimed for the same request but never started, and either past
		// its start window or this very claim (a retry of this write that
		// was applied): take it over. Records without start_by (written
		// before Start existed) are never taken over.
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

// existing decides what a request finds when the key is already held.
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
		// A claim not started yet is still in its start window here (past
		// it, Begin's condition took it over).
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

// Start marks the claim as started: call it just before the work, and do
// the work only if it returns nil. From then on the claim is never taken
// over. ErrClaimLost means a request with the same key took the claim over
// (it does the work); any other error wraps ErrUnavailable, and then the
// record may or may not say started: do not do the work, and Release.
// Sending Start again after such an error is safe.
func (c *Claim) Start(ctx context.Context) error {
	c.record["started_at"] = str(time.Now().UTC().Format(time.RFC3339Nano))
	return c.finish(ctx, map[string]types.AttributeValue{"status": str(statusInProgress)})
}

// Complete stores resp as the answer to every later request with the key.
// It returns ErrClaimLost or an error wrapping ErrUnavailable on failure.
func (c *Claim) Complete(ctx context.Context, resp Response) error {
	// Bodies are stored gzipped: a ticket info object of a large group
	// carries every member and would otherwise risk the 400 KB item limit.
	return c.finish(ctx, map[string]types.AttributeValue{
		"status":           str(statusCompleted),
		"response_status":  num(int64(resp.Status)),
		"response_body_gz": &types.AttributeValueMemberB{Value: ticketstore.Gzip(resp.Body)},
		"ticket_id":        str(resp.TicketID),
		"completed_at":     str(time.Now().UTC().Format(time.RFC3339Nano)),
	})
}

// Release gives the key up so that a retry does the work afresh. Call it
// only when the work certainly was not done. status is the answer given
// (kept for debugging).
func (c *Claim) Release(ctx context.Context, status int) error {
	return c.finish(ctx, map[string]types.AttributeValue{
		"status":          str(statusReleased),
		"response_status": num(int64(status)),
		"released_at":     str(time.Now().UTC().Format(time.RFC3339Nano)),
	})
}

// finish replaces the record with its next state, on condition that this
// claim still holds it. A whole-item conditional PutItem rather than an
// UpdateItem: the claim knows every attribute, and the function then needs
// one DynamoDB operation (and one IAM action) only.
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

func newOwnerToken() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b[:])
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
