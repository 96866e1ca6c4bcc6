package testlab

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"sort"
)

// Tone makes n samples of a sine at freq Hz, sampled at rate Hz, with the
// given peak amplitude (0..32767).
func Tone(freq float64, rate, n int, amplitude float64) []int16 {
	out := make([]int16, n)
	for i := range out {
		out[i] = int16(amplitude * math.Sin(2*math.Pi*freq*float64(i)/float64(rate)))
	}
	return out
}

// WriteWAV writes mono 16-bit PCM samples as a canonical RIFF/WAVE file.
// (Test fixture writer; the product's WAV code lives in media/audiofile.)
func WriteWAV(path string, rate, channels int, samples []int16) error {
	var b bytes.Buffer
	dataLen := len(samples) * 2
	b.WriteString("RIFF")
	binary.Write(&b, binary.LittleEndian, uint32(36+dataLen))
	b.WriteString("WAVEfmt ")
	binary.Write(&b, binary.LittleEndian, uint32(16))
	binary.Write(&b, binary.LittleEndian, uint16(1))
	binary.Write(&b, binary.LittleEndian, uint16(channels))
	binary.Write(&b, binary.LittleEndian, uint32(rate))
	binary.Write(&b, binary.LittleEndian, uint32(rate*channels*2))
	binary.Write(&b, binary.LittleEndian, uint16(channels*2))
	binary.Write(&b, binary.LittleEndian, uint16(16))
	b.WriteString("data")
	binary.Write(&b, binary.LittleEndian, uint32(dataLen))
	binary.Write(&b, binary.LittleEndian, samples)
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write wav %s: %w", path, err)
	}
	return nil
}

// WriteToneWAV writes seconds of a mono sine tone at freq Hz as 16-bit WAV.
func WriteToneWAV(path string, freq float64, rate int, seconds float64) error {
	return WriteWAV(path, rate, 1, Tone(freq, rate, int(seconds*float64(rate)), 12000))
}

// ReadWAV reads a 16-bit PCM WAV file and returns its first channel and its
// sample rate. A header whose data size is still a placeholder (a recorder
// killed before closing) is read up to the end of the file.
func ReadWAV(path string) (samples []int16, rate int, err error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, 0, fmt.Errorf("read wav: %w", err)
	}
	if len(raw) < 12 || string(raw[:4]) != "RIFF" || string(raw[8:12]) != "WAVE" {
		return nil, 0, fmt.Errorf("read wav %s: not RIFF/WAVE", path)
	}
	channels, bits := 0, 0
	for off := 12; off+8 <= len(raw); {
		id := string(raw[off : off+4])
		size := int(binary.LittleEndian.Uint32(raw[off+4 : off+8]))
		body := raw[off+8:]
		switch id {
		case "fmt ":
			if len(body) < 16 {
				return nil, 0, fmt.Errorf("read wav %s: short fmt chunk", path)
			}
			channels = int(binary.LittleEndian.Uint16(body[2:4]))
			rate = int(binary.LittleEndian.Uint32(body[4:8]))
			bits = int(binary.LittleEndian.Uint16(body[14:16]))
		case "data":
			if bits != 16 || channels < 1 {
				return nil, 0, fmt.Errorf("read wav %s: want 16-bit PCM, got %d bits, %d channels", path, bits, channels)
			}
			if size <= 0 || size > len(body) {
				size = len(body)
			}
			frames := size / (2 * channels)
			samples = make([]int16, frames)
			for i := range samples {
				samples[i] = int16(binary.LittleEndian.Uint16(body[i*2*channels:]))
			}
			return samples, rate, nil
		}
		off += 8 + size + size%2
	}
	return nil, 0, fmt.Errorf("read wav %s: no data chunk", path)
}

// Goertzel returns the share of the signal's energy at frequency freq
// (samples taken at rate Hz): about 1 for a pure tone at freq, near 0 for
// other tones or noise, 0 for silence.
func Goertzel(samples []int16, rate int, freq float64) float64 {
	n := len(samples)
	if n == 0 {
		return 0
	}
	w := 2 * math.Pi * freq / float64(rate)
	coeff := 2 * math.Cos(w)
	var s1, s2, energy float64
	for _, v := range samples {
		x := float64(v)
		energy += x * x
		s0 := x + coeff*s1 - s2
		s2, s1 = s1, s0
	}
	if energy == 0 {
		return 0
	}
	power := s1*s1 + s2*s2 - coeff*s1*s2
	// A pure sine of amplitude A over N samples: power ≈ (A·N/2)², energy ≈ A²·N/2.
	return power / (energy * float64(n) / 2)
}

// DominantFrequency scans candidate frequencies (Hz) and returns the one with
// the highest Goertzel power and that power's normalised value.
func DominantFrequency(samples []int16, rate int, candidates []float64) (float64, float64) {
	best, bestP := 0.0, -1.0
	for _, f := range candidates {
		if p := Goertzel(samples, rate, f); p > bestP {
			best, bestP = f, p
		}
	}
	return best, bestP
}

// ToneScan is the default candidate list for DominantFrequency: 100 Hz to
// 3500 Hz in 20 Hz steps (the telephone band).
func ToneScan() []float64 {
	var out []float64
	for f := 100.0; f <= 3500; f += 20 {
		out = append(out, f)
	}
	return out
}

// RMS is the root mean square level of samples.
func RMS(samples []int16) float64 {
	if len(samples) == 0 {
		return 0
	}
	var sum float64
	for _, v := range samples {
		sum += float64(v) * float64(v)
	}
	return math.Sqrt(sum / float64(len(samples)))
}

// Middle returns the part of samples between fractions from and to of its
// length (skip call set-up and tear-down when analysing a recording).
func Middle(samples []int16, from, to float64) []int16 {
	a, b := int(from*float64(len(samples))), int(to*float64(len(samples)))
	return samples[a:b]
}

// ToneCheck judges a recording the way a listener would: in 100 ms windows,
// at least half must be loud (RMS ≥ 300) and the median loud window must
// have at least half its energy at want Hz. Scheduling gaps on a loaded
// machine cost some windows but cannot fake a tone.
func ToneCheck(samples []int16, rate int, want float64) (ok bool, detail string) {
	win := rate / 10
	var shares []float64
	total := 0
	for i := 0; win > 0 && i+win <= len(samples); i += win {
		total++
		w := samples[i : i+win]
		if RMS(w) < 300 {
			continue
		}
		shares = append(shares, Goertzel(w, rate, want))
	}
	if total == 0 {
		return false, "no audio"
	}
	sort.Float64s(shares)
	median := 0.0
	if len(shares) > 0 {
		median = shares[len(shares)/2]
	}
	detail = fmt.Sprintf("%d of %d windows loud, median share of %.0f Hz %.2f", len(shares), total, want, median)
	return len(shares)*2 >= total && median >= 0.5, detail
}
