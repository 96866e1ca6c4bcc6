package ui

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"

	"github.com/hookphone/hookphone/media"
	"github.com/hookphone/hookphone/sip"
)

func newTestCallView(t *testing.T) (*callView, *fakeCall, fyne.Window) {
	t.Helper()
	env, w := newViewEnv(t, nil)
	v := newCallView(env)
	w.SetContent(container.NewPadded(v.Content()))
	w.Resize(fyne.NewSize(700, 620))
	c := newFakeCall(sip.DirectionOutgoing, "sip:echo@127.0.0.1:5061;transport=tls")
	v.attach(c)
	t.Cleanup(func() { close(c.done) }) // ends the view's event pump
	return v, c, w
}

// The call view follows a fake call through its states: calling, ringing,
// established (green lock, stats), muted and held, ended.
func TestCallViewStateChanges(t *testing.T) {
	v, c, w := newTestCallView(t)
	if v.state.Text != "Outgoing call: calling…" || !v.mute.Disabled() || v.hangup.Disabled() {
		t.Fatalf("calling: state %q mute disabled %v hangup disabled %v", v.state.Text, v.mute.Disabled(), v.hangup.Disabled())
	}
	if v.badge.state.Secure {
		t.Fatal("lock green before any security is known")
	}
	test.AssertImageMatches(t, "callview/calling.png", w.Canvas().Capture())

	c.update(func(i *sip.CallInfo) { i.State = sip.CallStateRinging })
	v.refresh()
	if v.state.Text != "Outgoing call: ringing…" {
		t.Errorf("ringing: %q", v.state.Text)
	}

	secureEstablished(c)
	for _, m := range []float64{4.3, 4.35, 4.1, 3.7, 4.2, 4.38} {
		v.graph.add(m)
	}
	v.refresh()
	if v.state.Text != "Call established" || v.timer.Text != "01:23" {
		t.Errorf("established: state %q timer %q", v.state.Text, v.timer.Text)
	}
	if !v.badge.state.Secure || !strings.Contains(v.badge.text.Text, "TLS 1.3") || !strings.Contains(v.badge.text.Text, "AES_CM_128_HMAC_SHA1_80") {
		t.Errorf("badge = %+v", v.badge.state)
	}
	if v.jitter.Text != "3.4 ms" || v.mos.Text != "4.38" || v.rtt.Text != "12 ms" || v.packets.Text != "4143 / 4150" {
		t.Errorf("stats: jitter %q mos %q rtt %q packets %q", v.jitter.Text, v.mos.Text, v.rtt.Text, v.packets.Text)
	}
	if v.micMeter.Value <= 0 || v.spkMeter.Value <= 0 {
		t.Errorf("meters did not move: mic %v speaker %v", v.micMeter.Value, v.spkMeter.Value)
	}
	if v.hints.Visible() {
		t.Errorf("hints shown on a healthy call: %q", v.hints.Text)
	}
	test.AssertImageMatches(t, "callview/established.png", w.Canvas().Capture())

	test.Tap(v.mute)
	if v.mute.Text != "Unmute" || v.state.Text != "Call established (muted)" {
		t.Errorf("after mute: button %q state %q", v.mute.Text, v.state.Text)
	}
	test.Tap(v.hold)
	if v.hold.Text != "Resume" || v.state.Text != "On hold" {
		t.Errorf("after hold: button %q state %q", v.hold.Text, v.state.Text)
	}
	test.Tap(v.hold)
	test.Tap(v.pad)
	if !v.dtmf.Visible() {
		t.Fatal("keypad did not open")
	}
	tapButton(t, v.dtmf, "5")
	v.sendDigit("#")
	want := []string{"mute on", "hold", "resume", "dtmf 5", "dtmf #"}
	if got := c.did(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("actions = %v, want %v", got, want)
	}

	test.Tap(v.hangup)
	if v.state.Text != "Call ended: answered" || !v.hangup.Disabled() || !v.mute.Disabled() {
		t.Errorf("ended: state %q hangup disabled %v", v.state.Text, v.hangup.Disabled())
	}
	test.AssertImageMatches(t, "callview/ended.png", w.Canvas().Capture())
}

// Events from the call's stream reach the view through fyne.Do.
func TestCallViewFollowsEvents(t *testing.T) {
	v, c, _ := newTestCallView(t)
	secureEstablished(c)
	c.events <- sip.CallEvent{Kind: sip.EventState, State: sip.CallStateActive}
	st := c.Info().Stats
	c.events <- sip.CallEvent{Kind: sip.EventStats, Stats: &st}
	deadline := time.Now().Add(10 * time.Second)
	for {
		drainUI(v.env)
		if v.state.Text == "Call established" && len(v.graph.points) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("events not applied: state %q, graph points %d", v.state.Text, len(v.graph.points))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestOneWayAudioHints(t *testing.T) {
	base := sip.CallInfo{State: sip.CallStateActive, Answered: t0}
	for _, tc := range []struct {
		name  string
		stats media.Stats
		after time.Duration
		want  []string
	}{
		{"healthy", media.Stats{Sent: 500, Received: 500}, 10 * time.Second, nil},
		{"too early to tell", media.Stats{Sent: 50}, 2 * time.Second, nil},
		{"nothing received", media.Stats{Sent: 500}, 10 * time.Second, []string{"No audio received 10s after the answer"}},
		{"nothing sent", media.Stats{Received: 500}, 10 * time.Second, []string{"We have sent no audio"}},
		{"auth failures", media.Stats{Sent: 500, Received: 480, SRTPAuthFailures: 20}, 10 * time.Second, []string{"20 SRTP packets failed authentication"}},
		{"far end loses us", media.Stats{Sent: 500, Received: 500, RemoteLost: 400, RemoteFractionLost: 0.8}, 10 * time.Second, []string{"The far end reports losing most"}},
		{"behind NAT", media.Stats{Sent: 500, Received: 500}, 10 * time.Second, []string{"The far end's SDP names the private address 10.0.0.5:4000 but its audio comes from 198.51.100.9:61000"}},
	} {
		info := base
		info.Stats = tc.stats
		if tc.name == "behind NAT" {
			info.MediaSDPAddr = netip.MustParseAddrPort("10.0.0.5:4000")
			info.MediaSourceAddr = netip.MustParseAddrPort("198.51.100.9:61000")
		}
		got := oneWayHints(info, t0.Add(tc.after))
		if len(got) != len(tc.want) {
			t.Errorf("%s: hints %q, want %d", tc.name, got, len(tc.want))
			continue
		}
		for i := range got {
			if !strings.HasPrefix(got[i], tc.want[i]) {
				t.Errorf("%s: hint %q, want prefix %q", tc.name, got[i], tc.want[i])
			}
		}
	}
}

func TestCallTimer(t *testing.T) {
	for _, tc := range []struct {
		info sip.CallInfo
		now  time.Time
		want string
	}{
		{sip.CallInfo{}, t0, "00:00"},
		{sip.CallInfo{Started: t0}, t0.Add(7 * time.Second), "00:07"},
		{sip.CallInfo{Started: t0, Answered: t0.Add(5 * time.Second)}, t0.Add(65 * time.Second), "01:00"},
		{sip.CallInfo{Answered: t0, Ended: t0.Add(3725 * time.Second)}, t0.Add(time.Hour * 5), "1:02:05"},
	} {
		if got := callTimer(tc.info, tc.now); got != tc.want {
			t.Errorf("callTimer(%+v) = %q, want %q", tc.info, got, tc.want)
		}
	}
}

func TestMediaAddressHints(t *testing.T) {
	ap := netip.MustParseAddrPort
	for _, tc := range []struct {
		sdp, src netip.AddrPort
		want     string
	}{
		{ap("203.0.113.7:4000"), ap("203.0.113.7:4000"), ""},
		{ap("203.0.113.7:4000"), netip.AddrPort{}, ""},
		{ap("192.168.1.20:4000"), netip.AddrPort{}, "The far end's SDP names the private address 192.168.1.20:4000: our audio may not reach it"},
		{ap("10.0.0.5:4000"), ap("198.51.100.9:61000"), "The far end's SDP names the private address 10.0.0.5:4000 but its audio comes from 198.51.100.9:61000"},
		{ap("203.0.113.7:4000"), ap("203.0.113.8:4000"), "Audio comes from 203.0.113.8:4000, not from the SDP's 203.0.113.7:4000"},
		{netip.AddrPort{}, ap("203.0.113.8:4000"), ""},
	} {
		got := strings.Join(mediaAddressHints(tc.sdp, tc.src), "|")
		if tc.want == "" && got != "" || tc.want != "" && !strings.HasPrefix(got, tc.want) {
			t.Errorf("mediaAddressHints(%v, %v) = %q, want prefix %q", tc.sdp, tc.src, got, tc.want)
		}
	}
}
