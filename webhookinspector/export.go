package webhookinspector

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"
)

// captureURL is the URL the sender used: scheme from TLS, host from Host.
func captureURL(c *Capture) string {
	scheme := "http"
	if c.TLS {
		scheme = "https"
	}
	host := c.Host
	if host == "" {
		host = "localhost"
	}
	return scheme + "://" + host + c.Target
}

// shellQuote quotes s for a POSIX shell: single quotes, or $'…' with
// escapes (bash, zsh, ksh) when s holds bytes a single-quoted string cannot show.
func shellQuote(s string) string {
	plain := utf8.ValidString(s)
	for _, r := range s {
		if r < 0x20 && r != '\n' && r != '\t' || r == 0x7f {
			plain = false
		}
	}
	if plain {
		return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
	}
	var b strings.Builder
	b.WriteString("$'")
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\'' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c >= 0x20 && c < 0x7f:
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "\\x%02x", c)
		}
	}
	b.WriteString("'")
	return b.String()
}

// CURL renders a capture as a curl command that sends the same request
// (headers in captured order; Host and Content-Length left to curl unless
// they differ from what curl would send).
func CURL(c *Capture) string {
	var b strings.Builder
	b.WriteString("curl --http1.1 -X " + c.Method + " " + shellQuote(captureURL(c)))
	for _, h := range c.Headers {
		switch strings.ToLower(h.Name) {
		case "host", "content-length", "transfer-encoding":
			continue
		}
		b.WriteString(" \\\n  -H " + shellQuote(h.Name+": "+h.Value))
	}
	if len(c.Body) > 0 {
		b.WriteString(" \\\n  --data-binary " + shellQuote(string(c.Body)))
	}
	return b.String()
}

// HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/) structures.
type harNV struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type harPost struct {
	MimeType string `json:"mimeType"`
	Text     string `json:"text"`
	Comment  string `json:"comment,omitempty"`
}

type harRequest struct {
	Method      string   `json:"method"`
	URL         string   `json:"url"`
	HTTPVersion string   `json:"httpVersion"`
	Cookies     []harNV  `json:"cookies"`
	Headers     []harNV  `json:"headers"`
	QueryString []harNV  `json:"queryString"`
	PostData    *harPost `json:"postData,omitempty"`
	HeadersSize int      `json:"headersSize"`
	BodySize    int64    `json:"bodySize"`
}

type harContent struct {
	Size     int    `json:"size"`
	MimeType string `json:"mimeType"`
	Text     string `json:"text,omitempty"`
	Encoding string `json:"encoding,omitempty"`
}

type harResponse struct {
	Status      int        `json:"status"`
	StatusText  string     `json:"statusText"`
	HTTPVersion string     `json:"httpVersion"`
	Cookies     []harNV    `json:"cookies"`
	Headers     []harNV    `json:"headers"`
	Content     harContent `json:"content"`
	RedirectURL string     `json:"redirectURL"`
	HeadersSize int        `json:"headersSize"`
	BodySize    int        `json:"bodySize"`
}

type harEntry struct {
	StartedDateTime string         `json:"startedDateTime"`
	Time            float64        `json:"time"`
	Request         harRequest     `json:"request"`
	Response        harResponse    `json:"response"`
	Cache           struct{}       `json:"cache"`
	Timings         map[string]int `json:"timings"`
	ServerIPAddress string         `json:"serverIPAddress,omitempty"`
	Comment         string         `json:"comment,omitempty"`
}

func harHeaders(hs []Header) []harNV {
	out := make([]harNV, 0, len(hs))
	for _, h := range hs {
		out = append(out, harNV(h))
	}
	return out
}

func harEntryOf(c *Capture) harEntry {
	var qs []harNV
	for _, p := range parseOrderedQuery(c.RawQuery) {
		qs = append(qs, harNV{p.name, p.value})
	}
	if qs == nil {
		qs = []harNV{}
	}
	req := harRequest{Method: c.Method, URL: captureURL(c), HTTPVersion: c.Proto, Cookies: []harNV{}, Headers: harHeaders(c.Headers),
		QueryString: qs, HeadersSize: len(c.RawHead), BodySize: int64(len(c.Body))}
	if c.RawHead == nil {
		req.HeadersSize = -1
	}
	if len(c.Body) > 0 {
		ct, _ := c.Header("Content-Type")
		pd := &harPost{MimeType: ct, Text: string(c.Body)}
		if !utf8.Valid(c.Body) {
			pd.Text = base64.StdEncoding.EncodeToString(c.Body)
			pd.Comment = "text is base64: the body is not UTF-8"
		}
		req.PostData = pd
	}
	ct := headerValue(c.Response.Headers, "Content-Type")
	content := harContent{Size: len(c.Response.Body), MimeType: ct}
	if utf8.Valid(c.Response.Body) {
		content.Text = string(c.Response.Body)
	} else {
		content.Text, content.Encoding = base64.StdEncoding.EncodeToString(c.Response.Body), "base64"
	}
	wait := int(c.Response.Duration / time.Millisecond)
	return harEntry{
		StartedDateTime: c.ReceivedAt.UTC().Format("2006-01-02T15:04:05.000Z07:00"),
		Time:            float64(wait),
		Request:         req,
		Response: harResponse{Status: c.Response.Status, StatusText: http.StatusText(c.Response.Status), HTTPVersion: "HTTP/1.1",
			Cookies: []harNV{}, Headers: harHeaders(c.Response.Headers), Content: content, HeadersSize: -1, BodySize: len(c.Response.Body)},
		Timings: map[string]int{"send": 0, "wait": wait, "receive": 0},
		Comment: fmt.Sprintf("capture %d: %s (%s)", c.ID, c.Result.Verdict, c.Result.Reason),
	}
}

// WriteHAR writes captures as one HAR 1.2 log, streaming: next returns the
// next capture, or nil when done, so any number of captures can be exported
// page by page from the store.
func WriteHAR(w io.Writer, creatorVersion string, next func() (*Capture, error)) error {
	if _, err := fmt.Fprintf(w, `{"log":{"version":"1.2","creator":{"name":"Hookphone","version":%q},"entries":[`, creatorVersion); err != nil {
		return err
	}
	first := true
	for {
		c, err := next()
		if err != nil {
			return fmt.Errorf("har export: %w", err)
		}
		if c == nil {
			break
		}
		b, err := json.Marshal(harEntryOf(c))
		if err != nil {
			return fmt.Errorf("har export capture %d: %w", c.ID, err)
		}
		if !first {
			if _, err := io.WriteString(w, ","); err != nil {
				return err
			}
		}
		first = false
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	_, err := io.WriteString(w, "]}}\n")
	return err
}
