package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/periskope-connect/periskope-aws/bench/benchkit"
	"github.com/periskope-connect/periskope-aws/internal/dev/local"
	"github.com/periskope-connect/periskope-aws/internal/dev/samples"
	"github.com/periskope-connect/periskope-aws/internal/dev/stack"
	"github.com/periskope-connect/periskope-aws/pkg/periskope"
)

// Item classes: the stored item a kind's DynamoDB calls are the size of.
const (
	itemIdempotency = "idempotency record"
	itemTicket      = "ticket"
	itemLargeTicket = "ticket of the large group"
)

// kind is one kind of invocation: a sample event of events/, made unique
// per invocation where the function would otherwise see a repeat.
type kind struct {
	name  string
	item  string // item class; "" for none
	body  int    // request body bytes, for HTTP API metering
	event func(unique string) ([]byte, error)
}

const (
	largeTicketIDTag = "LG-"
	largeMembers     = samples.WhatsAppMaxGroupMembers
)

// functionRuns are the two functions, calling AWS through the counting
// proxy, with their kinds.
func functionRuns(rig *benchkit.Rig) ([]*fnRun, error) {
	var createKey, createFull, created, updated map[string]any
	for name, ev := range map[string]*map[string]any{"create-ticket-idempotent.json": &createKey, "create-ticket-full.json": &createFull,
		"webhook-ticket-created.json": &created, "webhook-ticket-updated.json": &updated} {
		raw, err := os.ReadFile(filepath.Join(rig.Root, samples.Dir, name))
		if err == nil {
			err = json.Unmarshal(raw, ev)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	runID := strconv.FormatInt(time.Now().UnixNano(), 36)
	const messages = 100 // with a full group, the largest real delivery
	large := samples.LargeGroup(largeMembers, messages)
	largeID := samples.LargeGroupTicketID(largeMembers, messages)

	createCfg, createSpec, err := rig.Function(stack.CreateTicketFunction, benchkit.CreateTicket, rig.Proxy.URL)
	if err != nil {
		return nil, err
	}
	webhookCfg, webhookSpec, err := rig.Function(stack.WebhookFunction, benchkit.Webhook, rig.Proxy.URL)
	if err != nil {
		return nil, err
	}
	replayed := clone(createKey, map[string]any{"idempotency-key": "cost-replay-" + runID})
	return []*fnRun{
		{spec: createSpec, cfg: createCfg, coldStatus: http.StatusCreated, at: map[int]*sample{}, kinds: []*kind{
			{name: "create, new Idempotency-Key", item: itemIdempotency, body: bodyLen(createKey), event: func(u string) ([]byte, error) {
				return json.Marshal(clone(createKey, map[string]any{"idempotency-key": "cost-" + runID + "-" + u}))
			}},
			{name: "create, no Idempotency-Key", body: bodyLen(createFull), event: same(createFull)},
			{name: "create, replayed Idempotency-Key", item: itemIdempotency, body: bodyLen(createKey), event: same(replayed)},
		}},
		{spec: webhookSpec, cfg: webhookCfg, coldStatus: http.StatusOK, at: map[int]*sample{}, kinds: []*kind{
			{name: "ticket.created, stored", item: itemTicket, body: len(benchkit.TicketCreatedFixture), event: func(u string) ([]byte, error) {
				return withBody(created, benchkit.TicketCreated("cost-org", "WH-"+runID+"-"+u))
			}},
			// The sample's ticket: stored once, a duplicate from then on.
			{name: "ticket.created, duplicate", item: itemTicket, body: bodyLen(created), event: same(created)},
			{name: "ticket.updated, ignored", body: bodyLen(updated), event: same(updated)},
			{name: "ticket.created, large group", item: itemLargeTicket, body: len(large), event: func(u string) ([]byte, error) {
				body := bytes.ReplaceAll(large, []byte(largeID), []byte(largeTicketIDTag+runID+"-"+u))
				return withBody(created, body)
			}},
		}},
	}, nil
}

func bodyLen(ev map[string]any) int {
	s, _ := ev["body"].(string)
	return len(s)
}

// same sends ev every time.
func same(ev map[string]any) func(string) ([]byte, error) {
	return func(string) ([]byte, error) { return json.Marshal(ev) }
}

// withBody is the sample event with another body, its length and the
// local signing key's signature of it.
func withBody(ev map[string]any, body []byte) ([]byte, error) {
	c := clone(ev, map[string]any{
		"content-length": strconv.Itoa(len(body)),
		strings.ToLower(periskope.SignatureHeader): periskope.Sign(body, local.SigningKey),
	})
	c["body"], c["isBase64Encoded"] = string(body), false
	return json.Marshal(c)
}

// clone copies the event with headers set.
func clone(ev map[string]any, headers map[string]any) map[string]any {
	c := maps.Clone(ev)
	h := maps.Clone(ev["headers"].(map[string]any))
	maps.Copy(h, headers)
	c["headers"] = h
	return c
}
