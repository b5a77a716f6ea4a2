package ticketlookup

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// summaryColumns are the attributes WriteSummary prints, one column each.
var summaryColumns = []string{"created_at", "ticket_id", "org_id", "status", "priority", "subject"}

// WriteSummary prints items as a table, one ticket a line, in the order
// given (ChatTickets': newest first).
func WriteSummary(w io.Writer, items []Item) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for i, name := range summaryColumns {
		sep := "\t"
		if i == len(summaryColumns)-1 {
			sep = "\n"
		}
		fmt.Fprint(tw, name+sep)
	}
	for _, item := range items {
		for i, name := range summaryColumns {
			sep := "\t"
			if i == len(summaryColumns)-1 {
				sep = "\n"
			}
			fmt.Fprint(tw, text(item[name])+sep)
		}
	}
	return tw.Flush()
}

// text is an attribute as one table cell.
func text(v types.AttributeValue) string {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return v.Value
	case *types.AttributeValueMemberN:
		return v.Value
	case nil:
		return "-"
	}
	return fmt.Sprint(value(v))
}
