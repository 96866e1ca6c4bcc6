package sip

import (
	"testing"
	"time"

	"github.com/hookphone/hookphone/internal/testlab"
)

// Attended transfer between three Hookphones through the real Kamailio
// over TLS (RFC 5589 §7). Alice talks to bob, consults carol, then hands bob
// to carol: bob's phone calls carol with Replaces, carol's phone swaps the
// consultation for bob's call without ringing, and alice's two calls end.
// Bob and carol then hear each other over SRTP.
func TestAttendedTransferBetweenHookphones(t *testing.T) {
	l := startCallLab(t, labOptions{noBob: true})
	acct := l.e.Account
	bobIn, carolIn := make(chan *Call, 2), make(chan *Call, 2)
	bobAcct, carolAcct := acct, acct
	bobAcct.User, bobAcct.Password = "bob", "secretB"
	carolAcct.User, carolAcct.Password = "carol", "secretC"
	registerHookphone(t, bobAcct, bobIn)
	replacedAt := make(chan [2]*Call, 1)
	_, carolM := registerHookphone(t, carolAcct, carolIn)
	carolM.cfg.OnReplaced = func(old, nc *Call) { replacedAt <- [2]*Call{old, nc} }
	ctx := ctxFor(t, 90*time.Second)

	answer := func(in chan *Call, who string, freq float64, rec *recorder) *Call {
		t.Helper()
		select {
		case c := <-in:
			if err := c.Answer(ctx, AnswerOptions{Source: &toneSource{freq: freq}, Sink: rec}); err != nil {
				t.Fatalf("%s answers: %v", who, err)
			}
			return c
		case <-ctx.Done():
			t.Fatalf("%s's phone never rang", who)
		}
		return nil
	}
	bobHears, carolHears := &recorder{}, &recorder{}
	ab, err := l.m.Dial(ctx, "bob", DialOptions{Source: &toneSource{freq: 440}})
	if err != nil {
		t.Fatal(err)
	}
	bobCall := answer(bobIn, "bob", 500, bobHears)
	if err := ab.WaitAnswered(ctx); err != nil {
		t.Fatal(err)
	}
	if err := ab.Hold(ctx); err != nil {
		t.Fatal(err)
	}
	ac, err := l.m.Dial(ctx, "carol", DialOptions{Source: &toneSource{freq: 440}})
	if err != nil {
		t.Fatal(err)
	}
	carolConsult := answer(carolIn, "carol", 700, carolHears)
	if err := ac.WaitAnswered(ctx); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)

	if err := ab.TransferAttended(ctx, ac); err != nil {
		t.Fatal(err)
	}
	var pair [2]*Call
	select {
	case pair = <-replacedAt:
	case <-ctx.Done():
		t.Fatal("carol's consultation call was never replaced")
	}
	if pair[0] != carolConsult {
		t.Errorf("carol replaced %s, want the consultation %s", pair[0].ID, carolConsult.ID)
	}
	carolNew := pair[1]
	select {
	case c := <-carolIn:
		t.Errorf("the replacing INVITE rang at carol: %+v", c.Info())
	default:
	}
	for name, c := range map[string]*Call{"alice→bob": ab, "alice→carol": ac, "bob's old call": bobCall, "carol's consultation": carolConsult} {
		select {
		case <-c.Done():
		case <-ctx.Done():
			t.Fatalf("%s still up after the transfer: %+v", name, c.Info())
		}
	}
	if r := carolConsult.Info().Reason; r == "" {
		t.Errorf("carol's consultation ended without a reason")
	}
	// After the NOTIFY 200 alice hangs up and bob hangs up too (whichever
	// BYE crosses first names the reason).
	if r := ab.Info().Reason; r != "transferred" && r != "remote hangup" {
		t.Errorf("alice→bob ended with %q, want transferred or remote hangup", r)
	}
	if !carolNew.Info().Security.SRTP || carolNew.State() != CallStateActive {
		t.Errorf("carol's new call: %+v", carolNew.Info())
	}
	// Now bob and carol talk: each hears the other's tone in what came
	// after the swap.
	bobMark, carolMark := len(bobHears.Samples()), len(carolHears.Samples())
	time.Sleep(2 * time.Second)
	for _, tc := range []struct {
		who  string
		rec  *recorder
		mark int
		want float64
	}{{"bob", bobHears, bobMark, 700}, {"carol", carolHears, carolMark, 500}} {
		got := tc.rec.Samples()[tc.mark:]
		if len(got) < 8000 {
			t.Errorf("%s heard %d samples after the transfer, want ≥ 1 s", tc.who, len(got))
			continue
		}
		if ok, detail := testlab.ToneCheck(got[len(got)/4:], 8000, tc.want); !ok {
			t.Errorf("%s after the transfer: %s", tc.who, detail)
		}
	}
	if err := carolNew.Hangup(ctx); err != nil {
		t.Fatal(err)
	}
}
