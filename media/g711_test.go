package media

import (
	"math"
	"testing"
)

// Reference points from the G.711 tables: the decoder output for a few code
// words, and the encoder's choice at segment edges.
func TestG711KnownCodewords(t *testing.T) {
	tests := []struct {
		name string
		got  int16
		want int16
	}{
		{"ulaw 0xff is +0", ulawDecode(0xff), 0},
		{"ulaw 0x7f is -0", ulawDecode(0x7f), 0},
		{"ulaw 0x80 is max positive", ulawDecode(0x80), 32124},
		{"ulaw 0x00 is max negative", ulawDecode(0x00), -32124},
		{"alaw 0xd5 is smallest positive", alawDecode(0xd5), 8},
		{"alaw 0x55 is smallest negative", alawDecode(0x55), -8},
		{"alaw 0xaa is max positive", alawDecode(0xaa), 32256},
		{"alaw 0x2a is max negative", alawDecode(0x2a), -32256},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %d, want %d", tt.name, tt.got, tt.want)
		}
	}
	if ulawEncode(0) != 0xff || alawEncode(0) != 0xd5 {
		t.Errorf("silence encodes as %#x/%#x, want 0xff/0xd5", ulawEncode(0), alawEncode(0))
	}
}

// Every code word must survive decode→encode unchanged (the tables are
// consistent), apart from µ-law's negative zero which encodes as positive.
func TestG711RoundTripCodewords(t *testing.T) {
	for i := 0; i < 256; i++ {
		b := byte(i)
		if got := alawEncode(alawDecode(b)); got != b {
			t.Errorf("alaw %#02x: decode %d re-encodes as %#02x", b, alawDecode(b), got)
		}
		if b == 0x7f {
			continue
		}
		if got := ulawEncode(ulawDecode(b)); got != b {
			t.Errorf("ulaw %#02x: decode %d re-encodes as %#02x", b, ulawDecode(b), got)
		}
	}
}

// Quantisation noise of a full-scale sweep stays within G.711's
// segment step sizes: SNR of a -6 dBFS sine above 30 dB for both laws.
func TestG711SineSNR(t *testing.T) {
	for _, c := range []Codec{CodecPCMU, CodecPCMA} {
		pcm := make([]int16, 8000)
		for i := range pcm {
			pcm[i] = int16(16000 * math.Sin(2*math.Pi*1000*float64(i)/8000+0.3))
		}
		enc := c.encode(nil, pcm)
		dec := make([]int16, len(enc))
		c.decode(dec, enc)
		var sig, noise float64
		for i := range pcm {
			sig += float64(pcm[i]) * float64(pcm[i])
			d := float64(pcm[i]) - float64(dec[i])
			noise += d * d
		}
		if snr := 10 * math.Log10(sig/noise); snr < 30 {
			t.Errorf("%v: SNR %.1f dB, want >= 30", c, snr)
		}
	}
}
