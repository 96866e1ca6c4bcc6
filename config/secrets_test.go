package config

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hookphone/hookphone/internal/testlab"
)

func TestFileStore(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hookphone", "secrets.json")
	s := NewFileStore(path)
	if _, err := s.Get(ctx, "nothing"); !errors.Is(err, ErrSecretNotFound) {
		t.Fatalf("Get on a missing file = %v", err)
	}
	if err := s.Set(ctx, AccountPasswordKey("office"), "pa55 word"); err != nil {
		t.Fatal(err)
	}
	if err := s.Set(ctx, SignatureSecretKey("key1"), "sig"); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("secrets file mode: %v %v", err, fi.Mode())
	}
	dir, _ := os.Stat(filepath.Dir(path))
	if dir.Mode().Perm() != 0o700 {
		t.Errorf("secrets folder mode %v, want 0700", dir.Mode().Perm())
	}
	// A second store on the same file (another process) sees the values.
	if v, err := NewFileStore(path).Get(ctx, AccountPasswordKey("office")); err != nil || v != "pa55 word" {
		t.Fatalf("Get = %q, %v", v, err)
	}
	if err := s.Delete(ctx, AccountPasswordKey("office")); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, AccountPasswordKey("office")); err != nil {
		t.Fatalf("deleting twice: %v", err)
	}
	if _, err := s.Get(ctx, AccountPasswordKey("office")); !errors.Is(err, ErrSecretNotFound) {
		t.Fatalf("Get after Delete = %v", err)
	}
	if v, _ := s.Get(ctx, SignatureSecretKey("key1")); v != "sig" {
		t.Errorf("other secret lost: %q", v)
	}
	if s.Backend() != BackendFile || !strings.Contains(s.Describe(), path) {
		t.Errorf("Backend/Describe = %v %q", s.Backend(), s.Describe())
	}
}

func TestFileStoreRefusesAFileOthersCanRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "secrets.json")
	if err := os.WriteFile(path, []byte(`{"version":1,"secrets":{"a":"b"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := NewFileStore(path).Get(context.Background(), "a")
	if err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("Get from a 0644 file = %v", err)
	}
}

func TestFileStoreCorruptFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "secrets.json")
	if err := os.WriteFile(path, []byte(`{not json`), 0o600); err != nil {
		t.Fatal(err)
	}
	s := NewFileStore(path)
	if _, err := s.Get(context.Background(), "a"); err == nil || !strings.Contains(err.Error(), "not a Hookphone secrets file") {
		t.Fatalf("Get = %v", err)
	}
	if err := s.Set(context.Background(), "a", "b"); err == nil {
		t.Fatal("Set replaced a corrupt secrets file")
	}
	if b, _ := os.ReadFile(path); string(b) != `{not json` {
		t.Error("corrupt file was overwritten")
	}
}

// With no session bus, "auto" falls back to the file and says why; "keyring" fails.
func TestOpenSecretsWithoutSecretService(t *testing.T) {
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	path := filepath.Join(t.TempDir(), "secrets.json")
	s, note, err := OpenSecrets(context.Background(), path, "auto")
	if err != nil || s.Backend() != BackendFile || !strings.Contains(note, "no OS secret store") {
		t.Fatalf("OpenSecrets(auto) = %v, %q, %v", s, note, err)
	}
	if _, _, err := OpenSecrets(context.Background(), path, "keyring"); err == nil {
		t.Fatal("OpenSecrets(keyring) succeeded without a bus")
	}
	if s, _, err := OpenSecrets(context.Background(), path, "file"); err != nil || s.Backend() != BackendFile {
		t.Fatalf("OpenSecrets(file) = %v, %v", s, err)
	}
	if _, _, err := OpenSecrets(context.Background(), path, "vault"); err == nil {
		t.Fatal("unknown mode accepted")
	}
}

// The keyring path against a real Secret Service (gnome-keyring-daemon on a
// private bus). The checks run in a child process so that godbus's cached
// session-bus connection belongs to this bus only.
func TestKeyringStoreRealSecretService(t *testing.T) {
	ss := testlab.StartSecretService(t)
	fallback := filepath.Join(t.TempDir(), "secrets.json")
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(ss.Env(), "HOOKPHONE_KEYRING_CHILD="+fallback)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "keyring child: ok") {
		t.Fatalf("child: %v\n%s", err, out)
	}
	// Independently of go-keyring: secret-tool sees what the child left.
	v, ok, err := ss.Lookup(KeyringService, SignatureSecretKey("k1"))
	if err != nil || !ok || v != "sig-secret" {
		t.Fatalf("secret-tool lookup = %q %v %v", v, ok, err)
	}
	if _, ok, _ := ss.Lookup(KeyringService, AccountPasswordKey("office")); ok {
		t.Error("deleted password still in the keyring")
	}
	if _, err := os.Stat(fallback); !errors.Is(err, os.ErrNotExist) {
		t.Error("the fallback file was written although the keyring answered")
	}
}

// TestMain runs the keyring checks instead of the tests when started as
// TestKeyringStoreRealSecretService's child.
func TestMain(m *testing.M) {
	if fallback := os.Getenv("HOOKPHONE_KEYRING_CHILD"); fallback != "" {
		if err := keyringChild(fallback); err != nil {
			fmt.Println("keyring child:", err)
			os.Exit(1)
		}
		fmt.Println("keyring child: ok")
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func keyringChild(fallback string) error {
	ctx := context.Background()
	s, note, err := OpenSecrets(ctx, fallback, "auto")
	if err != nil || s.Backend() != BackendKeyring || note != "" {
		return fmt.Errorf("OpenSecrets = %v, %q, %v", s, note, err)
	}
	if _, err := s.Get(ctx, AccountPasswordKey("office")); !errors.Is(err, ErrSecretNotFound) {
		return fmt.Errorf("Get before Set = %v", err)
	}
	if err := s.Set(ctx, AccountPasswordKey("office"), "first"); err != nil {
		return err
	}
	if err := s.Set(ctx, AccountPasswordKey("office"), "s3cret pass"); err != nil {
		return err
	}
	if v, err := s.Get(ctx, AccountPasswordKey("office")); err != nil || v != "s3cret pass" {
		return fmt.Errorf("Get = %q, %v", v, err)
	}
	if err := s.Set(ctx, SignatureSecretKey("k1"), "sig-secret"); err != nil {
		return err
	}
	if err := s.Delete(ctx, AccountPasswordKey("office")); err != nil {
		return err
	}
	if err := s.Delete(ctx, AccountPasswordKey("office")); err != nil {
		return fmt.Errorf("second Delete: %w", err)
	}
	if _, err := s.Get(ctx, AccountPasswordKey("office")); !errors.Is(err, ErrSecretNotFound) {
		return fmt.Errorf("Get after Delete = %v", err)
	}
	return nil
}
