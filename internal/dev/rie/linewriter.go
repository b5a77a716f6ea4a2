package rie

import (
	"bytes"
	"io"
	"sync"
)

// maxPartialLine bounds how much of an unterminated line is buffered.
const maxPartialLine = 64 * 1024

// lineWriter prefixes every line written to it. Writers made with child
// share one destination and never interleave within a line.
type lineWriter struct {
	dst    *lockedWriter
	prefix string
	onLine func(line []byte) // sees each line before it is written; nil for none

	mu  sync.Mutex
	buf []byte
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func newLineWriter(w io.Writer, prefix string) *lineWriter {
	return &lineWriter{dst: &lockedWriter{w: w}, prefix: prefix}
}

// child returns a writer with its own line buffer and the same destination.
func (lw *lineWriter) child() *lineWriter {
	return &lineWriter{dst: lw.dst, prefix: lw.prefix}
}

// Write implements io.Writer.
func (lw *lineWriter) Write(p []byte) (int, error) {
	lw.mu.Lock()
	defer lw.mu.Unlock()
	lw.buf = append(lw.buf, p...)
	for {
		i := bytes.IndexByte(lw.buf, '\n')
		if i < 0 {
			break
		}
		lw.emit(lw.buf[:i])
		lw.buf = lw.buf[i+1:]
	}
	if len(lw.buf) > maxPartialLine {
		lw.emit(lw.buf)
		lw.buf = nil
	}
	return len(p), nil
}

// Flush writes a buffered unterminated line.
func (lw *lineWriter) Flush() {
	lw.mu.Lock()
	defer lw.mu.Unlock()
	if len(lw.buf) > 0 {
		lw.emit(lw.buf)
		lw.buf = nil
	}
}

func (lw *lineWriter) emit(line []byte) {
	if lw.onLine != nil {
		lw.onLine(line)
	}
	out := make([]byte, 0, len(lw.prefix)+len(line)+1)
	out = append(out, lw.prefix...)
	out = append(out, bytes.TrimSuffix(line, []byte("\r"))...)
	out = append(out, '\n')
	lw.dst.mu.Lock()
	_, _ = lw.dst.w.Write(out)
	lw.dst.mu.Unlock()
}
