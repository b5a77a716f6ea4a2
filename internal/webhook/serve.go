package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/json/jsontext"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"

	"github.com/periskope-connect/periskope-aws/internal/apigw"
	"github.com/periskope-connect/periskope-aws/internal/ticketstore"
	"github.com/periskope-connect/periskope-aws/pkg/periskope"
)

// Limits on the identifiers that make the item's key: far above
// Periskope's, within DynamoDB's 2048 bytes.
const (
	maxOrgIDBytes    = 256
	maxTicketIDBytes = 1024
)

// Error codes of this route alone; those both routes answer are apigw's.
const (
	// CodeMissingSignature (401): no x-periskope-signature header.
	CodeMissingSignature = "missing_signature"
	// CodeInvalidSignature (401): no candidate of the header matches.
	CodeInvalidSignature = "invalid_signature"
	// CodeInvalidTicket (400): a signed ticket the store refuses as such.
	CodeInvalidTicket = "invalid_ticket"
	// CodeStoreRejected (500): DynamoDB refused the write for good.
	CodeStoreRejected = "store_rejected"
	// CodeDependencyUnavailable (503): one code for every dependency: the
	// route is public, so which one failed is for the log only.
	CodeDependencyUnavailable = "dependency_unavailable"
)

// Outcomes of the answers that are not errors; an error's is its code.
const (
	outcomeStored    = "stored"
	outcomeDuplicate = "duplicate"
	outcomeIgnored   = "ignored"
)

// Dependencies named in the log line of a 503 or a 500.
const (
	depSecretsManager = "secretsmanager"
	depDynamoDB       = "dynamodb"
)

// outcome is what the answer, the log line and the metric are made from.
type outcome struct {
	name   string
	status int
	body   any          // the 200 answer
	apiErr *apigw.Error // the error answer
	metric string

	event, ticketID, orgID string
	dependency, awsError   string // what failed, for a 503
}

func (o *outcome) response() events.APIGatewayV2HTTPResponse {
	if o.apiErr != nil {
		return o.apiErr.Response()
	}
	return apigw.JSON(o.status, o.body)
}

func fail(status int, code, message, field string) *outcome {
	return failed(&apigw.Error{Status: status, Code: code, Message: message, Field: field})
}

func failed(e *apigw.Error) *outcome {
	return &outcome{name: e.Code, status: e.Status, apiErr: e}
}

// msgInvalidSignature is the one answer to every wrong signature, however
// it is wrong: the sender learns nothing about the keys.
const msgInvalidSignature = "the x-periskope-signature header does not match the body"

func invalid(code, message, field string) *outcome {
	return fail(http.StatusBadRequest, code, message, field)
}

func rejected(code, message string) *outcome {
	o := fail(http.StatusUnauthorized, code, message, "")
	o.metric = MetricSignatureRejected
	return o
}

func unavailable(dependency string, err error) *outcome {
	o := fail(http.StatusServiceUnavailable, CodeDependencyUnavailable,
		"the service is temporarily unavailable; deliver the event again later", "")
	o.dependency, o.awsError = dependency, awsErrorCode(err)
	return o
}

// storeRejected is DynamoDB refusing the write for good: not an outage
// (503) but a fault of ours (500) that needs a person.
func storeRejected(err error) *outcome {
	o := fail(http.StatusInternalServerError, CodeStoreRejected, "the ticket could not be stored", "")
	o.metric = MetricStoreRejected
	o.dependency, o.awsError = depDynamoDB, awsErrorCode(err)
	return o
}

type statusBody struct {
	Status   string `json:"status"`
	TicketID string `json:"ticket_id,omitempty"`
	Event    string `json:"event,omitempty"`
}

// serve runs the request through its steps; the first that fails answers.
func (h *Handler) serve(ctx context.Context, req *events.APIGatewayV2HTTPRequest) *outcome {
	body, apiErr := apigw.ReadBody(req, h.d.MaxBodyBytes)
	if apiErr != nil {
		return failed(apiErr)
	}
	if o := h.verify(ctx, req, body); o != nil {
		return o
	}
	o := h.serveSigned(ctx, body)
	if o.status >= 400 && o.status < 500 && o.metric == "" {
		o.metric = MetricSignedDeliveryRefused
	}
	return o
}

// serveSigned answers a body whose signature matched: Periskope's.
func (h *Handler) serveSigned(ctx context.Context, body []byte) *outcome {
	ev, o := parse(body)
	if o != nil {
		return o
	}
	if ev.Type != periskope.EventTicketCreated {
		return &outcome{name: outcomeIgnored, status: http.StatusOK, metric: MetricIgnored, event: ev.Type,
			body: statusBody{Status: "ignored", Event: ev.Type}}
	}
	t, o := ticketFrom(ev)
	if o != nil {
		o.event = ev.Type
		return o
	}
	t.ReceivedAt = h.d.Now().UTC()
	o = h.store(ctx, t)
	o.event, o.ticketID, o.orgID = ev.Type, t.TicketID, t.OrgID
	return o
}

// verify checks the signature against the configured keys, refreshing them
// once if none matches (a rotation). It answers nil when the body is
// authentic. A malformed signature header (none of 64 hex digits, or more
// than four candidates) is refused before any secret is read; otherwise
// each key costs one HMAC of the body, however many candidates there are.
func (h *Handler) verify(ctx context.Context, req *events.APIGatewayV2HTTPRequest, body []byte) *outcome {
	sigs, err := periskope.ParseSignatures(req.Headers)
	switch {
	case errors.Is(err, periskope.ErrMissingSignature):
		return rejected(CodeMissingSignature, "the x-periskope-signature header is missing")
	case err != nil:
		return rejected(CodeInvalidSignature, msgInvalidSignature)
	}
	keys, err := h.d.Keys.Get(ctx)
	if err != nil {
		return unavailable(depSecretsManager, err)
	}
	err = sigs.Verify(body, keys...)
	if errors.Is(err, periskope.ErrInvalidSignature) {
		// The cache limits how often this calls Secrets Manager. A failed
		// refresh leaves no key to trust: ours to fix, not the sender's.
		fresh, rerr := h.d.Keys.Refresh(ctx)
		if rerr != nil {
			return unavailable(depSecretsManager, rerr)
		}
		if added := slices.DeleteFunc(slices.Clone(fresh), func(k string) bool { return slices.Contains(keys, k) }); len(added) > 0 {
			err = sigs.Verify(body, added...)
		}
	}
	switch {
	case err == nil:
		return nil
	case errors.Is(err, periskope.ErrNoSigningKeys):
		return unavailable(depSecretsManager, err) // an empty secret: configuration, not the sender
	default:
		return rejected(CodeInvalidSignature, msgInvalidSignature)
	}
}

// parse decodes the envelope of an authentic body.
func parse(body []byte) (*periskope.Event, *outcome) {
	// JSON is UTF-8, and so must DynamoDB string attributes be.
	if !utf8.Valid(body) {
		return nil, failed(apigw.InvalidJSON(body))
	}
	// ParseEvent reads the whole body, so a separate json.Valid pass (a
	// quarter of the webhook's CPU time) is only needed to explain a failure.
	ev, err := periskope.ParseEvent(body)
	switch {
	case err == nil && onlyJSONSpaceAround(body):
		return ev, nil
	case err == nil || !json.Valid(body):
		return nil, failed(apigw.InvalidJSON(body))
	case errors.Is(err, jsontext.ErrDuplicateName): // valid to encoding/json (v1), not to the decoder
		return nil, failed(&apigw.Error{Status: http.StatusBadRequest, Code: apigw.CodeInvalidJSON,
			Message: "request body is not valid JSON: an object repeats a member name"})
	}
	if o := inexactID(err, ""); o != nil {
		return nil, o
	}
	if trimmed := bytes.TrimSpace(body); len(trimmed) > 0 && trimmed[0] == '{' {
		return nil, invalid(apigw.CodeMissingField, "the event has no event name", "event")
	}
	return nil, failed(apigw.NotAnObject())
}

// inexactID answers an identifier refused as periskope.ErrInvalidID (a
// key from a number or a U+FFFD could merge different tickets), its field
// named under prefix; nil for another error.
func inexactID(err error, prefix string) *outcome {
	var fe *periskope.FieldError
	if !errors.Is(err, periskope.ErrInvalidID) || !errors.As(err, &fe) {
		return nil
	}
	field := prefix + fe.Field
	return invalid(apigw.CodeInvalidField, field+" must be a JSON string without unpaired surrogates", field)
}

// onlyJSONSpaceAround reports whether a body ParseEvent accepted is valid
// JSON: ParseEvent trims all Unicode white space, JSON only space, tab, CR
// and LF, and no other white space starts with '{' or ends with '}'.
func onlyJSONSpaceAround(body []byte) bool {
	trimmed := bytes.Trim(body, " \t\r\n")
	return len(trimmed) > 0 && trimmed[0] == '{' && trimmed[len(trimmed)-1] == '}'
}

// ticketFrom builds the item of a ticket.created event.
func ticketFrom(ev *periskope.Event) (*ticketstore.Ticket, *outcome) {
	info, err := ev.TicketInfo()
	if o := inexactID(err, "data."); o != nil {
		return nil, o
	}
	if err != nil {
		return nil, invalid(apigw.CodeInvalidField, "data is not a ticket info object", "data")
	}
	tk := info.Ticket
	if tk == nil {
		return nil, invalid(apigw.CodeMissingField, "data has no ticket object", "data.ticket")
	}
	orgID := ev.OrgID
	if strings.TrimSpace(orgID) == "" {
		orgID = tk.OrgID
	}
	switch {
	case strings.TrimSpace(tk.TicketID) == "":
		return nil, invalid(apigw.CodeMissingField, "the ticket has no ticket_id", "data.ticket.ticket_id")
	case len(tk.TicketID) > maxTicketIDBytes:
		return nil, invalid(apigw.CodeInvalidField, fmt.Sprintf("ticket_id is longer than %d bytes", maxTicketIDBytes), "data.ticket.ticket_id")
	case strings.TrimSpace(orgID) == "":
		return nil, invalid(apigw.CodeMissingField, "neither the event nor its ticket has an org_id", "org_id")
	case len(orgID) > maxOrgIDBytes || strings.Contains(orgID, "#"):
		return nil, invalid(apigw.CodeInvalidField, fmt.Sprintf("org_id must be at most %d bytes without '#'", maxOrgIDBytes), "org_id")
	}
	t := ticketstore.FromTicketInfo(orgID, info, ev.Data)
	t.Event, t.EventTimestamp, t.Source = ev.Type, ev.Timestamp, ticketstore.SourceWebhook
	return t, nil
}

func (h *Handler) store(ctx context.Context, t *ticketstore.Ticket) *outcome {
	ctx, cancel := context.WithTimeout(ctx, storeTimeout)
	defer cancel()
	err := h.d.Store.Put(ctx, t)
	switch {
	case err == nil:
		return &outcome{name: outcomeStored, status: http.StatusOK, metric: MetricStored,
			body: statusBody{Status: "stored", TicketID: t.TicketID}}
	case errors.Is(err, ticketstore.ErrDuplicate):
		return &outcome{name: outcomeDuplicate, status: http.StatusOK, metric: MetricDuplicate,
			body: statusBody{Status: "duplicate", TicketID: t.TicketID}}
	case errors.Is(err, ticketstore.ErrTooLarge):
		return fail(http.StatusRequestEntityTooLarge, apigw.CodeBodyTooLarge, "the ticket is too large to store", "")
	case errors.Is(err, ticketstore.ErrInvalidTicket):
		return invalid(CodeInvalidTicket, "the ticket cannot be stored", "")
	case errors.Is(err, ticketstore.ErrRejected):
		return storeRejected(err)
	default:
		return unavailable(depDynamoDB, err)
	}
}
