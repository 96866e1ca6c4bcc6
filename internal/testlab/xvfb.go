package testlab

// xvfb.go: a private X server (Xvfb with Mesa's software GL) for tests that
// run the real GUI binary, find its window with xdotool and capture it with
// ImageMagick's import (AUDIO-LAB-NOTES §4).

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// importBin is ImageMagick's import. /usr/local/bin may hold stand-ins on
// developer machines, so the Debian path comes first.
var importBin = "/usr/bin/import"

// Xvfb is an X server owned by one test, stopped by t.Cleanup.
type Xvfb struct {
	// Display is the DISPLAY value (":N").
	Display string

	t   testing.TB
	cmd *exec.Cmd
}

// StartXvfb starts Xvfb on a free display (chosen by the server through
// -displayfd) with one screen of width×height at 24 bits. It fails the test
// with "run make deps" when Xvfb, xdotool, import or Mesa's software GL driver
// is missing.
func StartXvfb(t testing.TB, width, height int) *Xvfb {
	t.Helper()
	for bin, pkg := range map[string]string{"Xvfb": "xvfb", "xdotool": "xdotool"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Fatalf("testlab: %s not found (package %s): run make deps", bin, pkg)
		}
	}
	if _, err := os.Stat(importBin); err != nil {
		t.Fatalf("testlab: %s not found (package imagemagick): run make deps", importBin)
	}
	if m, _ := filepath.Glob("/usr/lib/*/dri/swrast_dri.so"); len(m) == 0 {
		t.Fatalf("testlab: Mesa software GL (swrast_dri.so) not found (package libgl1-mesa-dri): run make deps")
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatalf("testlab: pipe: %v", err)
	}
	cmd := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", fmt.Sprintf("%dx%dx24", width, height),
		"-nolisten", "tcp", "-noreset", "+extension", "GLX")
	cmd.ExtraFiles = []*os.File{w}
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("testlab: start Xvfb: %v", err)
	}
	w.Close()
	x := &Xvfb{t: t, cmd: cmd}
	t.Cleanup(x.stop)
	got := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(r).ReadString('\n')
		got <- strings.TrimSpace(line)
		r.Close()
	}()
	select {
	case n := <-got:
		if n == "" {
			t.Fatalf("testlab: Xvfb exited without a display number:\n%s", log.String())
		}
		x.Display = ":" + n
	case <-time.After(30 * time.Second):
		t.Fatalf("testlab: Xvfb gave no display number within 30 s:\n%s", log.String())
	}
	return x
}

func (x *Xvfb) stop() {
	if x.cmd.Process == nil {
		return
	}
	_ = x.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = x.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = x.cmd.Process.Kill()
		<-done
	}
}

// Env returns env with DISPLAY pointing at this server (other DISPLAY and
// WAYLAND_DISPLAY entries removed).
func (x *Xvfb) Env(env []string) []string {
	out := make([]string, 0, len(env)+1)
	for _, e := range env {
		if !strings.HasPrefix(e, "DISPLAY=") && !strings.HasPrefix(e, "WAYLAND_DISPLAY=") {
			out = append(out, e)
		}
	}
	return append(out, "DISPLAY="+x.Display)
}

// WaitWindow waits until a visible window whose title matches the regular
// expression name is mapped, and returns its X window id. It gives up when
// ctx ends (xdotool --sync itself would wait for ever).
func (x *Xvfb) WaitWindow(ctx context.Context, name string) (string, error) {
	cmd := exec.CommandContext(ctx, "xdotool", "search", "--sync", "--onlyvisible", "--name", name)
	cmd.Env = x.Env(os.Environ())
	out, err := cmd.Output()
	if ctx.Err() != nil {
		return "", fmt.Errorf("window %q never mapped: %w", name, ctx.Err())
	}
	if err != nil {
		return "", fmt.Errorf("xdotool search %q: %w", name, err)
	}
	ids := strings.Fields(string(out))
	if len(ids) == 0 {
		return "", fmt.Errorf("window %q never mapped", name)
	}
	return ids[0], nil
}

// Geometry returns a window's size in pixels.
func (x *Xvfb) Geometry(ctx context.Context, id string) (w, h int, err error) {
	cmd := exec.CommandContext(ctx, "xdotool", "getwindowgeometry", "--shell", id)
	cmd.Env = x.Env(os.Environ())
	out, err := cmd.Output()
	if err != nil {
		return 0, 0, fmt.Errorf("xdotool getwindowgeometry %s: %w", id, err)
	}
	for _, line := range strings.Fields(string(out)) {
		if v, ok := strings.CutPrefix(line, "WIDTH="); ok {
			fmt.Sscan(v, &w)
		}
		if v, ok := strings.CutPrefix(line, "HEIGHT="); ok {
			fmt.Sscan(v, &h)
		}
	}
	return w, h, nil
}

// Capture writes the window's pixels to a PNG file with ImageMagick's import.
func (x *Xvfb) Capture(ctx context.Context, id, pngPath string) error {
	if err := os.MkdirAll(filepath.Dir(pngPath), 0o755); err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, importBin, "-window", id, "png:"+pngPath)
	cmd.Env = x.Env(os.Environ())
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("import -window %s: %v: %s", id, err, out)
	}
	return nil
}

// ImageStats describes a captured image, to tell a drawn window from a blank one.
type ImageStats struct {
	// Width and Height are the image's size.
	Width, Height int
	// Colours is the number of distinct colours.
	Colours int
	// Dominant is the share (0..1) of pixels that have the most common colour.
	Dominant float64
}

// Blank reports whether the image looks like nothing was drawn: fewer than 20
// colours, or one colour covering more than 97% of it.
func (s ImageStats) Blank() bool { return s.Colours < 20 || s.Dominant > 0.97 }

// PNGStats decodes a PNG and counts its colours.
func PNGStats(path string) (ImageStats, error) {
	f, err := os.Open(path)
	if err != nil {
		return ImageStats{}, err
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		return ImageStats{}, fmt.Errorf("%s: %w", path, err)
	}
	return Stats(img), nil
}

// Stats counts an image's colours.
func Stats(img image.Image) ImageStats {
	b := img.Bounds()
	counts := map[uint64]int{}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := img.At(x, y).RGBA()
			counts[uint64(r)<<48|uint64(g)<<32|uint64(bl)<<16|uint64(a)]++
		}
	}
	top := 0
	for _, n := range counts {
		top = max(top, n)
	}
	s := ImageStats{Width: b.Dx(), Height: b.Dy(), Colours: len(counts)}
	if total := b.Dx() * b.Dy(); total > 0 {
		s.Dominant = float64(top) / float64(total)
	}
	return s
}
