package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
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
