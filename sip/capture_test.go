package sip

import (
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/hookphone/hookphone/internal/testlab"
)

// capture is tcpdump writing the UDP packets of a port range on loopback
// to a pcap file, started by the test.
type capture struct {
	cmd        *exec.Cmd
	file       string
	portMin    int
	portMax    int
	stopped    bool
	stderrPath string
}

func startCapture(t *testing.T, portMin, portMax int) *capture {
	t.Helper()
	bin, err := exec.LookPath("tcpdump")
	if err != nil {
		t.Fatalf("tcpdump not installed (run make deps): %v", err)
	}
	dir := t.TempDir()
	c := &capture{file: filepath.Join(dir, "rtp.pcap"), portMin: portMin, portMax: portMax, stderrPath: filepath.Join(dir, "tcpdump.log")}
	logf, err := os.Create(c.stderrPath)
	if err != nil {
		t.Fatal(err)
	}
	filter := fmt.Sprintf("udp and portrange %d-%d", portMin, portMax)
	c.cmd = exec.Command(bin, "-i", "lo", "-n", "-U", "-Z", "root", "-s", "0", "-w", c.file, filter)
	c.cmd.Stdout, c.cmd.Stderr = logf, logf
	if err := c.cmd.Start(); err != nil {
		t.Fatalf("start tcpdump: %v", err)
	}
	t.Cleanup(func() { c.stop(); logf.Close() })
	// Wait until tcpdump says it listens.
	for i := 0; i < 100; i++ {
		raw, _ := os.ReadFile(c.stderrPath)
		if len(raw) > 0 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	return c
}

func (c *capture) stop() {
	if c.stopped {
		return
	}
	c.stopped = true
	_ = c.cmd.Process.Signal(syscall.SIGINT)
	done := make(chan struct{})
	go func() { _ = c.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = c.cmd.Process.Kill()
		<-done
	}
}

// udpPayloads parses the pcap (Ethernet or Linux cooked/raw link types) and
// returns each UDP payload.
func (c *capture) udpPayloads(t *testing.T) [][]byte {
	t.Helper()
	c.stop()
	raw, err := os.ReadFile(c.file)
	if err != nil {
		t.Fatalf("read capture: %v", err)
	}
	if len(raw) < 24 {
		log, _ := os.ReadFile(c.stderrPath)
		t.Fatalf("capture file has no header; tcpdump said: %s", log)
	}
	order := binary.ByteOrder(binary.LittleEndian)
	if binary.BigEndian.Uint32(raw) == 0xa1b2c3d4 {
		order = binary.BigEndian
	}
	link := order.Uint32(raw[20:24])
	var out [][]byte
	for off := 24; off+16 <= len(raw); {
		incl := int(order.Uint32(raw[off+8 : off+12]))
		off += 16
		if off+incl > len(raw) {
			break
		}
		pkt := raw[off : off+incl]
		off += incl
		switch link {
		case 1: // Ethernet
			if len(pkt) < 14 || binary.BigEndian.Uint16(pkt[12:14]) != 0x0800 {
				continue
			}
			pkt = pkt[14:]
		case 113: // Linux cooked
			if len(pkt) < 16 {
				continue
			}
			pkt = pkt[16:]
		case 0, 101: // null / raw IP
			if link == 0 {
				pkt = pkt[4:]
			}
		}
		if len(pkt) < 20 || pkt[0]>>4 != 4 || pkt[9] != 17 {
			continue
		}
		ihl := int(pkt[0]&0x0f) * 4
		if len(pkt) < ihl+8 {
			continue
		}
		out = append(out, pkt[ihl+8:])
	}
	return out
}

// checkNoPlainTone decodes every RTP payload seen as if it were plain µ-law
// and A-law G.711 and checks none of the tones is in it: SRTP encryption
// makes the payload noise. It first proves the detector on a plaintext copy.
func (c *capture) checkNoPlainTone(t *testing.T, freqs ...float64) {
	t.Helper()
	payloads := c.udpPayloads(t)
	var rtp [][]byte
	for _, p := range payloads {
		if len(p) >= 12+160 && p[0]>>6 == 2 && p[1]&0x7f < 64 { // RTP v2 audio PT, not RTCP
			rtp = append(rtp, p[12:12+160])
		}
	}
	if len(rtp) < 100 {
		t.Fatalf("captured %d RTP packets (of %d UDP) on ports %d-%d, want ≥ 100", len(rtp), len(payloads), c.portMin, c.portMax)
	}
	for _, law := range []struct {
		name   string
		decode func(byte) int16
	}{{"µ-law", ulawToLinear}, {"A-law", alawToLinear}} {
		var pcm []int16
		for _, p := range rtp {
			for _, b := range p {
				pcm = append(pcm, law.decode(b))
			}
		}
		for _, f := range freqs {
			if p := testlab.Goertzel(pcm, 8000, f); p > 0.02 {
				t.Errorf("captured payload decoded as %s holds %.0f Hz (power %.3f): media is not encrypted", law.name, f, p)
			}
		}
	}
	// Control: the same detector finds the tone in plaintext µ-law.
	var plain []int16
	src := &toneSource{freq: freqs[0]}
	frame := make([]int16, 160)
	for range 50 {
		src.ReadFrame(frame)
		for _, s := range frame {
			plain = append(plain, ulawToLinear(linearToUlaw(s)))
		}
	}
	if p := testlab.Goertzel(plain, 8000, freqs[0]); p < 0.5 {
		t.Fatalf("detector control: plaintext %.0f Hz gives power %.3f, want > 0.5", freqs[0], p)
	}
}

// G.711 (ITU-T G.711) µ-law and A-law, for reading captures in tests.
func ulawToLinear(u byte) int16 {
	u = ^u
	t := (int32(u&0x0f) << 3) + 0x84
	t <<= (u & 0x70) >> 4
	if u&0x80 != 0 {
		return int16(0x84 - t)
	}
	return int16(t - 0x84)
}

func linearToUlaw(s int16) byte {
	const bias, clip = 0x84, 32635
	sign := byte(0)
	v := int32(s)
	if v < 0 {
		v, sign = -v, 0x80
	}
	if v > clip {
		v = clip
	}
	v += bias
	exp := byte(7)
	for mask := int32(0x4000); v&mask == 0 && exp > 0; mask >>= 1 {
		exp--
	}
	mant := byte(v>>(exp+3)) & 0x0f
	return ^(sign | exp<<4 | mant)
}

func alawToLinear(a byte) int16 {
	a ^= 0x55
	t := int32(a&0x0f) << 4
	seg := (a & 0x70) >> 4
	switch seg {
	case 0:
		t += 8
	case 1:
		t += 0x108
	default:
		t += 0x108
		t <<= seg - 1
	}
	if a&0x80 != 0 {
		return int16(t)
	}
	return int16(-t)
}
