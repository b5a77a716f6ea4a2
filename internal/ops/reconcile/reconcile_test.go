package reconcile_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/periskope-connect/periskope-aws/internal/ops/reconcile"
	"github.com/periskope-connect/periskope-aws/internal/ticketstore"
	"github.com/periskope-connect/periskope-aws/pkg/periskope"
)

func (r *recorder) Progress(reconcile.Counts) {
	r.mu.Lock()
	r.progress++
	r.mu.Unlock()
}

func (r *recorder) Ticket(res reconcile.Result) {
	r.mu.Lock()
	r.results = append(r.results, reconcileResult{id: res.Ref.TicketID, outcome: string(res.Outcome), err: res.Err})
	r.mu.Unlock()
}

func (r *recorder) outcomes() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]int{}
	for _, res := range r.results {
		out[res.outcome]++
	}
	return out
}

// baseline: 250 tickets in Periskope, every fifth missing from the table.
type scenario struct {
	api   *fakePeriskope
	table *table
	cfg   reconcile.Config
	rec   *recorder
}

func baseline() *scenario {
	api := newPeriskope(250)
	tb := newTable()
	tb.preload(api, func(i int) bool { return i%5 != 0 })
	rec := &recorder{}
	return &scenario{api: api, table: tb, rec: rec,
		cfg: reconcile.Config{Reporter: rec}}
}

func (s *scenario) run(t *testing.T) (reconcile.Counts, error) {
	t.Helper()
	return reconcile.Run(context.Background(), s.api, s.table, s.table, s.cfg)
}

// In a synctest bubble the clock stands still while the run works, so
// every item's received_at is the instant the run started.
func TestRunStoresTheMissingTickets(t *testing.T) {
	inBubble(t, testRunStoresTheMissingTickets)
}

func testRunStoresTheMissingTickets(t *testing.T) {
	s := baseline()
	started := time.Now()
	got, err := s.run(t)
	if err != nil {
		t.Fatal(err)
	}
	want := reconcile.Counts{Seen: 250, AlreadyStored: 200, Stored: 50, Total: 250}
	if got != want {
		t.Errorf("counts = %+v, want %+v", got, want)
	}
	// 3 pages (the last is short), one lookup per page (the largest a
	// BatchGetItem takes), one read per missing ticket.
	if s.api.lists != 3 || s.table.lookups != 3 || s.table.largest != ticketstore.MaxBatchKeys || s.api.gets != 50 {
		t.Errorf("%d lists, %d lookups (largest %d), %d gets; want 3, 3 (100), 50", s.api.lists, s.table.lookups, s.table.largest, s.api.gets)
	}
	if n := s.table.count(ticketstore.SourceReconcile); n != 50 {
		t.Errorf("%d items from reconcile, want 50", n)
	}
	if n := s.table.count(ticketstore.SourceWebhook); n != 200 {
		t.Errorf("%d items from the webhook, want 200 untouched", n)
	}
	item := s.table.get("T-0005")
	if item == nil {
		t.Fatal("T-0005 not stored")
	}
	if item.Source != ticketstore.SourceReconcile || item.Event != "ticket.created" || !item.ReceivedAt.Equal(started) ||
		item.ChatID != "919537851844@c.us" || item.Subject != "subject 5" || item.Priority != 2 ||
		item.CreatedAt != s.api.tickets[245].CreatedAt.Raw || item.EventTimestamp != "" {
		t.Errorf("stored item = %+v", item)
	}
	if want := `{"ticket":{"ticket_id":"T-0005"`; len(item.Data) < len(want) || string(item.Data[:len(want)]) != want {
		t.Errorf("data = %s, want the ticket info object as Periskope sent it", item.Data)
	}
	if o := s.rec.outcomes(); o[string(reconcile.OutcomeStored)] != 50 || len(o) != 1 {
		t.Errorf("reported %v, want 50 stored", o)
	}
}

func TestRunTwiceStoresNothingTheSecondTime(t *testing.T) {
	s := baseline()
	if _, err := s.run(t); err != nil {
		t.Fatal(err)
	}
	puts, gets := s.table.puts, s.api.gets
	got, err := s.run(t)
	if err != nil {
		t.Fatal(err)
	}
	if got.Stored != 0 || got.AlreadyStored != 250 || s.table.puts != puts || s.api.gets != gets {
		t.Errorf("second run: %+v, %d more puts, %d more gets; want nothing stored, read or written", got, s.table.puts-puts, s.api.gets-gets)
	}
}

func TestRunVariants(t *testing.T) {
	tests := []struct {
		name    string
		mutate  func(*scenario)
		want    reconcile.Counts
		wantErr error
		check   func(*testing.T, *scenario)
	}{
		{
			name:   "dry run reads and writes nothing",
			mutate: func(s *scenario) { s.cfg.DryRun = true },
			want:   reconcile.Counts{Seen: 250, AlreadyStored: 200, Stored: 50, Total: 250},
			check: func(t *testing.T, s *scenario) {
				if s.api.gets != 0 || s.table.puts != 0 || s.rec.outcomes()[string(reconcile.OutcomeWouldStore)] != 50 {
					t.Errorf("%d gets, %d puts, reported %v; want none, none, 50 would store", s.api.gets, s.table.puts, s.rec.outcomes())
				}
			},
		},
		{
			name: "since skips the older tickets, and reads every page",
			// T-0250 is an hour old, each older one a minute more: the
			// last 30 minutes before it hold T-0220 … T-0250. Periskope
			// promises no order, so the older pages are read all the same.
			mutate: func(s *scenario) { s.cfg.Since = now.Add(-time.Hour - 30*time.Minute) },
			want:   reconcile.Counts{Seen: 31, AlreadyStored: 24, Stored: 7},
			check: func(t *testing.T, s *scenario) {
				if s.api.lists != 3 || s.table.puts != 7 {
					t.Errorf("%d list calls, %d puts; want 3 and 7", s.api.lists, s.table.puts)
				}
			},
		},
		{
			name: "a list of whole pages ends at the empty page after them",
			mutate: func(s *scenario) {
				s.api.tickets = s.api.tickets[:200]
				s.table.items = map[string]*ticketstore.Ticket{}
			},
			want: reconcile.Counts{Seen: 200, Stored: 200, Total: 200},
			check: func(t *testing.T, s *scenario) {
				if s.api.lists != 3 {
					t.Errorf("%d list calls, want 3: two full pages and an empty one", s.api.lists)
				}
			},
		},
		{
			// Periskope's documented example fits a count that is the
			// page's length: the run must read on to the short page, and
			// give the progress bar no total.
			name: "a count that is the page's length ends nothing",
			mutate: func(s *scenario) {
				s.api.countIsPageLength = true
				s.table.items = map[string]*ticketstore.Ticket{}
			},
			want: reconcile.Counts{Seen: 250, Stored: 250},
			check: func(t *testing.T, s *scenario) {
				if s.api.lists != 3 || s.table.count(ticketstore.SourceReconcile) != 250 {
					t.Errorf("%d list calls, %d stored; want 3 and all 250", s.api.lists, s.table.count(ticketstore.SourceReconcile))
				}
			},
		},
		{
			name: "a count that is the page's length tells a short first page's total",
			mutate: func(s *scenario) {
				s.api.countIsPageLength = true
				s.api.tickets = s.api.tickets[:40]
				s.table.items = map[string]*ticketstore.Ticket{}
			},
			want: reconcile.Counts{Seen: 40, Stored: 40, Total: 40},
		},
		{
			name:    "an API that ignores offset ends the run after one page of repeats",
			mutate:  func(s *scenario) { s.api.ignoreOffset = true },
			want:    reconcile.Counts{Seen: 100, AlreadyStored: 80, Stored: 20, Total: 250},
			wantErr: reconcile.ErrNoProgress,
			check: func(t *testing.T, s *scenario) {
				if s.api.lists != 2 {
					t.Errorf("%d list calls, want 2", s.api.lists)
				}
			},
		},
		{
			name:    "the page cap ends the run",
			mutate:  func(s *scenario) { s.cfg.MaxPages = 2 },
			want:    reconcile.Counts{Seen: 200, AlreadyStored: 160, Stored: 40, Total: 250},
			wantErr: reconcile.ErrTooManyPages,
			check: func(t *testing.T, s *scenario) {
				if s.api.lists != 2 {
					t.Errorf("%d list calls, want 2", s.api.lists)
				}
			},
		},
		{
			name:   "a ticket Periskope will not return fails alone",
			mutate: func(s *scenario) { s.api.getErr["T-0010"] = errBoom },
			want:   reconcile.Counts{Seen: 250, AlreadyStored: 200, Stored: 49, Failed: 1, Total: 250},
			check: func(t *testing.T, s *scenario) {
				if s.table.get("T-0010") != nil || s.rec.outcomes()[string(reconcile.OutcomeFailed)] != 1 {
					t.Error("the failed ticket was stored, or not reported")
				}
			},
		},
		{
			name:   "a failed write fails that ticket",
			mutate: func(s *scenario) { s.table.putErr["T-0015"] = ticketstore.ErrUnavailable },
			want:   reconcile.Counts{Seen: 250, AlreadyStored: 200, Stored: 49, Failed: 1, Total: 250},
		},
		{
			name: "the webhook storing a ticket meanwhile wins",
			mutate: func(s *scenario) {
				s.table.beforePut = func(tk *ticketstore.Ticket) {
					if tk.TicketID == "T-0020" {
						s.table.mu.Lock()
						s.table.items[ticketstore.Key(org, "T-0020")] = &ticketstore.Ticket{OrgID: org, TicketID: "T-0020", Source: ticketstore.SourceWebhook}
						s.table.mu.Unlock()
					}
				}
			},
			want: reconcile.Counts{Seen: 250, AlreadyStored: 201, Stored: 49, Total: 250},
			check: func(t *testing.T, s *scenario) {
				if s.table.get("T-0020").Source != ticketstore.SourceWebhook || s.rec.outcomes()[string(reconcile.OutcomeDuplicate)] != 1 {
					t.Errorf("T-0020 = %+v; want the webhook's item kept, and reported as raced", s.table.get("T-0020"))
				}
			},
		},
		{
			name:   "a ticket without org_id has no key",
			mutate: func(s *scenario) { s.api.tickets[0].OrgID = "" },
			want:   reconcile.Counts{Seen: 250, AlreadyStored: 200, Stored: 49, Failed: 1, Total: 250},
			check: func(t *testing.T, s *scenario) {
				if err := s.rec.results[0].err; !errors.Is(err, reconcile.ErrNoKey) {
					t.Errorf("first result error %v, want ErrNoKey", err)
				}
			},
		},
		{
			// The webhook refuses these ids (400 invalid_field); read as
			// text all three are U+FFFD, one key for three tickets.
			name: "tickets whose ids are not exact JSON strings fail, each, and are not keys",
			mutate: func(s *scenario) {
				for i, id := range []string{`"\ud800"`, `"\udbff"`, `"\udfff"`} {
					var tk periskope.Ticket
					if err := json.Unmarshal([]byte(`{"org_id":"`+org+`","ticket_id":`+id+`,"subject":"s"}`), &tk); err != nil {
						panic(err)
					}
					s.api.tickets[i] = tk
				}
			},
			want: reconcile.Counts{Seen: 250, AlreadyStored: 198, Stored: 49, Failed: 3, Total: 250},
			check: func(t *testing.T, s *scenario) {
				failed := 0
				for _, r := range s.rec.results {
					if errors.Is(r.err, periskope.ErrInvalidID) {
						failed++
					}
				}
				if failed != 3 || s.table.get("\ufffd") != nil {
					t.Errorf("%d results fail with ErrInvalidID, item under U+FFFD %+v; want 3 and none", failed, s.table.get("\ufffd"))
				}
			},
		},
		{
			// Newest first: the two new tickets land before the offset
			// (the next run sees them) and two of page 1 are listed again.
			name: "tickets created while paging shift the pages: none skipped, none counted twice",
			mutate: func(s *scenario) {
				s.api.onList = func(offset int) {
					if offset == 100 { // two new tickets push two of page 1 onto page 2
						s.api.mu.Lock()
						fresh := newPeriskope(252).tickets[:2]
						s.api.tickets = append(fresh, s.api.tickets...)
						s.api.mu.Unlock()
					}
				}
			},
			want: reconcile.Counts{Seen: 250, AlreadyStored: 200, Stored: 50, Total: 250},
			check: func(t *testing.T, s *scenario) {
				if s.table.puts != 50 || s.table.lookups != 3 {
					t.Errorf("%d puts, %d lookups; want 50 and 3", s.table.puts, s.table.lookups)
				}
			},
		},
		{
			// The shift lists tickets 98 and 99 again: ids that are not
			// exact JSON strings still name one ticket each.
			name: "tickets with inexact ids listed twice by a page shift are counted once",
			mutate: func(s *scenario) {
				s.api.tickets[98], s.api.tickets[99] = inexactTicket(98), inexactTicket(99)
				s.api.onList = func(offset int) {
					if offset == 100 {
						s.api.mu.Lock()
						fresh := newPeriskope(252).tickets[:2]
						s.api.tickets = append(fresh, s.api.tickets...)
						s.api.mu.Unlock()
					}
				}
			},
			want: reconcile.Counts{Seen: 250, AlreadyStored: 198, Stored: 50, Failed: 2, Total: 250},
			check: func(t *testing.T, s *scenario) {
				if n := len(s.rec.results); n != 52 {
					t.Errorf("%d results reported, want 52 (50 stored, 2 failed)", n)
				}
			},
		},
		{
			name: "a full page of new tickets with inexact ids is progress",
			mutate: func(s *scenario) {
				s.table.items = map[string]*ticketstore.Ticket{}
				for i := 100; i < 200; i++ {
					s.api.tickets[i] = inexactTicket(i)
				}
			},
			want: reconcile.Counts{Seen: 250, Stored: 150, Failed: 100, Total: 250},
		},
		{
			name:    "a list failure stops the run",
			mutate:  func(s *scenario) { s.api.listErr = errBoom },
			wantErr: reconcile.ErrList,
		},
		{
			name:    "a table failure stops the run",
			mutate:  func(s *scenario) { s.table.lookupErr = ticketstore.ErrUnavailable },
			want:    reconcile.Counts{Seen: 100, Total: 250},
			wantErr: reconcile.ErrLookup,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := baseline()
			tt.mutate(s)
			got, err := s.run(t)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("counts = %+v, want %+v", got, tt.want)
			}
			if tt.check != nil {
				tt.check(t, s)
			}
		})
	}
}

func TestRunBoundsConcurrency(t *testing.T) {
	for _, n := range []int{1, 3} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			s := baseline()
			s.api.getDelay = 2 * time.Millisecond
			s.cfg.Concurrency = n
			if _, err := s.run(t); err != nil {
				t.Fatal(err)
			}
			if s.api.maxGets > n || (n > 1 && s.api.maxGets < 2) {
				t.Errorf("at most %d GetTicket calls at once, want %d", s.api.maxGets, n)
			}
		})
	}
}

func TestRunInterruptedCountsNoFailures(t *testing.T) {
	s := baseline()
	s.api.getDelay, s.cfg.Concurrency = 20*time.Millisecond, 1 // page 1's missing tickets still queued
	ctx, cancel := context.WithCancel(context.Background())
	s.api.onList = func(offset int) {
		if offset == 100 {
			cancel()
		}
	}
	got, err := reconcile.Run(ctx, s.api, s.table, s.table, s.cfg)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if got.Failed != 0 || got.Seen != 100 || got.Done() > 100 {
		t.Errorf("counts = %+v; want the first page seen and nothing counted as failed", got)
	}
}

// Periskope's API promises no order of GET /tickets: one old ticket in the
// middle of the list must not end a run with -since.
func TestRunSinceReadsPastAnOldTicket(t *testing.T) {
	api := newPeriskope(299) // newest first, the oldest 5 hours before now
	api.tickets[150].CreatedAt = periskope.Time{Time: now.AddDate(-1, 0, 0), Raw: "2025-11-28T12:00:00+00:00"}
	tb := newTable()
	cfg := reconcile.Config{Since: now.Add(-6 * time.Hour)}
	got, err := reconcile.Run(context.Background(), api, tb, tb, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if want := (reconcile.Counts{Seen: 298, Stored: 298}); got != want {
		t.Errorf("counts = %+v, want %+v", got, want)
	}
	if tb.count(ticketstore.SourceReconcile) != 298 || tb.get(api.tickets[150].TicketID) != nil {
		t.Errorf("%d stored, old ticket stored: %v; want the 298 new ones only", tb.count(ticketstore.SourceReconcile), tb.get(api.tickets[150].TicketID) != nil)
	}
}
