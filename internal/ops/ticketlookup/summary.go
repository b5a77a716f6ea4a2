package ticketlookup

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

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
	fmt.Fprintln(tw, strings.Join(summaryColumns, "\t"))
	for _, item := range items {
		cells := make([]string, len(summaryColumns))
		for i, name := range summaryColumns {
			cells[i] = "-"
			if v := item[name]; v != nil {
				cells[i] = text.Escape(fmt.Sprint(value(v)))
			}
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	return tw.Flush()
}
