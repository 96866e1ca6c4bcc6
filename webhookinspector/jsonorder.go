package webhookinspector

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// This file re-serialises JSON the way JavaScript's JSON.stringify does
// (ECMA-262 §25.5.2): object keys in insertion order, no whitespace, only ",
// \ and control characters escaped, numbers in Number::toString form. The
// Node snippet Vonage publishes hashes JSON.stringify(Object.assign(query,
// body)), so that is one of the payload_hash forms (SPEC §1.4, form 3).

// orderedField is one key of a JSON object, in the order it was read.
type orderedField struct {
	key   string
	value any // string, json.Number, bool, nil, []any, []orderedField
}

// decodeOrdered reads one JSON value keeping object key order. Duplicate keys
// keep their first position and their last value, as JSON.parse does.
func decodeOrdered(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := decodeOrderedValue(dec, 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("trailing data after the JSON value")
	}
	return v, nil
}

const maxJSONDepth = 64

func decodeOrderedValue(dec *json.Decoder, depth int) (any, error) {
	if depth > maxJSONDepth {
		return nil, fmt.Errorf("JSON nested deeper than %d levels", maxJSONDepth)
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			var fields []orderedField
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				key, _ := kt.(string)
				val, err := decodeOrderedValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				fields = setOrdered(fields, key, val)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			if fields == nil {
				fields = []orderedField{}
			}
			return fields, nil
		case '[':
			arr := []any{}
			for dec.More() {
				val, err := decodeOrderedValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				arr = append(arr, val)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return arr, nil
		}
		return nil, fmt.Errorf("unexpected %q", t)
	default:
		return t, nil
	}
}

// setOrdered sets key to val: in place when the key exists (Object.assign and
// JSON.parse keep the first position), appended otherwise.
func setOrdered(fields []orderedField, key string, val any) []orderedField {
	for i := range fields {
		if fields[i].key == key {
			fields[i].value = val
			return fields
		}
	}
	return append(fields, orderedField{key: key, value: val})
}

// stringifyJS writes v as JSON.stringify would.
func stringifyJS(buf *bytes.Buffer, v any) {
	switch t := v.(type) {
	case nil:
		buf.WriteString("null")
	case bool:
		buf.WriteString(strconv.FormatBool(t))
	case string:
		writeJSString(buf, t)
	case json.Number:
		buf.WriteString(jsNumber(t))
	case []any:
		buf.WriteByte('[')
		for i, e := range t {
			if i > 0 {
				buf.WriteByte(',')
			}
			stringifyJS(buf, e)
		}
		buf.WriteByte(']')
	case []orderedField:
		buf.WriteByte('{')
		for i, f := range t {
			if i > 0 {
				buf.WriteByte(',')
			}
			writeJSString(buf, f.key)
			buf.WriteByte(':')
			stringifyJS(buf, f.value)
		}
		buf.WriteByte('}')
	}
}

// writeJSString quotes s as JSON.stringify does (QuoteJSONString, ES2019+).
func writeJSString(buf *bytes.Buffer, s string) {
	const hex = "0123456789abcdef"
	buf.WriteByte('"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"':
				buf.WriteString(`\"`)
			case c == '\\':
				buf.WriteString(`\\`)
			case c == '\b':
				buf.WriteString(`\b`)
			case c == '\f':
				buf.WriteString(`\f`)
			case c == '\n':
				buf.WriteString(`\n`)
			case c == '\r':
				buf.WriteString(`\r`)
			case c == '\t':
				buf.WriteString(`\t`)
			case c < 0x20:
				buf.WriteString(`\u00`)
				buf.WriteByte(hex[c>>4])
				buf.WriteByte(hex[c&0xf])
			default:
				buf.WriteByte(c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			buf.WriteString(`\ufffd`)
		} else {
			buf.WriteString(s[i : i+size])
		}
		i += size
	}
	buf.WriteByte('"')
}

// jsNumber formats a JSON number literal as JavaScript's Number::toString
// would after JSON.parse (ECMA-262 §6.1.6.1.20): "1.50" → "1.5", "1e2" → "100".
func jsNumber(n json.Number) string {
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return "null"
	}
	if f == 0 {
		return "0"
	}
	abs := math.Abs(f)
	if abs >= 1e-6 && abs < 1e21 {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	s := strconv.FormatFloat(f, 'e', -1, 64) // 1.5e+22 / 1e-07
	mant, exp, _ := strings.Cut(s, "e")
	expN, _ := strconv.Atoi(exp)
	sign := "+"
	if expN < 0 {
		sign = "-"
		expN = -expN
	}
	return mant + "e" + sign + strconv.Itoa(expN)
}
