package sip

import (
	"testing"
	"time"

	"github.com/hookphone/hookphone/internal/testlab"
)

// Early media both ways between two Hookphones through the real Kamailio
// over TLS: carol sends 183 Session Progress with SDP and plays an
// announcement before answering (a voice API's ringback or "please hold"),
// and alice must hear it over SRTP while the call is still unanswered.
// baresip 1.0 sends no early audio, so this is the proof for the receiving
// side of early media.
func TestEarlyMediaFromHookphone(t *testing.T) {
	for _, then := range []string{"answer", "reject"} {
		t.Run(then, func(t *testing.T) {
			l := startCallLab(t, labOptions{noBob: true})
			carolIn := make(chan *Call, 2)
			acct := l.e.Account
			acct.User, acct.Password = "carol", "secretC"
			registerHookphone(t, acct, carolIn)
			ctx := ctxFor(t, 60*time.Second)

			aliceHears := &recorder{}
			c, err := l.m.Dial(ctx, "carol", DialOptions{Source: &toneSource{freq: 440}, Sink: aliceHears})
			if err != nil {
				t.Fatal(err)
			}
			var in *Call
			select {
			case in = <-carolIn:
			case <-ctx.Done():
				t.Fatal("carol's phone never rang")
			}
			carolHears := &recorder{}
			if err := in.EarlyMedia(ctx, AnswerOptions{Source: &toneSource{freq: 700}, Sink: carolHears}); err != nil {
				t.Fatal(err)
			}
			if err := in.EarlyMedia(ctx, AnswerOptions{}); err != nil {
				t.Fatalf("a second EarlyMedia: %v, want a no-op", err)
			}
			waitState(t, c, CallStateEarlyMedia, 20*time.Second)
			if in.State() != CallStateEarlyMedia {
				t.Errorf("carol's side is %s, want early-media", in.State())
			}
			time.Sleep(2 * time.Second)
			early := aliceHears.Samples()
			info := c.Info()
			if !info.Answered.IsZero() || !in.Info().Answered.IsZero() {
				t.Fatal("the call counts as answered during early media")
			}
			if !info.Security.SRTP || info.Stats.Received < 50 || info.Stats.SRTPAuthFailures != 0 {
				t.Errorf("early media at alice: security %+v, stats %+v; want SRTP, ≥ 50 packets, no auth failure",
					info.Security, info.Stats)
			}
			if len(early) < 8000 {
				t.Fatalf("alice heard %d samples of early media, want ≥ 1 s", len(early))
			}
			if ok, detail := testlab.ToneCheck(early[len(early)/3:], 8000, 700); !ok {
				t.Errorf("alice during early media: %s", detail)
			}

			if then == "reject" {
				// An announcement, then a refusal: the caller's result is busy
				// and both media sessions stop.
				if err := in.Reject(ctx, 486); err != nil {
					t.Fatal(err)
				}
				select {
				case <-c.Done():
				case <-ctx.Done():
					t.Fatal("alice's call did not end after carol's 486")
				}
				if r := c.Info(); r.Result != ResultBusy || r.SIPStatus != 486 {
					t.Errorf("alice's result %s %d, want busy 486", r.Result, r.SIPStatus)
				}
				n := len(aliceHears.Samples())
				time.Sleep(300 * time.Millisecond)
				if m := len(aliceHears.Samples()); m != n {
					t.Errorf("alice still plays audio after the call ended (%d → %d samples)", n, m)
				}
				return
			}

			// The answer keeps the early-media ends (none given) and the
			// same SRTP session: no renegotiation, audio goes on.
			if err := in.Answer(ctx, AnswerOptions{}); err != nil {
				t.Fatal(err)
			}
			waitState(t, c, CallStateActive, 20*time.Second)
			time.Sleep(1500 * time.Millisecond)
			if err := c.Hangup(ctx); err != nil {
				t.Fatal(err)
			}
			info = c.Info()
			if info.Result != ResultAnswered || info.Answered.IsZero() || info.Stats.SRTPAuthFailures != 0 ||
				info.Stats.SRTCPAuthFailures != 0 {
				t.Errorf("alice's call: %+v", info)
			}
			ourTone(t, aliceHears, 700)
			ourTone(t, carolHears, 440)
			select {
			case <-in.Done():
			case <-ctx.Done():
				t.Fatal("carol's call did not end after alice's BYE")
			}
		})
	}
}
