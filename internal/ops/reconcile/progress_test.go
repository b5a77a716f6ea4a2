package reconcile_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/periskope-connect/periskope-aws/internal/ops/reconcile"
	"github.com/periskope-connect/periskope-aws/internal/ticketstore"
)

func TestPrinterPlainLines(t *testing.T) {
	inBubble(t, func(t *testing.T) {
		var out, status strings.Builder
		p := &reconcile.Printer{Out: &out, Status: &status}
		p.Progress(reconcile.Counts{Seen: 100, Total: 1000})
		time.Sleep(time.Second) // too soon for another line
		p.Progress(reconcile.Counts{Seen: 100, AlreadyStored: 50, Total: 1000})
		p.Ticket(reconcile.Result{Ref: ticketstore.TicketRef{OrgID: "o", TicketID: "T-1"}, CreatedAt: "2026-11-28T10:00:00+00:00", Subject: "Leaking tap", Outcome: reconcile.OutcomeStored})
		p.Ticket(reconcile.Result{Ref: ticketstore.TicketRef{OrgID: "o", TicketID: "T-2"}, Outcome: reconcile.OutcomeFailed, Err: errors.New("boom")})
		time.Sleep(9 * time.Second)
		p.Progress(reconcile.Counts{Seen: 200, AlreadyStored: 195, Stored: 4, Failed: 1, Total: 1000})
		p.Finish() // nothing new since the last line
		time.Sleep(time.Second)
		p.Progress(reconcile.Counts{Seen: 200, AlreadyStored: 196, Stored: 4, Failed: 1, Total: 1000})
		p.Finish() // the last change, too soon for a line of its own

		wantOut := "stored    o/T-1  created 2026-11-28T10:00:00+00:00  \"Leaking tap\"\nFAILED    o/T-2  error: boom\n"
		if out.String() != wantOut {
			t.Errorf("out:\n%s\nwant:\n%s", out.String(), wantOut)
		}
		wantStatus := "progress: 0/1000 done · seen 100 · already stored 0 · stored 0 · failed 0\n" +
			"progress: 200/1000 done · seen 200 · already stored 195 · stored 4 · failed 1 · ETA 40s\n" +
			"progress: 201/1000 done · seen 200 · already stored 196 · stored 4 · failed 1 · ETA 44s\n"
		if status.String() != wantStatus {
			t.Errorf("status:\n%s\nwant:\n%s", status.String(), wantStatus)
		}
		if strings.Contains(status.String(), "\r") {
			t.Error("a plain line carries a carriage return")
		}
	})
}

func TestPrinterTerminalBar(t *testing.T) {
	inBubble(t, func(t *testing.T) {
		var out, status strings.Builder
		p := &reconcile.Printer{Out: &out, Status: &status, Terminal: true, DryRun: true}
		p.Progress(reconcile.Counts{Seen: 100, AlreadyStored: 10, Total: 40})
		time.Sleep(2 * time.Second)
		p.Progress(reconcile.Counts{Seen: 100, AlreadyStored: 20, Total: 40})
		p.Ticket(reconcile.Result{Ref: ticketstore.TicketRef{OrgID: "o", TicketID: "T-9"}, Outcome: reconcile.OutcomeWouldStore})
		p.Finish()

		s := status.String()
		if !strings.Contains(s, "\r\x1b[K[████████████░░░░░░░░░░░░] 20/40 seen 100 · already stored 20 · missing 0 · failed 0 · ETA 2s") {
			t.Errorf("no half-full bar with a 2s ETA in %q", s)
		}
		if !strings.HasSuffix(s, "\n") {
			t.Error("Finish did not end the bar's line")
		}
		if out.String() != "missing   o/T-9\n" {
			t.Errorf("out = %q", out.String())
		}
	})
}

func TestSummary(t *testing.T) {
	c := reconcile.Counts{Seen: 1000, AlreadyStored: 900, Stored: 100}
	if got, want := reconcile.Summary(c, 11230*time.Millisecond, 111, false),
		"reconcile: 1000 seen, 900 already stored, 100 stored now, 0 failed in 11.2s (111 Periskope requests)"; got != want {
		t.Errorf("Summary = %q\nwant %q", got, want)
	}
	if got := reconcile.Summary(c, time.Second, 11, true); !strings.Contains(got, "100 missing (dry run: nothing stored)") {
		t.Errorf("dry-run Summary = %q", got)
	}
}

// What Periskope holds is shown escaped: a subject cannot write the
// operator's clipboard (OSC 52), colour the terminal or forge a line.
func TestPrinterEscapesWhatPeriskopeSent(t *testing.T) {
	var out, status strings.Builder
	p := &reconcile.Printer{Out: &out, Status: &status}
	p.Ticket(reconcile.Result{Ref: ticketstore.TicketRef{OrgID: "o\x1b[2J", TicketID: "T-1\u202e"}, CreatedAt: "2026\r",
		Subject: "pay\x1b]52;c;cHduZWQ=\x07\nstored    o/T-FORGED", Outcome: reconcile.OutcomeStored})
	p.Ticket(reconcile.Result{Ref: ticketstore.TicketRef{OrgID: "o", TicketID: "T-2"}, Outcome: reconcile.OutcomeFailed,
		Err: errors.New("periskope: 400 \x1b]0;title\x07 \u009b31m")})
	want := `stored    o\x1b[2J/T-1\u202e  created 2026\r  "pay\x1b]52;c;cHduZWQ=\x07\nstored    o/T-FORGED"` + "\n" +
		`FAILED    o/T-2  error: periskope: 400 \x1b]0;title\x07 \u009b31m` + "\n"
	if out.String() != want {
		t.Errorf("out:\n%q\nwant:\n%q", out.String(), want)
	}
}
