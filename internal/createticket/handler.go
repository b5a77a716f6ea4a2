// Package createticket is the create-ticket function: it turns an API
// Gateway HTTP API request (POST /tickets) into a Periskope ticket, with
// input validation before any network call, the API key from Secrets
// Manager, and optional Idempotency-Key handling in DynamoDB.
//
// Its status and error codes are listed in docs/contract.md.
package createticket

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"

	"github.com/periskope-connect/periskope-aws/internal/apigw"
	"github.com/periskope-connect/periskope-aws/internal/emf"
	"github.com/periskope-connect/periskope-aws/internal/idempotency"
	"github.com/periskope-connect/periskope-aws/internal/secretcache"
	"github.com/periskope-connect/periskope-aws/pkg/periskope"
)

// Time budget of an invocation: the answer is given before the deadline
// however slow Periskope and DynamoDB are (past it Lambda answers 5xx
// itself, and the idempotency record would stay in progress).
const (
	// AnswerMargin is kept free at the end to log and return the answer.
	AnswerMargin = 500 * time.Millisecond
	// RecordBudget bounds recording the idempotency outcome after the
	// Periskope call.
	RecordBudget = time.Second
	// AnswerReserve is kept free after the Periskope call.
	AnswerReserve = RecordBudget + AnswerMargin
	// DefaultUpstreamBudget bounds the Periskope call when the context has
	// no deadline (direct calls, tests).
	DefaultUpstreamBudget = 10 * time.Second
)

// IdempotencyKeyHeader is the request header of idempotent creates.
const IdempotencyKeyHeader = "Idempotency-Key"

// ReplayedHeader is set to "true" on an answer replayed from an earlier
// request with the same Idempotency-Key.
const ReplayedHeader = "idempotent-replayed"

// Metric names (the SAM template's alarms use them).
const (
	MetricCreated          = "Created"
	MetricIdempotentReplay = "IdempotentReplay"
	MetricUpstreamError    = "UpstreamError"
	// MetricUpstreamAttempts counts the calls to Periskope, retries
	// included: next to Created it shows how often a retry was needed.
	MetricUpstreamAttempts = "UpstreamAttempts"
)

// Error codes of this route alone; those both routes answer are apigw's
// (apigw.CodeBodyTooLarge, ...).
const (
	CodeInvalidIdempotencyKey = "invalid_idempotency_key"
	CodeIdempotencyConflict   = "idempotency_conflict"
	CodeIdempotencyInProgress = "idempotency_in_progress"
	CodeIdempotencyUnknown    = "idempotency_outcome_unknown"
	CodeIdempotencyDown       = "idempotency_unavailable"
	CodeAPIKeyUnavailable     = "api_key_unavailable"
	CodeUpstreamRejected      = "upstream_rejected"
	CodeUpstreamAuth          = "upstream_auth_failed"
	CodeRateLimited           = "rate_limited"
	CodeUpstreamError         = "upstream_error"
	CodeUpstreamTimeout       = "upstream_timeout"
	// CodeNoTimeLeft: Periskope was not called, the invocation's deadline
	// being too close (its own, or after slow DynamoDB or Secrets Manager
	// calls); unlike CodeUpstreamTimeout, nothing was created.
	CodeNoTimeLeft = "no_time_left"
)

// TicketCreator creates a Periskope ticket; *periskope.Client is one. The
// TicketInfo's Raw, Periskope's answer, is answered as is.
type TicketCreator interface {
	CreateTicket(ctx context.Context, req periskope.CreateTicketRequest) (*periskope.TicketInfo, error)
}

// IdempotencyStore claims Idempotency-Keys; *idempotency.Store is one.
type IdempotencyStore interface {
	Begin(ctx context.Context, key idempotency.Key, fingerprint string, leaseUntil time.Time) (idempotency.Begun, error)
}

// Deps are what a Handler works with. Tickets and Keys are required; a nil
// Logger or Metrics records nothing.
type Deps struct {
	Tickets TicketCreator
	Keys    periskope.KeyProvider // *SecretKeys in the function
	// Idempotency nil answers 503 to a request with an Idempotency-Key.
	Idempotency IdempotencyStore
	Logger      *slog.Logger
	Metrics     emf.Metrics
}

// Handler serves POST /tickets. It is safe for concurrent use.
type Handler struct{ d Deps }

// NewHandler returns a Handler over d.
func NewHandler(d Deps) *Handler {
	d.Logger = cmp.Or(d.Logger, slog.New(slog.DiscardHandler))
	d.Metrics = cmp.Or(d.Metrics, emf.Discard)
	return &Handler{d: d}
}

// outcome collects what one request did, for its log line and metrics.
type outcome struct {
	name        string // "created", "replayed", or the error code
	ticketID    string
	traceID     string
	attempts    int32
	called      bool // Periskope was called
	idempotency string
	apiErr      *apigw.Error // the error answered, if one was
	dependency  string       // the AWS service that failed, for a 503
	awsError    string       // its error code (secretcache.ErrorCode)
	err         error        // internal detail, logged only
	recordErr   error        // failure to record the idempotency outcome
}

// Handle answers one request. API errors are HTTP responses; the returned
// error is always nil, so the Lambda runtime never reports a failed invoke.
func (h *Handler) Handle(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	start := time.Now()
	var o outcome
	resp := h.handle(ctx, &req, &o)
	h.report(ctx, &req, &o, resp, start)
	return resp, nil
}

func (h *Handler) handle(ctx context.Context, req *events.APIGatewayV2HTTPRequest, o *outcome) events.APIGatewayV2HTTPResponse {
	body, apiErr := apigw.ReadBody(req, MaxBodyBytes)
	if apiErr != nil {
		return o.fail(apiErr)
	}
	ticket, apiErr := ParseRequest(body)
	if apiErr != nil {
		return o.fail(apiErr)
	}
	key := strings.TrimSpace(apigw.Header(req, IdempotencyKeyHeader))
	if key != "" && idempotency.ValidateKey(key) != nil {
		return o.fail(badRequest(CodeInvalidIdempotencyKey, IdempotencyKeyHeader,
			"Idempotency-Key must be 1 to %d printable ASCII characters (a UUID is a good choice)", idempotency.MaxKeyLength))
	}

	b := h.budget(ctx, time.Now())
	if !b.upstream.After(time.Now()) {
		return noTimeLeft(o)
	}
	ctx, cancel := context.WithDeadline(ctx, b.calls)
	defer cancel()

	if key == "" {
		o.idempotency = "none"
		// Read before Periskope is called: an unreadable secret is a clear
		// 503 that calls nobody.
		if _, err := h.d.Keys.APIKey(ctx); err != nil {
			return o.fail(o.dependencyDown(depSecretsManager, err))
		}
		resp, _ := h.create(ctx, ticket, b.upstream, o)
		return resp
	}
	return h.createOnce(ctx, idempotency.Key{Caller: CallerScope(req), Value: key}, ticket, b, o)
}

// budget is when the calls of one invocation must end.
type budget struct {
	upstream time.Time // the Periskope call
	calls    time.Time // every call, the idempotency outcome's included
	lease    time.Time // this invocation is certainly over (the idempotency lease)
}

func (h *Handler) budget(ctx context.Context, now time.Time) budget {
	if deadline, ok := ctx.Deadline(); ok {
		return budget{upstream: deadline.Add(-AnswerReserve), calls: deadline.Add(-AnswerMargin), lease: deadline}
	}
	upstream := now.Add(DefaultUpstreamBudget)
	return budget{upstream: upstream, calls: upstream.Add(RecordBudget), lease: upstream.Add(AnswerReserve)}
}

// noTimeLeft answers a request whose Periskope call could not start
// before its deadline. Its code is not CodeUpstreamTimeout's, whose ticket
// may exist: a client must be able to tell "retry" from "check first".
func noTimeLeft(o *outcome) events.APIGatewayV2HTTPResponse {
	o.err = errors.New("no time left before the invocation deadline")
	return o.fail(&apigw.Error{Status: http.StatusServiceUnavailable, Code: CodeNoTimeLeft, RetryAfter: time.Second,
		Message: "not enough time left to call Periskope; nothing was created, retry later"})
}

// createOnce is create under an Idempotency-Key in its caller's scope. The
// key is claimed before Periskope is called (without DynamoDB: 503, no
// call), so no ticket is created that a retry could duplicate. Until
// Claim.Start, just before the call, a retry may take the claim over, so an
// applied but timed-out claim write does not lock the key. The answer is
// stored for every retry unless the ticket certainly was not created (then
// the claim is released). An unknown outcome (timeout, 5xx, unreadable 2xx)
// is stored too: Periskope has no idempotency of its own, so every retry
// gets the same 504/502, telling the client to check Periskope before using
// a new key. At most once is what the header promises.
func (h *Handler) createOnce(ctx context.Context, key idempotency.Key, ticket periskope.CreateTicketRequest, b budget, o *outcome) events.APIGatewayV2HTTPResponse {
	if h.d.Idempotency == nil {
		o.err = errors.New("no idempotency store configured")
		return o.fail(&apigw.Error{Status: http.StatusServiceUnavailable, Code: CodeIdempotencyDown,
			Message: "idempotent requests are not available; nothing was created"})
	}
	// The fingerprint is of the normalised request, so retries differing
	// only in formatting or equivalent spellings ("2" and 2) match, and
	// anything that would make a different ticket conflicts.
	canonical, err := json.Marshal(ticket)
	if err != nil {
		o.err = err
		return o.fail(&apigw.Error{Status: http.StatusInternalServerError, Code: apigw.CodeInternal, Message: "internal error"})
	}
	begun, err := h.d.Idempotency.Begin(ctx, key, idempotency.Fingerprint(canonical), b.lease)
	switch {
	case errors.Is(err, idempotency.ErrConflict):
		o.idempotency = "conflict"
		return o.fail(&apigw.Error{Status: http.StatusConflict, Code: CodeIdempotencyConflict, Field: IdempotencyKeyHeader,
			Message: "this Idempotency-Key was already used with a different request body; use a new key for a new ticket"})
	case errors.Is(err, idempotency.ErrInProgress):
		o.idempotency = "in_progress"
		return o.fail(inProgress())
	case errors.Is(err, idempotency.ErrOutcomeUnknown):
		o.idempotency = "outcome_unknown"
		return o.fail(&apigw.Error{Status: http.StatusConflict, Code: CodeIdempotencyUnknown, Field: IdempotencyKeyHeader,
			Message: "an earlier request with this Idempotency-Key stopped before finishing; the ticket may or may not exist; " +
				"check Periskope before creating it again with a new key"})
	case errors.Is(err, idempotency.ErrAnswerUnreadable):
		// The first request finished (a ticket may exist): not "retry".
		o.idempotency, o.err = "outcome_unknown", err
		return o.fail(&apigw.Error{Status: http.StatusConflict, Code: CodeIdempotencyUnknown, Field: IdempotencyKeyHeader,
			Message: "an earlier request with this Idempotency-Key finished, but its recorded answer cannot be read; " +
				"the ticket may exist; check Periskope before creating it again with a new key"})
	case err != nil:
		// A timed-out claim write may be applied later; not started, a
		// retry takes it over after idempotency.StartWindow.
		o.idempotency = "unavailable"
		return o.fail(o.dependencyDown(depDynamoDB, err))
	case begun.Replay != nil:
		o.idempotency, o.name, o.ticketID = "replayed", "replayed", begun.Replay.TicketID
		resp := apigw.RawJSON(begun.Replay.Status, begun.Replay.Body)
		resp.Headers[ReplayedHeader] = "true"
		return resp
	}

	o.idempotency = "claimed"
	claim := begun.Claim
	if _, err := h.d.Keys.APIKey(ctx); err != nil {
		return h.release(ctx, claim, o.fail(o.dependencyDown(depSecretsManager, err)), o)
	}
	if !b.upstream.After(time.Now()) { // the claim took the time
		return h.release(ctx, claim, noTimeLeft(o), o)
	}
	switch err := claim.Start(ctx); {
	case errors.Is(err, idempotency.ErrClaimLost):
		// A retry took the claim over and creates the ticket.
		o.idempotency = "taken_over"
		return o.fail(inProgress())
	case err != nil:
		o.idempotency = "unavailable"
		return h.release(ctx, claim, o.fail(o.dependencyDown(depDynamoDB, err)), o)
	}
	resp, final := h.create(ctx, ticket, b.upstream, o)
	if !final {
		return h.release(ctx, claim, resp, o)
	}
	// A failure to record is logged, not answered; the record stays in
	// progress, so a retry gets a 409 rather than a second ticket.
	o.recordErr = claim.Complete(ctx, idempotency.Response{Status: resp.StatusCode, Body: []byte(resp.Body), TicketID: o.ticketID})
	return resp
}

// release gives up the claim after resp, a failure where nothing was
// created. If the record may still hold the key, resp says so: its "retry"
// would otherwise be untrue.
func (h *Handler) release(ctx context.Context, claim *idempotency.Claim, resp events.APIGatewayV2HTTPResponse, o *outcome) events.APIGatewayV2HTTPResponse {
	err := claim.Release(ctx, resp.StatusCode)
	if err == nil || errors.Is(err, idempotency.ErrClaimLost) { // lost: a retry took it over
		return resp
	}
	o.recordErr = err
	e := *o.apiErr
	e.Message += "; the Idempotency-Key could not be freed, so a retry with it may be answered " +
		CodeIdempotencyInProgress + " or " + CodeIdempotencyUnknown + ": then retry with a new key"
	return o.fail(&e)
}

func inProgress() *apigw.Error {
	return &apigw.Error{Status: http.StatusConflict, Code: CodeIdempotencyInProgress, Field: IdempotencyKeyHeader, RetryAfter: time.Second,
		Message: "a request with this Idempotency-Key is still being processed; retry shortly to get its result"}
}

// create calls Periskope. final reports whether the answer is an outcome
// to keep for retries (the ticket was, or may have been, created) rather
// than a failure where it certainly was not.
func (h *Handler) create(ctx context.Context, ticket periskope.CreateTicketRequest, deadline time.Time, o *outcome) (resp events.APIGatewayV2HTTPResponse, final bool) {
	// The calls before may have taken the time; the context's error would
	// read as a timeout whose ticket may exist.
	if !deadline.After(time.Now()) {
		return noTimeLeft(o), false
	}
	uctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	uctx, attempts := withAttemptCounter(uctx)
	o.called = true
	info, err := h.d.Tickets.CreateTicket(uctx, ticket)
	o.attempts = attempts.Load()
	if err != nil {
		apiErr, final := upstreamError(err, o)
		return o.fail(apiErr), final
	}
	o.name, o.traceID = "created", info.TraceID
	if info.Ticket != nil {
		o.ticketID = info.Ticket.TicketID
	}
	return apigw.RawJSON(http.StatusCreated, info.Raw), true
}

// upstreamError maps a failed create to the answer and whether it is final.
func upstreamError(err error, o *outcome) (*apigw.Error, bool) {
	o.err = err
	var apiErr *periskope.APIError
	if errors.As(err, &apiErr) {
		o.traceID = apiErr.TraceID
	}
	switch {
	case errors.Is(err, secretcache.ErrUnavailable) || errors.Is(err, secretcache.ErrMalformed):
		// Before any APIError: a 401 whose key refresh found the secret
		// broken is the secret's fault.
		return o.dependencyDown(depSecretsManager, err), false
	case apiErr != nil && errors.Is(apiErr, periskope.ErrRateLimited):
		return &apigw.Error{Status: http.StatusTooManyRequests, Code: CodeRateLimited, RetryAfter: max(apiErr.RetryAfter, time.Second),
			Message: "Periskope's rate limit was reached; nothing was created, retry after the time in Retry-After"}, false
	case apiErr != nil && errors.Is(apiErr, periskope.ErrUnauthorized):
		return &apigw.Error{Status: http.StatusBadGateway, Code: CodeUpstreamAuth,
			Message: "Periskope refused the configured API key (also after re-reading it); nothing was created"}, false
	case apiErr != nil && apiErr.StatusCode >= 400 && apiErr.StatusCode < 500:
		msg := "Periskope rejected the ticket"
		if text := printableText(apiErr.Message, MaxUpstreamMessageChars); text != "" {
			msg += ": " + text
		}
		return &apigw.Error{Status: http.StatusBadRequest, Code: CodeUpstreamRejected, Message: msg}, false
	case apiErr != nil:
		return &apigw.Error{Status: http.StatusBadGateway, Code: CodeUpstreamError,
			Message: "Periskope failed to process the request; the ticket may or may not have been created, check Periskope before retrying"}, true
	case periskope.NeverSent(err):
		return &apigw.Error{Status: http.StatusBadGateway, Code: CodeUpstreamError,
			Message: "Periskope could not be reached; nothing was created, retry later"}, false
	case periskope.IsTimeout(err), errors.Is(err, context.Canceled):
		return &apigw.Error{Status: http.StatusGatewayTimeout, Code: CodeUpstreamTimeout,
			Message: "Periskope did not answer in time; the ticket may or may not have been created, check Periskope before retrying"}, true
	default: // a broken connection or an unreadable answer: it may have been created
		return &apigw.Error{Status: http.StatusBadGateway, Code: CodeUpstreamError,
			Message: "Periskope's answer was lost or unreadable; the ticket may or may not have been created, check Periskope before retrying"}, true
	}
}

// MaxUpstreamMessageChars bounds how much of Periskope's own message a
// 400 upstream_rejected passes on to the caller.
const MaxUpstreamMessageChars = 200

// printableText makes upstream text fit to pass on: each run of
// unprintable characters becomes one space, and a text over limit
// characters is cut, ending in "…".
func printableText(s string, limit int) string {
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsPrint(r) || r == ' ' }), " ")
	if utf8.RuneCountInString(s) <= limit {
		return s
	}
	runes := []rune(s)
	return strings.TrimRight(string(runes[:limit-1]), " ") + "…"
}

// Dependencies named in the log line of a 503, as the webhook names them.
const (
	depSecretsManager = "secretsmanager"
	depDynamoDB       = "dynamodb"
)

// dependencyDown records err of an AWS dependency and returns its 503,
// which created nothing.
func (o *outcome) dependencyDown(dependency string, err error) *apigw.Error {
	o.err, o.dependency, o.awsError = err, dependency, secretcache.ErrorCode(err)
	if dependency == depSecretsManager {
		return &apigw.Error{Status: http.StatusServiceUnavailable, Code: CodeAPIKeyUnavailable, RetryAfter: time.Second,
			Message: "the Periskope API key cannot be read right now; nothing was created, retry later"}
	}
	return &apigw.Error{Status: http.StatusServiceUnavailable, Code: CodeIdempotencyDown, RetryAfter: time.Second,
		Message: "idempotency records are unavailable; nothing was created, retry later"}
}

func (o *outcome) fail(e *apigw.Error) events.APIGatewayV2HTTPResponse {
	o.name, o.apiErr = e.Code, e
	return e.Response()
}

// report counts the request in the metrics and logs its line.
func (h *Handler) report(ctx context.Context, req *events.APIGatewayV2HTTPRequest, o *outcome, resp events.APIGatewayV2HTTPResponse, start time.Time) {
	if o.called {
		h.d.Metrics.Count(MetricUpstreamAttempts, float64(o.attempts))
	}
	switch o.name {
	case "created":
		h.d.Metrics.Count(MetricCreated, 1)
	case "replayed":
		h.d.Metrics.Count(MetricIdempotentReplay, 1)
	case CodeRateLimited, CodeUpstreamAuth, CodeUpstreamError, CodeUpstreamTimeout: // answered by upstreamError alone
		h.d.Metrics.Count(MetricUpstreamError, 1)
	}
	level := apigw.LogLevel(resp.StatusCode)
	if o.recordErr != nil {
		level = slog.LevelError
	}
	if !h.d.Logger.Enabled(ctx, level) {
		return
	}
	attrs := apigw.LogAttrs(req, o.name, resp.StatusCode, time.Since(start), o.apiErr)
	attrs = apigw.AppendStrings(attrs, "idempotency", o.idempotency, "ticket_id", o.ticketID, "periskope_trace_id", o.traceID,
		"dependency", o.dependency, "aws_error", o.awsError)
	if o.called {
		attrs = append(attrs, slog.Int("upstream_attempts", int(o.attempts)))
	}
	attrs = apigw.AppendStrings(attrs, "error", errorText(o.err), "idempotency_record_error", errorText(o.recordErr))
	h.d.Logger.LogAttrs(ctx, level, "create-ticket request", attrs...)
}

func errorText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
