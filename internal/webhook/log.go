package webhook

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/periskope-connect/periskope-aws/internal/secretcache"
	"github.com/periskope-connect/periskope-aws/pkg/periskope"
)

// record writes the request's log line and metric. The line never holds
// the body, the signature or a key: only what identifies the request and
// what happened to it.
func (h *Handler) record(ctx context.Context, req *events.APIGatewayV2HTTPRequest, o *outcome, latency time.Duration) {
	if o.metric != "" && h.Metrics != nil {
		h.Metrics.Count(o.metric, 1)
	}
	if h.Logger == nil {
		return
	}
	attrs := []slog.Attr{
		slog.String("request_id", req.RequestContext.RequestID),
		slog.String("outcome", o.name),
		slog.Int("status", o.status),
		slog.Float64("latency_ms", float64(latency.Microseconds())/1000),
	}
	optional := func(key, value string) {
		if value != "" {
			attrs = append(attrs, slog.String(key, value))
		}
	}
	optional("event", o.event)
	optional("ticket_id", o.ticketID)
	optional("org_id", o.orgID)
	if o.apiErr != nil {
		optional("error_code", o.apiErr.Code)
		optional("field", o.apiErr.Field)
	}
	optional("dependency", o.dependency)
	optional("aws_error", o.awsError)
	if o.name == outcomeRejected {
		optional("source_ip", req.RequestContext.HTTP.SourceIP)
	}
	level := slog.LevelInfo
	switch {
	case o.status >= 500:
		level = slog.LevelError
	case o.status >= 400:
		level = slog.LevelWarn
	}
	h.Logger.LogAttrs(ctx, level, "webhook request", attrs...)
}

// awsErrorCode names a dependency failure for the log without its message,
// which is not ours to vouch for: secretcache.ErrorCode's name for it (the
// AWS error code when there is one, else the kind of failure), or
// NoSigningKeys for a secret without a usable key.
func awsErrorCode(err error) string {
	if errors.Is(err, periskope.ErrNoSigningKeys) {
		return "NoSigningKeys"
	}
	return secretcache.ErrorCode(err)
}
