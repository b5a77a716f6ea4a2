package reconcile

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/periskope-connect/periskope-aws/internal/text"
)

// Printer is a Reporter for people: one line per ticket the table lacked
// on Out, and the progress on Status, as a redrawn bar with an ETA when
// Terminal is set and as a plain line at most every PlainEvery otherwise
// (a log or CI keeps every line).
type Printer struct {
	Out      io.Writer
	Status   io.Writer
	Terminal bool
	// DryRun labels the tickets to store "missing" rather than "stored".
	DryRun bool
	// PlainEvery spaces plain progress lines (default 5s); the bar is
	// redrawn at most every 100ms.
	PlainEvery time.Duration
	// Now is the clock of the ETA (default time.Now).
	Now func() time.Time

	mu      sync.Mutex
	start   time.Time
	last    time.Time
	counts  Counts
	drawn   bool   // a bar is on the current line
	printed bool   // some progress was printed
	plain   Counts // the counts of the last plain line
}

// barWidth is the number of cells of the bar.
const barWidth = 24

func (p *Printer) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

// Ticket prints one line: the ticket's key, what happened, and why it
// failed. Every field comes from Periskope and is escaped (text.Escape).
func (p *Printer) Ticket(r Result) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clearBar()
	line := fmt.Sprintf("%-9s %s/%s", outcomeWord(r.Outcome), text.Escape(r.Ref.OrgID), text.Escape(r.Ref.TicketID))
	if r.CreatedAt != "" {
		line += "  created " + text.Escape(r.CreatedAt)
	}
	if r.Subject != "" {
		line += `  "` + text.Escape(truncate(r.Subject, 60)) + `"`
	}
	if r.Err != nil {
		line += "  error: " + text.Escape(r.Err.Error())
	}
	fmt.Fprintln(p.Out, line)
	if p.Terminal && p.printed {
		p.drawBar()
	}
}

func outcomeWord(o Outcome) string {
	switch o {
	case OutcomeStored:
		return "stored"
	case OutcomeWouldStore:
		return "missing"
	case OutcomeDuplicate:
		return "raced" // the webhook stored it between our read and write
	default:
		return "FAILED"
	}
}

// Progress redraws the bar, or prints a line when PlainEvery has passed.
func (p *Printer) Progress(c Counts) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	if p.start.IsZero() {
		p.start = now
	}
	p.counts = c
	every := 100 * time.Millisecond
	if !p.Terminal {
		every = p.PlainEvery
		if every <= 0 {
			every = 5 * time.Second
		}
	}
	if p.printed && now.Sub(p.last) < every {
		return
	}
	p.last, p.printed = now, true
	p.draw()
}

// Finish shows the final progress (unless the last line did) and ends the
// bar's line.
func (p *Printer) Finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case !p.printed:
	case p.Terminal:
		p.drawBar()
		fmt.Fprintln(p.Status)
		p.drawn = false
	case p.counts != p.plain:
		p.plainLine()
	}
}

func (p *Printer) draw() {
	if p.Terminal {
		p.drawBar()
	} else {
		p.plainLine()
	}
}

func (p *Printer) clearBar() {
	if p.drawn {
		fmt.Fprint(p.Status, "\r\x1b[K")
		p.drawn = false
	}
}

// plainLine writes the progress as one line of its own.
func (p *Printer) plainLine() {
	c := p.counts
	line := "progress: " + p.countsText(c)
	if c.Total > 0 {
		line = fmt.Sprintf("progress: %d/%d done · %s", c.Done(), c.Total, p.countsText(c))
	}
	if eta := p.eta(c); eta != "" {
		line += " · ETA " + eta
	}
	fmt.Fprintln(p.Status, line)
	p.plain = c
}

// drawBar redraws the bar over the current line.
func (p *Printer) drawBar() {
	c := p.counts
	bar := strings.Repeat("░", barWidth)
	of := ""
	if c.Total > 0 {
		filled := min(barWidth*c.Done()/c.Total, barWidth)
		bar = strings.Repeat("█", filled) + strings.Repeat("░", barWidth-filled)
		of = fmt.Sprintf(" %d/%d", c.Done(), c.Total)
	}
	line := fmt.Sprintf("\r\x1b[K[%s]%s %s", bar, of, p.countsText(c))
	if eta := p.eta(c); eta != "" {
		line += " · ETA " + eta
	}
	fmt.Fprint(p.Status, line)
	p.drawn = true
}

func (p *Printer) countsText(c Counts) string {
	stored := "stored"
	if p.DryRun {
		stored = "missing"
	}
	return fmt.Sprintf("seen %d · already stored %d · %s %d · failed %d", c.Seen, c.AlreadyStored, stored, c.Stored, c.Failed)
}

// eta extrapolates the time left from the pace so far; "" without a total,
// before anything is done and once all is.
func (p *Printer) eta(c Counts) string {
	done := c.Done()
	if c.Total <= 0 || done == 0 || p.start.IsZero() {
		return ""
	}
	left := c.Total - done
	if left <= 0 {
		return ""
	}
	elapsed := p.now().Sub(p.start)
	return (elapsed * time.Duration(left) / time.Duration(done)).Round(time.Second).String()
}

func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// Summary is the closing line of a run: the counts, how long it took and
// how many Periskope requests it made.
func Summary(c Counts, elapsed time.Duration, periskopeCalls int64, dryRun bool) string {
	stored := "stored now"
	if dryRun {
		stored = "missing (dry run: nothing stored)"
	}
	return fmt.Sprintf("reconcile: %d seen, %d already stored, %d %s, %d failed in %s (%d Periskope requests)",
		c.Seen, c.AlreadyStored, c.Stored, stored, c.Failed, elapsed.Round(100*time.Millisecond), periskopeCalls)
}
