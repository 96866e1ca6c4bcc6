package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hookphone/hookphone/sip"
)

func init() {
	register(command{name: "answer", summary: "wait for one incoming call, answer it (SRTP), play/record WAV, report", run: runAnswer})
}

func runAnswer(ctx context.Context, cio cliIO, args []string) int {
	fs := newFlagSet(cio, "answer", "[account flags] [--play F.wav] [--record F.wav] [--duration 10s] [--early-media 0] [--wait 0] [--json]")
	af := addAccountFlags(fs)
	play := fs.String("play", "", "WAV file to send (any common rate, mono/stereo 16-bit; resampled to 8 kHz)")
	record := fs.String("record", "", "WAV file to record what we hear (8 kHz mono 16-bit)")
	duration := fs.Duration("duration", 10*time.Second, "hang up this long after answering (the caller may hang up first)")
	early := fs.Duration("early-media", 0, "before answering, send 183 Session Progress and play --play this long as early media (SRTP), as a voice API's announcement does; 0 answers at once")
	wait := fs.Duration("wait", 0, "give up (result timeout) when no call arrives within this; 0 waits until interrupted")
	asJSON := fs.Bool("json", false, "print JSON objects, one per line; the last is the result")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if *duration <= 0 || *duration > 24*time.Hour {
		fmt.Fprintln(cio.stderr, "hookphone answer: --duration must be between 1s and 24h")
		return exitUsage
	}
	if *wait < 0 {
		fmt.Fprintln(cio.stderr, "hookphone answer: --wait must not be negative")
		return exitUsage
	}
	if *early < 0 || *early > 10*time.Minute {
		fmt.Fprintln(cio.stderr, "hookphone answer: --early-media must be between 0 (answer at once) and 10m")
		return exitUsage
	}
	acct, err := af.account(ctx, cio)
	if err != nil {
		fmt.Fprintf(cio.stderr, "hookphone answer: %v\n", strings.ReplaceAll(err.Error(), "\n", "; "))
		return exitUsage
	}
	if acct.Mode != sip.ModeRegister && acct.Listen == "" {
		fmt.Fprintln(cio.stderr, "hookphone answer: needs a registering account (drop --no-register) or a trunk listener (--listen ADDR): calls arrive on one of them")
		return exitUsage
	}
	p := printer{w: cio.stdout, json: *asJSON}
	log := cliLogger(cio)
	au, err := openCallAudio(ctx, *play, *record, af.Device(), log)
	if err != nil {
		return failf(cio, "answer", "%v", err)
	}
	defer au.close()
	incoming := make(chan *sip.Call, 4)
	setupCtx, cancel := context.WithTimeout(ctx, 60*time.Second)
	sess, err := openCallSession(setupCtx, acct, log, func(c *sip.Call) { incoming <- c }, false)
	cancel()
	if err != nil {
		printCallResult(p, callResult{Result: "failed", Error: err.Error()})
		return failf(cio, "answer", "%v", err)
	}
	defer sess.close()
	l, err := openTrunkListener(ctx, sess.e, acct, p)
	if err != nil {
		printCallResult(p, callResult{Result: "failed", Error: err.Error()})
		return failf(cio, "answer", "%v", err)
	}
	if l != nil {
		defer l.Close()
		sess.m.SetFlowLookup(func(remote string) (sip.ConnInfo, bool) {
			for _, f := range l.Flows() {
				if f.Remote == remote {
					return f.TLS, true
				}
			}
			return sip.ConnInfo{}, false
		})
	}
	how := "registered as " + acct.AOR()
	if acct.Mode != sip.ModeRegister {
		how = "listening on " + l.ListenAddr
	}
	p.event(map[string]any{"event": "waiting", "aor": acct.AOR()}, how+"; waiting for a call")
	var waitC <-chan time.Time
	if *wait > 0 {
		t := time.NewTimer(*wait)
		defer t.Stop()
		waitC = t.C
	}
	var c *sip.Call
	select {
	case c = <-incoming:
	case <-waitC:
		r := callResult{Result: sip.ResultTimeout.String(), Error: fmt.Sprintf("no call within %s", *wait)}
		printCallResult(p, r)
		return failf(cio, "answer", "timeout: %s", r.Error)
	case <-ctx.Done():
		r := callResult{Result: sip.ResultCancelled.String(), Error: "interrupted while waiting for a call"}
		printCallResult(p, r)
		return failf(cio, "answer", "cancelled: %s", r.Error)
	}
	// Further calls while this one runs are busy.
	go func() {
		for extra := range incoming {
			rctx, rcancel := context.WithTimeout(context.Background(), 5*time.Second)
			_ = extra.Reject(rctx, 486)
			rcancel()
		}
	}()
	ch, stop := c.Subscribe(256)
	defer stop()
	p.event(map[string]any{"event": "incoming", "remote": c.Remote, "call_id": c.ID}, "incoming call from "+c.Remote)
	digitsCh := make(chan string, 1)
	go func() { digitsCh <- followCall(c, p, ch) }()
	opts := sip.AnswerOptions{Source: au.src, Sink: au.sink}
	if *early > 0 {
		ectx, ecancel := context.WithTimeout(ctx, 40*time.Second)
		err = c.EarlyMedia(ectx, opts)
		ecancel()
		if err == nil {
			p.event(map[string]any{"event": "early_media", "for_ms": early.Milliseconds()},
				fmt.Sprintf("early media (183 Session Progress) for %s before answering", *early))
			t := time.NewTimer(*early)
			select {
			case <-t.C:
			case <-c.Done():
			case <-ctx.Done():
			}
			t.Stop()
			opts = sip.AnswerOptions{} // keep the early-media ends
		}
	}
	if err == nil && ctx.Err() == nil {
		actx, acancel := context.WithTimeout(ctx, 40*time.Second)
		err = c.Answer(actx, opts)
		acancel()
	}
	if err == nil {
		inCall(ctx, c, "", *duration, log)
	}
	return endCall(cio, "answer", c, au, digitsCh, p, log)
}
