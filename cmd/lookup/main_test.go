package main

import (
	"bytes"
	"context"
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/periskope-connect/periskope-aws/internal/dev/local"
	"github.com/periskope-connect/periskope-aws/internal/dev/motoserver"
	"github.com/periskope-connect/periskope-aws/internal/ticketstore"
)

// startLocal runs moto_server with template.yaml's table under the local
// system's name, as make run has it, holding two tickets of one chat.
func startLocal(t *testing.T) *motoserver.Server {
	t.Helper()
	srv, db := motoserver.StartWithTable(t, local.Table)
	store := ticketstore.New(db, local.Table)
	for _, tk := range []*ticketstore.Ticket{
		{OrgID: "org-7", TicketID: "t-old", ChatID: "919537851844@c.us", Subject: "Leaking tap", Status: "open",
			CreatedAt: "2026-11-28T09:00:00Z", ReceivedAt: time.Now(), Event: "ticket.created", Data: []byte(`{}`)},
		{OrgID: "org-7", TicketID: "t-new", ChatID: "919537851844@c.us", Subject: "Still leaking", Status: "open",
			CreatedAt: "2026-11-28T10:00:00Z", ReceivedAt: time.Now(), Event: "ticket.created", Data: []byte(`{}`)},
	} {
		if err := store.Put(context.Background(), tk); err != nil {
			t.Fatal(err)
		}
	}
	return srv
}

func TestRunAgainstLocalMoto(t *testing.T) {
	srv := startLocal(t)
	ctx := context.Background()
	localArgs := []string{"-local", "-endpoint", srv.Endpoint}

	var out, errOut bytes.Buffer
	if err := run(ctx, append([]string{"ticket", "-id", "t-old"}, localArgs...), &out, &errOut); err != nil {
		t.Fatalf("ticket: %v (%s)", err, errOut.String())
	}
	if !strings.Contains(out.String(), `"pk": "TICKET#org-7#t-old"`) || !strings.Contains(errOut.String(), "org org-7") {
		t.Fatalf("ticket printed %s (stderr %s)", out.String(), errOut.String())
	}

	out.Reset()
	if err := run(ctx, append([]string{"tickets", "-chat", "919537851844"}, localArgs...), &out, &errOut); err != nil {
		t.Fatalf("tickets: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 || !strings.Contains(lines[1], "t-new") || !strings.Contains(lines[2], "t-old") {
		t.Fatalf("tickets printed, want newest first:\n%s", out.String())
	}

	out.Reset()
	if err := run(ctx, append([]string{"tickets", "-chat", "919537851844", "-json"}, localArgs...), &out, &errOut); err != nil {
		t.Fatalf("tickets -json: %v", err)
	}
	newest, oldest := strings.Index(out.String(), `"pk": "TICKET#org-7#t-new"`), strings.Index(out.String(), `"pk": "TICKET#org-7#t-old"`)
	if newest < 0 || oldest < newest {
		t.Fatalf("tickets -json printed, want the whole items, newest first:\n%s", out.String())
	}

	if err := run(ctx, append([]string{"ticket", "-id", "t-404", "-org", "org-7"}, localArgs...), &out, &errOut); err == nil {
		t.Fatal("a missing ticket printed no error")
	}
	if err := run(ctx, []string{"ticket", "-id", "x"}, &out, &errOut); err == nil || !strings.Contains(err.Error(), "-table (or -local)") {
		t.Fatalf("no -table: err = %v", err)
	}
}

// make ticket and make tickets, without ENV, read the local system: the
// moto of make run on MOTO_PORT.
func TestMakeTargetsAgainstLocalMoto(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Fatal("make is needed to test the make targets")
	}
	srv := startLocal(t)
	u, err := url.Parse(srv.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	makeOut := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("make", append([]string{"-s", "--no-print-directory", "MOTO_PORT=" + u.Port()}, args...)...)
		cmd.Dir = root
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("make %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	if out := makeOut("ticket", "ID=t-new", "ORG=org-7"); !strings.Contains(out, `"ticket_id": "t-new"`) {
		t.Errorf("make ticket printed:\n%s", out)
	}
	out := makeOut("tickets", "CHAT=919537851844@c.us")
	if i, j := strings.Index(out, "t-new"), strings.Index(out, "t-old"); i < 0 || j < 0 || i > j {
		t.Errorf("make tickets printed, want t-new before t-old:\n%s", out)
	}
}

// An error is printed once prefixed, escaped, with its exit status.
func TestExitCodeMessages(t *testing.T) {
	srv := startLocal(t)
	localArgs := []string{"-local", "-endpoint", srv.Endpoint}
	var out, errOut bytes.Buffer
	err := run(context.Background(), append([]string{"ticket", "-id", "t-404", "-org", "org-7"}, localArgs...), &out, &errOut)
	if code := exitCode(err, &errOut); code != 3 {
		t.Errorf("missing ticket: exit %d, want 3", code)
	}
	if got, want := errOut.String(), "lookup: no such ticket: TICKET#org-7#t-404\n"; got != want {
		t.Errorf("stderr %q, want %q", got, want)
	}
	errOut.Reset()
	err = run(context.Background(), append([]string{"tickets", "-chat", "x\x1b]52;c;eA==\x07"}, localArgs...), &out, &errOut)
	if code := exitCode(err, &errOut); code != 1 || strings.Count(errOut.String(), "lookup:") != 1 || strings.ContainsAny(errOut.String(), "\x1b\x07") {
		t.Errorf("bad chat: exit %d, stderr %q; want 1 and one escaped line", code, errOut.String())
	}
}
