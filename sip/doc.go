// Package sip is Hookphone's signalling layer on top of github.com/emiago/sipgo:
// accounts, SIP over TLS with verified certificates, one persistent flow per
// account, registration with refresh and recovery, the trunk-mode listener,
// and the SIP trace.
//
// # Accounts and flows
//
// An [Account] is either registering (a PBX or registrar: REGISTER with digest,
// refreshed before expiry) or a trunk (no REGISTER; digest answered on each
// INVITE; inbound calls on a TLS listener). Every account gets its own
// [Endpoint]: one sipgo UserAgent, Client and Server sharing one persistent
// TLS connection (the flow) to the account's server. Hookphone dials that
// connection itself and hands it to sipgo, so it can trace every message in
// clear text, notice at once when the flow closes, and send RFC 5626 CRLF
// keep-alives on it. Requests the server sends down the flow (INVITE, BYE,
// OPTIONS, NOTIFY…) reach the handlers registered with [Endpoint.Handle].
//
// # TLS
//
// [NewTLSConfig] builds the client configuration: TLS 1.2 or later, the system
// roots plus the account's CA file, the server URI's host as server name, and a
// pinned SHA-256 fingerprint as the only way to accept a self-signed server. A
// refused handshake returns a [*CertError] saying why and describing the
// certificate the server presented.
//
// # Registration
//
// [Registration] runs the REGISTER state machine for one account and reports
// [State] changes as [Event] values: refreshes before expiry, re-registers at
// once on a new flow when the keep-alive finds the flow dead, backs off
// exponentially (with jitter, capped at 5 minutes) on failures, and gives up
// for good on a wrong password (401/403 after authenticating).
//
// # Trunks
//
// A trunk account ([ModeTrunk]) never registers: [Trunk] keeps its flow open
// and alive (states connecting/connected), [Endpoint.Do] and the dialog layer
// answer digest challenges on each request, and [Endpoint.Listen] takes
// inbound calls on a TLS listener whose certificate
// [LoadOrCreateListenerCert] makes and keeps on first use. [KeepAlive] is the
// RFC 5626 keep-alive both modes use.
//
// # Trace
//
// A [Trace] records every SIP message sent and received on the flows it is
// given, grouped by Call-ID, bounded in memory and optionally persisted with a
// [TraceStore] (only redacted text reaches the disk). Digest responses and
// SDES keys are redacted unless revealed; [Export] writes a trace as text.
//
// Package siptest has an in-process registrar and a fake [Clock] for tests;
// internal/testlab runs a real Kamailio.
package sip
