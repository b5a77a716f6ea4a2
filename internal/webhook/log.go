package webhook

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/smithy-go"

	"github.com/periskope-connect/periskope-aws/internal/apigw"
	"github.com/periskope-connect/periskope-aws/internal/secretcache"
	"github.com/periskope-connect/periskope-aws/pkg/periskope"
)

// record writes the request's log line and metric. The line never holds
// the body, the signature or a key: only what identifies the request and
// what happened to it.
func (h *Handler) record(ctx context.Context, req *events.APIGatewayV2HTTPRequest, o *outcome, latency time.Duration) {
	if o.metric != "" {
		h.d.Metrics.Count(o.metric, 1)
	}
	level := apigw.LogLevel(o.status)
	if !h.d.Logger.Enabled(ctx, level) {
		return
	}
	attrs := apigw.LogAttrs(req, o.name, o.status, latency, o.apiErr)
	optional := func(key, value string) {
		if value != "" {
			attrs = append(attrs, slog.String(key, value))
		}
	}
	optional("event", o.event)
	optional("ticket_id", o.ticketID)
	optional("org_id", o.orgID)
	optional("dependency", o.dependency)
	optional("aws_error", o.awsError)
	if o.name == outcomeRejected {
		optional("source_ip", req.RequestContext.HTTP.SourceIP)
	}
	h.d.Logger.LogAttrs(ctx, level, "webhook request", attrs...)
}

// awsErrorCode names a dependency failure for the log without its message,
// which is not ours to vouch for: the AWS error code when there is one,
// else the kind of failure.
func awsErrorCode(err error) string {
	var apiErr smithy.APIError
	var netErr net.Error
	switch {
	case errors.As(err, &apiErr):
		return apiErr.ErrorCode()
	case errors.Is(err, context.DeadlineExceeded):
		return "Timeout"
	case errors.Is(err, context.Canceled):
		return "Canceled"
	case errors.Is(err, secretcache.ErrMalformed):
		return "MalformedSecret"
	case errors.Is(err, periskope.ErrNoSigningKeys):
		return "NoSigningKeys"
	case errors.As(err, &netErr):
		return "NetworkError"
	default:
		return "Unknown"
	}
}
