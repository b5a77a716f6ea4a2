package main

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

//go:embed prices.json
var pricesJSON []byte

// Tier is a tiered price's step: Price per unit up to UpTo units a month;
// the last has no UpTo.
type Tier struct {
	UpTo  float64 `json:"up_to"`
	Price float64 `json:"price"`
}

// Prices is prices.json.
type Prices struct {
	Date    string   `json:"date"`
	Region  string   `json:"region"`
	Sources []string `json:"sources"`
	Lambda  struct {
		RequestsPerMillion float64 `json:"requests_per_million"`
		GBSecondArm64      []Tier  `json:"gb_second_arm64"`
	} `json:"lambda"`
	HTTPAPI struct {
		MeteringUnitBytes  int    `json:"metering_unit_bytes"`
		RequestsPerMillion []Tier `json:"requests_per_million"`
	} `json:"http_api"`
	DynamoDB struct {
		WriteUnitsPerMillion float64 `json:"write_request_units_per_million"`
		ReadUnitsPerMillion  float64 `json:"read_request_units_per_million"`
		WriteUnitBytes       int     `json:"write_unit_bytes"`
		ReadUnitBytes        int     `json:"read_unit_bytes"`
		StorageGBMonth       float64 `json:"storage_gb_month"`
	} `json:"dynamodb"`
	SecretsManager struct {
		SecretMonth      float64 `json:"secret_month"`
		APICallsPer10000 float64 `json:"api_calls_per_10000"`
	} `json:"secrets_manager"`
	CloudWatch struct {
		AlarmMetricMonth  float64 `json:"alarm_metric_month"`
		DashboardMonth    float64 `json:"dashboard_month"`
		CustomMetricMonth float64 `json:"custom_metric_month"`
		LogsIngestedGB    float64 `json:"logs_ingested_gb"`
		LogsStoredGBMonth float64 `json:"logs_stored_gb_month"`
	} `json:"cloudwatch"`
	XRay struct {
		TracesPerMillion   float64 `json:"traces_recorded_per_million"`
		ReservoirPerSecond float64 `json:"reservoir_per_second"`
		FixedRate          float64 `json:"fixed_rate"`
	} `json:"xray"`
	Assumptions struct {
		IdleReclaimSeconds         float64 `json:"idle_reclaim_seconds"`
		EnvironmentLifetimeSeconds float64 `json:"environment_lifetime_seconds"`
		PlatformLogBytes           int     `json:"platform_log_bytes_per_invocation"`
	} `json:"assumptions"`
}

func loadPrices() (*Prices, error) {
	var p Prices
	if err := json.Unmarshal(pricesJSON, &p); err != nil {
		return nil, fmt.Errorf("prices.json: %w", err)
	}
	if p.Date == "" || len(p.Sources) == 0 || len(p.Lambda.GBSecondArm64) == 0 || len(p.HTTPAPI.RequestsPerMillion) == 0 {
		return nil, fmt.Errorf("prices.json: date, sources and the Lambda and HTTP API tiers are required")
	}
	return &p, nil
}

// gb is a gigabyte as AWS bills storage and transfer (2^30 bytes).
const gb = 1 << 30

// BilledMs is a duration as Lambda bills it: rounded up to the millisecond,
// at least 1 ms.
func BilledMs(d time.Duration) int64 {
	return max(1, int64((d+time.Millisecond-1)/time.Millisecond))
}

// TieredCost is the cost of qty units a month under tiers.
func TieredCost(qty float64, tiers []Tier) float64 {
	cost, below := 0.0, 0.0
	for _, t := range tiers {
		top := t.UpTo
		if top <= 0 { // the last tier
			top = math.Inf(1)
		}
		cost += max(0, math.Min(qty, top)-below) * t.Price
		below = top
	}
	return cost
}

// units is bytes in units of unit, rounded up, at least one: a request's
// HTTP API metering units, an item's DynamoDB write or read units.
func units(bytes, unit int) int {
	return max(1, (bytes+unit-1)/unit)
}

// LambdaCost is the cost of n arm64 invocations a month at memMB, billed
// meanBilledMs each on average.
func (p *Prices) LambdaCost(n float64, meanBilledMs float64, memMB int) float64 {
	gbs := n * meanBilledMs / 1000 * float64(memMB) / 1024
	return n/1e6*p.Lambda.RequestsPerMillion + TieredCost(gbs, p.Lambda.GBSecondArm64)
}

// APICost is the cost of n HTTP API requests of this size in a month.
func (p *Prices) APICost(n float64, bytes int) float64 {
	return TieredCost(n*float64(units(bytes, p.HTTPAPI.MeteringUnitBytes)), p.HTTPAPI.RequestsPerMillion) / 1e6
}

// month is the 30-day month volumes are spread over, in seconds.
const month = 30 * 24 * 3600.0

// TracesRecorded is how many of perMonth requests (Poisson over the month)
// X-Ray records: the first of each second that has one, the fixed rate of
// the rest.
func (p *Prices) TracesRecorded(perMonth float64) float64 {
	x := p.XRay
	reservoir := month * x.ReservoirPerSecond * (1 - math.Exp(-perMonth/month))
	reservoir = math.Min(reservoir, perMonth)
	return reservoir + x.FixedRate*(perMonth-reservoir)
}

// coldShare is the share of perMonth invocations (Poisson over the month)
// that start an environment: those coming more than the idle reclaim time
// after the one before, and one per environment lifetime besides.
func (p *Prices) coldShare(perMonth float64) float64 {
	rate := perMonth / month // per second
	if rate <= 0 {
		return 1
	}
	a := p.Assumptions
	idle := math.Exp(-rate * a.IdleReclaimSeconds)
	return math.Min(1, idle+(1-idle)/(rate*a.EnvironmentLifetimeSeconds))
}

// ItemSize is an item's size as DynamoDB bills capacity units: names plus
// values (numbers 1 byte per 2 digits plus 1, booleans and nulls 1, maps
// and lists 3 plus 1 per element). ticketstore's itemSize is an upper
// bound for deciding to compress, not this.
func ItemSize(item map[string]types.AttributeValue) int {
	size := 0
	for name, v := range item {
		size += len(name) + valueSize(v)
	}
	return size
}

func valueSize(v types.AttributeValue) int {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return len(v.Value)
	case *types.AttributeValueMemberB:
		return len(v.Value)
	case *types.AttributeValueMemberN:
		return numberSize(v.Value)
	case *types.AttributeValueMemberBOOL, *types.AttributeValueMemberNULL:
		return 1
	case *types.AttributeValueMemberSS:
		return sizeOfAll(v.Value, func(s string) int { return len(s) })
	case *types.AttributeValueMemberNS:
		return sizeOfAll(v.Value, numberSize)
	case *types.AttributeValueMemberBS:
		return sizeOfAll(v.Value, func(b []byte) int { return len(b) })
	case *types.AttributeValueMemberM:
		n := 3
		for k, e := range v.Value {
			n += len(k) + valueSize(e) + 1
		}
		return n
	case *types.AttributeValueMemberL:
		return 3 + sizeOfAll(v.Value, func(e types.AttributeValue) int { return valueSize(e) + 1 })
	}
	return 0
}

func sizeOfAll[T any](vs []T, size func(T) int) int {
	n := 0
	for _, v := range vs {
		n += size(v)
	}
	return n
}

func numberSize(s string) int {
	digits := 0
	for _, c := range s {
		if c >= '0' && c <= '9' {
			digits++
		}
	}
	return (digits+1)/2 + 1
}
