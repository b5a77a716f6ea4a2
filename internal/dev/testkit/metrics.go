package testkit

import (
	"maps"
	"sync"
)

// Metrics records a handler's counts by name in place of its EMF sink. The
// zero value is ready; it is safe for concurrent use.
type Metrics struct {
	mu     sync.Mutex
	counts map[string]float64
}

// Count adds v to the metric called name.
func (m *Metrics) Count(name string, v float64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.counts == nil {
		m.counts = map[string]float64{}
	}
	m.counts[name] += v
}

// Get returns the total counted for name, 0 if it was never counted.
func (m *Metrics) Get(name string) float64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.counts[name]
}

// All returns a copy of every total by name; it is empty, not nil, when
// nothing was counted.
func (m *Metrics) All() map[string]float64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	all := make(map[string]float64, len(m.counts))
	maps.Copy(all, m.counts)
	return all
}
