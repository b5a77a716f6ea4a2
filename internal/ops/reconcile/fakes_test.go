package reconcile_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/periskope-connect/periskope-aws/internal/ticketstore"
	"github.com/periskope-connect/periskope-aws/pkg/periskope"
)

const org = "2997dd64-89bf-48d3-9a22-b314fca017e5"

var (
	now     = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	errBoom = errors.New("boom")
)

// fakePeriskope lists tickets newest first, like Periskope, and answers
// GetTicket with a ticket info object.
type fakePeriskope struct {
	mu       sync.Mutex
	tickets  []periskope.Ticket // newest first
	getErr   map[string]error
	listErr  error
	lists    int
	gets     int
	inFlight int
	maxGets  int           // most GetTicket calls at once
	getDelay time.Duration // to overlap GetTicket calls
	onList   func(offset int)
	rawInfo  map[string][]byte // GetTicket's ticket info object, by id, instead of the built one
	// ignoreOffset lists the first page whatever the offset, as an API
	// that does not know the parameter would.
	ignoreOffset bool
	// countIsPageLength answers count = the page's length rather than the
	// total: Periskope's documented example (count 2, from 1, to 2) fits both.
	countIsPageLength bool
}

// maxLists stops a run that would page forever, so that such a test fails
// rather than hangs.
const maxLists = 1000

// newPeriskope holds n tickets T-0001 (oldest) … T-n, one minute apart,
// the newest created an hour before now.
func newPeriskope(n int) *fakePeriskope {
	f := &fakePeriskope{getErr: map[string]error{}}
	for i := n; i >= 1; i-- {
		created := now.Add(-time.Hour - time.Duration(n-i)*time.Minute)
		raw := created.Format("2006-01-02T15:04:05.000000-07:00")
		f.tickets = append(f.tickets, periskope.Ticket{OrgID: org, TicketID: fmt.Sprintf("T-%04d", i),
			Subject: fmt.Sprintf("subject %d", i), Status: "open", Priority: 2, ChatID: "919537851844@c.us",
			CreatedAt: periskope.Time{Time: created, Raw: raw}})
	}
	return f
}

func (f *fakePeriskope) ListTickets(ctx context.Context, p periskope.ListTicketsParams) (*periskope.TicketList, error) {
	f.mu.Lock()
	f.lists++
	onList := f.onList
	f.mu.Unlock()
	if onList != nil {
		onList(p.Offset)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.listErr != nil {
		return nil, f.listErr
	}
	if f.lists > maxLists {
		return nil, fmt.Errorf("%d list calls: the run does not end", f.lists)
	}
	if f.ignoreOffset {
		p.Offset = 0
	}
	l := &periskope.TicketList{Count: len(f.tickets), From: p.Offset + 1}
	for i := p.Offset; i < len(f.tickets) && len(l.Tickets) < p.Limit; i++ {
		l.Tickets = append(l.Tickets, f.tickets[i])
	}
	l.To = p.Offset + len(l.Tickets)
	if f.countIsPageLength {
		l.Count = len(l.Tickets)
	}
	return l, nil
}

func (f *fakePeriskope) GetTicket(ctx context.Context, id string) (*periskope.TicketInfo, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f.mu.Lock()
	f.gets++
	f.inFlight++
	f.maxGets = max(f.maxGets, f.inFlight)
	err := f.getErr[id]
	var found *periskope.Ticket
	for i := range f.tickets {
		if f.tickets[i].TicketID == id {
			found = &f.tickets[i]
		}
	}
	f.mu.Unlock()
	time.Sleep(f.getDelay)
	f.mu.Lock()
	f.inFlight--
	f.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if found == nil {
		return nil, fmt.Errorf("ticket %s: 404", id)
	}
	raw := fmt.Sprintf(`{"ticket":{"ticket_id":%q,"org_id":%q,"subject":%q,"status":"open","priority":2,"created_at":%q},"chat":{"chat_id":"919537851844@c.us"},"attached_messages":[]}`,
		found.TicketID, found.OrgID, found.Subject, found.CreatedAt.Raw)
	if r, ok := f.rawInfo[id]; ok {
		raw = string(r)
	}
	var info periskope.TicketInfo
	if err := json.Unmarshal([]byte(raw), &info); err != nil {
		return nil, err
	}
	info.Raw = json.RawMessage(raw)
	return &info, nil
}

// table is a fake tickets table: Lookup and Store over one map.
type table struct {
	mu        sync.Mutex
	items     map[string]*ticketstore.Ticket
	lookups   int
	largest   int // most refs in one Stored call
	lookupErr error
	putErr    map[string]error
	puts      int
	// beforePut runs before each Put, e.g. to let "the webhook" win a race.
	beforePut func(t *ticketstore.Ticket)
}

func newTable() *table {
	return &table{items: map[string]*ticketstore.Ticket{}, putErr: map[string]error{}}
}

// preload stores the tickets whose number satisfies keep, as the webhook.
func (tb *table) preload(f *fakePeriskope, keep func(i int) bool) {
	for i, t := range f.tickets {
		if keep(len(f.tickets) - i) {
			tb.items[ticketstore.Key(t.OrgID, t.TicketID)] = &ticketstore.Ticket{OrgID: t.OrgID, TicketID: t.TicketID,
				Source: ticketstore.SourceWebhook, Event: ticketstore.EventTicketCreated, ReceivedAt: now.Add(-time.Hour)}
		}
	}
}

func (tb *table) Stored(_ context.Context, refs []ticketstore.TicketRef) (map[ticketstore.TicketRef]bool, error) {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	tb.lookups++
	tb.largest = max(tb.largest, len(refs))
	if tb.lookupErr != nil {
		return nil, tb.lookupErr
	}
	if len(refs) > ticketstore.MaxBatchKeys {
		return nil, ticketstore.ErrTooManyKeys
	}
	out := map[ticketstore.TicketRef]bool{}
	for _, r := range refs {
		out[r] = tb.items[r.Key()] != nil
	}
	return out, nil
}

func (tb *table) Put(_ context.Context, t *ticketstore.Ticket) error {
	if tb.beforePut != nil {
		tb.beforePut(t)
	}
	tb.mu.Lock()
	defer tb.mu.Unlock()
	tb.puts++
	key := ticketstore.Key(t.OrgID, t.TicketID)
	if err := tb.putErr[t.TicketID]; err != nil {
		return err
	}
	if tb.items[key] != nil {
		return ticketstore.ErrDuplicate
	}
	tb.items[key] = t
	return nil
}

func (tb *table) get(id string) *ticketstore.Ticket {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	return tb.items[ticketstore.Key(org, id)]
}

func (tb *table) count(source string) int {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	n := 0
	for _, t := range tb.items {
		if t.Source == source {
			n++
		}
	}
	return n
}

// recorder is a Reporter keeping what it was told.
type recorder struct {
	mu       sync.Mutex
	results  []reconcileResult
	progress int
}

type reconcileResult struct {
	id      string
	outcome string
	err     error
}

// inexactTicket is a ticket of org whose ticket_id is not an exact JSON
// string: "\ud800-<i>" reads as U+FFFD followed by "-<i>".
func inexactTicket(i int) periskope.Ticket {
	var tk periskope.Ticket
	if err := json.Unmarshal(fmt.Appendf(nil, `{"org_id":%q,"ticket_id":"\ud800-%d","subject":"s"}`, org, i), &tk); err != nil {
		panic(err)
	}
	if tk.CheckIDs() == nil {
		panic("ticket_id read as exact")
	}
	return tk
}
