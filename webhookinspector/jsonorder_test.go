package webhookinspector

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"testing"
)

// TestReserialisedMatchesNode compares the re-serialised payload form with
// what Node itself computes for the Vonage snippet's
// JSON.stringify(Object.assign(query, body)): the reference implementation
// of that form, run for real.
func TestReserialisedMatchesNode(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node not found: run make deps")
	}
	type tc struct {
		Q    string `json:"q"`
		Body string `json:"body"`
	}
	cases := []tc{
		{"", eventBody},
		{"", "{\n  \"b\": 1.50,\n  \"a\": \"x\"\n}"},
		{"", `{"n":[1e2,0.0000001,1e21,123456789012345678,-0,0.1,2.5e-7,1E+3]}`},
		{"", `{"s":"caf\u00e9 \u2028 \u2029 <&> \/ \" \\ \b\f\n\r\t \u0001 \u001f \u007f 😀"}`},
		{"", `{"dup":1,"x":2,"dup":3}`},
		{"", `{"nested":{"z":{"y":[{"b":null,"a":true}]}},"empty":{},"arr":[]}`},
		{"a=1&b=two", `{"b":"body wins","c":3}`},
		{"to=447700900000&from=447700900001&SipHeader_X-Dev=sess%2042", `{}`},
		{"", `{"__proto__x":1,"0":"digit key","10":"ten","1":"one"}`},
	}
	// JavaScript orders integer-like keys first; the webhook payloads never
	// use them, and our form follows insertion order, so that case is
	// checked to differ, not to match (see below).
	in, _ := json.Marshal(cases)
	script := `let d='';process.stdin.on('data',c=>d+=c).on('end',()=>{
		const out=JSON.parse(d).map(c=>JSON.stringify(Object.assign(Object.fromEntries(new URLSearchParams(c.q)), JSON.parse(c.body))));
		process.stdout.write(JSON.stringify(out));});`
	cmd := exec.Command(node, "-e", script)
	cmd.Stdin = bytes.NewReader(in)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v", err)
	}
	var want []string
	if err := json.Unmarshal(out, &want); err != nil {
		t.Fatal(err)
	}
	for i, c := range cases {
		got, ok := reserialisedJSON(parseOrderedQuery(c.Q), []byte(c.Body))
		if !ok {
			t.Fatalf("case %d: not re-serialisable", i)
		}
		if i == len(cases)-1 {
			if string(got) == want[i] {
				t.Errorf("integer-like keys: expected JavaScript's reordering to differ")
			}
			continue
		}
		if string(got) != want[i] {
			t.Errorf("case %d:\n ours %s\n node %s", i, got, want[i])
		}
	}
}
