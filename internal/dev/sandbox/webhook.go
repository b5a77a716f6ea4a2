package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/periskope-connect/periskope-aws/internal/dev/local"
	"github.com/periskope-connect/periskope-aws/pkg/periskope"
)

// deliver posts a ticket.created event with data to the webhook URL in the
// background, retrying with backoff until a 2xx or the last attempt.
func (s *Sandbox) deliver(data any) {
	url := s.cfg.WebhookURL
	if url == "" {
		return
	}
	// The envelope as Periskope documents it.
	body, err := json.Marshal(map[string]any{"event": periskope.EventTicketCreated, "data": data, "org_id": DefaultOrgID,
		"previous_attributes": map[string]any{}, "timestamp": format(time.Now())})
	if err != nil {
		panic(err) // the sandbox's own values always encode
	}
	s.count(func(st *Stats) { st.DeliveriesPending++ })
	attempts, dropped := s.cfg.Delivery.MaxAttempts, false
	if f, ok := s.take(&s.drops); ok {
		attempts, dropped = f.Attempts, true
	}
	if attempts == 0 {
		s.logf("[sandbox] webhook to %s dropped (fault): not sent", url)
		s.finishDelivery(false, true)
		return
	}
	s.wg.Go(func() {
		ok := s.deliverWithRetries(url, body, attempts)
		s.finishDelivery(ok, dropped && !ok)
	})
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

func (s *Sandbox) deliverWithRetries(url string, body []byte, maxAttempts int) bool {
	signature := periskope.Sign(body, local.SigningKey)
	delay := s.cfg.Delivery.BaseDelay
	for attempt := 1; ; attempt++ {
		s.count(func(st *Stats) { st.DeliveriesAttempted++ })
		err := s.post(url, body, signature)
		switch {
		case err == nil:
			s.logf("[sandbox] webhook delivered to %s (attempt %d)", url, attempt)
			return true
		case attempt >= maxAttempts:
			s.logf("[sandbox] webhook to %s failed after %d attempts: %v", url, attempt, err)
			return false
		}
		s.logf("[sandbox] webhook to %s attempt %d failed (%v); retrying in %s", url, attempt, err, delay)
		select {
		case <-time.After(delay):
		case <-s.ctx.Done():
			return false
		}
		delay = min(delay*2, s.cfg.Delivery.MaxDelay)
	}
}

// post makes one attempt; an answer other than a 2xx is an error.
func (s *Sandbox) post(url string, body []byte, signature string) error {
	req, err := http.NewRequestWithContext(s.ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "periskope-sandbox")
	req.Header.Set(periskope.SignatureHeader, signature)
	resp, err := s.cfg.HTTPClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 != 2 {
		return errors.New(resp.Status)
	}
	return nil
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
