package rie

import (
	"testing"
	"time"
)

func TestNegativeTimeoutAndMemoryReadAsTheDefaults(t *testing.T) {
	cfg := Config{Timeout: -time.Second, MemoryMB: -1}
	applyDefaults(&cfg)
	if cfg.Timeout != defaultTimeout || cfg.MemoryMB != defaultMemoryMB {
		t.Errorf("applyDefaults gave timeout %v, memory %d MB; want %v, %d", cfg.Timeout, cfg.MemoryMB, defaultTimeout, defaultMemoryMB)
	}
}
