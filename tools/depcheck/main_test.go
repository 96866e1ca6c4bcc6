package main

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckRules(t *testing.T) {
	const m = "example.com/m"
	pkgs := []pkg{
		{Path: m, Imports: []string{m + "/ui", "fmt"}},
		{Path: m + "/ui", Imports: []string{"fyne.io/fyne/v2/widget", m + "/sip", m + "/audio", m + "/webhookinspector", m + "/config"}},
		{Path: m + "/ui/sub", Imports: []string{m + "/ui"}},
		{Path: m + "/sip", Imports: []string{m + "/media", m + "/internal/pki", "github.com/emiago/sipgo"}},
		{Path: m + "/audio", Imports: []string{m + "/media", m + "/media/audiofile", "github.com/gordonklaus/portaudio"}},
		{Path: m + "/webhookinspector/streamcache", Imports: []string{m + "/media/audiofile", m + "/webhookinspector"}},
		{Path: m + "/media", Imports: []string{m + "/media/audiofile"}},
		{Path: m + "/config", Imports: []string{m + "/internal/pki"}},
		{Path: m + "/tools/depcheck", Imports: []string{"os"}},
		{Path: m + "/scripts/bench/gui-peer", Imports: []string{"fyne.io/fyne/v2/app"}},
	}
	if vs := check(m, pkgs); len(vs) != 0 {
		t.Fatalf("allowed graph flagged: %v", vs)
	}
	bad := []struct {
		p    pkg
		want string
	}{
		{pkg{m + "/media", []string{m + "/sip"}}, "media knows no SIP"},
		{pkg{m + "/media/rtp", []string{"github.com/gordonklaus/portaudio"}}, "media knows no SIP and no device"},
		{pkg{m + "/sip", []string{m + "/audio"}}, "sip knows no device"},
		{pkg{m + "/audio", []string{m + "/sip"}}, "audio knows no SIP"},
		{pkg{m + "/webhookinspector", []string{m + "/audio"}}, "neither sip nor audio"},
		{pkg{m + "/config", []string{m + "/ui"}}, "nothing but the main package imports ui"},
		{pkg{m + "/internal/testlab", []string{m + "/sip"}}, "internal/* are leaves"},
		{pkg{m + "/webhookinspector/x", []string{"fyne.io/fyne/v2"}}, "only ui imports fyne.io"},
		{pkg{m + "/scripts/bench/peer", []string{m + "/ui"}}, "nothing but the main package imports ui"},
		{pkg{m + "/newpkg", []string{m + "/ui"}}, "nothing but the main package imports ui"},
	}
	for _, b := range bad {
		vs := check(m, []pkg{b.p})
		found := false
		for _, v := range vs {
			found = found || strings.Contains(v.String(), b.want)
		}
		if !found {
			t.Errorf("%s → %v: got %v, want a violation %q", b.p.Path, b.p.Imports, vs, b.want)
		}
	}
}

// make lint runs `make lint-deps`; on a module with forbidden imports it
// fails and names each one, on a module that follows the rule it passes.
func TestMakeLintDepsOnFixtures(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Fatal("make not found (package make): run make deps")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	lint := func(fixture string) (string, error) {
		dir, _ := filepath.Abs(filepath.Join("testdata", fixture))
		cmd := exec.Command("make", "-s", "-C", root, "lint-deps", "DEPCHECK_DIR="+dir)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := lint("bad")
	if err == nil {
		t.Fatalf("make lint-deps passed on the violating fixture:\n%s", out)
	}
	for _, want := range []string{
		"example.com/bad/media imports example.com/bad/sip",
		"example.com/bad/sip imports example.com/bad/ui: nothing but the main package imports ui",
		"example.com/bad/sip imports example.com/bad/audio",
		"example.com/bad/audio imports fyne.io/fyne/v2: only ui imports fyne.io",
		"example.com/bad/webhookinspector imports example.com/bad/audio",
		"example.com/bad/config imports example.com/bad/webhookinspector",
		"example.com/bad/internal/x imports example.com/bad/sip",
		"break the dependency rule",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if out, err := lint("good"); err != nil || !strings.Contains(out, "follow the dependency rule") {
		t.Fatalf("make lint-deps on the clean fixture: %v\n%s", err, out)
	}
}
