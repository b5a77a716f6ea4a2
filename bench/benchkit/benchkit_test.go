package benchkit

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/periskope-connect/periskope-aws/pkg/periskope"
)

func TestSummarize(t *testing.T) {
	var d []time.Duration
	for i := 100; i >= 1; i-- { // unsorted on purpose
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	s := Summarize(d)
	want := Summary{N: 100, P50: 50 * time.Millisecond, P90: 90 * time.Millisecond,
		P99: 99 * time.Millisecond, Max: 100 * time.Millisecond,
		MedianLow: 40 * time.Millisecond, MedianHigh: 60 * time.Millisecond}
	if s != want {
		t.Errorf("Summarize = %+v, want %+v", s, want)
	}
	if d[0] != 100*time.Millisecond {
		t.Error("Summarize sorted its input")
	}
	if got := Summarize(nil); got != (Summary{}) {
		t.Errorf("Summarize(nil) = %+v", got)
	}
	if got := percentile([]float64{7}, 99); got != 7 {
		t.Errorf("percentile of one = %v", got)
	}
}

// The median's interval is benchstat's exact one: for n values 1..n ms, the
// order statistics lo and hi.
func TestMedianCI(t *testing.T) {
	for _, tc := range []struct{ n, lo, hi int }{
		{1, 1, 1},
		{5, 1, 5},     // too few values for a narrower interval than the sample
		{100, 40, 60}, // exact binomial: P(X(40) <= median <= X(60)) = 0.953
		{400, 180, 220},
	} {
		var d []time.Duration
		for i := tc.n; i >= 1; i-- {
			d = append(d, time.Duration(i)*time.Millisecond)
		}
		if s := Summarize(d); s.MedianLow != time.Duration(tc.lo)*time.Millisecond || s.MedianHigh != time.Duration(tc.hi)*time.Millisecond {
			t.Errorf("n=%d: median interval %v..%v, want %dms..%dms", tc.n, s.MedianLow, s.MedianHigh, tc.lo, tc.hi)
		}
	}
}

func TestSpread(t *testing.T) {
	sample := func(n int) []time.Duration { // 1..n ms
		var d []time.Duration
		for i := 1; i <= n; i++ {
			d = append(d, time.Duration(i)*time.Millisecond)
		}
		return d
	}
	if got := Summarize(sample(100)).Spread(); got != 0.2 {
		t.Errorf("Spread of 1..100 ms = %v, want (60-40)/2/50 = 0.2", got)
	}
	if got := Summarize([]time.Duration{5, 5, 5, 5, 5, 5, 5}).Spread(); got != 0 {
		t.Errorf("Spread of a constant sample = %v, want 0", got)
	}
	if got := (Summary{}).Spread(); got != 0 {
		t.Errorf("Spread of nothing = %v, want 0", got)
	}
}

func TestRatio(t *testing.T) {
	if got := Ratio(3*time.Millisecond, 2*time.Millisecond); got != 1.5 {
		t.Errorf("Ratio = %v, want 1.5", got)
	}
	if got := Ratio(time.Second, 0); got != 0 {
		t.Errorf("Ratio over 0 = %v, want 0", got)
	}
}

func TestVerdict(t *testing.T) {
	if Verdict(1.2, 1.2) != "met" || Verdict(1.21, 1.2) != "MISSED" {
		t.Error("Verdict boundary")
	}
}

func TestPeakRSSOfThisProcess(t *testing.T) {
	n, err := PeakRSS(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if n < 1<<20 || n > 8<<30 {
		t.Errorf("peak RSS of the test process = %d bytes, implausible", n)
	}
	if _, err := PeakRSS(1 << 30); err == nil {
		t.Error("PeakRSS of a missing process succeeded")
	}
}

func TestTicketCreated(t *testing.T) {
	a, b := TicketCreated("org-a", "T-1"), TicketCreated("org-a", "T-2")
	if bytes.Equal(a, b) {
		t.Fatal("two tickets have the same body")
	}
	ev, err := periskope.ParseEvent(a)
	if err != nil {
		t.Fatal(err)
	}
	info, err := ev.TicketInfo()
	if err != nil || ev.OrgID != "org-a" || info.Ticket == nil || info.Ticket.TicketID != "T-1" {
		t.Fatalf("event org %q ticket %+v, %v", ev.OrgID, info, err)
	}
	if len(a) < 3900 || len(a) > 4200 {
		t.Errorf("body is %d bytes, want about 4 KB", len(a))
	}
	h := SignedHeaders(a, "k")
	if periskope.Verify(a, h[periskope.SignatureHeader], "k") != nil {
		t.Error("SignedHeaders does not verify")
	}
}

func TestAPIEvent(t *testing.T) {
	payload := APIEvent("POST", "/tickets", map[string]string{"Content-Type": "application/json", "Idempotency-Key": "k1"}, []byte(`{"a":1}`))
	var ev struct {
		RouteKey string            `json:"routeKey"`
		Headers  map[string]string `json:"headers"`
		Body     string            `json:"body"`
		Base64   bool              `json:"isBase64Encoded"`
	}
	if err := json.Unmarshal(payload, &ev); err != nil {
		t.Fatal(err)
	}
	if ev.RouteKey != "POST /tickets" || ev.Headers["idempotency-key"] != "k1" || ev.Body != `{"a":1}` || ev.Base64 {
		t.Errorf("event %+v", ev)
	}
}

func TestAWSProxyCountsAndBlocks(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("{}")) }))
	defer backend.Close()
	p, err := StartAWSProxy(backend.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	call := func(target string) error {
		req, _ := http.NewRequest("POST", p.URL+"/", strings.NewReader("{}"))
		req.Header.Set("X-Amz-Target", target)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		return err
	}
	const putItem = "DynamoDB_20120810.PutItem"
	for _, target := range []string{TargetGetSecretValue, putItem, putItem} {
		if err := call(target); err != nil {
			t.Fatal(err)
		}
	}
	if p.Counts()[putItem] != 2 || p.CountPrefix(PrefixSecretsManager) != 1 || p.CountPrefix("") != 3 {
		t.Errorf("counts: %v", p.Counts())
	}
	p.Block(PrefixSecretsManager)
	if err := call(TargetGetSecretValue); err == nil {
		t.Error("a blocked call got an answer")
	}
	if err := call(putItem); err != nil {
		t.Errorf("an unblocked service failed: %v", err)
	}
	p.Unblock()
	if err := call(TargetGetSecretValue); err != nil {
		t.Errorf("after Unblock: %v", err)
	}
}

// The embedded delivery is a copy (go:embed cannot reach another package's
// testdata) of the library's fixture: it must not drift from it.
func TestTicketCreatedFixtureMatchesTheLibrarys(t *testing.T) {
	want, err := os.ReadFile(filepath.Join("..", "..", "pkg", "periskope", "testdata", "ticket-created.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(TicketCreatedFixture, want) {
		t.Fatal("bench/benchkit/ticket-created.json differs from pkg/periskope/testdata/ticket-created.json: copy it again")
	}
}
