package webhookinspector

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"mime"
	"net/url"
	"strings"
)

// PayloadForm names one way of turning a request into the bytes whose SHA-256
// is the payload_hash claim. Sources disagree on which one Vonage uses
// (SPEC §1.4, §8), so the verifier tries them all and reports the match.
type PayloadForm string

// The payload forms of SPEC §1.4.
const (
	// FormRawBody is the request body exactly as received (POST webhooks).
	FormRawBody PayloadForm = "raw_body"
	// FormQueryJSON is the query parameters, in the order received, as compact
	// JSON of strings (GET answer webhooks, Vonage KB).
	FormQueryJSON PayloadForm = "query_json"
	// FormFormJSON is an x-www-form-urlencoded body treated like FormQueryJSON.
	FormFormJSON PayloadForm = "form_json"
	// FormReserialised is JSON.stringify(Object.assign(query, body)), the
	// Node snippet's form: the parsed body re-serialised.
	FormReserialised PayloadForm = "reserialised_json"
)

// payloadCandidate is one form's bytes.
type payloadCandidate struct {
	form PayloadForm
	data []byte
}

// describe says in words what a form hashes, for check details and reasons.
func (f PayloadForm) describe() string {
	switch f {
	case FormRawBody:
		return "the raw body"
	case FormQueryJSON:
		return "the query parameters as compact JSON in received order"
	case FormFormJSON:
		return "the form fields as compact JSON in received order"
	case FormReserialised:
		return "the re-serialised JSON (JSON.stringify of query and body)"
	}
	return string(f)
}

// queryParam is one name=value pair in the order it arrived.
type queryParam struct{ name, value string }

// parseOrderedQuery splits a query string (or form body) keeping order. A
// piece that does not unescape is kept as it arrived.
func parseOrderedQuery(raw string) []queryParam {
	var out []queryParam
	for _, piece := range strings.Split(raw, "&") {
		if piece == "" {
			continue
		}
		k, v, _ := strings.Cut(piece, "=")
		if uk, err := url.QueryUnescape(k); err == nil {
			k = uk
		}
		if uv, err := url.QueryUnescape(v); err == nil {
			v = uv
		}
		out = append(out, queryParam{k, v})
	}
	return out
}

// paramsJSON builds the compact JSON object of params in received order
// (a repeated name keeps its first position and last value, as a JavaScript
// object would).
func paramsJSON(params []queryParam) []byte {
	var fields []orderedField
	for _, p := range params {
		fields = setOrdered(fields, p.name, p.value)
	}
	if fields == nil {
		fields = []orderedField{}
	}
	var buf bytes.Buffer
	stringifyJS(&buf, fields)
	return buf.Bytes()
}

// isFormContentType reports an application/x-www-form-urlencoded body.
func isFormContentType(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && mt == "application/x-www-form-urlencoded"
}

// payloadCandidates lists every form's bytes for req, without duplicates.
func payloadCandidates(req Request) []payloadCandidate {
	out := []payloadCandidate{{FormRawBody, req.Body}}
	add := func(f PayloadForm, data []byte) {
		for _, c := range out {
			if bytes.Equal(c.data, data) {
				return
			}
		}
		out = append(out, payloadCandidate{f, data})
	}
	query := parseOrderedQuery(req.RawQuery)
	if req.RawQuery != "" || len(req.Body) == 0 {
		add(FormQueryJSON, paramsJSON(query))
	}
	if len(req.Body) > 0 && isFormContentType(req.ContentType) {
		add(FormFormJSON, paramsJSON(parseOrderedQuery(string(req.Body))))
	}
	if data, ok := reserialisedJSON(query, req.Body); ok {
		add(FormReserialised, data)
	}
	return out
}

// reserialisedJSON is JSON.stringify(Object.assign(query, JSON.parse(body))):
// query keys first, body keys override in place or are appended. ok is
// false when the body is not a JSON object.
func reserialisedJSON(query []queryParam, body []byte) ([]byte, bool) {
	var merged []orderedField
	for _, p := range query {
		merged = setOrdered(merged, p.name, p.value)
	}
	if len(body) > 0 {
		v, err := decodeOrdered(body)
		if err != nil {
			return nil, false
		}
		obj, ok := v.([]orderedField)
		if !ok {
			return nil, false
		}
		for _, f := range obj {
			merged = setOrdered(merged, f.key, f.value)
		}
	} else if len(query) == 0 {
		return nil, false
	}
	if merged == nil {
		merged = []orderedField{}
	}
	var buf bytes.Buffer
	stringifyJS(&buf, merged)
	return buf.Bytes(), true
}

// sha256Hex is the lowercase hex SHA-256 of data.
func sha256Hex(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// PayloadHash computes the payload_hash claim for a request in the given
// form; the signer uses it, the verifier compares against every form.
func PayloadHash(req Request, form PayloadForm) string {
	for _, c := range payloadCandidates(req) {
		if c.form == form {
			return sha256Hex(c.data)
		}
	}
	if form == FormQueryJSON {
		return sha256Hex(paramsJSON(parseOrderedQuery(req.RawQuery)))
	}
	return sha256Hex(req.Body)
}
