package config

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookphone/hookphone/internal/pki"
)

func writeTestCA(t *testing.T, dir string) string {
	t.Helper()
	ca, err := pki.NewCA("hookphone test CA", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(p, ca.CertPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestStoreMissingFileGivesDefaults(t *testing.T) {
	s := NewStore(filepath.Join(t.TempDir(), "hookphone", "config.toml"))
	c, err := s.Load()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c, Default()) {
		t.Errorf("Load of missing file = %+v", c)
	}
	if _, err := os.Stat(s.Path()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load created the file: %v", err)
	}
}

func TestStoreSaveLoadRoundTrip(t *testing.T) {
	dir := t.TempDir()
	s := NewStore(filepath.Join(dir, "config.toml"))
	if _, err := s.Load(); err != nil {
		t.Fatal(err)
	}
	c := Default()
	c.Accounts = []Account{{
		Name: "office", DisplayName: "Alice", Server: "sips:pbx.example.com:5061", User: "alice", AuthUser: "a1",
		CAFile: writeTestCA(t, dir), Fingerprint: strings.Repeat("AB:", 31) + "AB", SRTP: SRTPOptional,
		Suites: []string{"AES_CM_128_HMAC_SHA1_80"}, Codecs: []string{"PCMA"}, Mode: ModeTrunk, Listen: "127.0.0.1:5071", Device: "default",
	}}
	c.Audio = Audio{Input: "mic", Output: "speaker", Ringer: "bell", EchoCancellation: false}
	c.Inspector.SignatureSecrets = map[string]string{"key1": SignatureSecretKey("key1")}
	c.Inspector.NCCO = `[{"action":"talk","text":"hi"}]`
	if err := s.Save(c); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(s.Path())
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("saved file: %v, mode %v", err, fi.Mode())
	}
	got, err := NewStore(s.Path()).Load()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, c) {
		t.Errorf("reloaded =\n%+v\nwant\n%+v", got, c)
	}
	if _, err := os.Stat(s.BackupPath()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("first save of a new file made a backup: %v", err)
	}
}

// A hand-broken file: Load reports line and field, the app gets defaults, and
// Save refuses, leaving the user's bytes exactly as they were (no backup, no temp).
func TestStoreBrokenFileIsNeverOverwritten(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.toml")
	broken, err := os.ReadFile("testdata/broken/bad_uri.toml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, broken, 0o644); err != nil {
		t.Fatal(err)
	}
	s := NewStore(path)
	c, err := s.Load()
	var fe *FileError
	if !errors.As(err, &fe) || fe.Problems[0].Line != 11 || fe.Problems[0].Field != "account[2].server" {
		t.Fatalf("Load error = %v", err)
	}
	if !reflect.DeepEqual(c, Default()) {
		t.Errorf("Load of broken file should give defaults to run with, got %+v", c)
	}
	if s.LoadError() == nil {
		t.Error("LoadError is nil after a failed load")
	}
	c.Accounts = []Account{{Name: "new", Server: "sips:pbx.example.com", User: "bob"}}
	err = s.Save(c)
	if !errors.Is(err, ErrNotSaved) || !strings.Contains(err.Error(), "left as you wrote it") {
		t.Fatalf("Save over a broken file = %v", err)
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(after, broken) {
		t.Error("the broken file was modified")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("folder holds %d entries, want only config.toml", len(entries))
	}
	// Fixed by hand: the next Load succeeds and Save works again.
	fixed := bytes.Replace(broken, []byte("sip//pbx"), []byte("sips:pbx"), 1)
	if err := os.WriteFile(path, fixed, 0o644); err != nil {
		t.Fatal(err)
	}
	if c, err = s.Load(); err != nil {
		t.Fatal(err)
	}
	if err := s.Save(c); err != nil {
		t.Fatalf("Save after the fix: %v", err)
	}
}

// Before any rewrite the user's previous file is kept as config.toml.bak, byte for byte.
func TestStoreBacksUpBeforeRewrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.toml")
	handWritten, err := os.ReadFile("testdata/full.toml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, handWritten, 0o600); err != nil {
		t.Fatal(err)
	}
	s := NewStore(path)
	c, err := s.Load()
	if err != nil {
		t.Fatal(err)
	}
	c.Accounts = c.Accounts[:1]
	if err := s.Save(c); err != nil {
		t.Fatal(err)
	}
	bak, err := os.ReadFile(s.BackupPath())
	if err != nil || !bytes.Equal(bak, handWritten) {
		t.Fatalf("backup = %v (%d bytes), want the hand-written file", err, len(bak))
	}
	second, _ := os.ReadFile(path)
	c.Audio.Input = "other"
	if err := s.Save(c); err != nil {
		t.Fatal(err)
	}
	if bak, _ = os.ReadFile(s.BackupPath()); !bytes.Equal(bak, second) {
		t.Error("second save did not back up the first save's file")
	}
}

// Edits made on disk after Load are not overwritten by a stale Save.
func TestStoreRefusesToOverwriteOutsideEdits(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	s := NewStore(path)
	c, _ := s.Load()
	if err := s.Save(c); err != nil {
		t.Fatal(err)
	}
	edit := []byte("version = 1\n[audio]\ninput = \"edited by hand\"\n")
	if err := os.WriteFile(path, edit, 0o600); err != nil {
		t.Fatal(err)
	}
	c.Audio.Input = "from the app"
	if err := s.Save(c); !errors.Is(err, ErrNotSaved) || !strings.Contains(err.Error(), "changed on disk") {
		t.Fatalf("stale Save = %v", err)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, edit) {
		t.Error("outside edit was overwritten")
	}
	// A file created by someone else after a Load that found none is protected too.
	path2 := filepath.Join(t.TempDir(), "config.toml")
	s2 := NewStore(path2)
	if _, err := s2.Load(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path2, edit, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := s2.Save(Default()); !errors.Is(err, ErrNotSaved) {
		t.Fatalf("Save over a file that appeared = %v", err)
	}
}

func TestStoreSaveRejectsInvalidConfig(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	s := NewStore(path)
	c, _ := s.Load()
	c.Accounts = []Account{{Name: "x", Server: "not a uri", User: "u"}}
	err := s.Save(c)
	if !errors.Is(err, ErrNotSaved) || !strings.Contains(err.Error(), "account[1].server") {
		t.Fatalf("Save(invalid) = %v", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Error("an invalid config was written")
	}
}

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "f.txt")
	if err := WriteFileAtomic(path, []byte("one"), 0o600); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "one" {
		t.Fatalf("content %q", b)
	}
	// A failed write (the target is a folder) leaves no temp file behind.
	target := filepath.Join(dir, "isdir")
	if err := os.MkdirAll(filepath.Join(target, "x"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := WriteFileAtomic(target, []byte("x"), 0o600); err == nil {
		t.Fatal("replacing a non-empty folder succeeded")
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temp file left: %s", e.Name())
		}
	}
}

// Readers racing a writer only ever see a whole old or a whole new file.
func TestWriteFileAtomicReadersSeeWholeFiles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	a := bytes.Repeat([]byte("a"), 256<<10)
	b := bytes.Repeat([]byte("b"), 300<<10)
	if err := WriteFileAtomic(path, a, 0o600); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var bad []string
	var mu sync.Mutex
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				got, err := os.ReadFile(path)
				if err != nil || (!bytes.Equal(got, a) && !bytes.Equal(got, b)) {
					mu.Lock()
					bad = append(bad, "torn read")
					mu.Unlock()
				}
			}
		}()
	}
	for i := range 40 {
		data := a
		if i%2 == 0 {
			data = b
		}
		if err := WriteFileAtomic(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	if len(bad) > 0 {
		t.Fatalf("%d reads saw a partial file", len(bad))
	}
}
