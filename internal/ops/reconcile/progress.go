package reconcile

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/periskope-connect/periskope-aws/internal/text"
)

// Printer is a Reporter for people: one line per ticket the table lacked
// on Out, and the progress on Status, as a bar redrawn at most every 100ms
// when Terminal is set, else as a plain line at most every 5s (a log or CI
// keeps every line). A Reporter is not called concurrently: no lock.
type Printer struct {
	Out      io.Writer
	Status   io.Writer
	Terminal bool
	DryRun   bool

	start   time.Time
	last    time.Time
	counts  Counts
	drawn   bool   // a bar is on the current line
	printed bool   // some progress was printed
	plain   Counts // the counts of the last plain line
}

const barWidth = 24

// Ticket prints one line for r. Every field comes from Periskope and is
// escaped.
func (p *Printer) Ticket(r Result) {
	if p.drawn {
		fmt.Fprint(p.Status, "\r\x1b[K")
		p.drawn = false
	}
	line := fmt.Sprintf("%-9s %s/%s", r.Outcome, text.Escape(r.Ref.OrgID), text.Escape(r.Ref.TicketID))
	if r.CreatedAt != "" {
		line += "  created " + text.Escape(r.CreatedAt)
	}
	if r.Subject != "" {
		if s := []rune(r.Subject); len(s) > 60 {
			r.Subject = string(s[:59]) + "…"
		}
		line += `  "` + text.Escape(r.Subject) + `"`
	}
	if r.Err != nil {
		line += "  error: " + text.Escape(r.Err.Error())
	}
	fmt.Fprintln(p.Out, line)
	if p.Terminal && p.printed {
		p.show()
	}
}

// Progress shows c.
func (p *Printer) Progress(c Counts) {
	now := time.Now()
	if p.start.IsZero() {
		p.start = now
	}
	p.counts = c
	every := 5 * time.Second
	if p.Terminal {
		every = 100 * time.Millisecond
	}
	if p.printed && now.Sub(p.last) < every {
		return
	}
	p.last, p.printed = now, true
	p.show()
}

// Finish shows the final progress unless the last line did.
func (p *Printer) Finish() {
	if !p.printed || !p.Terminal && p.counts == p.plain {
		return
	}
	p.show()
	if p.Terminal {
		fmt.Fprintln(p.Status)
		p.drawn = false
	}
}

func (p *Printer) show() {
	c := p.counts
	if !p.Terminal {
		done := ""
		if c.Total > 0 {
			done = fmt.Sprintf("%d/%d done · ", c.Done(), c.Total)
		}
		fmt.Fprintln(p.Status, "progress: "+done+p.countsText(c))
		p.plain = c
		return
	}
	filled, of := 0, ""
	if c.Total > 0 {
		filled = min(barWidth*c.Done()/c.Total, barWidth)
		of = fmt.Sprintf(" %d/%d", c.Done(), c.Total)
	}
	bar := strings.Repeat("█", filled) + strings.Repeat("░", barWidth-filled)
	fmt.Fprintf(p.Status, "\r\x1b[K[%s]%s %s", bar, of, p.countsText(c))
	p.drawn = true
}

func (p *Printer) countsText(c Counts) string {
	stored := "stored"
	if p.DryRun {
		stored = "missing"
	}
	s := fmt.Sprintf("seen %d · already stored %d · %s %d · failed %d", c.Seen, c.AlreadyStored, stored, c.Stored, c.Failed)
	if done, left := c.Done(), c.Total-c.Done(); done > 0 && left > 0 && !p.start.IsZero() {
		s += " · ETA " + (time.Since(p.start) * time.Duration(left) / time.Duration(done)).Round(time.Second).String()
	}
	return s
}

// Summary is the closing line of a run.
func Summary(c Counts, elapsed time.Duration, periskopeCalls int64, dryRun bool) string {
	stored := "stored now"
	if dryRun {
		stored = "missing (dry run: nothing stored)"
	}
	return fmt.Sprintf("reconcile: %d seen, %d already stored, %d %s, %d failed in %s (%d Periskope requests)",
		c.Seen, c.AlreadyStored, c.Stored, stored, c.Failed, elapsed.Round(100*time.Millisecond), periskopeCalls)
}
