// Package reconcile finds the tickets Periskope holds that the tickets
// table lacks, and stores them: a ticket.created delivery Periskope gave up
// on (an outage longer than its redelivery, a wrong signing key, a webhook
// registered late) leaves a gap nothing else notices.
//
// A run pages through GET /tickets until a short page, a page of tickets
// seen before (ErrNoProgress) or MaxPages. It asks the table about each
// page in one BatchGetItem and stores each missing ticket's info (GET
// /tickets/{id}) through the webhook's exactly-once store, marked source
// "reconcile". A second run stores nothing.
package reconcile

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/periskope-connect/periskope-aws/internal/ticketstore"
	"github.com/periskope-connect/periskope-aws/pkg/periskope"
)

// Errors of Run. A ticket that fails is no error of Run: Counts.Failed
// counts it.
var (
	ErrList   = errors.New("listing Periskope's tickets failed")
	ErrLookup = errors.New("reading the tickets table failed")
	ErrNoKey  = errors.New("ticket has no org_id or ticket_id")
	// ErrNoProgress: a full page listed only tickets listed before (an
	// offset ignored).
	ErrNoProgress   = errors.New("Periskope listed no ticket not seen before; the list was not read to its end")
	ErrTooManyPages = errors.New("stopped at the most pages a run reads") // Config.MaxPages
)

// Periskope is the part of Periskope's ticket API a run reads;
// *periskope.Client implements it.
type Periskope interface {
	ListTickets(ctx context.Context, p periskope.ListTicketsParams) (*periskope.TicketList, error)
	GetTicket(ctx context.Context, ticketID string) (*periskope.TicketInfo, error)
}

// Lookup tells which tickets the table holds; *ticketstore.Lookup
// implements it.
type Lookup interface {
	Stored(ctx context.Context, refs []ticketstore.TicketRef) (map[ticketstore.TicketRef]bool, error)
}

// Store stores a ticket unless it is stored already
// (ticketstore.ErrDuplicate); *ticketstore.Store implements it.
type Store interface {
	Put(ctx context.Context, t *ticketstore.Ticket) error
}

// Counts is a run's progress.
type Counts struct {
	Seen          int // distinct tickets listed (and not older than Since)
	AlreadyStored int // in the table already, or stored by the webhook meanwhile
	Stored        int // stored by this run (with DryRun: would be stored)
	Failed        int // missing and could not be stored
	Total         int // Periskope's count, for the progress bar; 0 when unknown or Since is set
}

// Done is the number of seen tickets whose fate is known.
func (c Counts) Done() int { return c.AlreadyStored + c.Stored + c.Failed }

// Outcome is what became of one missing ticket.
type Outcome string

const (
	OutcomeStored     Outcome = "stored"
	OutcomeWouldStore Outcome = "missing" // DryRun
	OutcomeDuplicate  Outcome = "raced"   // the webhook stored it between the run's read and write
	OutcomeFailed     Outcome = "FAILED"
)

// Result is the outcome for one ticket the table lacked.
type Result struct {
	Ref       ticketstore.TicketRef
	CreatedAt string
	Subject   string
	Outcome   Outcome
	Err       error // with OutcomeFailed
}

// Reporter is told of progress. Its methods are called from several
// goroutines, never at once.
type Reporter interface {
	Progress(c Counts)
	Ticket(r Result)
}

// Config tunes a run. Zero fields take the defaults.
type Config struct {
	// Since skips tickets created before it. Periskope's list has no date
	// filter and no promised order, so every page is still read.
	Since  time.Time
	DryRun bool // report the missing tickets without reading or storing them
	// Concurrency bounds the missing tickets read and stored at once; the
	// rate limiter still spaces the calls, so this only overlaps latencies.
	Concurrency int
	MaxPages    int // GET /tickets per run; default 10,000: a million tickets
	Reporter    Reporter
}

// DefaultConcurrency is Config.Concurrency's default.
const DefaultConcurrency = 4

// pageSize is the limit of each GET /tickets: one page, one BatchGetItem.
const pageSize = ticketstore.MaxBatchKeys

type nopReporter struct{}

func (nopReporter) Progress(Counts) {}
func (nopReporter) Ticket(Result)   {}

type run struct {
	api    Periskope
	lookup Lookup
	store  Store
	cfg    Config
	mu     sync.Mutex
	counts Counts
	listed map[listedKey]bool // every ticket listed, Since or not
}

// listedKey tells listed tickets apart by their ids and, for an id that is
// no exact JSON string ("\ud800" and "\udfff" both read as U+FFFD), by its
// JSON text as sent.
type listedKey struct {
	ref                     ticketstore.TicketRef
	sentOrgID, sentTicketID string
}

// Run reconciles once and returns the final counts. It stops early with
// ErrList or ErrLookup when Periskope or DynamoDB fails beyond their
// clients' retries, or with ctx's error; running again continues.
func Run(ctx context.Context, api Periskope, lookup Lookup, store Store, cfg Config) (Counts, error) {
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = DefaultConcurrency
	}
	if cfg.MaxPages <= 0 {
		cfg.MaxPages = 10_000
	}
	if cfg.Reporter == nil {
		cfg.Reporter = nopReporter{}
	}
	ru := &run{api: api, lookup: lookup, store: store, cfg: cfg, listed: map[listedKey]bool{}}
	work := make(chan Result, pageSize)
	var wg sync.WaitGroup
	for range cfg.Concurrency {
		wg.Go(func() {
			for m := range work {
				err := ru.storeMissing(ctx, m)
				if ctx.Err() != nil {
					continue // interrupted, not failed: the next run takes it
				}
				ru.finish(m, err)
			}
		})
	}
	err := ru.page(ctx, work)
	close(work)
	wg.Wait()
	ru.mu.Lock()
	defer ru.mu.Unlock()
	return ru.counts, err
}

func (ru *run) page(ctx context.Context, work chan<- Result) error {
	offset := 0
	for range ru.cfg.MaxPages {
		list, err := ru.api.ListTickets(ctx, periskope.ListTicketsParams{Offset: offset, Limit: pageSize})
		if err != nil {
			return fmt.Errorf("%w at offset %d: %w", ErrList, offset, err)
		}
		if offset == 0 && ru.cfg.Since.IsZero() && (list.Count > len(list.Tickets) || len(list.Tickets) < pageSize) {
			// Periskope documents count by an example that fits both the
			// page's length and the total: only a count above the page's
			// length, or a short first page, tells the total.
			ru.update(func(c *Counts) { c.Total = list.Count })
		}
		fresh, unseen := ru.pick(list.Tickets)
		if err := ru.check(ctx, fresh, work); err != nil {
			return err
		}
		// Offset paging of a newest-first list under concurrent creates
		// repeats tickets (pick drops them), never skips one; a full page of
		// repeats is an API not moving on. count may be the page's length,
		// not the total, so only a short page ends the list.
		switch {
		case len(list.Tickets) < pageSize:
			return nil
		case unseen == 0:
			return fmt.Errorf("%w (offset %d)", ErrNoProgress, offset)
		}
		offset += pageSize
	}
	return fmt.Errorf("%w (%d)", ErrTooManyPages, ru.cfg.MaxPages)
}

// pick returns the tickets of a page not listed before and not older than
// Since, and how many were not listed before (Since or not).
func (ru *run) pick(tickets []periskope.Ticket) (fresh []periskope.Ticket, unseen int) {
	ru.mu.Lock()
	defer ru.mu.Unlock()
	for _, t := range tickets {
		// an inexact id is no key (check fails it) but still one ticket
		key := listedKey{ref: ticketstore.TicketRef{OrgID: t.OrgID, TicketID: t.TicketID}}
		key.sentOrgID, key.sentTicketID = t.InexactIDs()
		if ru.listed[key] {
			continue
		}
		ru.listed[key] = true
		unseen++
		if !ru.cfg.Since.IsZero() && !t.CreatedAt.IsZero() && t.CreatedAt.Before(ru.cfg.Since) {
			continue
		}
		ru.counts.Seen++
		fresh = append(fresh, t)
	}
	return fresh, unseen
}

// check queues the tickets of a page the table lacks.
func (ru *run) check(ctx context.Context, tickets []periskope.Ticket, work chan<- Result) error {
	var refs []ticketstore.TicketRef
	for _, t := range tickets {
		if t.OrgID == "" || t.TicketID == "" || t.CheckIDs() != nil {
			continue
		}
		refs = append(refs, ticketstore.TicketRef{OrgID: t.OrgID, TicketID: t.TicketID})
	}
	stored := map[ticketstore.TicketRef]bool{}
	if len(refs) > 0 {
		var err error
		if stored, err = ru.lookup.Stored(ctx, refs); err != nil {
			return fmt.Errorf("%w: %w", ErrLookup, err)
		}
	}
	for _, t := range tickets {
		m := Result{Ref: ticketstore.TicketRef{OrgID: t.OrgID, TicketID: t.TicketID}, CreatedAt: t.CreatedAt.Raw, Subject: t.Subject}
		idErr := t.CheckIDs()
		switch {
		case t.OrgID == "" || t.TicketID == "":
			ru.finish(m, ErrNoKey)
		case idErr != nil: // the webhook would refuse it; as a key it could merge tickets
			ru.finish(m, idErr)
		case stored[m.Ref]:
			ru.update(func(c *Counts) { c.AlreadyStored++ })
		default:
			select {
			case work <- m:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
	ru.mu.Lock() // keeps the reports in order
	ru.cfg.Reporter.Progress(ru.counts)
	ru.mu.Unlock()
	return nil
}

func (ru *run) storeMissing(ctx context.Context, m Result) error {
	if ru.cfg.DryRun {
		return nil
	}
	info, err := ru.api.GetTicket(ctx, m.Ref.TicketID)
	if err != nil {
		return err
	}
	if info.Ticket == nil {
		return errors.New("Periskope answered without a ticket")
	}
	t := ticketstore.FromTicketInfo(m.Ref.OrgID, info, info.Raw)
	t.TicketID = m.Ref.TicketID // the key the table was asked about
	t.CreatedAt = cmp.Or(t.CreatedAt, m.CreatedAt)
	t.ReceivedAt, t.Event, t.Source = time.Now(), ticketstore.EventTicketCreated, ticketstore.SourceReconcile
	return ru.store.Put(ctx, t)
}

// finish counts and reports a ticket the table lacked.
func (ru *run) finish(res Result, err error) {
	ru.mu.Lock()
	switch {
	case err == nil && ru.cfg.DryRun:
		ru.counts.Stored++
		res.Outcome = OutcomeWouldStore
	case err == nil:
		ru.counts.Stored++
		res.Outcome = OutcomeStored
	case errors.Is(err, ticketstore.ErrDuplicate):
		ru.counts.AlreadyStored++
		res.Outcome = OutcomeDuplicate
	default:
		ru.counts.Failed++
		res.Outcome, res.Err = OutcomeFailed, err
	}
	ru.cfg.Reporter.Ticket(res)
	ru.cfg.Reporter.Progress(ru.counts)
	ru.mu.Unlock()
}

func (ru *run) update(f func(*Counts)) {
	ru.mu.Lock()
	f(&ru.counts)
	ru.mu.Unlock()
}
