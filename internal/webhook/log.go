package webhook

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/periskope-connect/periskope-aws/internal/apigw"
	"github.com/periskope-connect/periskope-aws/internal/secretcache"
	"github.com/periskope-connect/periskope-aws/pkg/periskope"
)

// record writes the request's log line (never the body, the signature or
// a key) and metric.
func (h *Handler) record(ctx context.Context, req *events.APIGatewayV2HTTPRequest, o *outcome, latency time.Duration) {
	if o.metric != "" {
		h.d.Metrics.Count(o.metric, 1)
	}
	level := apigw.LogLevel(o.status)
	if !h.d.Logger.Enabled(ctx, level) {
		return
	}
	attrs := apigw.LogAttrs(req, o.name, o.status, latency, o.apiErr)
	attrs = apigw.AppendStrings(attrs, "event", o.event, "ticket_id", o.ticketID, "org_id", o.orgID,
		"dependency", o.dependency, "aws_error", o.awsError)
	if o.status == http.StatusUnauthorized { // where junk comes from
		attrs = apigw.AppendStrings(attrs, "source_ip", req.RequestContext.HTTP.SourceIP)
	}
	h.d.Logger.LogAttrs(ctx, level, "webhook request", attrs...)
}

// awsErrorCode is secretcache.ErrorCode, or NoSigningKeys for a secret
// without a usable key.
func awsErrorCode(err error) string {
	if errors.Is(err, periskope.ErrNoSigningKeys) {
		return "NoSigningKeys"
	}
	return secretcache.ErrorCode(err)
}
