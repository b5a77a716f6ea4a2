package fake

const MetricDevOnly = "DevOnly"

var _ = MetricDevOnly
