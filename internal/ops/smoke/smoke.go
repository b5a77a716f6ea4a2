// Package smoke checks a running Periskope bridge, deployed or local, from
// the outside and without creating a ticket: each of the four requests
// Run sends is one the product must refuse or ignore.
package smoke

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/periskope-connect/periskope-aws/internal/text"
	"github.com/periskope-connect/periskope-aws/pkg/periskope"
)

var (
	errRequest       = errors.New("no answer")
	errSign          = errors.New("cannot sign the request")
	errNoSigner      = errors.New("no SigV4 signer configured")
	errMissingOutput = errors.New("stack output missing")
	errSigningKey    = errors.New("no webhook signing key")
)

// Target is the system under check.
type Target struct {
	Name                   string // "periskope-bridge-dev"
	TicketsURL, WebhookURL string
	SigningKey             string // the current webhook signing key
	IAM                    bool   // POST /tickets requires SigV4 (false: the local gateway)
}

// Checker runs the checks, signing POST /tickets with SigV4 as an
// IAM-authorized caller of API Gateway must.
type Checker struct {
	Credentials aws.CredentialsProvider // nil: the signed check fails
	Region      string
}

// client's timeout is longer than either route's integration timeout.
var client = &http.Client{Timeout: 30 * time.Second}

// Verdict is how one check ended.
type Verdict string

const (
	Pass Verdict = "PASS"
	Fail Verdict = "FAIL"
	Skip Verdict = "SKIP"
)

// Result is one check: what it sent, what it wanted and what it saw.
type Result struct {
	Check   string
	Want    string
	Verdict Verdict
	Saw     string // status and body, or why there was none or the check was skipped
}

// Report is every check's result, in order.
type Report struct {
	Target  string
	Results []Result
}

// OK reports whether checks ran and none failed.
func (r Report) OK() bool {
	failed := slices.ContainsFunc(r.Results, func(res Result) bool { return res.Verdict == Fail })
	return len(r.Results) > 0 && !failed
}

// WriteTo prints the report, one line per check, then the totals. What
// the target answered is escaped: a body cannot drive the operator's
// terminal.
func (r Report) WriteTo(w io.Writer) (int64, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "smoke: %s\n", text.Escape(r.Target))
	counts := map[Verdict]int{}
	for _, res := range r.Results {
		counts[res.Verdict]++
		fmt.Fprintf(&b, "  %s  %s: want %s; saw %s\n", res.Verdict, res.Check, res.Want, text.Escape(res.Saw))
	}
	fmt.Fprintf(&b, "smoke: %d passed, %d skipped, %d failed\n", counts[Pass], counts[Skip], counts[Fail])
	n, err := io.WriteString(w, b.String())
	return int64(n), err
}

const (
	unknownEvent = "smoke.check" // the product acknowledges and ignores it
	webhookBody  = `{"event":"` + unknownEvent + `","org_id":"smoke","previous_attributes":{},"timestamp":"2026-01-01T00:00:00+00:00","data":{}}`
	// invalidTicket lacks the required subject: create-ticket refuses it
	// before it calls Periskope.
	invalidTicket = `{"chat_id":"919876543210@c.us"}`
	maxShown      = 300
)

type check struct {
	name, want string
	iamOnly    bool // skipped where there is no IAM authorization
	url, body  string
	sign       func(ctx context.Context, req *http.Request, body []byte) error // nil: unsigned
	status     int
	judge      func(body []byte) string // nil, or why the body is not the one wanted ("" when it is)
}

// Run sends the four requests to t and reports what came back.
func (c *Checker) Run(ctx context.Context, t Target) Report {
	signWebhook := func(_ context.Context, req *http.Request, body []byte) error {
		req.Header.Set(periskope.SignatureHeader, periskope.Sign(body, t.SigningKey))
		return nil
	}
	checks := []check{
		{name: "POST /tickets unsigned", want: "403 (IAM authorization)", iamOnly: true, url: t.TicketsURL, body: invalidTicket, status: 403},
		{name: "POST /tickets signed, subject missing", want: `400 with "field":"subject"`, url: t.TicketsURL, body: invalidTicket,
			sign: c.sign, status: 400, judge: namesSubject},
		{name: "POST /webhooks/periskope unsigned", want: "401", url: t.WebhookURL, body: webhookBody, status: 401},
		{name: "POST /webhooks/periskope signed, event " + unknownEvent, want: `200 {"status":"ignored"}`, url: t.WebhookURL, body: webhookBody,
			sign: signWebhook, status: 200, judge: ignored},
	}
	report := Report{Target: t.Name}
	for _, ch := range checks {
		res := Result{Check: ch.name, Want: ch.want, Verdict: Skip, Saw: "skipped: the local gateway has no IAM authorization"}
		if t.IAM || !ch.iamOnly {
			res = ch.run(ctx)
		}
		report.Results = append(report.Results, res)
	}
	return report
}

func (c *Checker) sign(ctx context.Context, req *http.Request, body []byte) error {
	if c.Credentials == nil {
		return errNoSigner
	}
	creds, err := c.Credentials.Retrieve(ctx)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(body)
	return v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "execute-api", c.Region, time.Now())
}

func (ch check) run(ctx context.Context) Result {
	res := Result{Check: ch.name, Want: ch.want, Verdict: Fail}
	status, body, err := post(ctx, ch.url, []byte(ch.body), ch.sign)
	if err != nil {
		res.Saw = err.Error()
		return res
	}
	res.Saw = fmt.Sprintf("%d %s", status, shown(body))
	why := ""
	switch {
	case status != ch.status:
		why = fmt.Sprintf("status %d, want %d", status, ch.status)
	case ch.judge != nil:
		why = ch.judge(body)
	}
	if why != "" {
		res.Saw += " (" + why + ")"
		return res
	}
	res.Verdict = Pass
	return res
}

func post(ctx context.Context, url string, body []byte, sign func(context.Context, *http.Request, []byte) error) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, nil, fmt.Errorf("%w: %v", errRequest, err)
	}
	req.Header.Set("Content-Type", "application/json")
	if sign != nil {
		if err := sign(ctx, req, body); err != nil {
			return 0, nil, fmt.Errorf("%w: %v", errSign, err)
		}
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("%w: %v", errRequest, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return 0, nil, fmt.Errorf("%w: reading the body: %v", errRequest, err)
	}
	return resp.StatusCode, b, nil
}

func namesSubject(body []byte) string {
	var e struct{ Error struct{ Code, Field string } } // encoding/json matches the names in any case
	if err := json.Unmarshal(body, &e); err != nil || e.Error.Code == "" {
		return `not the product's {"error":{...}} body`
	}
	if e.Error.Field != "subject" {
		return fmt.Sprintf("field %q, want %q", e.Error.Field, "subject")
	}
	return ""
}

func ignored(body []byte) string {
	var s struct{ Status, Event string }
	if err := json.Unmarshal(body, &s); err != nil || s.Status != "ignored" || s.Event != unknownEvent {
		return fmt.Sprintf(`want {"status":"ignored","event":%q}`, unknownEvent)
	}
	return ""
}

// shown is body on one line, bounded.
func shown(body []byte) string {
	s := strings.Join(strings.Fields(string(body)), " ")
	if s == "" {
		return "(empty body)"
	}
	if len(s) > maxShown {
		s = s[:maxShown] + "…"
	}
	return s
}
