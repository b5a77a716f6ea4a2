package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"time"

	"github.com/periskope-connect/periskope-aws/internal/dev/local"
	"github.com/periskope-connect/periskope-aws/pkg/periskope"
)

// deliver posts event with data to the webhook URL in the background,
// retrying with backoff until a 2xx or the last attempt.
func (s *Sandbox) deliver(event string, data any) {
	url := s.cfg.WebhookURL
	if url == "" {
		return
	}
	s.count(func(st *Stats) { st.DeliveriesPending++ })
	attempts, dropped := s.cfg.Delivery.MaxAttempts, false
	if f, ok := s.take(&s.drops); ok {
		attempts, dropped = f.Attempts, true
	}
	// The envelope as Periskope documents it.
	body, err := json.Marshal(map[string]any{"event": event, "data": data, "org_id": DefaultOrgID,
		"previous_attributes": map[string]any{}, "timestamp": format(time.Now())})
	if err != nil { // cannot happen with the sandbox's own values
		s.finishDelivery(false, false)
		return
	}
	if attempts == 0 {
		s.logf("[sandbox] webhook %s to %s dropped (fault): not sent", event, url)
		s.finishDelivery(false, true)
		return
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		ok := s.deliverWithRetries(url, body, periskope.Sign(body, local.SigningKey), attempts)
		s.finishDelivery(ok, dropped && !ok)
	}()
}

func (s *Sandbox) finishDelivery(ok, dropped bool) {
	s.count(func(st *Stats) {
		st.DeliveriesPending--
		if ok {
			st.DeliveriesSucceeded++
		} else {
			st.DeliveriesFailed++
		}
		if dropped {
			st.DeliveriesDropped++
		}
	})
}

func (s *Sandbox) deliverWithRetries(url string, body []byte, signature string, maxAttempts int) bool {
	delay := s.cfg.Delivery.BaseDelay
	for attempt := 1; ; attempt++ {
		s.count(func(st *Stats) { st.DeliveriesAttempted++ })
		status, err := s.post(url, body, signature)
		if err == nil && status >= 200 && status < 300 {
			s.logf("[sandbox] webhook delivered to %s (attempt %d): %d", url, attempt, status)
			return true
		}
		outcome := http.StatusText(status)
		if err != nil {
			outcome = err.Error()
		}
		if attempt >= maxAttempts {
			s.logf("[sandbox] webhook to %s failed after %d attempts: %d %s", url, attempt, status, outcome)
			return false
		}
		s.logf("[sandbox] webhook to %s attempt %d failed (%d %s); retrying in %s", url, attempt, status, outcome, delay)
		select {
		case <-time.After(delay):
		case <-s.ctx.Done():
			return false
		}
		delay = min(delay*2, s.cfg.Delivery.MaxDelay)
	}
}

func (s *Sandbox) post(url string, body []byte, signature string) (int, error) {
	req, err := http.NewRequestWithContext(s.ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "periskope-sandbox")
	req.Header.Set(periskope.SignatureHeader, signature)
	resp, err := s.cfg.HTTPClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, nil
}

// WaitDeliveries blocks until no delivery is pending or ctx ends.
func (s *Sandbox) WaitDeliveries(ctx context.Context) error {
	for s.Stats().DeliveriesPending > 0 {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
	return nil
}
