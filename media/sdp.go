package media

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pion/sdp/v3"
)

// SDP offer/answer for one audio stream (RFC 3264), with SDES keys
// (RFC 4568), telephone-event (RFC 4733), direction attributes for hold
// (RFC 3264 §8.4) and rtcp-mux (RFC 5761).

const (
	protoAVP  = "RTP/AVP"
	protoSAVP = "RTP/SAVP"
	// maxPTime bounds the packetisation we accept from a peer.
	maxPTime = 120 * time.Millisecond
)

// Negotiated is the outcome of one offer/answer exchange. It carries no key
// material, so it is safe to log.
type Negotiated struct {
	// Secure is true when media is SRTP.
	Secure bool
	// Suite is the SRTP suite (SuiteUnknown when plain RTP).
	Suite Suite
	// Codec and PayloadType are the audio codec and its payload type.
	Codec       Codec
	PayloadType uint8
	// PTime is the packetisation interval we send with.
	PTime time.Duration
	// DTMFPayloadType is the telephone-event payload type, -1 when the peer
	// did not accept telephone-event.
	DTMFPayloadType int
	// Direction is our direction after this exchange.
	Direction Direction
	// Remote and RemoteRTCP are where we send RTP and RTCP until latching.
	Remote, RemoteRTCP netip.AddrPort
	// RTCPMux is true when RTCP shares the RTP port (RFC 5761).
	RTCPMux bool
	// Skipped lists a=crypto lines (or other offers) we could not honour,
	// each with its reason; no key material is included.
	Skipped []string
}

// localParams is our side of the negotiation.
type localParams struct {
	policy  Policy
	suites  []Suite
	codecs  []Codec
	ptime   time.Duration
	dtmfPT  uint8
	addr    netip.Addr
	port    int
	dir     Direction
	keys    map[Suite]CryptoAttr // our master keys, one per suite, reused on re-offers
	origin  uint64               // o= session id
	version uint64               // o= version, bumped for every SDP we emit
}

// remoteMedia is what we read from the peer's audio m-line.
type remoteMedia struct {
	index    int
	proto    string
	addr     netip.Addr
	port     int
	rtcp     netip.AddrPort
	formats  []uint8
	rtpmap   map[uint8]string // "PCMU/8000"
	fmtp     map[uint8]string
	ptime    time.Duration
	dir      Direction
	rtcpMux  bool
	cryptos  []string                // raw a=crypto values
	mediaRaw []*sdp.MediaDescription // every m-line, for the answer's rejects
}

func unmarshalSDP(b []byte) (*sdp.SessionDescription, error) {
	var sd sdp.SessionDescription
	if err := sd.Unmarshal(b); err != nil {
		return nil, fmt.Errorf("parse sdp: %w", err)
	}
	return &sd, nil
}

// readRemote extracts the first usable audio m-line.
func readRemote(sd *sdp.SessionDescription) (*remoteMedia, error) {
	rm := &remoteMedia{index: -1, mediaRaw: sd.MediaDescriptions}
	var md *sdp.MediaDescription
	for i, m := range sd.MediaDescriptions {
		if m.MediaName.Media == "audio" && m.MediaName.Port.Value != 0 && md == nil {
			md, rm.index = m, i
		}
	}
	if md == nil {
		return nil, notAcceptable(304, "no audio stream (no m=audio line with a non-zero port)")
	}
	rm.proto = strings.Join(md.MediaName.Protos, "/")
	rm.port = md.MediaName.Port.Value
	if rm.port < 0 || rm.port > 65535 {
		return nil, notAcceptable(305, "m=audio port %d out of range", rm.port)
	}
	ci := md.ConnectionInformation
	if ci == nil {
		ci = sd.ConnectionInformation
	}
	if ci == nil || ci.Address == nil {
		return nil, notAcceptable(305, "no c= connection address for the audio stream")
	}
	addr, err := netip.ParseAddr(ci.Address.Address)
	if err != nil {
		return nil, notAcceptable(305, "c= address %q is not an IP address (host names are not supported)", ci.Address.Address)
	}
	rm.addr = addr.Unmap()
	rm.rtcp = netip.AddrPortFrom(rm.addr, uint16(rm.port+1))
	for _, f := range md.MediaName.Formats {
		pt, err := strconv.ParseUint(f, 10, 7)
		if err != nil {
			return nil, notAcceptable(305, "m=audio format %q is not an RTP payload type", f)
		}
		rm.formats = append(rm.formats, uint8(pt))
	}
	rm.rtpmap = map[uint8]string{}
	rm.fmtp = map[uint8]string{}
	rm.dir = DirectionSendRecv
	if d := sessionDirection(sd); d != DirectionUnknown {
		rm.dir = d
	}
	for _, a := range md.Attributes {
		switch a.Key {
		case "rtpmap", "fmtp":
			ptS, rest, _ := strings.Cut(a.Value, " ")
			pt, err := strconv.ParseUint(ptS, 10, 7)
			if err != nil {
				continue // an rtpmap for nothing we could use
			}
			if a.Key == "rtpmap" {
				rm.rtpmap[uint8(pt)] = strings.TrimSpace(rest)
			} else {
				rm.fmtp[uint8(pt)] = strings.TrimSpace(rest)
			}
		case "ptime":
			ms, err := strconv.ParseFloat(strings.TrimSpace(a.Value), 64)
			if err == nil && ms > 0 {
				rm.ptime = time.Duration(ms * float64(time.Millisecond))
			}
		case "sendrecv", "sendonly", "recvonly", "inactive":
			rm.dir, _ = ParseDirection(a.Key)
		case "rtcp-mux":
			rm.rtcpMux = true
		case "rtcp":
			if ap, ok := parseRTCPAttr(a.Value, rm.addr); ok {
				rm.rtcp = ap
			}
		case "crypto":
			rm.cryptos = append(rm.cryptos, a.Value)
		}
	}
	if rm.addr.IsUnspecified() {
		// RFC 3264 §8.4 (old RFC 2543 hold): c=0.0.0.0 means "do not send".
		rm.dir = rm.dir.intersect(DirectionSendOnly)
	}
	return rm, nil
}

func sessionDirection(sd *sdp.SessionDescription) Direction {
	for _, a := range sd.Attributes {
		if d, err := ParseDirection(a.Key); err == nil {
			return d
		}
	}
	return DirectionUnknown
}

// parseRTCPAttr reads a=rtcp:<port> [IN IP4 <addr>] (RFC 3605).
func parseRTCPAttr(v string, def netip.Addr) (netip.AddrPort, bool) {
	f := strings.Fields(v)
	if len(f) == 0 {
		return netip.AddrPort{}, false
	}
	p, err := strconv.ParseUint(f[0], 10, 16)
	if err != nil || p == 0 {
		return netip.AddrPort{}, false
	}
	addr := def
	if len(f) == 4 {
		if a, err := netip.ParseAddr(f[3]); err == nil {
			addr = a.Unmap()
		}
	}
	return netip.AddrPortFrom(addr, uint16(p)), true
}

// codecOf names the codec behind a payload type, from its rtpmap or the
// RFC 3551 static assignment.
func (rm *remoteMedia) codecOf(pt uint8) Codec {
	if m, ok := rm.rtpmap[pt]; ok {
		switch strings.ToUpper(m) {
		case "PCMU/8000", "PCMU/8000/1":
			return CodecPCMU
		case "PCMA/8000", "PCMA/8000/1":
			return CodecPCMA
		}
		return CodecUnknown
	}
	switch pt {
	case 0:
		return CodecPCMU
	case 8:
		return CodecPCMA
	}
	return CodecUnknown
}

// dtmfPT finds telephone-event at the audio clock rate.
func (rm *remoteMedia) dtmfPT() int {
	for _, pt := range rm.formats {
		if strings.EqualFold(rm.rtpmap[pt], "telephone-event/8000") {
			return int(pt)
		}
	}
	return -1
}

func (rm *remoteMedia) negotiatedPTime(def time.Duration) time.Duration {
	if rm.ptime >= 10*time.Millisecond && rm.ptime <= maxPTime && rm.ptime%(10*time.Millisecond) == 0 {
		return rm.ptime
	}
	return def
}

func (rm *remoteMedia) remoteAddrs(mux bool) (rtpAP, rtcpAP netip.AddrPort) {
	rtpAP = netip.AddrPortFrom(rm.addr, uint16(rm.port))
	rtcpAP = rm.rtcp
	if mux {
		rtcpAP = rtpAP
	}
	return rtpAP, rtcpAP
}

// profileAllowed checks the m-line transport against our policy.
func profileAllowed(p Policy, proto string) (secureProto bool, err error) {
	switch proto {
	case protoSAVP, "RTP/SAVPF":
		if p == PolicyOff {
			return true, notAcceptable(305, "SRTP is off for this account but the offer requires %s", proto)
		}
		return true, nil
	case protoAVP, "RTP/AVPF":
		return false, nil
	}
	return false, notAcceptable(305, "transport %q is not supported (want RTP/SAVP or RTP/AVP; DTLS-SRTP is not implemented)", proto)
}

// chooseCrypto picks the first offered a=crypto line whose suite we
// support, recording why the others were skipped.
func chooseCrypto(offered []string, ours []Suite) (CryptoAttr, []string, bool) {
	var skipped []string
	for _, raw := range offered {
		c, err := ParseCrypto(raw)
		if err != nil {
			skipped = append(skipped, redactKeys(err.Error()))
			continue
		}
		if !slices.Contains(ours, c.Suite) {
			skipped = append(skipped, fmt.Sprintf("a=crypto tag %d: %s is not enabled here", c.Tag, c.Suite))
			continue
		}
		return c, skipped, true
	}
	return CryptoAttr{}, skipped, false
}

// redactKeys removes anything after "inline:" from a message that quotes a
// crypto line, so that key material never reaches logs.
func redactKeys(s string) string {
	i := strings.Index(s, "inline:")
	if i < 0 {
		return s
	}
	j := i + len("inline:")
	for j < len(s) && s[j] != ' ' && s[j] != '"' {
		j++
	}
	return s[:i] + "inline:<redacted>" + s[j:]
}

func suiteNamesOf(ss []Suite) string {
	n := make([]string, len(ss))
	for i, s := range ss {
		n[i] = s.String()
	}
	return strings.Join(n, ", ")
}

// buildSDP writes our SDP for one audio stream.
func buildSDP(lp *localParams, proto string, pts []uint8, codecByPT map[uint8]Codec, dtmfPT int,
	ptime time.Duration, cryptos []CryptoAttr, dir Direction, mux bool, rejects *remoteMedia,
) ([]byte, error) {
	lp.version++
	ipv := "IP4"
	if lp.addr.Is6() {
		ipv = "IP6"
	}
	sd := &sdp.SessionDescription{
		Origin: sdp.Origin{Username: "hookphone", SessionID: lp.origin, SessionVersion: lp.version,
			NetworkType: "IN", AddressType: ipv, UnicastAddress: lp.addr.String()},
		SessionName:           "hookphone",
		ConnectionInformation: &sdp.ConnectionInformation{NetworkType: "IN", AddressType: ipv, Address: &sdp.Address{Address: lp.addr.String()}},
		TimeDescriptions:      []sdp.TimeDescription{{}},
	}
	md := &sdp.MediaDescription{MediaName: sdp.MediaName{Media: "audio", Port: sdp.RangedPort{Value: lp.port}, Protos: strings.Split(proto, "/")}}
	for _, pt := range pts {
		md.MediaName.Formats = append(md.MediaName.Formats, strconv.Itoa(int(pt)))
	}
	for _, pt := range pts {
		if c, ok := codecByPT[pt]; ok {
			md.Attributes = append(md.Attributes, sdp.Attribute{Key: "rtpmap", Value: fmt.Sprintf("%d %s/%d", pt, c, c.ClockRate())})
		}
	}
	if dtmfPT >= 0 {
		md.Attributes = append(md.Attributes,
			sdp.Attribute{Key: "rtpmap", Value: fmt.Sprintf("%d telephone-event/8000", dtmfPT)},
			sdp.Attribute{Key: "fmtp", Value: fmt.Sprintf("%d %s", dtmfPT, dtmfEventsFor(rejects, dtmfPT))})
	}
	md.Attributes = append(md.Attributes, sdp.Attribute{Key: "ptime", Value: strconv.Itoa(int(ptime / time.Millisecond))})
	if mux {
		md.Attributes = append(md.Attributes, sdp.Attribute{Key: "rtcp-mux"})
	}
	md.Attributes = append(md.Attributes, sdp.Attribute{Key: "rtcp", Value: strconv.Itoa(lp.port + 1)})
	for _, c := range cryptos {
		md.Attributes = append(md.Attributes, sdp.Attribute{Key: "crypto", Value: c.sdpValue()})
	}
	md.Attributes = append(md.Attributes, sdp.Attribute{Key: dir.String()})
	if rejects == nil {
		sd.MediaDescriptions = []*sdp.MediaDescription{md}
	} else {
		// RFC 3264 §6: the answer has as many m-lines as the offer; the ones
		// we do not use get port 0.
		for i, m := range rejects.mediaRaw {
			if i == rejects.index {
				sd.MediaDescriptions = append(sd.MediaDescriptions, md)
				continue
			}
			rej := &sdp.MediaDescription{MediaName: m.MediaName}
			rej.MediaName.Port = sdp.RangedPort{Value: 0}
			if len(rej.MediaName.Formats) == 0 {
				rej.MediaName.Formats = []string{"0"}
			}
			sd.MediaDescriptions = append(sd.MediaDescriptions, rej)
		}
	}
	out, err := sd.Marshal()
	if err != nil {
		return nil, fmt.Errorf("write sdp: %w", err)
	}
	return out, nil
}

// dtmfEventsFor is the telephone-event list we declare: in an answer, the
// offerer's own list when it is a plain event range we can take (we receive
// every event 0–16 and ignore others), else 0-16 (RFC 4733 §7.1.1).
func dtmfEventsFor(offer *remoteMedia, pt int) string {
	if offer != nil {
		if v, ok := offer.fmtp[uint8(pt)]; ok && dtmfEventListRE.MatchString(v) {
			return v
		}
	}
	return "0-16"
}

var dtmfEventListRE = regexp.MustCompile(`^[0-9]{1,3}(-[0-9]{1,3})?(,[0-9]{1,3}(-[0-9]{1,3})?)*$`)

// pendingOffer remembers what we offered until the answer arrives.
type pendingOffer struct {
	cryptos []CryptoAttr
	codecs  map[uint8]Codec
	dtmfPT  uint8
	dir     Direction
	secure  bool // offered RTP/SAVP
}

// makeOffer builds an offer from lp.
func makeOffer(lp *localParams) ([]byte, *pendingOffer, error) {
	po := &pendingOffer{codecs: map[uint8]Codec{}, dtmfPT: lp.dtmfPT, dir: lp.dir}
	proto := protoAVP
	if lp.policy != PolicyOff {
		for i, s := range lp.suites {
			k, err := lp.key(s)
			if err != nil {
				return nil, nil, err
			}
			k.Tag = i + 1
			po.cryptos = append(po.cryptos, k)
		}
		if lp.policy == PolicyMandatory {
			proto, po.secure = protoSAVP, true
		}
	}
	var pts []uint8
	for _, c := range lp.codecs {
		pts = append(pts, c.staticPT())
		po.codecs[c.staticPT()] = c
	}
	pts = append(pts, lp.dtmfPT)
	b, err := buildSDP(lp, proto, pts, po.codecs, int(lp.dtmfPT), lp.ptime, po.cryptos, lp.dir, true, nil)
	return b, po, err
}

// key returns our master key for suite s, creating it on first use.
func (lp *localParams) key(s Suite) (CryptoAttr, error) {
	if k, ok := lp.keys[s]; ok {
		return k, nil
	}
	k, err := newCryptoAttr(1, s)
	if err != nil {
		return k, err
	}
	if lp.keys == nil {
		lp.keys = map[Suite]CryptoAttr{}
	}
	lp.keys[s] = k
	return k, nil
}

// keyPair is the SRTP material for one negotiated stream.
type keyPair struct {
	local, remote CryptoAttr
}

// answerOffer negotiates a remote offer and writes our answer.
func answerOffer(lp *localParams, offer []byte) ([]byte, Negotiated, *keyPair, error) {
	neg := Negotiated{DTMFPayloadType: -1}
	sd, err := unmarshalSDP(offer)
	if err != nil {
		return nil, neg, nil, notAcceptable(399, "%s", err)
	}
	rm, err := readRemote(sd)
	if err != nil {
		return nil, neg, nil, err
	}
	secureProto, err := profileAllowed(lp.policy, rm.proto)
	if err != nil {
		return nil, neg, nil, err
	}
	var kp *keyPair
	var answerCrypto []CryptoAttr
	if lp.policy != PolicyOff && (secureProto || len(rm.cryptos) > 0) {
		c, skipped, ok := chooseCrypto(rm.cryptos, lp.suites)
		neg.Skipped = skipped
		switch {
		case ok:
			local, err := lp.key(c.Suite)
			if err != nil {
				return nil, neg, nil, err
			}
			local.Tag = c.Tag
			kp = &keyPair{local: local, remote: c}
			answerCrypto = []CryptoAttr{local}
			neg.Secure, neg.Suite = true, c.Suite
		case secureProto || lp.policy == PolicyMandatory:
			return nil, neg, nil, noCryptoError(lp, rm, skipped)
		}
	} else if lp.policy == PolicyMandatory {
		return nil, neg, nil, noCryptoError(lp, rm, nil)
	}
	// Codec: the first offered format we support (offerer's preference).
	for _, pt := range rm.formats {
		if c := rm.codecOf(pt); c != CodecUnknown && slices.Contains(lp.codecs, c) {
			neg.Codec, neg.PayloadType = c, pt
			break
		}
	}
	if neg.Codec == CodecUnknown {
		return nil, neg, nil, notAcceptable(305, "no common audio codec: offer has payload types %v, we support %v", rm.formats, lp.codecs)
	}
	neg.DTMFPayloadType = rm.dtmfPT()
	neg.PTime = rm.negotiatedPTime(lp.ptime)
	neg.Direction = lp.dir.intersect(rm.dir.Reverse())
	neg.RTCPMux = rm.rtcpMux
	neg.Remote, neg.RemoteRTCP = rm.remoteAddrs(neg.RTCPMux)
	pts := []uint8{neg.PayloadType}
	if neg.DTMFPayloadType >= 0 {
		pts = append(pts, uint8(neg.DTMFPayloadType))
	}
	out, err := buildSDP(lp, rm.proto, pts, map[uint8]Codec{neg.PayloadType: neg.Codec}, neg.DTMFPayloadType,
		neg.PTime, answerCrypto, neg.Direction, neg.RTCPMux, rm)
	if err != nil {
		return nil, neg, nil, err
	}
	return out, neg, kp, nil
}

func noCryptoError(lp *localParams, rm *remoteMedia, skipped []string) *NegotiationError {
	if len(rm.cryptos) == 0 {
		return notAcceptable(305, "SRTP is mandatory here but the %s stream has no a=crypto line (plain RTP refused)", rm.proto)
	}
	return notAcceptable(305, "SRTP is mandatory here and no a=crypto line is usable (we support %s): %s",
		suiteNamesOf(lp.suites), strings.Join(skipped, "; "))
}

// acceptAnswer checks the peer's answer against what we offered.
func acceptAnswer(lp *localParams, po *pendingOffer, answer []byte) (Negotiated, *keyPair, error) {
	neg := Negotiated{DTMFPayloadType: -1}
	sd, err := unmarshalSDP(answer)
	if err != nil {
		return neg, nil, notAcceptable(399, "%s", err)
	}
	rm, err := readRemote(sd)
	if err != nil {
		return neg, nil, err
	}
	if rm.index != 0 {
		return neg, nil, notAcceptable(304, "answer rejected the audio stream")
	}
	secureProto, err := profileAllowed(lp.policy, rm.proto)
	if err != nil {
		return neg, nil, err
	}
	if po.secure && !secureProto {
		return neg, nil, notAcceptable(305, "answer changed the transport from RTP/SAVP to %s (plain RTP refused)", rm.proto)
	}
	var kp *keyPair
	switch {
	case len(rm.cryptos) > 1:
		return neg, nil, notAcceptable(305, "answer has %d a=crypto lines, want exactly one", len(rm.cryptos))
	case len(rm.cryptos) == 1 && len(po.cryptos) > 0:
		c, err := ParseCrypto(rm.cryptos[0])
		if err != nil {
			return neg, nil, notAcceptable(305, "answer's a=crypto line is unusable: %s", redactKeys(err.Error()))
		}
		var ours *CryptoAttr
		for i := range po.cryptos {
			if po.cryptos[i].Tag == c.Tag {
				ours = &po.cryptos[i]
			}
		}
		if ours == nil || ours.Suite != c.Suite {
			return neg, nil, notAcceptable(305, "answer's a=crypto tag %d %s does not match any offered line", c.Tag, c.Suite)
		}
		kp = &keyPair{local: *ours, remote: c}
		neg.Secure, neg.Suite = true, c.Suite
	case lp.policy == PolicyMandatory || secureProto:
		return neg, nil, notAcceptable(305, "SRTP is mandatory here but the answer has no a=crypto line (plain RTP refused)")
	}
	for _, pt := range rm.formats {
		c := rm.codecOf(pt)
		if c == CodecUnknown {
			continue
		}
		if oc, ok := po.codecs[pt]; ok && oc == c {
			neg.Codec, neg.PayloadType = c, pt
			break
		}
	}
	if neg.Codec == CodecUnknown {
		return neg, nil, notAcceptable(305, "answer has no codec we offered (payload types %v)", rm.formats)
	}
	if pt := rm.dtmfPT(); pt >= 0 {
		neg.DTMFPayloadType = pt
	}
	neg.PTime = rm.negotiatedPTime(lp.ptime)
	neg.Direction = po.dir.intersect(rm.dir.Reverse())
	neg.RTCPMux = rm.rtcpMux
	neg.Remote, neg.RemoteRTCP = rm.remoteAddrs(neg.RTCPMux)
	return neg, kp, nil
}

// asNegotiationError reports whether err is a *NegotiationError.
func asNegotiationError(err error) (*NegotiationError, bool) {
	var ne *NegotiationError
	ok := errors.As(err, &ne)
	return ne, ok
}
