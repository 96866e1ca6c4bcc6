package audiofile

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
)

func TestWAVWriterRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.wav")
	w, err := CreateWAV(path, 16000, 2)
	if err != nil {
		t.Fatal(err)
	}
	var want []int16
	for i := range 3000 {
		want = append(want, int16(i*7-10000), int16(-i*3))
	}
	// Written in uneven pieces, as a recorder would.
	for off := 0; off < len(want); {
		n := min(2*(off%97+1), len(want)-off)
		if err := w.WriteInt16(want[off : off+n]); err != nil {
			t.Fatal(err)
		}
		off += n
	}
	if w.Frames() != 3000 {
		t.Fatalf("Frames() = %d", w.Frames())
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := binary.LittleEndian.Uint32(raw[4:8]); got != uint32(len(raw)-8) {
		t.Errorf("RIFF size %d, want %d", got, len(raw)-8)
	}
	if got := binary.LittleEndian.Uint32(raw[40:44]); got != 12000 {
		t.Errorf("data size %d, want 12000", got)
	}
	r, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	info := r.Info()
	if ok, why := info.StreamAccepted(); !ok || info.Frames != 3000 || info.SampleRate != 16000 || info.Channels != 2 || info.BitDepth != 16 {
		t.Fatalf("info %+v accepted=%v (%s)", info, ok, why)
	}
	got := make([]int16, len(want)+10)
	n, err := r.ReadInt16(got)
	if err != nil || n != len(want) {
		t.Fatalf("ReadInt16 = %d, %v", n, err)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("sample %d = %d, want %d", i, got[i], want[i])
		}
	}
}

func TestWAVWriterUnfinishedIsReadable(t *testing.T) {
	// A recorder killed before Close leaves the placeholder sizes; the data
	// must still be readable up to the end of the file.
	path := filepath.Join(t.TempDir(), "crash.wav")
	w, err := CreateWAV(path, 8000, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WriteFrame(make([]int16, 160)); err != nil {
		t.Fatal(err)
	}
	if err := w.bw.Flush(); err != nil { // what reached the disk before the crash
		t.Fatal(err)
	}
	info, err := ProbeFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Frames != 160 {
		t.Fatalf("frames %d, want 160", info.Frames)
	}
	w.file.Close()
}

func TestWAVWriterRejects(t *testing.T) {
	dir := t.TempDir()
	if _, err := CreateWAV(filepath.Join(dir, "a.wav"), 8000, 0); err == nil {
		t.Fatal("0 channels accepted")
	}
	if _, err := os.Stat(filepath.Join(dir, "a.wav")); !os.IsNotExist(err) {
		t.Fatal("a failed CreateWAV left a file behind")
	}
	if _, err := CreateWAV(filepath.Join(dir, "b.wav"), 0, 1); err == nil {
		t.Fatal("rate 0 accepted")
	}
	w, err := CreateWAV(filepath.Join(dir, "c.wav"), 8000, 2)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WriteInt16([]int16{1, 2, 3}); err == nil {
		t.Fatal("half a stereo frame accepted")
	}
	w.Close()
	if err := w.WriteInt16([]int16{1, 2}); err == nil {
		t.Fatal("write after close accepted")
	}
}
