package main

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hookphone/hookphone/internal/testlab"
)

// TestAnswerBinaryWithBaresip runs the real `hookphone answer` registered
// at a real Kamailio; baresip calls it: each hears the other's tone. With
// --early-media, baresip first gets 183 Session Progress with SDP and the
// call is answered only afterwards.
func TestAnswerBinaryWithBaresip(t *testing.T) {
	for _, early := range []string{"", "1500ms"} {
		name := "answer"
		if early != "" {
			name = "early-media-then-answer"
		}
		t.Run(name, func(t *testing.T) { answerBinaryWithBaresip(t, early) })
	}
}

func answerBinaryWithBaresip(t *testing.T, early string) {
	dir := t.TempDir()
	k := testlab.StartKamailio(t, testlab.KamailioConfig{Users: map[string]string{"alice": "secretA", "bob": "secretB"}})
	bob := testlab.StartBaresip(t, testlab.BaresipConfig{Name: "bob", User: "bob", Password: "secretB", Domain: k.Domain(),
		Registrar: k.TLSAddr(), CAFile: k.CAFile, ToneHz: 1000})
	play, rec := filepath.Join(dir, "tone44k-stereo.wav"), filepath.Join(dir, "heard.wav")
	// A 44.1 kHz stereo file: both channels carry the tone.
	mono := testlab.Tone(440, 44100, 44100*10, 12000)
	stereo := make([]int16, 0, 2*len(mono))
	for _, s := range mono {
		stereo = append(stereo, s, s)
	}
	if err := testlab.WriteWAV(play, 44100, 2, stereo); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	args := []string{"answer", "--server", k.ServerURI(), "--ca", k.CAFile, "--user", "alice",
		"--password-env", "ALICE_PW", "--play", play, "--record", rec, "--duration", "4s", "--wait", "60s", "--json"}
	if early != "" {
		args = append(args, "--early-media", early)
	}
	ans := startJSON(t, ctx, []string{"ALICE_PW=secretA", "XDG_DATA_HOME=" + filepath.Join(dir, "data")}, args...)
	ans.waitLine(t, `"waiting"`)
	if err := bob.Dial(ctx, "sip:alice@"+k.Domain()); err != nil {
		t.Fatal(err)
	}
	var res map[string]any
	ans.result(t, &res)
	lines := ans.lines
	if res["result"] != "answered" || res["srtp_suite"] != "AES_CM_128_HMAC_SHA1_80" || res["direction"] != "incoming" || res["error"] != "" {
		t.Errorf("result %v", res)
	}
	sawEarly := strings.Contains(strings.Join(lines, "\n"), `"event":"early_media"`)
	if sawEarly != (early != "") {
		t.Errorf("early_media event printed: %v, want %v\n%s", sawEarly, early != "", strings.Join(lines, "\n"))
	}
	if early != "" {
		// baresip saw the 183 with SDP and, only afterwards, the answer.
		if _, err := bob.WaitEvent(ctx, "CALL_PROGRESS"); err != nil {
			t.Fatalf("baresip saw no 183 Session Progress: %v", err)
		}
		var order []string
		for _, ev := range bob.Events() {
			if ev.Type == "CALL_PROGRESS" || ev.Type == "CALL_ESTABLISHED" {
				order = append(order, ev.Type)
			}
		}
		if len(order) < 2 || order[0] != "CALL_PROGRESS" || order[len(order)-1] != "CALL_ESTABLISHED" {
			t.Errorf("baresip events %v, want CALL_PROGRESS before CALL_ESTABLISHED", order)
		}
	}
	if _, err := bob.WaitEvent(ctx, "CALL_CLOSED"); err != nil {
		t.Fatal(err)
	}
	s, rate, err := testlab.ReadWAV(rec)
	if err != nil {
		t.Fatal(err)
	}
	if ok, detail := testlab.ToneCheck(testlab.Middle(s, 0.3, 0.9), rate, 1000); !ok {
		t.Errorf("hookphone answer recorded bob's 1000 Hz? %s", detail)
	}
	time.Sleep(500 * time.Millisecond)
	_, heard, err := bob.Recordings()
	if err != nil {
		t.Fatal(err)
	}
	bs, brate, err := testlab.ReadWAV(heard)
	if err != nil {
		t.Fatal(err)
	}
	if ok, detail := testlab.ToneCheck(testlab.Middle(bs, 0.3, 0.9), brate, 440); !ok {
		t.Errorf("bob heard our 440 Hz from the 44.1 kHz stereo file? %s", detail)
	}
}

// TestAnswerTrunkListener: `hookphone answer --no-register --listen` takes
// a call sent straight to its TLS listener (SIP trunk style: no
// registration; the far end dials the listener's URI, as a voice API does).
func TestAnswerTrunkListener(t *testing.T) {
	dir := t.TempDir()
	k := testlab.StartKamailio(t, testlab.KamailioConfig{Users: map[string]string{"bob": "secretB"}})
	bob := testlab.StartBaresip(t, testlab.BaresipConfig{Name: "bob", User: "bob", Domain: k.Domain(), ToneHz: 1000})
	port := testlab.FreePort(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	ans := startJSON(t, ctx, []string{"XDG_DATA_HOME=" + filepath.Join(dir, "data")}, "answer", "--server", k.ServerURI(),
		"--ca", k.CAFile, "--user", "trunk", "--no-register", "--listen", "127.0.0.1:"+strconvItoa(port),
		"--duration", "3s", "--wait", "60s", "--json")
	ans.waitLine(t, `"waiting"`)
	if err := bob.Dial(ctx, "sip:trunk@127.0.0.1:"+strconvItoa(port)+";transport=tls"); err != nil {
		t.Fatal(err)
	}
	var res map[string]any
	ans.result(t, &res)
	if res["result"] != "answered" || res["srtp_suite"] != "AES_CM_128_HMAC_SHA1_80" || !strings.HasPrefix(res["tls_version"].(string), "TLS 1.") {
		t.Errorf("result %v: want answered with SRTP and the listener connection's TLS", res)
	}
}

func strconvItoa(n int) string { return strconv.Itoa(n) }
