package audiofile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestSoxInterop reads WAV files written by a real, independent encoder
// (SoX, installed by scripts/deps.sh): plain PCM, WAVE_FORMAT_EXTENSIBLE
// (which SoX writes for 24-bit and multichannel files), float, and fact
// chunks, and compares samples with SoX's own 16-bit conversion.
func TestSoxInterop(t *testing.T) {
	sox, err := exec.LookPath("sox")
	if err != nil {
		t.Fatal("sox not found: run make deps")
	}
	cases := []struct {
		name     string
		args     []string // output format options
		rate, ch int
		bits     int
		enc      Encoding
	}{
		{"16-bit mono 8 kHz", []string{"-r", "8000", "-c", "1", "-b", "16"}, 8000, 1, 16, EncodingPCM},
		{"8-bit mono 11025 Hz", []string{"-r", "11025", "-c", "1", "-b", "8"}, 11025, 1, 8, EncodingPCM},
		{"24-bit stereo 48 kHz (extensible)", []string{"-r", "48000", "-c", "2", "-b", "24"}, 48000, 2, 24, EncodingPCM},
		{"32-bit PCM stereo 44.1 kHz", []string{"-r", "44100", "-c", "2", "-b", "32"}, 44100, 2, 32, EncodingPCM},
		{"32-bit float mono 16 kHz", []string{"-r", "16000", "-c", "1", "-e", "floating-point", "-b", "32"}, 16000, 1, 32, EncodingFloat},
		{"16-bit 6 channels (extensible)", []string{"-r", "22050", "-c", "6", "-b", "16"}, 22050, 6, 16, EncodingPCM},
	}
	dir := t.TempDir()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, c.name+".wav")
			args := append([]string{"-n"}, c.args...)
			args = append(args, path, "synth", "0.5", "sine", "440", "vol", "0.5")
			if out, err := exec.Command(sox, args...).CombinedOutput(); err != nil {
				t.Fatalf("sox %v: %v\n%s", args, err, out)
			}
			info, err := ProbeFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if info.SampleRate != c.rate || info.Channels != c.ch || info.BitDepth != c.bits || info.Encoding != c.enc || info.Frames != int64(c.rate/2) {
				t.Fatalf("info %+v", info)
			}
			accepted, _ := info.StreamAccepted()
			if accepted != (c.bits == 16 && c.enc == EncodingPCM) {
				t.Errorf("stream accepted = %v", accepted)
			}
			r, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			got := make([]int16, 0, c.rate/2*c.ch)
			buf := make([]int16, 999*c.ch)
			for {
				n, err := r.ReadInt16(buf)
				got = append(got, buf[:n]...)
				if err != nil {
					if !errors.Is(err, io.EOF) {
						t.Fatal(err)
					}
					break
				}
			}
			// SoX's own conversion of the same file to raw 16-bit, without dither.
			raw, err := exec.Command(sox, "-D", path, "-t", "raw", "-e", "signed-integer", "-b", "16", "-L", "-").Output()
			if err != nil {
				t.Fatalf("sox to raw: %v", err)
			}
			want := make([]int16, len(raw)/2)
			binary.Read(bytes.NewReader(raw), binary.LittleEndian, want)
			if len(got) != len(want) {
				t.Fatalf("decoded %d samples, sox %d", len(got), len(want))
			}
			tol := 1 // rounding differences when reducing depth
			if c.bits == 8 {
				tol = 0
			}
			var peak int16
			for j := range want {
				d := int(got[j]) - int(want[j])
				if d < -tol || d > tol {
					t.Fatalf("sample %d = %d, sox says %d", j, got[j], want[j])
				}
				peak = max(peak, got[j])
			}
			if peak < 15000 || peak > 17000 {
				t.Errorf("peak %d, want about half scale", peak)
			}
		})
	}
	t.Run("u-law is recognised but refused", func(t *testing.T) {
		path := filepath.Join(dir, "ulaw.wav")
		if out, err := exec.Command(sox, "-n", "-r", "8000", "-c", "1", "-e", "u-law", path, "synth", "0.1", "sine", "440").CombinedOutput(); err != nil {
			t.Fatalf("sox: %v\n%s", err, out)
		}
		if _, err := ProbeFile(path); !errors.Is(err, ErrUnsupported) {
			t.Fatalf("u-law: %v, want ErrUnsupported", err)
		}
	})
}
