package periskope

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// DefaultBaseURL is Periskope's production API.
const DefaultBaseURL = "https://api.periskope.app/v1"

// DefaultUserAgent is sent unless WithUserAgent sets another.
const DefaultUserAgent = "periskope-go"

// Header names of Periskope's API.
const (
	headerPhone          = "x-phone"
	headerTraceID        = "x-periskope-trace-id"
	headerRateLimitReset = "X-RateLimit-Reset"
	headerRetryAfter     = "Retry-After"
)

// MaxResponseBytes is the largest answer the client reads; a larger one is
// ErrMalformedResponse. A ticket info object, even of a large group, and a
// page of tickets are far smaller, and 5 MB keeps an answer passed on
// whole within Lambda's 6 MB response limit.
const MaxResponseBytes = 5 << 20

// KeyProvider supplies the API key for each request, so a key kept in a
// secret store can be cached and rotated.
type KeyProvider interface {
	APIKey(ctx context.Context) (string, error)
}

// KeyRefresher is a KeyProvider that can drop its cached key. On a 401 the
// client refreshes once and retries, so a rotated key takes effect at once.
type KeyRefresher interface {
	KeyProvider
	RefreshAPIKey(ctx context.Context) (string, error)
}

// StaticKey is a KeyProvider that always returns itself.
type StaticKey string

// APIKey returns k.
func (k StaticKey) APIKey(context.Context) (string, error) { return string(k), nil }

// Clock tells time and waits; tests inject a fake one.
type Clock interface {
	Now() time.Time
	// Sleep waits d or until ctx is done, returning ctx.Err() in that case.
	Sleep(ctx context.Context, d time.Duration) error
}

// systemClock is the real Clock.
type systemClock struct{}

// Now is time.Now.
func (systemClock) Now() time.Time { return time.Now() }

// Sleep waits on a timer, or less if ctx ends first.
func (systemClock) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// RetryPolicy bounds retries of 429 and 5xx answers.
type RetryPolicy struct {
	MaxAttempts    int           // including the first; 1 disables retries
	BaseDelay      time.Duration // first backoff, doubled each attempt, with jitter
	MaxDelay       time.Duration // cap of one backoff; 0 means no cap
	AttemptTimeout time.Duration // limit of one attempt; 0 means only ctx limits it
	// RateLimitMaxWait is the longest wait for a rate-limit reset worth
	// retrying; a 429 asking for longer is returned at once with RetryAfter
	// set. 0 means only the context deadline limits the wait.
	RateLimitMaxWait time.Duration
}

// DefaultRetryPolicy is 3 attempts, 200ms base, 2s cap, 8s per attempt, and
// at most 30s of waiting for a rate-limit reset.
var DefaultRetryPolicy = RetryPolicy{MaxAttempts: 3, BaseDelay: 200 * time.Millisecond, MaxDelay: 2 * time.Second, AttemptTimeout: 8 * time.Second, RateLimitMaxWait: 30 * time.Second}

// Client calls the Periskope API. It is safe for concurrent use.
type Client struct {
	baseURL   string // without a trailing slash
	keys      KeyProvider
	phone     string
	http      *http.Client
	retry     RetryPolicy
	clock     Clock
	userAgent string
}

// Option configures a Client.
type Option func(*Client) error

// WithBaseURL sets the API prefix (default DefaultBaseURL). Any http or https
// prefix works, e.g. "http://127.0.0.1:4010/v1". Its errors quote the URL
// with any password masked, and not at all when it does not parse.
func WithBaseURL(u string) Option {
	return func(c *Client) error {
		parsed, err := url.Parse(strings.TrimSpace(u))
		if err != nil {
			// *url.Error quotes the whole URL; keep only its reason.
			return fmt.Errorf("periskope: base URL: %w", errors.Unwrap(err))
		}
		if parsed.Scheme != "http" && parsed.Scheme != "https" || parsed.Host == "" {
			return fmt.Errorf("periskope: base URL %q: want http(s)://host[/prefix]", parsed.Redacted())
		}
		if parsed.RawQuery != "" || parsed.Fragment != "" || parsed.User != nil {
			return fmt.Errorf("periskope: base URL %q: no query, fragment or user info allowed", parsed.Redacted())
		}
		c.baseURL = strings.TrimRight(parsed.String(), "/")
		return nil
	}
}

// WithAPIKey sets a fixed API key.
func WithAPIKey(key string) Option {
	return func(c *Client) error {
		if strings.TrimSpace(key) == "" {
			return errors.New("periskope: empty API key")
		}
		c.keys = StaticKey(key)
		return nil
	}
}

// WithKeyProvider sets where the API key comes from. If p also implements
// KeyRefresher, a 401 makes the client refresh the key and retry once.
func WithKeyProvider(p KeyProvider) Option {
	return func(c *Client) error {
		if p == nil {
			return errors.New("periskope: nil KeyProvider")
		}
		c.keys = p
		return nil
	}
}

// WithPhone sets the x-phone header: digits with country code, or a phone-… id.
// See ValidatePhone. Without it no x-phone header is sent.
func WithPhone(phone string) Option {
	return func(c *Client) error {
		if err := ValidatePhone(phone); err != nil {
			return err
		}
		c.phone = phone
		return nil
	}
}

// WithHTTPClient sets the HTTP client (default: one with sane transport
// limits). The client uses a copy of hc that never follows redirects,
// whatever hc.CheckRedirect says: see ErrRedirected.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) error {
		if hc == nil {
			return errors.New("periskope: nil *http.Client")
		}
		noFollow := *hc
		noFollow.CheckRedirect = refuseRedirect
		c.http = &noFollow
		return nil
	}
}

// refuseRedirect makes net/http return a 3xx answer instead of following
// it. Following would send the request, Authorization included, wherever
// the Location points (net/http keeps the header for the same host on
// another port or scheme), and repeat a POST on a 307 or 308.
func refuseRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// WithRetryPolicy sets the retry policy (default DefaultRetryPolicy).
func WithRetryPolicy(p RetryPolicy) Option {
	return func(c *Client) error {
		if p.MaxAttempts < 1 {
			return fmt.Errorf("periskope: retry policy: MaxAttempts %d < 1", p.MaxAttempts)
		}
		if p.BaseDelay < 0 || p.MaxDelay < 0 || p.AttemptTimeout < 0 || p.RateLimitMaxWait < 0 {
			return errors.New("periskope: retry policy: negative duration")
		}
		c.retry = p
		return nil
	}
}

// WithClock sets the clock used for backoff and rate-limit resets.
func WithClock(clk Clock) Option {
	return func(c *Client) error {
		if clk == nil {
			return errors.New("periskope: nil Clock")
		}
		c.clock = clk
		return nil
	}
}

// WithUserAgent sets the User-Agent header (default DefaultUserAgent).
func WithUserAgent(ua string) Option {
	return func(c *Client) error {
		if strings.ContainsAny(ua, "\r\n") {
			return errors.New("periskope: user agent contains a line break")
		}
		c.userAgent = ua
		return nil
	}
}

// New builds a Client. It fails on a malformed base URL or phone, or without a key.
func New(opts ...Option) (*Client, error) {
	c := &Client{
		baseURL:   DefaultBaseURL,
		retry:     DefaultRetryPolicy,
		clock:     systemClock{},
		userAgent: DefaultUserAgent,
	}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(c); err != nil {
			return nil, err
		}
	}
	if c.keys == nil {
		return nil, errors.New("periskope: no API key: use WithAPIKey or WithKeyProvider")
	}
	if c.http == nil {
		c.http = defaultHTTPClient()
	}
	return c, nil
}

// defaultHTTPClient bounds connecting and idling; each request is bounded by
// the retry policy's AttemptTimeout through its context.
func defaultHTTPClient() *http.Client {
	dialer := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	return &http.Client{CheckRedirect: refuseRedirect, Transport: &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		TLSHandshakeTimeout:   5 * time.Second,
		ExpectContinueTimeout: time.Second,
		IdleConnTimeout:       90 * time.Second,
		MaxIdleConns:          20,
		MaxIdleConnsPerHost:   10,
	}}
}

// ValidatePhone checks an x-phone value: the number with country code as
// 7 to 15 digits and nothing else (919876543210), or a phone id, "phone-"
// followed by lowercase letters and digits.
func ValidatePhone(phone string) error {
	if id, ok := strings.CutPrefix(phone, "phone-"); ok {
		if id != "" && strings.Trim(id, "abcdefghijklmnopqrstuvwxyz0123456789") == "" {
			return nil
		}
		return fmt.Errorf("periskope: phone id %q: want phone- followed by lowercase letters and digits", phone)
	}
	if len(phone) >= 7 && len(phone) <= 15 && phone[0] != '0' && isDigits(phone) {
		return nil
	}
	return fmt.Errorf("periskope: phone %q: want country code and number as digits only (e.g. 919876543210) or a phone-… id", phone)
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// ValidationError is a request the client refuses to send. It matches
// ErrInvalidRequest with errors.Is.
type ValidationError struct {
	Field  string // the JSON name of the field at fault
	Reason string // what is wrong with it, for a human
}

// Error names the field and what is wrong with it.
func (e *ValidationError) Error() string {
	return "periskope: invalid request: " + e.Field + ": " + e.Reason
}

// Is reports whether target is ErrInvalidRequest.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalidRequest }

// validStatus reports whether s is a status Periskope accepts.
func validStatus(s string) bool {
	switch s {
	case StatusOpen, StatusInProgress, StatusClosed, StatusArchived:
		return true
	}
	return false
}

// NormalizeChatID returns a chat id as Periskope expects it: bare digits (a
// person's number) get "@c.us" appended, as the official SDK does; anything
// else is returned trimmed.
func NormalizeChatID(id string) string {
	id = strings.TrimSpace(id)
	if isDigits(id) {
		return id + "@c.us"
	}
	return id
}

// CreateTicket calls POST /tickets/create. It is retried only when Periskope
// certainly did not process it (429, connection refused), never after a
// timeout or a 5xx, which could create a duplicate.
//
// ChatID and Subject are required; a ChatID of bare digits gets "@c.us".
// Priority must be 0 (left out) or 1–4, Status empty or one of the Status
// constants. A per-attempt timeout fails with an error matching
// context.DeadlineExceeded (see IsTimeout).
func (c *Client) CreateTicket(ctx context.Context, req CreateTicketRequest) (*TicketInfo, error) {
	req.ChatID = NormalizeChatID(req.ChatID)
	switch {
	case req.ChatID == "":
		return nil, &ValidationError{Field: "chat_id", Reason: "is required"}
	case strings.TrimSpace(req.Subject) == "":
		return nil, &ValidationError{Field: "subject", Reason: "is required"}
	case req.Priority != PriorityNone && !req.Priority.Valid():
		return nil, &ValidationError{Field: "priority", Reason: "must be 1, 2, 3 or 4"}
	case req.Status != "" && !validStatus(req.Status):
		return nil, &ValidationError{Field: "status", Reason: "must be open, inprogress, closed or archived"}
	}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("periskope: encoding request: %w", err)
	}
	resp, err := c.do(ctx, request{method: http.MethodPost, path: "/tickets/create", body: body})
	if err != nil {
		return nil, err
	}
	return resp.ticketInfoWithTicket()
}

// GetTicket calls GET /tickets/{ticket_id}.
func (c *Client) GetTicket(ctx context.Context, ticketID string) (*TicketInfo, error) {
	if strings.TrimSpace(ticketID) == "" {
		return nil, &ValidationError{Field: "ticket_id", Reason: "is required"}
	}
	resp, err := c.do(ctx, request{method: http.MethodGet, path: "/tickets/" + url.PathEscape(ticketID), idempotent: true})
	if err != nil {
		return nil, err
	}
	return resp.ticketInfoWithTicket()
}

// UpdateTicket calls PATCH /tickets/{ticket_id}. At least one field must be
// set; Priority, if set, must be 1–4. The update sets absolute values, so it
// is retried like a read. The answer is not documented: a ticket info object,
// a bare ticket (in Ticket) and an empty body (an empty TicketInfo) are
// accepted.
func (c *Client) UpdateTicket(ctx context.Context, ticketID string, req UpdateTicketRequest) (*TicketInfo, error) {
	switch {
	case strings.TrimSpace(ticketID) == "":
		return nil, &ValidationError{Field: "ticket_id", Reason: "is required"}
	case req == UpdateTicketRequest{}:
		return nil, &ValidationError{Field: "body", Reason: "no field to update"}
	case req.Priority != nil && !req.Priority.Valid():
		return nil, &ValidationError{Field: "priority", Reason: "must be 1, 2, 3 or 4"}
	case req.Status != nil && !validStatus(*req.Status):
		return nil, &ValidationError{Field: "status", Reason: "must be open, inprogress, closed or archived"}
	}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("periskope: encoding request: %w", err)
	}
	resp, err := c.do(ctx, request{method: http.MethodPatch, path: "/tickets/" + url.PathEscape(ticketID), body: body, idempotent: true})
	if err != nil {
		return nil, err
	}
	return resp.updatedTicketInfo()
}

// ListTickets calls GET /tickets. A zero Limit leaves the page size to
// Periskope.
func (c *Client) ListTickets(ctx context.Context, p ListTicketsParams) (*TicketList, error) {
	if p.Offset < 0 {
		return nil, &ValidationError{Field: "offset", Reason: "must not be negative"}
	}
	if p.Limit < 0 {
		return nil, &ValidationError{Field: "limit", Reason: "must not be negative"}
	}
	q := url.Values{}
	if p.Offset > 0 {
		q.Set("offset", strconv.Itoa(p.Offset))
	}
	if p.Limit > 0 {
		q.Set("limit", strconv.Itoa(p.Limit))
	}
	resp, err := c.do(ctx, request{method: http.MethodGet, path: "/tickets", query: q, idempotent: true})
	if err != nil {
		return nil, err
	}
	return resp.ticketList()
}

// request is one API call.
type request struct {
	method string
	path   string // below the base URL, starting with "/"
	query  url.Values
	body   []byte // nil for none
	// idempotent calls are also retried after 5xx answers and transport
	// failures; others only where Periskope certainly did not process them.
	idempotent bool
}

func (r request) op() string { return r.method + " " + r.path }

// response is a 2xx answer, read in full.
type response struct {
	op     string
	header http.Header
	body   []byte
}

// ErrMalformedResponse reports a 2xx answer whose body is not the JSON
// object expected. For a create the ticket may well exist.
var ErrMalformedResponse = errors.New("periskope: malformed response")

func (r *response) ticketInfo() (*TicketInfo, error) {
	ti, err := decodeTicketInfo(r.body)
	if err != nil {
		return nil, r.malformed(err.Error())
	}
	ti.TraceID = r.traceID()
	return ti, nil
}

// ticketInfoWithTicket is ticketInfo for answers that must name a ticket
// (create, get): one without a ticket or without its ticket_id is
// malformed, however well-formed its JSON.
func (r *response) ticketInfoWithTicket() (*TicketInfo, error) {
	ti, err := r.ticketInfo()
	if err != nil {
		return nil, err
	}
	if ti.Ticket == nil || strings.TrimSpace(ti.Ticket.TicketID) == "" {
		return nil, r.malformed("no ticket_id in the answer")
	}
	return ti, nil
}

// updatedTicketInfo is ticketInfo for PATCH, whose answer is undocumented:
// an empty 2xx body is a success without details.
func (r *response) updatedTicketInfo() (*TicketInfo, error) {
	if len(bytes.TrimSpace(r.body)) == 0 {
		return &TicketInfo{TraceID: r.traceID()}, nil
	}
	return r.ticketInfo()
}

func (r *response) ticketList() (*TicketList, error) {
	var l TicketList
	body := bytes.TrimSpace(r.body)
	if len(body) > 0 && body[0] == '[' { // a bare array of tickets
		if tickets, ok := fastTickets(body); ok {
			l.Tickets = tickets
		} else {
			l.Tickets = objects[Ticket](body)
		}
		l.Count = len(l.Tickets)
	} else if err := l.UnmarshalJSON(body); err != nil || isNull(body) {
		return nil, r.malformed("not a ticket list")
	}
	l.Raw = append(json.RawMessage(nil), r.body...)
	l.TraceID = r.traceID()
	return &l, nil
}

func (r *response) traceID() string { return r.header.Get(headerTraceID) }

// malformed reports an unusable 2xx answer, with the trace id for support.
func (r *response) malformed(why string) error {
	if id := r.traceID(); id != "" {
		return fmt.Errorf("%w: %s: %s (trace id %s)", ErrMalformedResponse, r.op, why, id)
	}
	return fmt.Errorf("%w: %s: %s", ErrMalformedResponse, r.op, why)
}

// decodeTicketInfo reads a ticket info object, or a bare ticket (an object
// with ticket_id but no ticket), which it wraps. Raw is a copy of b.
func decodeTicketInfo(b []byte) (*TicketInfo, error) {
	if ti, ok := fastDecodeTicketInfo(b); ok {
		return ti, nil
	}
	return decodeTicketInfoTolerant(b)
}

// decodeTicketInfoTolerant is decodeTicketInfo member by member: the
// fallback for input the fast path leaves, and its reference in tests.
func decodeTicketInfoTolerant(b []byte) (*TicketInfo, error) {
	f, err := decodeFields(b)
	if err != nil {
		return nil, err
	}
	if f == nil {
		return nil, errors.New("null")
	}
	ti := &TicketInfo{}
	if !f.has("ticket") && f.has("ticket_id") {
		var t Ticket
		if err := t.decodeTolerant(b); err != nil {
			return nil, err
		}
		ti.Ticket, ti.Raw = &t, append(json.RawMessage(nil), b...)
		return ti, nil
	}
	if err := ti.decodeTolerant(b); err != nil {
		return nil, err
	}
	return ti, nil
}

// do sends r, retrying as the policy and the kind of call allow, and
// returns the first 2xx answer.
func (c *Client) do(ctx context.Context, r request) (*response, error) {
	key, err := c.apiKey(ctx, c.keys.APIKey)
	if err != nil {
		return nil, err
	}
	refreshed := false
	for attempt := 1; ; attempt++ {
		status, header, body, err := c.send(ctx, r, key)
		var delay time.Duration
		switch {
		case err != nil:
			if ctx.Err() != nil || !retryableTransport(r, err) || attempt >= c.retry.MaxAttempts {
				return nil, err
			}
			delay = c.backoff(attempt)
		case status >= 200 && status < 300:
			return &response{op: r.op(), header: header, body: body}, nil
		default:
			apiErr := newAPIError(r.op(), status, header, body)
			err = apiErr
			if status == http.StatusUnauthorized && !refreshed {
				refreshed = true
				if newKey, ok, rerr := c.refreshKey(ctx, key); rerr != nil {
					// Both wrapped: the caller may tell a refused key from a
					// key it can no longer read.
					return nil, fmt.Errorf("%w (refreshing the API key failed: %w)", apiErr, rerr)
				} else if ok {
					key = newKey
					attempt-- // a refreshed retry is not a policy retry
					continue
				}
			}
			switch {
			case status == http.StatusTooManyRequests:
				apiErr.RetryAfter = c.rateLimitWait(header)
				if limit := c.retry.RateLimitMaxWait; limit > 0 && apiErr.RetryAfter > limit {
					return nil, apiErr
				}
				delay = c.backoff(attempt)
				if apiErr.RetryAfter > 0 {
					delay = apiErr.RetryAfter + c.jitter(c.retry.BaseDelay)
				}
			case status >= 500 && r.idempotent:
				delay = c.backoff(attempt)
			default:
				return nil, apiErr
			}
			if attempt >= c.retry.MaxAttempts {
				return nil, apiErr
			}
		}
		// Never sleep past the caller's deadline: answer now with what we
		// know (for a 429, RetryAfter tells the caller when to come back).
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < delay {
			return nil, err
		}
		if serr := c.clock.Sleep(ctx, delay); serr != nil {
			return nil, fmt.Errorf("periskope: %s: %w while waiting to retry after: %v", r.op(), serr, err)
		}
	}
}

// apiKey fetches a key and checks it can go into a header.
func (c *Client) apiKey(ctx context.Context, get func(context.Context) (string, error)) (string, error) {
	key, err := get(ctx)
	if err != nil {
		return "", fmt.Errorf("periskope: API key: %w", err)
	}
	key = strings.TrimSpace(key)
	if key == "" || strings.ContainsFunc(key, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		return "", errors.New("periskope: API key is empty or contains control characters")
	}
	return key, nil
}

// refreshKey asks a KeyRefresher for a new key. ok is false when there is
// no refresher or the key did not change, so a retry would be pointless.
func (c *Client) refreshKey(ctx context.Context, old string) (key string, ok bool, err error) {
	kr, isRefresher := c.keys.(KeyRefresher)
	if !isRefresher {
		return "", false, nil
	}
	key, err = c.apiKey(ctx, kr.RefreshAPIKey)
	if err != nil {
		return "", false, err
	}
	return key, key != old, nil
}

// send makes one attempt, bounded by AttemptTimeout. A timeout of the
// attempt itself is reported as context.DeadlineExceeded.
func (c *Client) send(ctx context.Context, r request, key string) (int, http.Header, []byte, error) {
	actx, cancel := ctx, context.CancelFunc(func() {})
	if c.retry.AttemptTimeout > 0 {
		actx, cancel = context.WithTimeout(ctx, c.retry.AttemptTimeout)
	}
	defer cancel()

	u := c.baseURL + r.path
	if len(r.query) > 0 {
		u += "?" + r.query.Encode()
	}
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(actx, r.method, u, body)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("periskope: %s: %w", r.op(), err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", "application/json")
	if c.phone != "" {
		req.Header.Set(headerPhone, c.phone)
	}
	if c.userAgent != "" {
		req.Header.Set("User-Agent", c.userAgent)
	}

	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, nil, c.transportError(ctx, actx, r, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBytes+1))
	if err != nil {
		return 0, nil, nil, c.transportError(ctx, actx, r, err)
	}
	if len(data) > MaxResponseBytes {
		return 0, nil, nil, fmt.Errorf("%w: %s: answer larger than %d bytes", ErrMalformedResponse, r.op(), MaxResponseBytes)
	}
	return resp.StatusCode, resp.Header, data, nil
}

// transportError wraps a failure to get an answer. When the attempt's own
// timeout fired (and not the caller's context) the error matches
// context.DeadlineExceeded whatever net/http made of it, and still wraps
// the original error (a dial that timed out stays recognisable).
func (c *Client) transportError(ctx, actx context.Context, r request, err error) error {
	if ctx.Err() == nil && errors.Is(actx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("periskope: %s: attempt timed out after %s: %w (%w)", r.op(), c.retry.AttemptTimeout, context.DeadlineExceeded, err)
	}
	return fmt.Errorf("periskope: %s: %w", r.op(), err)
}

// retryableTransport decides whether a call that got no answer may be sent
// again. Only a failed dial (connection refused, no route, DNS) proves the
// request never left; anything later may have reached Periskope, so only
// idempotent calls retry then.
func retryableTransport(r request, err error) bool {
	if r.idempotent {
		return true
	}
	if errors.Is(err, syscall.ECONNREFUSED) {
		return true
	}
	var opErr *net.OpError
	return errors.As(err, &opErr) && opErr.Op == "dial" && !opErr.Timeout()
}

// backoff is the jittered exponential delay before retry number attempt:
// a random point in the upper half of BaseDelay·2^(attempt-1), capped.
func (c *Client) backoff(attempt int) time.Duration {
	d := c.retry.BaseDelay
	for i := 1; i < attempt && (c.retry.MaxDelay == 0 || d < c.retry.MaxDelay); i++ {
		d *= 2
	}
	if c.retry.MaxDelay > 0 && d > c.retry.MaxDelay {
		d = c.retry.MaxDelay
	}
	return d/2 + c.jitter(d/2)
}

// jitter is a random duration in [0, d).
func (c *Client) jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return rand.N(d)
}

// rateLimitWait reads how long a 429 asks to wait: the longer of
// Retry-After (seconds or an HTTP date) and X-RateLimit-Reset, which is
// epoch seconds when above 1e9 (epoch milliseconds above 1e12) and seconds
// from now otherwise.
func (c *Client) rateLimitWait(h http.Header) time.Duration {
	now := c.clock.Now()
	var wait time.Duration
	if v := strings.TrimSpace(h.Get(headerRetryAfter)); v != "" {
		if secs, err := strconv.ParseFloat(v, 64); err == nil {
			wait = max(wait, seconds(secs))
		} else if t, err := http.ParseTime(v); err == nil {
			wait = max(wait, t.Sub(now))
		}
	}
	if v := strings.TrimSpace(h.Get(headerRateLimitReset)); v != "" {
		if n, err := strconv.ParseFloat(v, 64); err == nil {
			if n > 1e9 {
				wait = max(wait, epochTime(n).Sub(now))
			} else {
				wait = max(wait, seconds(n))
			}
		}
	}
	return max(wait, 0)
}

// seconds converts a non-negative count of seconds, capping absurd values
// at a day.
func seconds(s float64) time.Duration {
	if s <= 0 || s != s {
		return 0
	}
	if s > 86400 {
		s = 86400
	}
	return time.Duration(s * float64(time.Second))
}
