package createticket

import (
	"bytes"
	"cmp"
	"encoding/json"
	"encoding/json/jsontext"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/periskope-connect/periskope-aws/internal/apigw"
	"github.com/periskope-connect/periskope-aws/internal/text"
	"github.com/periskope-connect/periskope-aws/pkg/periskope"
)

// Limits on a request. Periskope documents none; these are generous for a
// human-written ticket and keep a bad client from storing megabytes.
const (
	MaxBodyBytes           = 64 << 10 // larger bodies get 413
	MaxSubjectLength       = 500      // characters, after trimming
	MaxLabels              = 50
	MaxLabelLength         = 100 // characters
	MaxAssigneeLength      = 254 // the longest valid email address
	MaxQuotedMessageLength = 256
)

// CodeUnknownField is the error code of a body member the route does not
// know; the other codes of invalid requests are apigw's.
const CodeUnknownField = "unknown_field"

// The body members accepted, in the order they are checked.
var knownFields = []string{"chat_id", "subject", "priority", "status", "due_date", "assignee", "labels", "quoted_message_id"}

// ParseRequest validates a create-ticket body and returns it normalised as
// the request to send Periskope:
//
//   - chat_id (required): "<digits>@c.us" (a person: 7–15 digits, the
//     number with country code), "<digits>@g.us" or "<digits>-<digits>@g.us"
//     (a group), or a person's bare digits, which get "@c.us". The suffix is
//     matched case-insensitively and sent lowercase.
//   - subject (required): trimmed, 1–MaxSubjectLength characters, one line
//     (no control characters).
//   - priority: 1–4 as a JSON number or a string ("2"), or the names low,
//     medium, high, urgent.
//   - status: open, inprogress, closed or archived (case-insensitive).
//   - due_date: a date "2006-01-02" or an RFC 3339 timestamp, sent as given.
//   - assignee: an email address (no display name).
//   - labels: a comma-separated string or an array of strings; labels are
//     trimmed, empty ones dropped, and sent as one string joined with ", ".
//     At most MaxLabels labels of MaxLabelLength characters.
//   - quoted_message_id: an id without spaces, at most MaxQuotedMessageLength.
//
// An optional member that is null or a blank string counts as absent. Any
// other member is refused (unknown_field), as is a member given twice.
// Errors are 400s naming the field; the first rule broken is reported.
func ParseRequest(body []byte) (periskope.CreateTicketRequest, *apigw.Error) {
	var req periskope.CreateTicketRequest
	members, apiErr := decodeObject(body)
	if apiErr != nil {
		return req, apiErr
	}
	// Every member is parsed; the first error in knownFields order is answered.
	var errs [8]*apigw.Error
	req.ChatID, errs[0] = parseChatID(members["chat_id"])
	req.Subject, errs[1] = parseSubject(members["subject"])
	req.Priority, errs[2] = parsePriority(members["priority"])
	req.Status, errs[3] = parseStatus(members["status"])
	req.DueDate, errs[4] = parseDueDate(members["due_date"])
	req.Assignee, errs[5] = parseAssignee(members["assignee"])
	req.Labels, errs[6] = parseLabels(members["labels"])
	req.QuotedMessageID, errs[7] = parseQuotedMessageID(members["quoted_message_id"])
	if err := cmp.Or(errs[:]...); err != nil {
		return periskope.CreateTicketRequest{}, err
	}
	return req, nil
}

func badRequest(code, field, format string, args ...any) *apigw.Error {
	return &apigw.Error{Status: http.StatusBadRequest, Code: code, Field: field, Message: fmt.Sprintf(format, args...)}
}

func invalid(field, format string, args ...any) *apigw.Error {
	return badRequest(apigw.CodeInvalidField, field, format, args...)
}

// decodeObject reads the body as one JSON object member by member, so that
// a member given twice is caught; an unknown member is refused.
func decodeObject(body []byte) (map[string]json.RawMessage, *apigw.Error) {
	trimmed := bytes.TrimSpace(body)
	switch {
	case len(trimmed) == 0 || !json.Valid(trimmed):
		return nil, apigw.InvalidJSON(trimmed)
	case trimmed[0] != '{':
		return nil, apigw.NotAnObject()
	}
	// v1's Valid accepted it: invalid UTF-8 and duplicate names are for
	// the checks below, not syntax errors.
	dec := jsontext.NewDecoder(bytes.NewReader(trimmed), jsontext.AllowInvalidUTF8(true), jsontext.AllowDuplicateNames(true))
	if _, err := dec.ReadToken(); err != nil { // the opening brace
		return nil, apigw.InvalidJSON(trimmed)
	}
	members := map[string]json.RawMessage{}
	var unknown []string
	for dec.PeekKind() == '"' {
		tok, err := dec.ReadToken()
		if err != nil {
			return nil, apigw.InvalidJSON(trimmed)
		}
		name := tok.String()
		value, err := dec.ReadValue()
		if err != nil {
			return nil, apigw.InvalidJSON(trimmed)
		}
		if _, dup := members[name]; dup {
			return nil, invalid(name, "%s is given more than once", name)
		}
		members[name] = bytes.Clone(value)
		if !slices.Contains(knownFields, name) {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) == 0 {
		return members, nil
	}
	slices.Sort(unknown)
	quoted := make([]string, len(unknown))
	for i, name := range unknown {
		quoted[i] = strconv.Quote(name)
	}
	noun := "field"
	if len(unknown) > 1 {
		noun = "fields"
	}
	return nil, badRequest(CodeUnknownField, unknown[0], "unknown %s %s; accepted fields are %s",
		noun, strings.Join(quoted, ", "), strings.Join(knownFields, ", "))
}

var errNotString = errors.New("not a string")

// optionalString reads a string member; absent, null and blank give "".
func optionalString(v json.RawMessage) (string, error) {
	if len(v) == 0 || string(v) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		return "", errNotString
	}
	return strings.TrimSpace(s), nil
}

func parseChatID(v json.RawMessage) (string, *apigw.Error) {
	id, err := optionalString(v)
	if err != nil {
		return "", invalid("chat_id", "chat_id must be a string")
	}
	if id == "" {
		return "", badRequest(apigw.CodeMissingField, "chat_id", "chat_id is required")
	}
	if at := strings.LastIndexByte(id, '@'); at >= 0 {
		id = id[:at] + strings.ToLower(id[at:])
	}
	// Bare digits get "@c.us" as the client would add it, then must be a
	// phone number like any person's chat id.
	if id = periskope.NormalizeChatID(id); isChatID(id) {
		return id, nil
	}
	return "", invalid("chat_id", `chat_id must be "<digits>@c.us" for a person (the number with country code, e.g. 919876543210@c.us), `+
		`"<digits>@g.us" for a group, or the person's number as digits only`)
}

func parseSubject(v json.RawMessage) (string, *apigw.Error) {
	s, err := optionalString(v)
	switch {
	case err != nil:
		return "", invalid("subject", "subject must be a string")
	case s == "":
		return "", badRequest(apigw.CodeMissingField, "subject", "subject is required and must not be blank")
	case utf8.RuneCountInString(s) > MaxSubjectLength:
		return "", invalid("subject", "subject is longer than %d characters", MaxSubjectLength)
	case strings.ContainsFunc(s, unicode.IsControl):
		return "", invalid("subject", "subject must be a single line without control characters")
	}
	return s, nil
}

func parsePriority(v json.RawMessage) (periskope.Priority, *apigw.Error) {
	bad := invalid("priority", "priority must be 1 (low), 2 (medium), 3 (high) or 4 (urgent), as a number or a string")
	if len(v) == 0 || string(v) == "null" {
		return periskope.PriorityNone, nil
	}
	text := string(v) // a number; any other JSON value matches nothing below
	if v[0] == '"' {
		if json.Unmarshal(v, &text) != nil {
			return 0, bad
		}
		if text = strings.TrimSpace(text); text == "" {
			return periskope.PriorityNone, nil
		}
	}
	if n, err := strconv.ParseFloat(text, 64); err == nil {
		if p := periskope.Priority(n); float64(p) == n && p.Valid() {
			return p, nil
		}
		return 0, bad
	}
	// The names of PriorityLow (1) to PriorityUrgent (4).
	if i := slices.Index([]string{"low", "medium", "high", "urgent"}, strings.ToLower(text)); i >= 0 {
		return periskope.Priority(i + 1), nil
	}
	return 0, bad
}

func parseStatus(v json.RawMessage) (string, *apigw.Error) {
	s, err := optionalString(v)
	s = strings.ToLower(s)
	switch {
	case err != nil:
	case s == "", s == periskope.StatusOpen, s == periskope.StatusInProgress, s == periskope.StatusClosed, s == periskope.StatusArchived:
		return s, nil
	}
	return "", invalid("status", "status must be open, inprogress, closed or archived")
}

func parseDueDate(v json.RawMessage) (string, *apigw.Error) {
	s, err := optionalString(v)
	parses := func(layout string) bool { _, err := time.Parse(layout, s); return err == nil }
	if err == nil && (s == "" || parses(time.DateOnly) || parses(time.RFC3339)) {
		return s, nil
	}
	return "", invalid("due_date", `due_date must be a date "2006-01-02" or an RFC 3339 timestamp "2006-01-02T15:04:05Z07:00"`)
}

func parseAssignee(v json.RawMessage) (string, *apigw.Error) {
	s, err := optionalString(v)
	if err == nil && (s == "" || len(s) <= MaxAssigneeLength && isEmailAddress(s)) {
		return s, nil
	}
	return "", invalid("assignee", "assignee must be the email address of a user of the Periskope organisation")
}

// isEmailAddress accepts a bare local@domain: a dot-atom local part (RFC
// 5322) of at most 64 characters and a domain of at least two labels.
// Display names and quoted local parts are refused: Periskope could not
// match them to a user.
func isEmailAddress(s string) bool {
	local, domain, ok := strings.Cut(s, "@")
	if !ok || len(local) == 0 || len(local) > 64 {
		return false
	}
	for _, atom := range strings.Split(local, ".") {
		if atom == "" || !text.AllBytes(atom, isAtext) {
			return false
		}
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return false
	}
	for _, label := range labels {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' || !text.AllBytes(label, isLabelByte) {
			return false
		}
	}
	return true
}

func isLabelByte(c byte) bool { return text.IsAlnum(c) || c == '-' }
func isAtext(c byte) bool {
	return text.IsAlnum(c) || strings.IndexByte("!#$%&'*+/=?^_`{|}~-", c) >= 0
}

func parseLabels(v json.RawMessage) (string, *apigw.Error) {
	var (
		parts []string
		s     string
	)
	switch {
	case len(v) == 0 || string(v) == "null":
		return "", nil
	case v[0] == '"' && json.Unmarshal(v, &s) == nil:
		parts = strings.Split(strings.TrimSpace(s), ",")
	case v[0] == '[' && json.Unmarshal(v, &parts) == nil:
		for _, s := range parts {
			if strings.Contains(s, ",") {
				return "", invalid("labels", "a label in the labels array must not contain a comma: %q", s)
			}
		}
	default:
		return "", invalid("labels", "labels must be a string or an array of strings")
	}
	labels := parts[:0]
	for _, p := range parts {
		p = strings.TrimSpace(p)
		switch {
		case p == "":
			continue
		case utf8.RuneCountInString(p) > MaxLabelLength:
			return "", invalid("labels", "a label is longer than %d characters", MaxLabelLength)
		case strings.ContainsFunc(p, unicode.IsControl):
			return "", invalid("labels", "labels must not contain control characters")
		}
		labels = append(labels, p)
	}
	if len(labels) > MaxLabels {
		return "", invalid("labels", "at most %d labels are allowed", MaxLabels)
	}
	return strings.Join(labels, ", "), nil
}

func parseQuotedMessageID(v json.RawMessage) (string, *apigw.Error) {
	s, err := optionalString(v)
	switch {
	case err != nil:
		return "", invalid("quoted_message_id", "quoted_message_id must be a string")
	case len(s) > MaxQuotedMessageLength:
		return "", invalid("quoted_message_id", "quoted_message_id is longer than %d characters", MaxQuotedMessageLength)
	case strings.ContainsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }):
		return "", invalid("quoted_message_id", "quoted_message_id must not contain spaces or control characters")
	}
	return s, nil
}
