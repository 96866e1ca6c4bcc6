package pki

import (
	"crypto/tls"
	"crypto/x509"
	"strings"
	"testing"
	"time"
)

func TestIssueVerifiesAgainstCA(t *testing.T) {
	ca, err := NewCA("Test CA", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := ca.Issue("sip.test", []string{"sip.test", "127.0.0.1"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"sip.test", "127.0.0.1"} {
		if _, err := leaf.Cert.Verify(x509.VerifyOptions{Roots: ca.Pool(), DNSName: name}); err != nil {
			t.Errorf("verify for %s: %v", name, err)
		}
	}
	if _, err := leaf.Cert.Verify(x509.VerifyOptions{Roots: ca.Pool(), DNSName: "other.test"}); err == nil {
		t.Error("leaf verified for a name it does not carry")
	}
	again, err := LoadCA(ca.CertPEM, ca.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	if !again.Cert.Equal(ca.Cert) {
		t.Error("LoadCA returned another certificate")
	}
	if _, err := tls.X509KeyPair(leaf.CertPEM, leaf.KeyPEM); err != nil {
		t.Error(err)
	}
}

func TestFingerprintForms(t *testing.T) {
	leaf, err := SelfSigned("self", []string{"localhost"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	fp := Fingerprint(leaf.Cert)
	if len(fp) != 95 || strings.ToUpper(fp) != fp {
		t.Fatalf("fingerprint %q not in AA:BB form", fp)
	}
	bare := strings.ToLower(strings.ReplaceAll(fp, ":", ""))
	for _, in := range []string{fp, bare, " " + bare + " "} {
		got, err := NormalizeFingerprint(in)
		if err != nil || got != fp {
			t.Errorf("NormalizeFingerprint(%q) = %q, %v; want %q", in, got, err, fp)
		}
	}
	for _, bad := range []string{"", "zz", bare[:62], bare + "00"} {
		if _, err := NormalizeFingerprint(bad); err == nil {
			t.Errorf("NormalizeFingerprint(%q) accepted", bad)
		}
	}
}
