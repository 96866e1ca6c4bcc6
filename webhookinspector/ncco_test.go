package webhookinspector

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestNCCOValidate(t *testing.T) {
	cases := []struct {
		name string
		ncco string
		want []string // substrings of the errors, in order; nil = valid
	}{
		{"talk", `[{"action":"talk","text":"hello","level":0.5,"loop":2}]`, nil},
		{"stream ok", `[{"action":"stream","streamUrl":["https://example.com/a.mp3"],"level":-1,"loop":0}]`, nil},
		{"stream url as string", `[{"action":"stream","streamUrl":"https://example.com/a.mp3"}]`, []string{`action 0 streamUrl: must be an array of exactly one URL, not the string`}},
		{"stream two urls", `[{"action":"stream","streamUrl":["https://a/1.mp3","https://a/2.mp3"]}]`, []string{"has 2"}},
		{"stream relative url", `[{"action":"stream","streamUrl":["/a.mp3"]}]`, []string{"not an absolute http(s) URL"}},
		{"stream missing url", `[{"action":"stream"}]`, []string{"streamUrl: required"}},
		{"level out of range", `[{"action":"talk","text":"x","level":1.5}]`, []string{"level: 1.5 is out of range -1..1"}},
		{"level as string", `[{"action":"talk","text":"x","level":"0.5"}]`, []string{`level: is the string "0.5"`}},
		{"bargeIn followed by input", `[{"action":"talk","text":"x","bargeIn":true},{"action":"stream","streamUrl":["https://a/b.wav"]},{"action":"input","type":["dtmf"]}]`, nil},
		{"bargeIn at the end", `[{"action":"stream","streamUrl":["https://a/b.wav"],"bargeIn":true}]`, []string{"bargeIn: true needs an input action after it, but the end of the NCCO follows"}},
		{"bargeIn then record", `[{"action":"talk","text":"x","bargeIn":true},{"action":"record"}]`, []string{"but a record action follows"}},
		{"talk too long", `[{"action":"talk","text":"` + strings.Repeat("a", 1501) + `"}]`, []string{"1501 characters"}},
		{"talk without text", `[{"action":"talk"}]`, []string{"text: required"}},
		{"unknown action", `[{"action":"dance"}]`, []string{`unknown action "dance"`}},
		{"missing action", `[{"text":"x"}]`, []string{"action: missing"}},
		{"unknown option", `[{"action":"talk","text":"x","voiceName":"Amy"}]`, []string{"voiceName: unknown option for talk"}},
		{"empty", `[]`, []string{"ncco: empty"}},
		{"input bad type", `[{"action":"input","type":["dtmf","touch"]}]`, []string{`"touch" is not dtmf or speech`}},
		{"input dtmf ranges", `[{"action":"input","type":["dtmf"],"dtmf":{"timeOut":11,"maxDigits":21}}]`, []string{"dtmf.timeOut", "dtmf.maxDigits"}},
		{"input mode", `[{"action":"input","type":["speech"],"mode":"sync"}]`, []string{`mode: "sync" is not one of`}},
		{"record ranges", `[{"action":"record","format":"flac","channels":33,"endOnSilence":2,"timeOut":7201,"endOnKey":"A"}]`, []string{"format", "channels", "endOnSilence", "timeOut", "endOnKey"}},
		{"connect phone", `[{"action":"connect","from":"447700900000","endpoint":[{"type":"phone","number":"447700900001"}]}]`, nil},
		{"connect two endpoints", `[{"action":"connect","endpoint":[{"type":"phone","number":"447700900001"},{"type":"app","user":"x"}]}]`, []string{"has 2 entries"}},
		{"connect bad number", `[{"action":"connect","endpoint":[{"type":"phone","number":"+44 7700"}]}]`, []string{"not an E.164 number"}},
		{"connect sip uri", `[{"action":"connect","endpoint":[{"type":"sip","uri":"sip:alice@pbx.example.com;transport=tls;media=srtp"}]}]`, nil},
		{"connect sip incomplete", `[{"action":"connect","endpoint":[{"type":"sip","user":"alice"}]}]`, []string{"needs uri, or user and domain"}},
		{"connect websocket", `[{"action":"connect","endpoint":[{"type":"websocket","uri":"wss://x/socket","content-type":"audio/l16;rate=16000"}]}]`, nil},
		{"connect websocket rate", `[{"action":"connect","endpoint":[{"type":"websocket","uri":"wss://x","content-type":"audio/l16;rate=44100"}]}]`, []string{"content-type"}},
		{"connect timeout", `[{"action":"connect","timeout":121,"endpoint":[{"type":"app","user":"u"}]}]`, []string{"timeout: 121"}},
		{"notify", `[{"action":"notify","payload":{"a":1},"eventUrl":["https://x/e"]}]`, nil},
		{"notify missing", `[{"action":"notify"}]`, []string{"payload", "eventUrl"}},
		{"wait range", `[{"action":"wait","timeout":0.05}]`, []string{"timeout: 0.05"}},
		{"transfer either spelling", `[{"action":"transfer","conversationId":"CON-1"}]`, nil},
		{"conversation", `[{"action":"conversation","name":"room-1","musicOnHoldUrl":["https://x/m.mp3"]}]`, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n, err := ParseNCCO([]byte(tc.ncco))
			if err != nil {
				t.Fatal(err)
			}
			errs := n.Validate()
			if len(errs) != len(tc.want) {
				t.Fatalf("errors %v, want %d matching %q", errs, len(tc.want), tc.want)
			}
			for i, w := range tc.want {
				if !strings.Contains(errs[i].Error(), w) {
					t.Errorf("error %d %q lacks %q", i, errs[i].Error(), w)
				}
			}
		})
	}
}

func TestParseNCCOErrors(t *testing.T) {
	for in, want := range map[string]string{
		`{"action":"talk"}`: "not a single object",
		`[1,2]`:             "action 0 is not a JSON object",
		`nope`:              "not a JSON array",
		`[null]`:            "action 0 is not a JSON object",
	} {
		if _, err := ParseNCCO([]byte(in)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseNCCO(%s) = %v, want %q", in, err, want)
		}
	}
}

func TestStreamURLs(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "ncco", "ivr.json"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := StreamURLs(b)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"https://audio.example.com/welcome.mp3", "http://127.0.0.1:8000/menu.wav"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v want %v", got, want)
	}
}
