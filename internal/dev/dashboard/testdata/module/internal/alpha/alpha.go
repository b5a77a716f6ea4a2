package alpha

import "example.com/fixture/internal/shared"

const (
	MetricStored  = "Stored"
	MetricUnused  = "NeverWritten"
	metricDropped = "Dropped"
)

type counter interface{ Count(string, float64) }

func Run(c counter) {
	c.Count(MetricStored, 1)
	c.Count(metricDropped, 1)
	c.Count("Literal", 1)
	shared.Refresh(c)
}
