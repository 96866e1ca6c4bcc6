// Package media is Hookphone's media engine with no SIP and no devices: SDP
// offer/answer, SDES keys (RFC 4568), SRTP/SRTCP through pion/srtp, RTP
// sessions, G.711 codecs, the adaptive jitter buffer, RTCP statistics
// (RFC 3550) and RFC 4733 DTMF. Audio goes in and out through the small
// [Source] and [Sink] interfaces declared here.
package media
