package main

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

// The committed icon is what the generator draws: a change to one without
// the other is caught here.
func TestCommittedIconMatchesGenerator(t *testing.T) {
	path := filepath.Join(t.TempDir(), "icon.png")
	if err := write(path, 512); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	want, err := os.ReadFile("../../assets/icon.png")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("assets/icon.png differs from `go run ./tools/mkicon` output; regenerate it")
	}
	img, err := png.Decode(bytes.NewReader(got))
	if err != nil {
		t.Fatal(err)
	}
	// Transparent corners, opaque centre.
	if _, _, _, a := img.At(2, 2).RGBA(); a != 0 {
		t.Error("corner is not transparent")
	}
	if _, _, _, a := img.At(256, 470).RGBA(); a != 0xffff {
		t.Error("tile is not opaque")
	}
}
