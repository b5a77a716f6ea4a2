package alpha

const MetricOnlyInTests = "OnlyInTests"

var _ = MetricOnlyInTests
