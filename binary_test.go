package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// testBinary is the real hookphone binary that package main's end-to-end
// tests run; it is built once per test run and removed by TestMain.
var testBinary struct {
	once      sync.Once
	dir, path string
	err       error
}

// hookphoneBinary builds the real binary (with the Makefile's tags) the first
// time a test asks for it and returns its path.
func hookphoneBinary(t testing.TB) string {
	t.Helper()
	testBinary.once.Do(func() {
		testBinary.dir, testBinary.err = os.MkdirTemp("", "hookphone-test-bin")
		if testBinary.err != nil {
			return
		}
		testBinary.path = filepath.Join(testBinary.dir, "hookphone")
		out, err := exec.Command("go", "build", "-tags", "migrated_fynedo", "-o", testBinary.path, ".").CombinedOutput()
		if err != nil {
			testBinary.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if testBinary.err != nil {
		t.Fatal(testBinary.err)
	}
	return testBinary.path
}

// TestMain removes the binary the end-to-end tests shared.
func TestMain(m *testing.M) {
	code := m.Run()
	if testBinary.dir != "" {
		os.RemoveAll(testBinary.dir)
	}
	os.Exit(code)
}

// jsonRun is one run of the real binary with --json whose lines the test
// reads as they come.
type jsonRun struct {
	cmd    *exec.Cmd
	sc     *bufio.Scanner
	lines  []string
	stderr bytes.Buffer
}

// startJSON starts the binary with args and env (added to the test's own).
func startJSON(t *testing.T, ctx context.Context, env []string, args ...string) *jsonRun {
	t.Helper()
	r := &jsonRun{cmd: exec.CommandContext(ctx, hookphoneBinary(t), args...)}
	r.cmd.Env = append(os.Environ(), env...)
	r.cmd.Stderr = &r.stderr
	out, err := r.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r.sc = bufio.NewScanner(out)
	return r
}

// waitLine reads lines until one contains s, and fails the test when the
// output ends first.
func (r *jsonRun) waitLine(t *testing.T, s string) string {
	t.Helper()
	for r.sc.Scan() {
		r.lines = append(r.lines, r.sc.Text())
		if strings.Contains(r.sc.Text(), s) {
			return r.sc.Text()
		}
	}
	t.Fatalf("%s never printed %q: %v; stderr %s", r.cmd.Args[1], s, r.lines, r.stderr.String())
	return ""
}

// result reads the rest, wants exit status 0 and decodes the last line
// (the result object) into v.
func (r *jsonRun) result(t *testing.T, v any) {
	t.Helper()
	for r.sc.Scan() {
		r.lines = append(r.lines, r.sc.Text())
	}
	if err := r.cmd.Wait(); err != nil {
		t.Fatalf("hookphone %s: %v\n%s\nstderr: %s", r.cmd.Args[1], err, strings.Join(r.lines, "\n"), r.stderr.String())
	}
	if len(r.lines) == 0 {
		t.Fatalf("hookphone %s printed nothing; stderr: %s", r.cmd.Args[1], r.stderr.String())
	}
	if err := json.Unmarshal([]byte(r.lines[len(r.lines)-1]), v); err != nil {
		t.Fatalf("result line %q: %v", r.lines[len(r.lines)-1], err)
	}
}
