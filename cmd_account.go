package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"time"

	"github.com/hookphone/hookphone/config"
	"github.com/hookphone/hookphone/media"
	"github.com/hookphone/hookphone/sip"
)

// accountFlags are DESIGN.md's account flags, shared by the commands that
// talk SIP (register, call, answer): --account NAME reads the account from
// the config file (its password from the secret store), and the ad-hoc flags
// build or override one. Secrets come only from the environment or the
// secret store, never from argv.
type accountFlags struct {
	fs *flag.FlagSet

	name, server, user, authUser, domain, displayName string
	passwordEnv, ca, pin, srtp, suites, codecs        string
	listen, listenCert, listenKey, device, callIDHdr  string
	noRegister                                        bool
	expires                                           time.Duration
}

// addAccountFlags declares the account flags on fs.
func addAccountFlags(fs *flag.FlagSet) *accountFlags {
	f := &accountFlags{fs: fs}
	fs.StringVar(&f.name, "account", "", "account NAME from the config file (other account flags override its fields)")
	fs.StringVar(&f.server, "server", "", "server URI over TLS: sips:host[:port] or sip:host[:port];transport=tls")
	fs.StringVar(&f.user, "user", "", "user part of your address of record (sip:USER@domain)")
	fs.StringVar(&f.authUser, "auth-user", "", "digest user name when it differs from --user")
	fs.StringVar(&f.domain, "domain", "", "domain of your address of record when it differs from the server host")
	fs.StringVar(&f.displayName, "display-name", "", "display name shown to the people you call")
	fs.StringVar(&f.passwordEnv, "password-env", "", "name of the environment variable holding the SIP password")
	fs.StringVar(&f.ca, "ca", "", "PEM file of extra CA certificates to trust for the server")
	fs.StringVar(&f.pin, "pin-sha256", "", "SHA-256 fingerprint of the server certificate to accept even if self-signed")
	fs.StringVar(&f.srtp, "srtp", "", "media encryption: mandatory (default), optional or off")
	fs.StringVar(&f.suites, "suites", "", "SRTP suites in preference order, comma-separated (e.g. AES_CM_128_HMAC_SHA1_80)")
	fs.StringVar(&f.codecs, "codecs", "", "codecs in preference order, comma-separated (e.g. PCMU,PCMA)")
	fs.BoolVar(&f.noRegister, "no-register", false, "trunk mode: never REGISTER; digest on each request")
	fs.StringVar(&f.listen, "listen", "", "trunk mode: local TLS listener for inbound calls, e.g. 0.0.0.0:5061")
	fs.StringVar(&f.listenCert, "listen-cert", "", "certificate PEM for --listen (default: one made on first use and kept)")
	fs.StringVar(&f.listenKey, "listen-key", "", "key PEM for --listen-cert")
	fs.StringVar(&f.device, "device", "", "audio device NAME or default (instead of --play/--record files)")
	fs.StringVar(&f.callIDHdr, "call-id-header", "", "header carrying Hookphone's call id (default "+sip.DefaultCallIDHeader+")")
	fs.DurationVar(&f.expires, "expires", 0, "registration lifetime to ask for (default 10m; the server may shorten it)")
	return f
}

// set reports whether the flag was given on the command line.
func (f *accountFlags) set(name string) bool {
	given := false
	f.fs.Visit(func(fl *flag.Flag) {
		if fl.Name == name {
			given = true
		}
	})
	return given
}

// Device is the --device value (or the config account's device).
func (f *accountFlags) Device() string { return f.device }

// account builds and validates the account the flags describe.
func (f *accountFlags) account(ctx context.Context, cio cliIO) (sip.Account, error) {
	var a sip.Account
	a.Mode = sip.ModeRegister
	if f.name != "" {
		ca, device, err := configAccount(ctx, cio, f.name, f.passwordEnv == "")
		if err != nil {
			return sip.Account{}, err
		}
		a = ca
		if !f.set("device") {
			f.device = device
		}
	}
	if f.server != "" || f.name == "" {
		srv, err := sip.ParseServerURI(f.server)
		if err != nil {
			if f.server == "" {
				return sip.Account{}, errors.New("no account: give --account NAME or --server URI --user NAME")
			}
			return sip.Account{}, fmt.Errorf("--server: %w", err)
		}
		a.Server = srv
	}
	str := func(flagName string, dst *string, v string) {
		if f.set(flagName) || f.name == "" {
			*dst = v
		}
	}
	str("user", &a.User, f.user)
	str("auth-user", &a.AuthUser, f.authUser)
	str("domain", &a.Domain, f.domain)
	str("display-name", &a.DisplayName, f.displayName)
	str("ca", &a.CAFile, f.ca)
	str("pin-sha256", &a.PinnedSHA256, f.pin)
	str("listen", &a.Listen, f.listen)
	str("listen-cert", &a.ListenCertFile, f.listenCert)
	str("listen-key", &a.ListenKeyFile, f.listenKey)
	str("call-id-header", &a.CallIDHeader, f.callIDHdr)
	if f.noRegister {
		a.Mode = sip.ModeTrunk
	}
	if f.expires != 0 {
		a.Expires = f.expires
	}
	if f.srtp != "" {
		p, err := sip.ParseSRTPPolicy(f.srtp)
		if err != nil {
			return sip.Account{}, fmt.Errorf("--srtp: %w", err)
		}
		a.SRTP = p
	}
	if f.suites != "" {
		a.Suites = nil
		for _, s := range strings.Split(f.suites, ",") {
			if s = strings.TrimSpace(s); s != "" {
				if _, err := media.ParseSuite(s); err != nil {
					return sip.Account{}, fmt.Errorf("--suites: %w", err)
				}
				a.Suites = append(a.Suites, s)
			}
		}
	}
	if f.codecs != "" {
		a.Codecs = nil
		for _, c := range strings.Split(f.codecs, ",") {
			if c = strings.TrimSpace(c); c != "" {
				if _, err := media.ParseCodec(c); err != nil {
					return sip.Account{}, fmt.Errorf("--codecs: %w", err)
				}
				a.Codecs = append(a.Codecs, c)
			}
		}
	}
	if f.passwordEnv != "" {
		a.Password = cio.getenv(f.passwordEnv)
		if a.Password == "" {
			return sip.Account{}, fmt.Errorf("environment variable %s (from --password-env) is empty or unset", f.passwordEnv)
		}
	}
	if err := a.Validate(); err != nil {
		return sip.Account{}, err
	}
	return a, nil
}

// configAccount reads account name from the config file and, when
// wantPassword, its password from the secret store.
func configAccount(ctx context.Context, cio cliIO, name string, wantPassword bool) (sip.Account, string, error) {
	paths, err := config.DefaultPaths()
	if err != nil {
		return sip.Account{}, "", fmt.Errorf("--account %s: %w", name, err)
	}
	cfg, err := config.NewStore(paths.ConfigFile).Load()
	if err != nil {
		return sip.Account{}, "", fmt.Errorf("--account %s: %w", name, err)
	}
	ca, ok := cfg.Account(name)
	if !ok {
		names := make([]string, 0, len(cfg.Accounts))
		for _, x := range cfg.Accounts {
			names = append(names, x.Name)
		}
		if len(names) == 0 {
			return sip.Account{}, "", fmt.Errorf("--account %s: no accounts in %s; add one in the app or use --server/--user", name, paths.ConfigFile)
		}
		return sip.Account{}, "", fmt.Errorf("--account %s: not in %s (accounts: %s)", name, paths.ConfigFile, strings.Join(names, ", "))
	}
	a := sip.Account{
		Name: ca.Name, User: ca.User, AuthUser: ca.AuthUser, Domain: ca.Domain, DisplayName: ca.DisplayName,
		CAFile: ca.CAFile, PinnedSHA256: ca.Fingerprint, Suites: ca.Suites, Codecs: ca.Codecs, Listen: ca.Listen,
		Mode: sip.ModeRegister,
	}
	if ca.Mode == config.ModeTrunk {
		a.Mode = sip.ModeTrunk
	}
	if a.SRTP, err = sip.ParseSRTPPolicy(ca.SRTP.String()); err != nil {
		return sip.Account{}, "", fmt.Errorf("--account %s: %w", name, err)
	}
	if a.Server, err = sip.ParseServerURI(ca.Server); err != nil {
		return sip.Account{}, "", fmt.Errorf("--account %s: server: %w", name, err)
	}
	if wantPassword {
		store, _, err := config.OpenSecrets(ctx, paths.SecretsFallback, cio.getenv(config.SecretStoreEnv))
		if err != nil {
			return sip.Account{}, "", fmt.Errorf("--account %s: %w", name, err)
		}
		pw, err := store.Get(ctx, config.AccountPasswordKey(name))
		if err != nil {
			if errors.Is(err, config.ErrSecretNotFound) {
				return sip.Account{}, "", fmt.Errorf("--account %s: no password stored; set it in the app's account settings or pass --password-env VAR", name)
			}
			return sip.Account{}, "", fmt.Errorf("--account %s: read password: %w", name, err)
		}
		a.Password = pw
	}
	return a, ca.Device, nil
}

// listenerEvent is printed when a trunk listener starts (--listen).
type listenerEvent struct {
	Event       string `json:"event"`
	Listen      string `json:"listen"`
	Fingerprint string `json:"listener_cert_sha256"`
	CertFile    string `json:"listener_cert"`
	Created     bool   `json:"listener_cert_created"`
}

// openTrunkListener starts the account's trunk listener (acct.Listen) with
// the user's certificate (--listen-cert/--listen-key) or the one Hookphone
// made on first use and keeps in the data folder, and prints its address and
// fingerprint (the trunk or the user pins it). nil when acct.Listen is "".
func openTrunkListener(ctx context.Context, ep *sip.Endpoint, acct sip.Account, out printer) (*sip.TrunkListener, error) {
	if acct.Listen == "" {
		return nil, nil
	}
	dir := ""
	if acct.ListenCertFile == "" {
		paths, err := config.DefaultPaths()
		if err != nil {
			return nil, err
		}
		dir = filepath.Join(paths.DataDir, "listener")
	}
	host, _, _ := net.SplitHostPort(acct.Listen)
	hosts := []string{"localhost", "127.0.0.1"}
	if host != "" && host != "0.0.0.0" && host != "::" && host != "127.0.0.1" {
		hosts = append(hosts, host)
	}
	cert, err := sip.LoadOrCreateListenerCert(acct.ListenCertFile, acct.ListenKeyFile, dir, hosts)
	if err != nil {
		return nil, err
	}
	l, err := ep.Listen(ctx, acct.Listen, cert)
	if err != nil {
		return nil, err
	}
	made := ""
	if cert.Created {
		made = " (made now and kept in " + cert.CertFile + ")"
	}
	out.event(listenerEvent{Event: "listening", Listen: l.ListenAddr, Fingerprint: cert.Fingerprint, CertFile: cert.CertFile, Created: cert.Created},
		fmt.Sprintf("listening for trunk calls on %s;transport=tls, certificate SHA-256 %s%s", l.ListenAddr, cert.Fingerprint, made))
	return l, nil
}
