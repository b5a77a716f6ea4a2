package smoke

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/periskope-connect/periskope-aws/pkg/periskope"
)

const (
	testKey    = "smoke-test-key"
	testRegion = "eu-west-1"
)

// answers is what a fake deployment says to each of the four requests.
type answers struct {
	unsignedTicket, signedTicket, unsignedWebhook, signedWebhook answer
}

type answer struct {
	status int
	body   string
}

// product answers as the deployed product does.
var product = answers{
	unsignedTicket:  answer{403, `{"message":"Forbidden"}`},
	signedTicket:    answer{400, `{"error":{"code":"missing_field","message":"subject is required and must not be blank","field":"subject"}}`},
	unsignedWebhook: answer{401, `{"error":{"code":"invalid_signature","message":"..."}}`},
	signedWebhook:   answer{200, `{"status":"ignored","event":"smoke.check"}`},
}

// fakeDeployment routes like API Gateway in front of the two functions and
// tells requests apart by their signatures, which it checks.
func fakeDeployment(t *testing.T, a answers) *httptest.Server {
	t.Helper()
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var ans answer
		switch r.URL.Path {
		case "/dev/tickets":
			ans = a.unsignedTicket
			if auth := r.Header.Get("Authorization"); auth != "" {
				if err := verifySigV4(r, body); err != nil {
					t.Errorf("signed POST /tickets: %v", err)
				}
				ans = a.signedTicket
			}
		case "/dev/webhooks/periskope":
			ans = a.unsignedWebhook
			if sig := r.Header.Get(periskope.SignatureHeader); sig != "" {
				if err := periskope.Verify(body, sig, testKey); err != nil {
					t.Errorf("webhook signature does not verify with the stack's key: %v", err)
				}
				ans = a.signedWebhook
			}
		default:
			ans = answer{404, `{"message":"Not Found"}`}
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(ans.status)
		_, _ = io.WriteString(w, ans.body)
	}))
}

// verifySigV4 checks r as API Gateway's IAM authorization would: signed
// for execute-api in testRegion with the test's credentials, at a time
// within the 5 minutes AWS allows, and with the signature the SDK's signer
// gives the headers it names.
func verifySigV4(r *http.Request, body []byte) error {
	auth := r.Header.Get("Authorization")
	at, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
	if err != nil || time.Since(at).Abs() > 5*time.Minute || r.Header.Get("X-Amz-Security-Token") != "token" {
		return fmt.Errorf("X-Amz-Date %q, X-Amz-Security-Token %q: not now, or not the session's", r.Header.Get("X-Amz-Date"), r.Header.Get("X-Amz-Security-Token"))
	}
	again, err := http.NewRequest(r.Method, "http://"+r.Host+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		return err
	}
	_, signed, _ := strings.Cut(auth, "SignedHeaders=")
	signed, _, _ = strings.Cut(signed, ",")
	for _, h := range strings.Split(signed, ";") {
		if h != "host" && h != "content-length" {
			again.Header[http.CanonicalHeaderKey(h)] = r.Header.Values(h)
		}
	}
	creds, _ := checker().Credentials.Retrieve(context.Background())
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, again, hex.EncodeToString(sum[:]), "execute-api", testRegion, at); err != nil {
		return err
	}
	if want := again.Header.Get("Authorization"); auth != want {
		return fmt.Errorf("Authorization %q, want %q", auth, want)
	}
	return nil
}

func checker() *Checker {
	return &Checker{
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIDSMOKE", SecretAccessKey: "secret", SessionToken: "token"}, nil
		}),
		Region: testRegion,
	}
}

func target(url string) Target {
	return Target{Name: "test", TicketsURL: url + "/dev/tickets", WebhookURL: url + "/dev/webhooks/periskope", SigningKey: testKey, IAM: true}
}

func TestRunAgainstTheProduct(t *testing.T) {
	srv := fakeDeployment(t, product)
	defer srv.Close()
	report := checker().Run(context.Background(), target(srv.URL))
	if !report.OK() {
		t.Errorf("the product's answers failed the checks:\n%s", printed(report))
	}
	if len(report.Results) != 4 {
		t.Fatalf("%d results, want 4", len(report.Results))
	}
	for _, r := range report.Results {
		if r.Verdict != Pass {
			t.Errorf("%s: %s", r.Check, r.Verdict)
		}
	}
}

// Each wrong answer fails exactly its own check, and the report shows it.
func TestRunFailsOnAnyOtherAnswer(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*answers)
		check  string // the one check that must fail
		saw    string // in its result
	}{
		{"tickets open without IAM", func(a *answers) {
			a.unsignedTicket = answer{400, `{"error":{"code":"missing_field","field":"subject"}}`}
		},
			"POST /tickets unsigned", "status 400, want 403"},
		{"signed ticket refused by IAM", func(a *answers) { a.signedTicket = answer{403, `{"message":"Forbidden"}`} },
			"POST /tickets signed, subject missing", "status 403, want 400"},
		{"400 without the field", func(a *answers) { a.signedTicket = answer{400, `{"error":{"code":"invalid_json","message":"x"}}`} },
			"POST /tickets signed, subject missing", `field "", want "subject"`},
		{"400 that is not the product's", func(a *answers) { a.signedTicket = answer{400, `{"message":"Bad Request"}`} },
			"POST /tickets signed, subject missing", `not the product's`},
		{"secrets not set", func(a *answers) { a.signedTicket = answer{503, `{"error":{"code":"dependency_unavailable"}}`} },
			"POST /tickets signed, subject missing", "503 {\"error\""},
		{"webhook accepts unsigned", func(a *answers) { a.unsignedWebhook = answer{200, `{"status":"ignored"}`} },
			"POST /webhooks/periskope unsigned", "status 200, want 401"},
		{"webhook rejects the stack's key", func(a *answers) { a.signedWebhook = answer{401, `{"error":{"code":"invalid_signature"}}`} },
			"POST /webhooks/periskope signed, event smoke.check", "status 401, want 200"},
		{"webhook stores the unknown event", func(a *answers) { a.signedWebhook = answer{200, `{"status":"stored","ticket_id":"X"}`} },
			"POST /webhooks/periskope signed, event smoke.check", `want {"status":"ignored"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := product
			tt.mutate(&a)
			srv := fakeDeployment(t, a)
			defer srv.Close()
			report := checker().Run(context.Background(), target(srv.URL))
			if report.OK() {
				t.Fatalf("report OK despite a wrong answer:\n%s", printed(report))
			}
			for _, r := range report.Results {
				if (r.Check == tt.check) != (r.Verdict == Fail) {
					t.Errorf("%s: %s (only %q should fail)", r.Check, r.Verdict, tt.check)
				}
				if r.Check == tt.check && !strings.Contains(r.Saw, tt.saw) {
					t.Errorf("%s: saw %q, want it to mention %q", r.Check, r.Saw, tt.saw)
				}
			}
			if !strings.Contains(printed(report), "smoke: 3 passed, 0 skipped, 1 failed") {
				t.Errorf("totals wrong:\n%s", printed(report))
			}
		})
	}
}

func TestRunWithoutIAMSkipsTheUnsignedTicket(t *testing.T) {
	a := product
	a.unsignedTicket = a.signedTicket // the local gateway lets it through
	srv := fakeDeployment(t, a)
	defer srv.Close()
	tg := target(srv.URL)
	tg.IAM = false
	report := checker().Run(context.Background(), tg)
	if !report.OK() {
		t.Fatalf("not OK:\n%s", printed(report))
	}
	if r := report.Results[0]; r.Verdict != Skip || !strings.Contains(r.Saw, "no IAM") {
		t.Errorf("first result %+v, want a skip that says there is no IAM", r)
	}
}

func TestRunWithoutAnswers(t *testing.T) {
	srv := fakeDeployment(t, product)
	srv.Close()
	report := (&Checker{}).Run(context.Background(), target(srv.URL))
	if report.OK() {
		t.Fatal("report OK with nothing listening")
	}
	for _, r := range report.Results {
		if r.Verdict != Fail {
			t.Errorf("%s: %s, want FAIL", r.Check, r.Verdict)
		}
	}
	if saw := report.Results[1].Saw; !strings.Contains(saw, errSign.Error()) || !strings.Contains(saw, errNoSigner.Error()) {
		t.Errorf("signed check without a signer saw %q", saw)
	}
}

type fakeOutputs struct {
	out map[string]string
	err error
}

func (f fakeOutputs) DescribeStacks(context.Context, *cloudformation.DescribeStacksInput, ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error) {
	if f.err != nil {
		return nil, f.err
	}
	var outputs []cftypes.Output
	for k, v := range f.out {
		outputs = append(outputs, cftypes.Output{OutputKey: aws.String(k), OutputValue: aws.String(v)})
	}
	return &cloudformation.DescribeStacksOutput{Stacks: []cftypes.Stack{{Outputs: outputs}}}, nil
}

type fakeSecrets map[string]string

func (f fakeSecrets) GetSecretValue(_ context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	v, ok := f[aws.ToString(in.SecretId)]
	if !ok {
		return nil, errors.New("ResourceNotFoundException")
	}
	return &secretsmanager.GetSecretValueOutput{SecretString: aws.String(v)}, nil
}

func TestDeployed(t *testing.T) {
	baseline := func() (map[string]string, fakeSecrets) {
		return map[string]string{
				outputTicketsURL:    "https://api.example/dev/tickets",
				outputWebhookURL:    "https://api.example/dev/webhooks/periskope",
				outputSigningKeyARN: "arn:signing",
				"TicketsTableName":  "t",
			}, fakeSecrets{
				"arn:signing": `{"signing_keys": ["current", "previous"]}`,
			}
	}
	out, secrets := baseline()
	got, err := Deployed(context.Background(), "periskope-bridge-dev", fakeOutputs{out: out}, secrets)
	if err != nil {
		t.Fatal(err)
	}
	want := Target{Name: "periskope-bridge-dev", TicketsURL: out[outputTicketsURL], WebhookURL: out[outputWebhookURL], SigningKey: "current", IAM: true}
	if got != want {
		t.Errorf("Deployed = %+v, want %+v", got, want)
	}

	tests := []struct {
		name   string
		mutate func(map[string]string, fakeSecrets) error // returns the outputs error
		want   error
	}{
		{"no tickets URL", func(o map[string]string, _ fakeSecrets) error { delete(o, outputTicketsURL); return nil }, errMissingOutput},
		{"no webhook URL", func(o map[string]string, _ fakeSecrets) error { delete(o, outputWebhookURL); return nil }, errMissingOutput},
		{"no secret output", func(o map[string]string, _ fakeSecrets) error { delete(o, outputSigningKeyARN); return nil }, errMissingOutput},
		{"secret without value", func(_ map[string]string, s fakeSecrets) error { delete(s, "arn:signing"); return nil }, errSigningKey},
		{"secret blank", func(_ map[string]string, s fakeSecrets) error { s["arn:signing"] = "  "; return nil }, errSigningKey},
		{"no stack", func(map[string]string, fakeSecrets) error { return errStackMissing }, errStackMissing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, secrets := baseline()
			outErr := tt.mutate(out, secrets)
			_, err := Deployed(context.Background(), "periskope-bridge-dev", fakeOutputs{out: out, err: outErr}, secrets)
			if !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

var errStackMissing = errors.New("stack with id periskope-bridge-dev does not exist")

func TestLocal(t *testing.T) {
	got, err := Local(context.Background(), "http://127.0.0.1:3000/", "local/signing", fakeSecrets{"local/signing": "local-signing-key"})
	if err != nil {
		t.Fatal(err)
	}
	want := Target{Name: "the local system at http://127.0.0.1:3000", TicketsURL: "http://127.0.0.1:3000/tickets",
		WebhookURL: "http://127.0.0.1:3000/webhooks/periskope", SigningKey: "local-signing-key"}
	if got != want {
		t.Errorf("Local = %+v, want %+v", got, want)
	}
	if _, err := Local(context.Background(), "http://127.0.0.1:3000", "local/signing", fakeSecrets{}); !errors.Is(err, errSigningKey) {
		t.Errorf("no secret: err = %v, want errSigningKey", err)
	}
}

// The report never quotes more than maxShown characters of a body, on one line.
func TestShown(t *testing.T) {
	long := strings.Repeat("x", 1000)
	if got := shown([]byte(long)); len(got) > maxShown+len("…") {
		t.Errorf("shown kept %d characters", len(got))
	}
	if got := shown([]byte("a\n  b")); got != "a b" {
		t.Errorf("shown = %q", got)
	}
	if got := shown(nil); got != "(empty body)" {
		t.Errorf("shown(nil) = %q", got)
	}
}

func printed(r Report) string {
	var b bytes.Buffer
	_, _ = r.WriteTo(&b)
	return b.String()
}

// A body the target sends reaches the operator's terminal escaped: it can
// neither run an escape sequence nor forge a line of the report.
func TestReportEscapesWhatTheTargetSent(t *testing.T) {
	a := product
	a.signedTicket = answer{400, "{\"error\":\"\x1b]52;c;cHduZWQ=\x07\u202e\"}"}
	srv := fakeDeployment(t, a)
	defer srv.Close()
	out := printed(checker().Run(context.Background(), target(srv.URL)))
	if strings.ContainsAny(out, "\x1b\x07\u202e") {
		t.Errorf("report passes control characters through:\n%q", out)
	}
	if !strings.Contains(out, `\x1b]52;c;cHduZWQ=\x07\u202e`) {
		t.Errorf("report does not show the escaped body:\n%q", out)
	}
}
