package webhookinspector

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"
)

// NCCO is a call script: a JSON array of actions run in order (SPEC §4).
type NCCO []Action

// Action is one NCCO action. Known options are typed by Validate; Raw keeps
// the object as received so nothing is lost.
type Action struct {
	Name string                     // the "action" field
	Raw  map[string]json.RawMessage // every field as received
}

// MarshalJSON writes the action as received.
func (a Action) MarshalJSON() ([]byte, error) { return json.Marshal(a.Raw) }

// NCCOError is one validation problem, located by action index and field.
type NCCOError struct {
	Index int    // action index, -1 for the whole NCCO
	Field string // option name ("streamUrl", "endpoint[0].uri"), or ""
	Msg   string
}

// Error reads like "action 1 (stream) streamUrl: must be an array of exactly one URL".
func (e NCCOError) Error() string {
	loc := "ncco"
	if e.Index >= 0 {
		loc = fmt.Sprintf("action %d", e.Index)
	}
	if e.Field != "" {
		loc += " " + e.Field
	}
	return loc + ": " + e.Msg
}

// maxNCCOBytes bounds what ParseNCCO reads.
const maxNCCOBytes = 1 << 20

// ParseNCCO reads an NCCO. It fails only when the bytes are not a JSON array
// of objects; everything else is reported by Validate.
func ParseNCCO(data []byte) (NCCO, error) {
	if len(data) > maxNCCOBytes {
		return nil, fmt.Errorf("parse ncco: %d bytes, more than %d", len(data), maxNCCOBytes)
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		if bytes.HasPrefix(bytes.TrimSpace(data), []byte("{")) {
			return nil, fmt.Errorf("parse ncco: an NCCO is a JSON array of actions, not a single object (wrap it in [ ])")
		}
		return nil, fmt.Errorf("parse ncco: not a JSON array: %w", err)
	}
	n := make(NCCO, 0, len(raw))
	for i, r := range raw {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(r, &obj); err != nil || obj == nil {
			return nil, fmt.Errorf("parse ncco: action %d is not a JSON object", i)
		}
		a := Action{Raw: obj}
		if v, ok := obj["action"]; ok {
			_ = json.Unmarshal(v, &a.Name)
		}
		n = append(n, a)
	}
	return n, nil
}

// StreamURLs returns the audio URLs of every stream action, in script order
// (the stream cache and the GUI fetch these). Malformed entries are skipped;
// Validate reports them.
func (n NCCO) StreamURLs() []string {
	var out []string
	for _, a := range n {
		if a.Name != "stream" {
			continue
		}
		var urls []string
		if json.Unmarshal(a.Raw["streamUrl"], &urls) == nil {
			for _, u := range urls {
				if u != "" {
					out = append(out, u)
				}
			}
		}
	}
	return out
}

// StreamURLs parses an NCCO and returns its stream audio URLs.
func StreamURLs(ncco []byte) ([]string, error) {
	n, err := ParseNCCO(ncco)
	if err != nil {
		return nil, err
	}
	return n.StreamURLs(), nil
}

// actionOptions lists the options each action knows (SPEC §4); others are
// reported as unknown, since the platform rejects or ignores them.
var actionOptions = map[string][]string{
	"record":       {"format", "split", "channels", "endOnSilence", "endOnKey", "timeOut", "beepStart", "eventUrl", "eventMethod", "transcription"},
	"conversation": {"name", "musicOnHoldUrl", "startOnEnter", "endOnExit", "record", "canSpeak", "canHear", "mute", "eventUrl", "eventMethod"},
	"connect":      {"endpoint", "from", "randomFromNumber", "eventType", "timeout", "limit", "machineDetection", "advancedMachineDetection", "eventUrl", "eventMethod", "ringbackTone"},
	"talk":         {"text", "bargeIn", "loop", "level", "language", "style", "premium"},
	"stream":       {"streamUrl", "level", "bargeIn", "loop"},
	"input":        {"type", "dtmf", "speech", "eventUrl", "eventMethod", "mode"},
	"notify":       {"payload", "eventUrl", "eventMethod"},
	"pay":          {"amount", "currency", "eventUrl", "voice", "prompts"},
	"wait":         {"timeout"},
	"transfer":     {"conversation_id", "conversationId"},
}

// Validate checks the NCCO against the rules of SPEC §4 and returns every
// problem found (nil when it is valid).
func (n NCCO) Validate() []NCCOError {
	var errs []NCCOError
	bad := func(i int, field, format string, a ...any) {
		errs = append(errs, NCCOError{Index: i, Field: field, Msg: fmt.Sprintf(format, a...)})
	}
	if len(n) == 0 {
		bad(-1, "", "empty: the call ends at once (give at least one action)")
	}
	for i, a := range n {
		v := fieldReader{raw: a.Raw, report: func(field, msg string) { bad(i, field, "%s", msg) }}
		if _, ok := a.Raw["action"]; !ok {
			bad(i, "action", "missing")
			continue
		}
		known, ok := actionOptions[a.Name]
		if !ok {
			bad(i, "action", "unknown action %q (want one of %s)", a.Name, strings.Join(sortedKeys(actionOptions), ", "))
			continue
		}
		for k := range a.Raw {
			if k != "action" && !contains(known, k) {
				bad(i, k, "unknown option for %s", a.Name)
			}
		}
		switch a.Name {
		case "talk":
			if s, ok := v.str("text", true); ok && len([]rune(s)) > 1500 {
				bad(i, "text", "%d characters, at most 1500", len([]rune(s)))
			}
			v.numRange("level", -1, 1)
			v.numRange("loop", 0, 1e9)
			v.boolean("bargeIn")
			v.str("language", false)
		case "stream":
			v.urlArray("streamUrl", true)
			v.numRange("level", -1, 1)
			v.numRange("loop", 0, 1e9)
			v.boolean("bargeIn")
		case "input":
			types, ok := v.strArray("type", true)
			if ok {
				if len(types) == 0 {
					bad(i, "type", "empty: give [\"dtmf\"], [\"speech\"] or both")
				}
				for _, t := range types {
					if t != "dtmf" && t != "speech" {
						bad(i, "type", "%q is not dtmf or speech", t)
					}
				}
			}
			if d, ok := a.Raw["dtmf"]; ok {
				sub := fieldReader{report: func(field, msg string) { bad(i, "dtmf."+field, "%s", msg) }}
				if json.Unmarshal(d, &sub.raw) != nil {
					bad(i, "dtmf", "must be an object")
				} else {
					sub.numRange("timeOut", 0, 10)
					sub.numRange("maxDigits", 1, 20)
					sub.boolean("submitOnHash")
				}
			}
			v.enum("mode", "synchronous", "asynchronous")
			v.urlArray("eventUrl", false)
			v.enum("eventMethod", "GET", "POST")
		case "record":
			v.enum("format", "mp3", "wav", "ogg")
			v.numRange("channels", 1, 32)
			v.numRange("endOnSilence", 3, 10)
			v.numRange("timeOut", 3, 7200)
			if s, ok := v.str("endOnKey", false); ok && (len(s) != 1 || !strings.Contains("0123456789*#", s)) {
				bad(i, "endOnKey", "%q is not one of 0-9, * or #", s)
			}
			v.boolean("beepStart")
			v.urlArray("eventUrl", false)
			v.enum("eventMethod", "GET", "POST")
		case "conversation":
			v.str("name", true)
			v.urlArray("musicOnHoldUrl", false)
		case "connect":
			validateEndpoint(a.Raw["endpoint"], func(field, msg string) { bad(i, field, "%s", msg) })
			v.numRange("timeout", 1, 120)
			v.numRange("limit", 1, 7200)
			v.enum("machineDetection", "continue", "hangup")
			v.enum("eventType", "synchronous")
			v.urlArray("eventUrl", false)
			v.enum("eventMethod", "GET", "POST")
		case "notify":
			if p, ok := a.Raw["payload"]; !ok || !bytes.HasPrefix(bytes.TrimSpace(p), []byte("{")) {
				bad(i, "payload", "required, a JSON object")
			}
			v.urlArray("eventUrl", true)
			v.enum("eventMethod", "GET", "POST")
		case "wait":
			v.numRange("timeout", 0.1, 7200)
		case "transfer":
			_, a1 := a.Raw["conversation_id"]
			_, a2 := a.Raw["conversationId"]
			if !a1 && !a2 {
				bad(i, "conversation_id", "required (the docs' table says conversation_id, their example conversationId)")
			}
		}
	}
	// bargeIn: the next action that is not talk/stream must be input (SPEC §4).
	for i, a := range n {
		if (a.Name != "talk" && a.Name != "stream") || !rawTrue(a.Raw["bargeIn"]) {
			continue
		}
		next := ""
		for _, b := range n[i+1:] {
			if b.Name != "talk" && b.Name != "stream" {
				next = b.Name
				break
			}
		}
		if next != "input" {
			shown := "the end of the NCCO"
			if next != "" {
				shown = "a " + next + " action"
			}
			bad(i, "bargeIn", "true needs an input action after it, but %s follows", shown)
		}
	}
	return errs
}

func validateEndpoint(raw json.RawMessage, bad func(field, msg string)) {
	if raw == nil {
		bad("endpoint", "required: an array with one endpoint")
		return
	}
	var eps []map[string]json.RawMessage
	if json.Unmarshal(raw, &eps) != nil {
		bad("endpoint", "must be an array of endpoint objects")
		return
	}
	if len(eps) != 1 {
		bad("endpoint", fmt.Sprintf("has %d entries, must have exactly one", len(eps)))
		if len(eps) == 0 {
			return
		}
	}
	e := eps[0]
	v := fieldReader{raw: e, report: func(field, msg string) { bad("endpoint[0]."+field, msg) }}
	typ, _ := v.str("type", true)
	switch typ {
	case "phone":
		if s, ok := v.str("number", true); ok && !isE164(s) {
			bad("endpoint[0].number", fmt.Sprintf("%q is not an E.164 number (digits only, country code first)", s))
		}
	case "app":
		v.str("user", true)
	case "websocket":
		if s, ok := v.str("uri", true); ok && !strings.HasPrefix(s, "ws://") && !strings.HasPrefix(s, "wss://") {
			bad("endpoint[0].uri", fmt.Sprintf("%q is not a ws:// or wss:// URI", s))
		}
		v.enum("content-type", "audio/l16;rate=8000", "audio/l16;rate=16000")
	case "sip":
		_, hasURI := e["uri"]
		_, hasUser := e["user"]
		_, hasDomain := e["domain"]
		switch {
		case hasURI:
			if s, ok := v.str("uri", true); ok && !strings.HasPrefix(s, "sip:") && !strings.HasPrefix(s, "sips:") {
				bad("endpoint[0].uri", fmt.Sprintf("%q is not a sip: URI", s))
			}
		case hasUser && hasDomain:
		default:
			bad("endpoint[0]", "sip endpoint needs uri, or user and domain")
		}
	case "vbc":
		v.str("extension", true)
	case "":
	default:
		bad("endpoint[0].type", fmt.Sprintf("unknown endpoint type %q (phone, app, websocket, sip, vbc)", typ))
	}
}

func isE164(s string) bool {
	s = strings.TrimPrefix(s, "+")
	if len(s) < 7 || len(s) > 15 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// fieldReader checks typed options of one JSON object.
type fieldReader struct {
	raw    map[string]json.RawMessage
	report func(field, msg string)
}

func (f fieldReader) str(k string, required bool) (string, bool) {
	r, ok := f.raw[k]
	if !ok {
		if required {
			f.report(k, "required")
		}
		return "", false
	}
	var s string
	if json.Unmarshal(r, &s) != nil {
		f.report(k, "must be a string")
		return "", false
	}
	if required && s == "" {
		f.report(k, "must not be empty")
	}
	return s, true
}

func (f fieldReader) numRange(k string, lo, hi float64) {
	r, ok := f.raw[k]
	if !ok {
		return
	}
	var x float64
	if json.Unmarshal(r, &x) != nil {
		var s string
		if json.Unmarshal(r, &s) == nil {
			f.report(k, fmt.Sprintf("is the string %q; must be a number", s))
		} else {
			f.report(k, "must be a number")
		}
		return
	}
	if x < lo || x > hi {
		f.report(k, fmt.Sprintf("%v is out of range %v..%v", x, lo, hi))
	}
}

func (f fieldReader) boolean(k string) {
	if r, ok := f.raw[k]; ok {
		var b bool
		if json.Unmarshal(r, &b) != nil {
			f.report(k, "must be true or false")
		}
	}
}

func (f fieldReader) enum(k string, allowed ...string) {
	if s, ok := f.str(k, false); ok && !contains(allowed, s) {
		f.report(k, fmt.Sprintf("%q is not one of %s", s, strings.Join(allowed, ", ")))
	}
}

func (f fieldReader) strArray(k string, required bool) ([]string, bool) {
	r, ok := f.raw[k]
	if !ok {
		if required {
			f.report(k, "required")
		}
		return nil, false
	}
	var out []string
	if json.Unmarshal(r, &out) != nil {
		f.report(k, "must be an array of strings")
		return nil, false
	}
	return out, true
}

// urlArray checks the NCCO convention of a URL wrapped in a one-element array.
func (f fieldReader) urlArray(k string, required bool) {
	r, ok := f.raw[k]
	if !ok {
		if required {
			f.report(k, "required: an array with one URL")
		}
		return
	}
	var urls []string
	if json.Unmarshal(r, &urls) != nil {
		var s string
		if json.Unmarshal(r, &s) == nil {
			f.report(k, fmt.Sprintf("must be an array of exactly one URL, not the string %q (write [%q])", s, s))
		} else {
			f.report(k, "must be an array of exactly one URL")
		}
		return
	}
	if len(urls) != 1 {
		f.report(k, fmt.Sprintf("must be an array of exactly one URL, has %d", len(urls)))
		return
	}
	u, err := url.Parse(urls[0])
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		f.report(k, fmt.Sprintf("%q is not an absolute http(s) URL", urls[0]))
	}
}

func rawTrue(r json.RawMessage) bool {
	var b bool
	return json.Unmarshal(r, &b) == nil && b
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
