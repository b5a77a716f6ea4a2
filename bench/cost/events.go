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

// Item classes: which stored item a kind's writes and reads are the size of.
const (
	itemIdempotency = "idempotency record"
	itemTicket      = "ticket"
	itemLargeTicket = "ticket of the large group"
)

// kind is one kind of invocation: a sample event of events/, made unique
// per invocation where the function would otherwise see a repeat.
type kind struct {
	name  string
	item  string // the item class its DynamoDB calls touch; "" for none
	body  int    // request body bytes, for HTTP API metering
	event func(unique string) ([]byte, error)
}

// The kinds whose cost the verdict and the end-to-end figures are made of.
const (
	kindCreate       = "create, new Idempotency-Key"
	kindStored       = "ticket.created, stored"
	kindLargeStored  = "ticket.created, large group"
	largeTicketIDTag = "LG-"
	largeMembers     = samples.WhatsAppMaxGroupMembers
)

// functionRuns are the two functions with their kinds, the first being
// the one the cold starts run; both call AWS through the counting proxy.
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
	const messages = 100 // the largest real delivery: a full group with its attached messages
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
	return []*fnRun{
		{spec: createSpec, cfg: createCfg, coldStatus: http.StatusCreated, at: map[int]*sample{}, kinds: []*kind{
			{name: kindCreate, item: itemIdempotency, body: bodyLen(createKey), event: func(u string) ([]byte, error) {
				return withHeader(createKey, "idempotency-key", "cost-"+runID+"-"+u)
			}},
			{name: "create, no Idempotency-Key", body: bodyLen(createFull), event: func(string) ([]byte, error) {
				return json.Marshal(createFull)
			}},
			{name: "create, replayed Idempotency-Key", item: itemIdempotency, body: bodyLen(createKey), event: func(string) ([]byte, error) {
				return withHeader(createKey, "idempotency-key", "cost-replay-"+runID)
			}},
		}},
		{spec: webhookSpec, cfg: webhookCfg, coldStatus: http.StatusOK, at: map[int]*sample{}, kinds: []*kind{
			{name: kindStored, item: itemTicket, body: len(benchkit.TicketCreatedFixture), event: func(u string) ([]byte, error) {
				return withBody(created, benchkit.TicketCreated("cost-org", "WH-"+runID+"-"+u))
			}},
			{name: "ticket.created, duplicate", item: itemTicket, body: bodyLen(created), event: func(string) ([]byte, error) {
				return json.Marshal(created) // the sample's ticket: stored once, a duplicate from then on
			}},
			{name: "ticket.updated, ignored", body: bodyLen(updated), event: func(string) ([]byte, error) {
				return json.Marshal(updated)
			}},
			{name: kindLargeStored, item: itemLargeTicket, body: len(large), event: func(u string) ([]byte, error) {
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

// withHeader is the sample event with one header set.
func withHeader(ev map[string]any, name, value string) ([]byte, error) {
	c := clone(ev)
	c["headers"].(map[string]any)[name] = value
	return json.Marshal(c)
}

// withBody is the sample event with another body, its length and the
// local signing key's signature of it.
func withBody(ev map[string]any, body []byte) ([]byte, error) {
	c := clone(ev)
	h := c["headers"].(map[string]any)
	h["content-length"] = strconv.Itoa(len(body))
	h[strings.ToLower(periskope.SignatureHeader)] = periskope.Sign(body, local.SigningKey)
	c["body"], c["isBase64Encoded"] = string(body), false
	return json.Marshal(c)
}

// clone copies the event and its headers, the only member changed.
func clone(ev map[string]any) map[string]any {
	c := maps.Clone(ev)
	h, _ := ev["headers"].(map[string]any)
	c["headers"] = maps.Clone(h)
	return c
}
