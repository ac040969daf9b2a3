package engine

import (
	"bufio"
	"io"
)

// ParseReader feeds every line of r to the parser (the last line even
// without a newline) and calls emit for each event. Lines longer than 1 MiB
// are cut, not fatal.
func (p *Parser) ParseReader(r io.Reader, emit func(*Event)) error {
	br := bufio.NewReaderSize(r, 256<<10)
	for {
		line, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			p.Feed(line, emit)
			// Skip the rest of an over-long line.
			for err == bufio.ErrBufferFull {
				_, err = br.ReadSlice('\n')
			}
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			continue
		}
		if len(line) > 0 && line[len(line)-1] == '\n' {
			line = line[:len(line)-1]
		}
		// A blank line matters inside an ERROR message (Feed skips others).
		if len(line) > 0 || err == nil {
			p.Feed(line, emit)
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
