package main

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

func testPrices(t *testing.T) *Prices {
	t.Helper()
	p, err := loadPrices()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestBilledDurationRoundsUpToTheMillisecond(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		want int64
	}{
		{0, 1},
		{200 * time.Microsecond, 1},
		{time.Millisecond, 1},
		{time.Millisecond + time.Nanosecond, 2},
		{12500 * time.Microsecond, 13},
		{300 * time.Millisecond, 300},
	} {
		if got := BilledMs(c.d); got != c.want {
			t.Errorf("BilledMs(%v) = %d, want %d", c.d, got, c.want)
		}
	}
}

func TestTieredCost(t *testing.T) {
	tiers := []Tier{{UpTo: 100, Price: 3}, {UpTo: 300, Price: 2}, {Price: 1}}
	for _, c := range []struct {
		qty, want float64
	}{
		{0, 0},
		{50, 150},
		{100, 300},
		{150, 300 + 100},
		{1000, 300 + 400 + 700},
	} {
		if got := TieredCost(c.qty, tiers); !near(got, c.want) {
			t.Errorf("TieredCost(%v) = %v, want %v", c.qty, got, c.want)
		}
	}
}

func TestMeteringUnits(t *testing.T) {
	p := testPrices(t)
	for _, c := range []struct {
		name      string
		got, want int
	}{
		{"empty request", units(0, p.HTTPAPI.MeteringUnitBytes), 1},
		{"512 KB request", units(512<<10, p.HTTPAPI.MeteringUnitBytes), 1},
		{"512 KB + 1 byte", units(512<<10+1, p.HTTPAPI.MeteringUnitBytes), 2},
		{"1 KB item write", units(1024, p.DynamoDB.WriteUnitBytes), 1},
		{"1 KB + 1 byte item write", units(1025, p.DynamoDB.WriteUnitBytes), 2},
		{"4 KB item written", units(4013, p.DynamoDB.WriteUnitBytes), 4},
		{"4 KB item read", units(4096, p.DynamoDB.ReadUnitBytes), 1},
		{"4 KB + 1 byte item read", units(4097, p.DynamoDB.ReadUnitBytes), 2},
	} {
		if c.got != c.want {
			t.Errorf("%s: %d units, want %d", c.name, c.got, c.want)
		}
	}
}

// The arithmetic on the figures of prices.json as published (arm64 and HTTP
// API in us-east-1).
func TestCostsOfAMillion(t *testing.T) {
	p := testPrices(t)
	// 1M invocations of 10 ms at 128 MB: 1,250 GB-s.
	if got, want := p.LambdaCost(1e6, 10, 128), 0.20+1250*0.0000133334; !near(got, want) {
		t.Errorf("Lambda: %v, want %v", got, want)
	}
	// 600 KB requests count twice.
	if got, want := p.APICost(1e6, 600<<10), 2.0; !near(got, want) {
		t.Errorf("HTTP API, 600 KB requests: %v, want %v", got, want)
	}
	// Past 300M requests the second tier applies.
	if got, want := p.APICost(400e6, 100), 300+100*0.9; !near(got, want) {
		t.Errorf("HTTP API, 400M requests: %v, want %v", got, want)
	}
}

func TestColdShare(t *testing.T) {
	p := testPrices(t)
	rare, busy := p.coldShare(1000), p.coldShare(10e6)
	if rare < 0.8 || rare > 1 {
		t.Errorf("1k a month (one per 43 min, reclaim after %v s): cold share %v, want nearly all", p.Assumptions.IdleReclaimSeconds, rare)
	}
	if busy > 0.001 {
		t.Errorf("10M a month: cold share %v, want below 0.1%%", busy)
	}
	if p.coldShare(0) != 1 {
		t.Errorf("no traffic: cold share %v, want 1", p.coldShare(0))
	}
}

func TestItemSize(t *testing.T) {
	item := map[string]types.AttributeValue{
		"pk":   &types.AttributeValueMemberS{Value: "abc"},                                                                   // 2 + 3
		"n":    &types.AttributeValueMemberN{Value: "123"},                                                                   // 1 + 3
		"data": &types.AttributeValueMemberB{Value: make([]byte, 10)},                                                        // 4 + 10
		"m":    &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"a": &types.AttributeValueMemberBOOL{}}}, // 1 + 3 + (1+1+1)
		"l":    &types.AttributeValueMemberL{Value: []types.AttributeValue{&types.AttributeValueMemberNULL{}}},               // 1 + 3 + (1+1)
	}
	if got, want := ItemSize(item), 5+4+14+7+6; got != want {
		t.Errorf("ItemSize = %d, want %d", got, want)
	}
}

// CloudWatch bills a custom metric per name, dimension set and dimension
// values: the same metric published twice is one; each dimension set is
// one more.
func TestCustomMetricsAreCountedAsCloudWatchBillsThem(t *testing.T) {
	m := emfMetrics{}
	var all strings.Builder
	logs := &logCounter{next: &all, metrics: m}
	line := func(metric, fn string) string {
		return `{"Function":"` + fn + `","FunctionName":"F","` + metric + `":1,"_aws":{"CloudWatchMetrics":[{"Dimensions":[["Function"],["Function","FunctionName"]],"Metrics":[{"Name":"` + metric + `","Unit":"Count"}],"Namespace":"PeriskopeBridge"}],"Timestamp":1}}`
	}
	want := int64(0)
	for _, l := range []string{line("Stored", "webhook"), line("Stored", "webhook"), line("Ignored", "webhook"), line("Stored", "other"), `{"level":"INFO","message":"webhook request"}`} {
		_, _ = logs.Write([]byte("[WebhookFunction] " + l + "\n"))
		want += int64(len(l)) + 1
	}
	_, _ = logs.Write([]byte("[WebhookFunction] START RequestId: 1 Version: $LATEST\n")) // the emulator's, not the function's
	if len(m) != 6 {
		t.Errorf("%d metrics %v, want 6: (Stored webhook, Ignored webhook, Stored other) × 2 dimension sets", len(m), m)
	}
	if logs.bytes() != want || strings.Count(all.String(), "\n") != 6 {
		t.Errorf("%d function log bytes, want %d; passed on:\n%s", logs.bytes(), want, all.String())
	}
}

func TestTracesRecorded(t *testing.T) {
	p := testPrices(t)
	// 1k a month: seconds with two requests are rare, nearly all traced.
	if got := p.TracesRecorded(1000); got < 999 || got > 1000 {
		t.Errorf("1k a month: %v traced, want nearly 1,000", got)
	}
	// 100M a month (38.6 a second): about one a second (2,592,000) plus 5%
	// of the rest.
	want := 2592000 + 0.05*(100e6-2592000)
	if got := p.TracesRecorded(100e6); math.Abs(got-want) > 1 {
		t.Errorf("100M a month: %v traced, want %v", got, want)
	}
}

func TestAccessLogLine(t *testing.T) {
	format := `{"requestId":"$context.requestId","status":"$context.status","authorizerError":"$context.authorizer.error"}`
	want := `{"requestId":"YTxoJQ_Bi7jluKw=","status":"200","authorizerError":"-"}` + "\n"
	if got := AccessLogLine(format); got != len(want) {
		t.Errorf("AccessLogLine = %d, want %d (%s)", got, len(want), want)
	}
}

func TestItemSizeOfSets(t *testing.T) {
	item := map[string]types.AttributeValue{
		"ss": &types.AttributeValueMemberSS{Value: []string{"ab", "c"}},         // 2 + 3
		"ns": &types.AttributeValueMemberNS{Value: []string{"12", "345"}},       // 2 + 2 + 3
		"bs": &types.AttributeValueMemberBS{Value: [][]byte{{1, 2}, {3, 4, 5}}}, // 2 + 5
	}
	if got, want := ItemSize(item), 5+7+7; got != want {
		t.Errorf("ItemSize = %d, want %d", got, want)
	}
}
