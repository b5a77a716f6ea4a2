package ticketlookup

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/periskope-connect/periskope-aws/internal/text"
)

// summaryColumns are the attributes WriteSummary prints, one column each.
var summaryColumns = []string{"created_at", "ticket_id", "org_id", "status", "priority", "subject"}

// WriteSummary prints items as a table, one ticket a line, in the order
// given (ChatTickets': newest first). Cells are escaped (text.Escape): a
// subject can neither forge a row or a column nor send the terminal an
// escape sequence.
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
			fmt.Fprint(tw, text.Escape(cell(item[name]))+sep)
		}
	}
	return tw.Flush()
}

// cell is an attribute as one table cell.
func cell(v types.AttributeValue) string {
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
