package webhookinspector

import (
	"bytes"
	"context"
	"crypto/tls"
	"net"
	"strconv"
	"strings"
	"sync"
)

// net/http hands handlers a Header map: order and case of the header lines
// are gone. The capture server wants the request exactly as received, so the
// listener wraps each connection and follows the HTTP/1.1 byte stream
// (RFC 9112 §2–§7: head, then a Content-Length or chunked body) to cut out
// every request head as it arrived; handlers take them in order.

const maxRecordedHead = 1 << 20 // net/http's default MaxHeaderBytes

type connKey struct{}

// recordingListener wraps accepted connections (terminating TLS itself when
// configured, so the recorder sees plaintext).
type recordingListener struct {
	net.Listener
	tls *tls.Config
}

func (l recordingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	if l.tls != nil {
		return &recordingConn{Conn: tls.Server(c, l.tls), isTLS: true}, nil
	}
	return &recordingConn{Conn: c}, nil
}

type headState int

const (
	stHead headState = iota
	stBody
	stChunkLine
	stChunkData
	stTrailer
	stLost // stream not understood any more: stop recording
)

// recordingConn records request heads from the bytes read.
type recordingConn struct {
	net.Conn
	isTLS bool

	mu        sync.Mutex
	heads     [][]byte
	state     headState
	buf       []byte // head or line being accumulated
	remaining int64  // body or chunk bytes still to skip
}

func (c *recordingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.mu.Lock()
		c.feed(p[:n])
		c.mu.Unlock()
	}
	return n, err
}

// popHead returns the oldest recorded head not yet taken, or nil.
func (c *recordingConn) popHead() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.heads) == 0 {
		return nil
	}
	h := c.heads[0]
	c.heads = c.heads[1:]
	return h
}

func (c *recordingConn) feed(p []byte) {
	for len(p) > 0 {
		switch c.state {
		case stLost:
			return
		case stHead:
			if len(c.buf) == 0 {
				// RFC 9112 §2.2: ignore empty lines before a request line.
				for len(p) > 0 && (p[0] == '\r' || p[0] == '\n') {
					p = p[1:]
				}
				if len(p) == 0 {
					return
				}
			}
			start := len(c.buf)
			c.buf = append(c.buf, p...)
			end := headEnd(c.buf, start)
			if end < 0 {
				if len(c.buf) > maxRecordedHead {
					c.state, c.buf = stLost, nil
				}
				return
			}
			head := append([]byte(nil), c.buf[:end]...)
			rest := c.buf[end:]
			p = append([]byte(nil), rest...)
			c.buf = c.buf[:0]
			c.heads = append(c.heads, head)
			cl, chunked := bodyFraming(head)
			switch {
			case chunked:
				c.state = stChunkLine
			case cl > 0:
				c.state, c.remaining = stBody, cl
			case cl < 0:
				c.state = stLost
			}
		case stBody, stChunkData:
			k := int64(len(p))
			if k > c.remaining {
				k = c.remaining
			}
			p = p[k:]
			c.remaining -= k
			if c.remaining == 0 {
				if c.state == stBody {
					c.state = stHead
				} else {
					c.state = stChunkLine
				}
			}
		case stChunkLine, stTrailer:
			i := bytes.IndexByte(p, '\n')
			if i < 0 {
				c.buf = append(c.buf, p...)
				if len(c.buf) > 8192 {
					c.state = stLost
				}
				return
			}
			line := strings.TrimRight(string(append(c.buf, p[:i]...)), "\r")
			p = p[i+1:]
			c.buf = c.buf[:0]
			if c.state == stTrailer {
				if line == "" {
					c.state = stHead
				}
				continue
			}
			sizeStr, _, _ := strings.Cut(line, ";")
			size, err := strconv.ParseInt(strings.TrimSpace(sizeStr), 16, 64)
			switch {
			case err != nil || size < 0:
				c.state = stLost
			case size == 0:
				c.state = stTrailer
			default:
				c.state, c.remaining = stChunkData, size+2 // data + CRLF
			}
		}
	}
}

// headEnd returns the index just past the blank line ending a head (the
// first LF followed by LF or CRLF), looking from near start, or -1.
func headEnd(b []byte, start int) int {
	for i := max(0, start-2); i < len(b); i++ {
		if b[i] != '\n' {
			continue
		}
		if i+1 < len(b) && b[i+1] == '\n' {
			return i + 2
		}
		if i+2 < len(b) && b[i+1] == '\r' && b[i+2] == '\n' {
			return i + 3
		}
	}
	return -1
}

// bodyFraming reads Content-Length and Transfer-Encoding from a raw head
// (RFC 9112 §6.3). cl is -1 when the framing is not understood.
func bodyFraming(head []byte) (cl int64, chunked bool) {
	for _, h := range parseHeadLines(head) {
		switch strings.ToLower(h.Name) {
		case "transfer-encoding":
			if strings.Contains(strings.ToLower(h.Value), "chunked") {
				return 0, true
			}
		case "content-length":
			n, err := strconv.ParseInt(strings.TrimSpace(h.Value), 10, 64)
			if err != nil || n < 0 {
				return -1, false
			}
			cl = n
		}
	}
	return cl, false
}

// parseHeadLines returns the header lines of a raw head in order (the
// request line is skipped; obsolete line folding is joined with a space).
func parseHeadLines(head []byte) []Header {
	lines := strings.Split(strings.ReplaceAll(string(head), "\r\n", "\n"), "\n")
	var out []Header
	for _, l := range lines[1:] {
		if l == "" {
			continue
		}
		if (l[0] == ' ' || l[0] == '\t') && len(out) > 0 {
			out[len(out)-1].Value += " " + strings.TrimSpace(l)
			continue
		}
		name, value, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		out = append(out, Header{Name: name, Value: strings.TrimSpace(value)})
	}
	return out
}

func connFromContext(ctx context.Context) *recordingConn {
	c, _ := ctx.Value(connKey{}).(*recordingConn)
	return c
}
