package rie

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"log"
	"os"
)

// maxPartialLine bounds how much of an unterminated line is buffered.
const maxPartialLine = 64 * 1024

// outputPipe returns the write end of a pipe whose lines are written to
// out, each seen first by onLine (when not nil); copied is closed once
// every holder of the write end has closed it and the last line is out.
// One Logger per function: its lock keeps lines of its environments whole.
func outputPipe(out *log.Logger, onLine func(line []byte)) (write *os.File, copied <-chan struct{}, err error) {
	r, write, err := os.Pipe()
	if err != nil {
		return nil, nil, fmt.Errorf("%w: output pipe: %v", ErrEmulator, err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		copyLines(r, out, onLine)
		_ = r.Close()
	}()
	return write, done, nil
}

// copyLines writes every line of r to out, a line longer than
// maxPartialLine in pieces, and an unterminated last line at EOF.
func copyLines(r io.Reader, out *log.Logger, onLine func(line []byte)) {
	br := bufio.NewReaderSize(r, maxPartialLine)
	for {
		line, err := br.ReadSlice('\n')
		if len(line) > 0 {
			line = bytes.TrimSuffix(bytes.TrimSuffix(line, []byte("\n")), []byte("\r"))
			if onLine != nil {
				onLine(line)
			}
			out.Print(string(line))
		}
		if err != nil && err != bufio.ErrBufferFull {
			return
		}
	}
}
