// Command lookup prints what the tickets table holds, for `make ticket` and
// `make tickets`:
//
//	lookup ticket  (-table T | -local) -id TICKET [-org ORG] [-endpoint URL]
//	lookup tickets (-table T | -local) -chat CHAT [-limit N] [-json] [-endpoint URL]
package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/periskope-connect/periskope-aws/internal/dev/local"
	"github.com/periskope-connect/periskope-aws/internal/ops/opscmd"
	"github.com/periskope-connect/periskope-aws/internal/ops/ticketlookup"
	"github.com/periskope-connect/periskope-aws/internal/text"
)

const usage = "usage: lookup ticket (-table T | -local) -id TICKET [-org ORG] | lookup tickets (-table T | -local) -chat CHAT [-limit N] [-json]; both take -endpoint URL"

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	os.Exit(exitCode(run(ctx, os.Args[1:], os.Stdout, os.Stderr), os.Stderr))
}

// exitCode is 3 for a ticket or table that holds nothing, 1 for any other
// error.
func exitCode(err error, stderr io.Writer) int {
	status := 1
	if errors.Is(err, ticketlookup.ErrNotFound) || errors.Is(err, ticketlookup.ErrNoTickets) {
		status = 3
	}
	return opscmd.Exit(stderr, "lookup", err, status)
}

type options struct {
	table, endpoint string
	id, org         string
	chat            string
	limit           int
	asJSON, local   bool
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New(usage)
	}
	cmd := args[0]
	var o options
	fs := opscmd.Flags(cmd, stderr)
	fs.StringVar(&o.table, "table", "", "tickets table name")
	fs.StringVar(&o.endpoint, "endpoint", "", "DynamoDB endpoint of a local emulator (moto); empty for AWS")
	fs.BoolVar(&o.local, "local", false, "the local system of make run: its table, on its moto unless -endpoint says otherwise")
	switch cmd {
	case "ticket":
		fs.StringVar(&o.id, "id", "", "Periskope ticket id")
		fs.StringVar(&o.org, "org", "", "Periskope org id (default: the org of the table's tickets)")
	case "tickets":
		fs.StringVar(&o.chat, "chat", "", "chat id (bare digits get @c.us)")
		fs.IntVar(&o.limit, "limit", 20, "most tickets to print (0: all)")
		fs.BoolVar(&o.asJSON, "json", false, "print the whole items as JSON instead of a table")
	default:
		return fmt.Errorf("unknown command %q\n%s", cmd, usage)
	}
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if o.local {
		o.table = cmp.Or(o.table, local.Table)
		o.endpoint = cmp.Or(o.endpoint, opscmd.LocalURL(local.MotoPort))
	}
	if o.table == "" {
		return errors.New("-table (or -local) is required")
	}
	if o.limit < 0 {
		return errors.New("-limit must not be negative (0: all)")
	}
	cfg, err := opscmd.AWSConfig(ctx, o.endpoint)
	if err != nil {
		return err
	}
	lookup := ticketlookup.New(dynamodb.NewFromConfig(cfg), o.table)
	if cmd == "ticket" {
		return printTicket(ctx, lookup, o, stdout, stderr)
	}
	return printChat(ctx, lookup, o, stdout)
}

// printTicket prints the ticket -id as JSON; without -org, of the org the
// table's tickets carry.
func printTicket(ctx context.Context, lookup *ticketlookup.Lookup, o options, stdout, stderr io.Writer) error {
	if o.org == "" {
		org, err := lookup.Org(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "lookup: org %s (from the table's tickets; pass ORG=... to choose another)\n", text.Escape(org))
		o.org = org
	}
	item, err := lookup.Ticket(ctx, o.org, o.id)
	if err != nil {
		return err
	}
	return ticketlookup.WriteJSON(stdout, item)
}

// printChat prints the tickets of -chat as a table, or with -json each as
// JSON.
func printChat(ctx context.Context, lookup *ticketlookup.Lookup, o options, stdout io.Writer) error {
	items, err := lookup.ChatTickets(ctx, o.chat, o.limit)
	if err != nil {
		return err
	}
	if !o.asJSON {
		return ticketlookup.WriteSummary(stdout, items)
	}
	for _, item := range items {
		if err := ticketlookup.WriteJSON(stdout, item); err != nil {
			return err
		}
	}
	return nil
}
