package sip

import (
	"bytes"
	"strconv"
)

// maxFrameHeader bounds how much of a message head the trace framer buffers
// while looking for the blank line; sipgo's own parser has similar limits.
const maxFrameHeader = 64 << 10

// maxFrameBody bounds the Content-Length the framer accepts before giving up
// on a stream (the trace then stops for that direction; SIP itself is unaffected).
const maxFrameBody = 1 << 20

// framer splits one direction of a SIP stream into messages (RFC 3261 §18.3:
// Content-Length frames messages on stream transports) and RFC 5626 §3.5.1
// keep-alives (CRLF runs between messages), for the trace and the keep-alive.
type framer struct {
	buf    []byte
	broken bool
	onMsg  func(raw []byte)
	onCRLF func(n int)
}

// write feeds bytes exactly as they crossed the connection.
func (f *framer) write(p []byte) {
	if f.broken {
		return
	}
	f.buf = append(f.buf, p...)
	for {
		n := 0
		for n < len(f.buf) && (f.buf[n] == '\r' || f.buf[n] == '\n') {
			n++
		}
		if n > 0 {
			if f.onCRLF != nil {
				f.onCRLF(n)
			}
			f.buf = f.buf[n:]
		}
		if len(f.buf) == 0 {
			f.buf = f.buf[:0:0]
			return
		}
		end := bytes.Index(f.buf, []byte("\r\n\r\n"))
		if end < 0 {
			if len(f.buf) > maxFrameHeader {
				f.fail()
			}
			return
		}
		cl, ok := contentLength(f.buf[:end])
		if !ok || cl > maxFrameBody {
			f.fail()
			return
		}
		total := end + 4 + cl
		if len(f.buf) < total {
			return
		}
		if f.onMsg != nil {
			f.onMsg(f.buf[:total:total])
		}
		f.buf = f.buf[total:]
	}
}

func (f *framer) fail() {
	f.broken = true
	f.buf = nil
}

// contentLength reads Content-Length (or its compact form "l") from a
// message head. A missing header means 0; a malformed one is not ok.
func contentLength(head []byte) (int, bool) {
	lines := bytes.Split(head, []byte("\r\n"))
	for _, line := range lines[1:] {
		name, value, found := bytes.Cut(line, []byte(":"))
		if !found {
			continue
		}
		name = bytes.TrimSpace(name)
		if !bytes.EqualFold(name, []byte("content-length")) && !bytes.EqualFold(name, []byte("l")) {
			continue
		}
		v := string(bytes.TrimSpace(value))
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || (len(v) > 0 && v[0] == '+') {
			return 0, false
		}
		return n, true
	}
	return 0, true
}
