package sip

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// ErrFlowClosed is the cause of a flow that Hookphone closed itself.
var ErrFlowClosed = errors.New("flow closed")

// Flow is one persistent TLS connection between an account and its server
// (RFC 5626 calls it a flow). Every request and response of the account
// travels on it, in both directions, until it breaks; then the account dials
// a new one and registers again.
type Flow struct {
	// ID numbers the flows of one endpoint from 1.
	ID uint64
	// Local and Remote are the connection's addresses ("ip:port").
	Local, Remote string
	// TLS is the negotiated security of the connection.
	TLS ConnInfo
	// Established is when the handshake completed.
	Established time.Time

	conn     *tracedConn
	done     chan struct{}
	doneOnce sync.Once
	mu       sync.Mutex
	err      error
	pongs    chan struct{}
	lastRead atomic.Int64 // unix nanoseconds of the last byte read
}

// Done is closed when the flow is gone (peer closed, read error, keep-alive failure or Close).
func (f *Flow) Done() <-chan struct{} { return f.done }

// Err says why the flow ended (nil while it is up).
func (f *Flow) Err() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}

// Alive reports whether the flow is still up.
func (f *Flow) Alive() bool {
	select {
	case <-f.done:
		return false
	default:
		return true
	}
}

// Close ends the flow with cause (ErrFlowClosed if nil).
func (f *Flow) Close(cause error) error {
	if cause == nil {
		cause = ErrFlowClosed
	}
	f.markDown(cause)
	return f.conn.Conn.Close()
}

// Ping sends an RFC 5626 §3.5.1 keep-alive (CRLFCRLF); the server answers
// with a CRLF pong, signalled on Pongs.
func (f *Flow) Ping() error {
	_, err := f.conn.Write([]byte("\r\n\r\n"))
	if err != nil {
		return fmt.Errorf("ping flow %d: %w", f.ID, err)
	}
	return nil
}

// Pongs receives a value for each CRLF pong read from the server.
func (f *Flow) Pongs() <-chan struct{} { return f.pongs }

// LastRead is when the flow last received anything.
func (f *Flow) LastRead() time.Time { return time.Unix(0, f.lastRead.Load()) }

// String describes the flow for logs and events.
func (f *Flow) String() string {
	return fmt.Sprintf("flow %d %s→%s %s", f.ID, f.Local, f.Remote, f.TLS.Version)
}

func (f *Flow) markDown(err error) {
	f.doneOnce.Do(func() {
		f.mu.Lock()
		f.err = err
		f.mu.Unlock()
		close(f.done)
	})
}

// newFlow wraps a completed TLS connection.
func newFlow(id uint64, c *tls.Conn, pin string, trace *Trace) *Flow {
	f := &Flow{
		ID:          id,
		Local:       c.LocalAddr().String(),
		Remote:      c.RemoteAddr().String(),
		TLS:         connInfo(c.ConnectionState(), pin),
		Established: time.Now(),
		done:        make(chan struct{}),
		pongs:       make(chan struct{}, 1),
	}
	f.lastRead.Store(time.Now().UnixNano())
	f.conn = newTracedConn(c, f, trace)
	return f
}

// tracedConn sits between sipgo and the TLS connection: it sees every byte
// in clear text, records whole messages in the trace, notices pongs, and
// marks the flow down on the first read or write error.
type tracedConn struct {
	net.Conn
	flow    *Flow
	trace   *Trace
	in, out framer
	wmu     sync.Mutex
	// pooled is closed once sipgo has put the connection in its pool.
	pooled     chan struct{}
	pooledOnce sync.Once
}

func newTracedConn(c net.Conn, f *Flow, trace *Trace) *tracedConn {
	t := &tracedConn{Conn: c, flow: f, trace: trace, pooled: make(chan struct{})}
	t.in.onMsg = func(raw []byte) { t.record(DirReceived, raw) }
	t.in.onCRLF = func(n int) {
		if n == 2 {
			select {
			case f.pongs <- struct{}{}:
			default:
			}
		}
	}
	t.out.onMsg = func(raw []byte) { t.record(DirSent, raw) }
	return t
}

func (t *tracedConn) record(dir Direction, raw []byte) {
	if t.trace == nil {
		return
	}
	t.trace.Add(NewTraceMessage(time.Now(), dir, "TLS", t.flow.Local, t.flow.Remote, raw))
}

// Read feeds sipgo's reader and the inbound framer.
func (t *tracedConn) Read(b []byte) (int, error) {
	n, err := t.Conn.Read(b)
	if n > 0 {
		t.flow.lastRead.Store(time.Now().UnixNano())
		t.in.write(b[:n])
	}
	if err != nil {
		t.flow.markDown(fmt.Errorf("flow %d read: %w", t.flow.ID, err))
	}
	return n, err
}

// Write sends one message (sipgo writes each message in one call) or a ping.
func (t *tracedConn) Write(b []byte) (int, error) {
	t.wmu.Lock()
	defer t.wmu.Unlock()
	// Traced before writing, so the trace never lags behind what the peer saw.
	t.out.write(b)
	n, err := t.Conn.Write(b)
	if err != nil {
		t.flow.markDown(fmt.Errorf("flow %d write: %w", t.flow.ID, err))
	}
	return n, err
}

// Close closes the connection and marks the flow down.
func (t *tracedConn) Close() error {
	t.flow.markDown(ErrFlowClosed)
	return t.Conn.Close()
}

// flowListener hands flows Hookphone dialled to sipgo's TLS transport as if
// they had been accepted, so sipgo pools them under the server's address and
// reuses them for every request and response. sipgo's accept loop pools each
// connection before calling Accept again, so the next Accept call marks the
// previous connection pooled.
type flowListener struct {
	addr      net.Addr
	handoff   chan *tracedConn
	closed    chan struct{}
	closeOnce sync.Once
	last      *tracedConn // touched only by sipgo's accept goroutine
}

func newFlowListener() *flowListener {
	return &flowListener{
		addr:    &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 0},
		handoff: make(chan *tracedConn),
		closed:  make(chan struct{}),
	}
}

// Accept returns the next flow to pool.
func (l *flowListener) Accept() (net.Conn, error) {
	if l.last != nil {
		l.last.pooledOnce.Do(func() { close(l.last.pooled) })
		l.last = nil
	}
	select {
	case c := <-l.handoff:
		l.last = c
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

// Close stops Accept (net.Listener).
func (l *flowListener) Close() error {
	l.closeOnce.Do(func() { close(l.closed) })
	return nil
}

// Addr is a placeholder address (net.Listener); flows carry their own.
func (l *flowListener) Addr() net.Addr { return l.addr }
