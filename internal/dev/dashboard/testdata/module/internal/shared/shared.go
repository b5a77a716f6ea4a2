package shared

// MetricRefreshFailed is counted by every function that links this package.
const MetricRefreshFailed = "RefreshFailed"

type counter interface{ Count(string, float64) }

func Refresh(c counter) { c.Count(MetricRefreshFailed, 1) }
