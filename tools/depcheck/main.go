// Command depcheck enforces Hookphone's package dependency rule (DESIGN.md,
// "Packages and the one-way rule") on the module in a folder:
//
//	ui → sip / webhookinspector / audio → media
//
// Nothing imports ui but the main package; only ui imports fyne.io (tools/
// and scripts/ programs such as benchmark peers may); media
// knows no SIP and no device; sip knows no device; audio knows no SIP;
// webhookinspector imports neither sip nor audio; config, assets and
// internal/* import none of ui, sip, audio, webhookinspector. It reads the
// import graph with `go list` (non-test imports) and exits 1 listing every
// violation, 2 when it cannot run.
//
// Usage: go run ./tools/depcheck [-tags migrated_fynedo] [dir]
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"strings"
)

// rule forbids packages under From (a module-relative path; "." is the
// module's root package only) to import anything under one of Deny.
type rule struct {
	From string
	Deny []string
	Why  string
}

// portaudio is the only way to reach sound devices; sipgo is the SIP stack.
const (
	portaudio = "github.com/gordonklaus/portaudio"
	sipgo     = "github.com/emiago/sipgo"
)

// rules is the dependency rule. A Deny entry starting with "//" names a
// module-relative package tree; anything else is an import path prefix.
var rules = []rule{
	{From: "media", Deny: []string{"//ui", "//sip", "//audio", "//webhookinspector", portaudio, sipgo}, Why: "media knows no SIP and no device"},
	{From: "sip", Deny: []string{"//ui", "//audio", "//webhookinspector", portaudio}, Why: "sip knows no device and no webhooks"},
	{From: "audio", Deny: []string{"//ui", "//sip", "//webhookinspector", sipgo}, Why: "audio knows no SIP"},
	{From: "webhookinspector", Deny: []string{"//ui", "//sip", "//audio", portaudio, sipgo}, Why: "webhookinspector imports neither sip nor audio"},
	{From: "config", Deny: []string{"//ui", "//sip", "//audio", "//webhookinspector"}, Why: "config is a leaf anyone may import"},
	{From: "internal", Deny: []string{"//ui", "//sip", "//audio", "//webhookinspector"}, Why: "internal/* are leaves anyone may import"},
	{From: "assets", Deny: []string{"//ui", "//sip", "//audio", "//webhookinspector", "//media", "//config"}, Why: "assets only embeds files"},
}

// pkg is one package of the module and its direct imports.
type pkg struct {
	Path    string
	Imports []string
}

// violation is one forbidden import.
type violation struct {
	From, Import, Why string
}

// String says who imports what and which part of the rule that breaks.
func (v violation) String() string { return fmt.Sprintf("%s imports %s: %s", v.From, v.Import, v.Why) }

func main() {
	tags := flag.String("tags", "migrated_fynedo", "build tags passed to go list")
	flag.Parse()
	dir := "."
	if flag.NArg() > 0 {
		dir = flag.Arg(0)
	}
	module, pkgs, err := list(dir, *tags)
	if err != nil {
		fmt.Fprintln(os.Stderr, "depcheck:", err)
		os.Exit(2)
	}
	vs := check(module, pkgs)
	for _, v := range vs {
		fmt.Fprintln(os.Stderr, "depcheck:", v)
	}
	if len(vs) > 0 {
		fmt.Fprintf(os.Stderr, "depcheck: %d import(s) break the dependency rule (DESIGN.md: ui → sip/webhookinspector/audio → media)\n", len(vs))
		os.Exit(1)
	}
	fmt.Printf("depcheck: %d packages of %s follow the dependency rule\n", len(pkgs), module)
}

// list runs go list in dir and returns the module path and its packages.
func list(dir, tags string) (string, []pkg, error) {
	run := func(args ...string) ([]byte, error) {
		cmd := exec.Command("go", args...)
		cmd.Dir = dir
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return nil, fmt.Errorf("go %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
		}
		return out, nil
	}
	mod, err := run("list", "-m")
	if err != nil {
		return "", nil, err
	}
	out, err := run("list", "-e", "-tags", tags, "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "./...")
	if err != nil {
		return "", nil, err
	}
	pkgs, err := parse(bytes.NewReader(out))
	return strings.TrimSpace(string(mod)), pkgs, err
}

// parse reads go list lines: an import path followed by its imports.
func parse(r io.Reader) ([]pkg, error) {
	var pkgs []pkg
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		pkgs = append(pkgs, pkg{Path: f[0], Imports: f[1:]})
	}
	if len(pkgs) == 0 {
		return nil, errors.New("go list found no packages")
	}
	return pkgs, sc.Err()
}

// under reports whether path is tree or inside it.
func under(path, tree string) bool {
	return path == tree || strings.HasPrefix(path, tree+"/")
}

// outsideApp reports whether a module-relative package is a tool or a
// benchmark peer rather than part of Hookphone (scripts/…, tools/…): such a
// program may use Fyne directly, e.g. a minimal window to measure against.
func outsideApp(rel string) bool { return under(rel, "scripts") || under(rel, "tools") }

// check applies the rules to every package of module.
func check(module string, pkgs []pkg) []violation {
	var vs []violation
	for _, p := range pkgs {
		if !under(p.Path, module) {
			continue
		}
		rel := strings.TrimPrefix(strings.TrimPrefix(p.Path, module), "/")
		for _, imp := range p.Imports {
			// Global rules: only main imports ui; only ui imports Fyne.
			if under(imp, module+"/ui") && rel != "" && !under(p.Path, module+"/ui") {
				vs = append(vs, violation{p.Path, imp, "nothing but the main package imports ui"})
			}
			if under(imp, "fyne.io") && !under(p.Path, module+"/ui") && !outsideApp(rel) {
				vs = append(vs, violation{p.Path, imp, "only ui imports fyne.io"})
			}
			for _, r := range rules {
				if !under(rel, r.From) {
					continue
				}
				for _, d := range r.Deny {
					target := d
					if strings.HasPrefix(d, "//") {
						target = module + "/" + strings.TrimPrefix(d, "//")
					}
					if under(imp, target) && !under(imp, module+"/"+r.From) {
						vs = append(vs, violation{p.Path, imp, r.Why})
					}
				}
			}
		}
	}
	sort.Slice(vs, func(i, j int) bool { return vs[i].String() < vs[j].String() })
	return dedupe(vs)
}

func dedupe(vs []violation) []violation {
	var out []violation
	for i, v := range vs {
		if i == 0 || v != vs[i-1] {
			out = append(out, v)
		}
	}
	return out
}
