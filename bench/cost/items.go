package main

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/periskope-connect/periskope-aws/internal/dev/deployment"
	"github.com/periskope-connect/periskope-aws/internal/dev/local"
	"github.com/periskope-connect/periskope-aws/internal/dev/motoserver"
	"github.com/periskope-connect/periskope-aws/internal/idempotency"
	"github.com/periskope-connect/periskope-aws/internal/ticketstore"
)

// storedItems reads back what the run stored and returns the largest item
// of each class, in bytes as DynamoDB counts them.
func storedItems(ctx context.Context, moto *motoserver.Server) (map[string]int, error) {
	db := dynamodb.NewFromConfig(moto.Config())
	sizes := map[string]int{}
	pages := dynamodb.NewScanPaginator(db, &dynamodb.ScanInput{TableName: aws.String(local.Table)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("reading the stored items back: %w", err)
		}
		for _, item := range page.Items {
			if class := itemClass(item); class != "" {
				sizes[class] = max(sizes[class], ItemSize(item))
			}
		}
	}
	return sizes, nil
}

func itemClass(item map[string]types.AttributeValue) string {
	pk, _ := item["pk"].(*types.AttributeValueMemberS)
	switch {
	case pk == nil:
		return ""
	case strings.HasPrefix(pk.Value, idempotency.KeyPrefix):
		return itemIdempotency
	case strings.HasPrefix(pk.Value, ticketstore.KeyPrefix) && strings.Contains(pk.Value, "#"+largeTicketIDTag):
		return itemLargeTicket
	case strings.HasPrefix(pk.Value, ticketstore.KeyPrefix):
		return itemTicket
	}
	return ""
}

// fixed is what the stack costs a month whatever its traffic, from
// template.yaml as deployed with its defaults.
type fixed struct {
	secrets, alarmMetrics, dashboards int
	customMetrics                     int // published by the run's invocations
	retentionDays                     float64
	accessLogBytes                    int // one request's access log line
	perMonth                          float64
}

func fixedCosts(d *deployment.Deployment, p *Prices, customMetrics int) (fixed, error) {
	f := fixed{secrets: len(d.Secrets()), dashboards: d.Count("AWS::CloudWatch::Dashboard"), customMetrics: customMetrics}
	var err error
	if f.alarmMetrics, err = d.AlarmMetrics(); err != nil {
		return fixed{}, err
	}
	if f.retentionDays, err = strconv.ParseFloat(d.Parameters["LogRetentionInDays"], 64); err != nil {
		return fixed{}, fmt.Errorf("template.yaml LogRetentionInDays: %w", err)
	}
	formats, err := d.AccessLogFormats()
	if err != nil {
		return fixed{}, err
	}
	for _, format := range formats {
		f.accessLogBytes += AccessLogLine(format)
	}
	f.perMonth = float64(f.secrets)*p.SecretsManager.SecretMonth + float64(f.alarmMetrics)*p.CloudWatch.AlarmMetricMonth +
		float64(f.dashboards)*p.CloudWatch.DashboardMonth + float64(f.customMetrics)*p.CloudWatch.CustomMetricMonth
	return f, nil
}

// typicalContext are typical $context values of a webhook delivery; one
// not listed logs as "-", as API Gateway writes an empty one.
var typicalContext = map[string]string{
	"requestId":          "YTxoJQ_Bi7jluKw=",
	"identity.sourceIp":  "203.0.113.10",
	"requestTime":        "07/Dec/2026:01:27:58 +0000",
	"routeKey":           "POST /webhooks/periskope",
	"status":             "200",
	"responseLength":     "60",
	"responseLatency":    "40",
	"integrationLatency": "38",
}

var contextVariable = regexp.MustCompile(`\$context\.[A-Za-z.]*[A-Za-z]`)

// AccessLogLine is the length of an access log line of format with typical
// values, and its newline.
func AccessLogLine(format string) int {
	line := contextVariable.ReplaceAllStringFunc(format, func(v string) string {
		if typical, ok := typicalContext[strings.TrimPrefix(v, "$context.")]; ok {
			return typical
		}
		return "-"
	})
	return len(line) + 1
}
