package rie

import (
	"os"
	"testing"
	"time"
)

func TestNegativeTimeoutAndMemoryReadAsTheDefaults(t *testing.T) {
	exe, err := os.Executable() // any file: New starts nothing without Prewarm
	if err != nil {
		t.Fatal(err)
	}
	f, err := New(Config{Name: "f", Bootstrap: exe, Emulator: exe, Timeout: -time.Second, MemoryMB: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.cfg.Timeout != defaultTimeout || f.cfg.MemoryMB != defaultMemoryMB {
		t.Errorf("New gave timeout %v, memory %d MB; want %v, %d", f.cfg.Timeout, f.cfg.MemoryMB, defaultTimeout, defaultMemoryMB)
	}
}
