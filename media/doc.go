// Package media is Hookphone's media engine with no SIP and no devices: SDP
// offer/answer, SDES keys (RFC 4568), SRTP/SRTCP through pion/srtp, RTP
// sessions, G.711 codecs, the adaptive jitter buffer, RTCP statistics
// (RFC 3550) and RFC 4733 DTMF. Audio goes in and out through the small
// [Source] and [Sink] interfaces declared here.
//
// # One call, one Session
//
// [NewSession] binds an even RTP port and the RTCP port above it on
// [Config.LocalIP]. The caller then runs one offer/answer exchange:
//
//	offer, _ := s.Offer()              // UAC: INVITE body
//	neg, err := s.AcceptAnswer(answer) // 200 OK body
//
//	answer, neg, err := s.Answer(offer) // UAS: answer an INVITE
//
// and starts the engine with [Session.Start]. A failed exchange is a
// [*NegotiationError] with the SIP status (488) and a Warning that says why;
// under [PolicyMandatory] nothing ever falls back to plain RTP.
//
// # Hold and re-INVITEs
//
// [Session.SetDirection] returns a re-offer (sendonly or inactive to hold,
// sendrecv to resume) whose answer goes to [Session.AcceptAnswer]; a peer's
// re-offer goes to [Session.Answer] on the same Session. Keys are kept
// across re-offers, so SRTP contexts (and their replay windows) survive.
//
// # The engine
//
// One goroutine per socket reads, authenticates (replay window 128 for SRTP
// and SRTCP), latches the first authenticated source (symmetric RTP) and
// feeds the jitter buffer; one tick goroutine, every ptime, pulls a frame
// from the Source, sends it (or a DTMF event packet), pulls a frame of
// playout for the Sink and sends RTCP about every 5 s. [Session.Close]
// stops and waits for all of them. [Session.Stats] and [Session.Events]
// report what happened; key material is never logged.
package media
