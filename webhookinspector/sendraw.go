package webhookinspector

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// maxResponseBody bounds what is read of a forward target's response.
const maxResponseBody = 4 << 20

// rawRequest renders a request from a capture, byte for byte where nothing
// changes: the recorded head as it arrived, then the body. A chunked request
// is re-sent as one chunk (the body is stored de-chunked).
func rawRequest(c *Capture, target string, headers []Header, body []byte) []byte {
	var b bytes.Buffer
	if headers == nil && c.RawHead != nil && target == c.Target {
		b.Write(c.RawHead)
	} else {
		if headers == nil {
			headers = c.Headers
		}
		proto := c.Proto
		if proto == "" {
			proto = "HTTP/1.1"
		}
		fmt.Fprintf(&b, "%s %s %s\r\n", c.Method, target, proto)
		for _, h := range headers {
			fmt.Fprintf(&b, "%s: %s\r\n", h.Name, h.Value)
		}
		b.WriteString("\r\n")
	}
	if isChunked(headers, c) {
		if len(body) > 0 {
			fmt.Fprintf(&b, "%x\r\n", len(body))
			b.Write(body)
			b.WriteString("\r\n")
		}
		b.WriteString("0\r\n\r\n")
		return b.Bytes()
	}
	b.Write(body)
	return b.Bytes()
}

func isChunked(headers []Header, c *Capture) bool {
	if headers == nil {
		headers = c.Headers
	}
	for _, h := range headers {
		if strings.EqualFold(h.Name, "Transfer-Encoding") && strings.Contains(strings.ToLower(h.Value), "chunked") {
			return true
		}
	}
	return false
}

// forwardTarget joins a base URL (http://localhost:3000 or …/prefix) with a
// captured request-target.
func forwardTarget(base *url.URL, captured string) string {
	p := strings.TrimSuffix(base.Path, "/")
	if p == "" {
		return captured
	}
	return p + captured
}

// sendRaw writes raw to the server of u (http or https) on a fresh
// connection and reads one response.
func sendRaw(ctx context.Context, u *url.URL, raw []byte, timeout time.Duration, tlsConf *tls.Config) (Response, error) {
	start := time.Now()
	host := u.Host
	if u.Port() == "" {
		if u.Scheme == "https" {
			host = net.JoinHostPort(u.Hostname(), "443")
		} else {
			host = net.JoinHostPort(u.Hostname(), "80")
		}
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		return Response{}, fmt.Errorf("connect to %s: %w", host, err)
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	if u.Scheme == "https" {
		cfg := &tls.Config{MinVersion: tls.VersionTLS12}
		if tlsConf != nil {
			cfg = tlsConf.Clone()
		}
		if cfg.ServerName == "" {
			cfg.ServerName = u.Hostname()
		}
		tc := tls.Client(conn, cfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			return Response{}, fmt.Errorf("tls handshake with %s: %w", host, err)
		}
		conn = tc
	}
	if _, err := conn.Write(raw); err != nil {
		return Response{}, fmt.Errorf("send to %s: %w", host, err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return Response{}, fmt.Errorf("read response from %s: %w", host, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody))
	if err != nil {
		return Response{}, fmt.Errorf("read response body from %s: %w", host, err)
	}
	return Response{Status: resp.StatusCode, Headers: sortedHeaders(resp.Header), Body: body, Duration: time.Since(start)}, nil
}

// sortedHeaders flattens a header map in a stable order.
func sortedHeaders(h http.Header) []Header {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []Header
	for _, k := range keys {
		for _, v := range h[k] {
			out = append(out, Header{Name: k, Value: v})
		}
	}
	return out
}

// setHeader replaces the first header named name (case-insensitive) or
// appends it; it returns the old value.
func setHeader(hs []Header, name, value string) ([]Header, string, bool) {
	out := append([]Header(nil), hs...)
	for i, h := range out {
		if strings.EqualFold(h.Name, name) {
			old := h.Value
			out[i].Value = value
			return out, old, true
		}
	}
	return append(out, Header{Name: name, Value: value}), "", false
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }
