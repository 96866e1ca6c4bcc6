package audiofile

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestMP3Synthetic(t *testing.T) {
	cases := []struct {
		name               string
		version            string
		rateIndex, brIndex int
		mono               bool
		frames             int
		wantRate, wantCh   int
		wantKbps, perFrame int
	}{
		{"MPEG-1 44.1 kHz stereo 128k", "1", 0, 9, false, 20, 44100, 2, 128, 1152},
		{"MPEG-1 48 kHz mono 64k", "1", 1, 5, true, 10, 48000, 1, 64, 1152},
		{"MPEG-2 16 kHz mono 32k", "2", 2, 4, true, 30, 16000, 1, 32, 576},
		{"MPEG-2 22.05 kHz stereo 64k", "2", 0, 8, false, 12, 22050, 2, 64, 576},
		{"MPEG-2.5 8 kHz mono 16k", "2.5", 2, 2, true, 25, 8000, 1, 16, 576},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := silentMP3(c.version, c.rateIndex, c.brIndex, c.mono, c.frames)
			info, err := probeBytes(b)
			if err != nil {
				t.Fatal(err)
			}
			wantFrames := int64(c.frames * c.perFrame)
			if info.Format != FormatMP3 || info.SampleRate != c.wantRate || info.Channels != c.wantCh ||
				info.BitrateKbps != c.wantKbps || info.Frames != wantFrames || info.MPEGVersion != c.version {
				t.Fatalf("info %+v", info)
			}
			if ok, _ := info.StreamAccepted(); !ok {
				t.Error("MP3 not accepted for stream")
			}
			_, got, err := decodeAll(t, b)
			if c.version == "2.5" {
				if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "MPEG-2.5") {
					t.Fatalf("decoding MPEG-2.5: %v, want ErrUnsupported naming MPEG-2.5", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if int64(len(got)) != wantFrames*int64(c.wantCh) {
				t.Fatalf("decoded %d samples, want %d", len(got), wantFrames*int64(c.wantCh))
			}
			for i, v := range got {
				if v != 0 {
					t.Fatalf("sample %d = %v, want silence", i, v)
				}
			}
		})
	}
}

func TestMP3WithID3AndTrailingTag(t *testing.T) {
	audio := silentMP3("1", 0, 9, true, 5)
	id3 := []byte("ID3\x03\x00\x00\x00\x00\x00\x14")
	id3 = append(id3, make([]byte, 20)...)
	b := append(append(id3, audio...), []byte("TAG"+strings.Repeat("x", 125))...)
	info, err := probeBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	if info.DataOffset != 30 || info.Frames != 5*1152 || info.DataBytes != int64(len(audio)) {
		t.Fatalf("info %+v", info)
	}
	_, got, err := decodeAll(t, b)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) < 5*1152 {
		t.Fatalf("decoded %d samples", len(got))
	}
}

func TestMP3Real(t *testing.T) {
	b := goMP3Example(t)
	info, err := probeBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	if info.Format != FormatMP3 || info.SampleRate == 0 || info.Duration < time.Second {
		t.Fatalf("info %+v", info)
	}
	t.Logf("go-mp3 example: %v", info)
	_, got, err := decodeAll(t, b)
	if err != nil {
		t.Fatal(err)
	}
	decodedFrames := int64(len(got) / info.Channels)
	if decodedFrames != info.Frames {
		t.Errorf("decoded %d frames, probe counted %d", decodedFrames, info.Frames)
	}
	var peak float32
	for _, v := range got {
		peak = max(peak, v, -v)
	}
	if peak < 0.05 {
		t.Errorf("peak %v: speech decoded as near silence", peak)
	}
}

func TestMP3Errors(t *testing.T) {
	good := silentMP3("1", 0, 9, false, 4)
	layer2 := append([]byte(nil), good...)
	for i := 0; i < len(layer2); i += 417 {
		layer2[i+1] = 0xFD // Layer II
	}
	freeFormat := append([]byte(nil), good...)
	freeFormat[2] &= 0x0F
	cases := []struct {
		name string
		b    []byte
		want error
		msg  string
	}{
		{"cut in the last frame", good[:len(good)-100], ErrTruncated, "truncated"},
		{"Layer II", layer2, ErrUnsupported, "Layer 2"},
		{"free format", freeFormat, ErrUnsupported, "free-format"},
		{"ID3 larger than file", []byte("ID3\x03\x00\x00\x00\x00\x7f\x7f"), ErrTruncated, "ID3"},
		{"ID3 not sync-safe", []byte("ID3\x03\x00\x00\x00\x00\x80\x7f"), ErrCorrupt, "sync-safe"},
		{"ID3 then noise", append([]byte("ID3\x03\x00\x00\x00\x00\x00\x02\x00\x00"), []byte(strings.Repeat("noise", 1000))...), ErrCorrupt, "no MPEG audio frame"},
		{"HTML error page", []byte("<!DOCTYPE html><html><body>404</body></html>"), ErrUnknownFormat, "HTML"},
		{"JSON", []byte(`{"error":"not found"}`), ErrUnknownFormat, "JSON"},
		{"Ogg", []byte("OggS\x00\x02\x00\x00\x00\x00"), ErrUnknownFormat, "Ogg"},
		{"AAC ADTS", []byte("\xff\xf1\x50\x80\x02\x1f\xfc"), ErrUnknownFormat, "AAC"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := probeBytes(c.b)
			if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("Probe error = %v, want %v mentioning %q", err, c.want, c.msg)
			}
		})
	}
}
