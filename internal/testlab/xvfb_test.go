package testlab

import (
	"context"
	"image"
	"image/color"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestStatsTellsBlankFromDrawn(t *testing.T) {
	blank := image.NewRGBA(image.Rect(0, 0, 200, 100))
	for i := range blank.Pix {
		blank.Pix[i] = 0xff
	}
	if s := Stats(blank); !s.Blank() || s.Colours != 1 || s.Dominant != 1 {
		t.Errorf("white image: %+v, Blank %v", s, s.Blank())
	}
	drawn := image.NewRGBA(image.Rect(0, 0, 200, 100))
	for y := 0; y < 100; y++ {
		for x := 0; x < 200; x++ {
			drawn.Set(x, y, color.RGBA{uint8(x), uint8(y * 2), 80, 255})
		}
	}
	if s := Stats(drawn); s.Blank() {
		t.Errorf("gradient judged blank: %+v", s)
	}
}

// The real X server: a window that maps is found and captured with content;
// a title that never appears is reported, not waited on for ever.
func TestXvfbFindsAndCapturesAWindow(t *testing.T) {
	x := StartXvfb(t, 640, 480)
	if _, err := exec.LookPath("xmessage"); err != nil {
		t.Fatal("xmessage not found (package x11-utils): run make deps")
	}
	cmd := exec.Command("xmessage", "-name", "hookphone-xvfb-check", "-title", "hookphone xvfb check",
		"Hookphone: Xvfb, xdotool and import work together.\nThe second line has more words in it.")
	cmd.Env = x.Env(cmd.Environ())
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	id, err := x.WaitWindow(ctx, "^hookphone xvfb check$")
	if err != nil {
		t.Fatal(err)
	}
	png := filepath.Join(t.TempDir(), "xmessage.png")
	if err := x.Capture(ctx, id, png); err != nil {
		t.Fatal(err)
	}
	st, err := PNGStats(png)
	if err != nil {
		t.Fatal(err)
	}
	if st.Width < 100 || st.Colours < 2 {
		t.Errorf("capture %+v", st)
	}

	short, cancel2 := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel2()
	if _, err := x.WaitWindow(short, "^no such window$"); err == nil || !strings.Contains(err.Error(), "never mapped") {
		t.Errorf("WaitWindow for a missing window = %v", err)
	}
}
