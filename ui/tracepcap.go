package ui

import (
	"encoding/binary"
	"fmt"
	"io"
	"net/netip"

	"github.com/hookphone/hookphone/sip"
)

// writeTracePCAP writes messages as a pcap file (libpcap format, LINKTYPE_RAW)
// of synthesised IPv4/IPv6 + UDP packets carrying the SIP text in clear, with
// the flow's real addresses and ports, so Wireshark's VoIP → SIP Flows view
// draws the ladder. The real TLS records cannot be decrypted; these packets
// stand in for them. Secrets stay redacted unless reveal is set.
func writeTracePCAP(w io.Writer, msgs []sip.TraceMessage, reveal bool) error {
	// Global header: magic, version 2.4, thiszone, sigfigs, snaplen, linktype 101 (raw IP).
	hdr := make([]byte, 24)
	binary.LittleEndian.PutUint32(hdr[0:], 0xa1b2c3d4)
	binary.LittleEndian.PutUint16(hdr[4:], 2)
	binary.LittleEndian.PutUint16(hdr[6:], 4)
	binary.LittleEndian.PutUint32(hdr[16:], 262144)
	binary.LittleEndian.PutUint32(hdr[20:], 101)
	if _, err := w.Write(hdr); err != nil {
		return fmt.Errorf("write pcap header: %w", err)
	}
	for i, m := range msgs {
		local, err := netip.ParseAddrPort(m.Local)
		if err != nil {
			return fmt.Errorf("message %d: local address %q: %w", i+1, m.Local, err)
		}
		remote, err := netip.ParseAddrPort(m.Remote)
		if err != nil {
			return fmt.Errorf("message %d: remote address %q: %w", i+1, m.Remote, err)
		}
		src, dst := local, remote
		if m.Dir == sip.DirReceived {
			src, dst = remote, local
		}
		payload := []byte(m.Text(reveal))
		pkt, err := ipUDPPacket(src, dst, payload)
		if err != nil {
			return fmt.Errorf("message %d: %w", i+1, err)
		}
		rec := make([]byte, 16)
		binary.LittleEndian.PutUint32(rec[0:], uint32(m.Time.Unix()))
		binary.LittleEndian.PutUint32(rec[4:], uint32(m.Time.Nanosecond()/1000))
		binary.LittleEndian.PutUint32(rec[8:], uint32(len(pkt)))
		binary.LittleEndian.PutUint32(rec[12:], uint32(len(pkt)))
		if _, err := w.Write(rec); err != nil {
			return fmt.Errorf("write pcap record: %w", err)
		}
		if _, err := w.Write(pkt); err != nil {
			return fmt.Errorf("write pcap record: %w", err)
		}
	}
	return nil
}

// ipUDPPacket builds an IP packet (v4 or v6 by address) with a UDP datagram.
func ipUDPPacket(src, dst netip.AddrPort, payload []byte) ([]byte, error) {
	ulen := 8 + len(payload)
	if ulen > 65535 {
		return nil, fmt.Errorf("message of %d bytes is too large for one UDP datagram", len(payload))
	}
	udp := make([]byte, ulen)
	binary.BigEndian.PutUint16(udp[0:], src.Port())
	binary.BigEndian.PutUint16(udp[2:], dst.Port())
	binary.BigEndian.PutUint16(udp[4:], uint16(ulen))
	copy(udp[8:], payload)
	s, d := src.Addr().Unmap(), dst.Addr().Unmap()
	if s.Is4() && d.Is4() {
		ip := make([]byte, 20)
		ip[0] = 0x45
		binary.BigEndian.PutUint16(ip[2:], uint16(20+ulen))
		ip[8] = 64
		ip[9] = 17
		s4, d4 := s.As4(), d.As4()
		copy(ip[12:], s4[:])
		copy(ip[16:], d4[:])
		binary.BigEndian.PutUint16(ip[10:], checksum(ip, 0))
		// UDP checksum over the IPv4 pseudo-header (RFC 768).
		ps := append(append(append([]byte{}, s4[:]...), d4[:]...), 0, 17, byte(ulen>>8), byte(ulen))
		binary.BigEndian.PutUint16(udp[6:], nonZero(checksum(udp, sum(ps))))
		return append(ip, udp...), nil
	}
	s16, d16 := s.As16(), d.As16()
	ip := make([]byte, 40)
	ip[0] = 0x60
	binary.BigEndian.PutUint16(ip[4:], uint16(ulen))
	ip[6] = 17
	ip[7] = 64
	copy(ip[8:], s16[:])
	copy(ip[24:], d16[:])
	ps := append(append(append([]byte{}, s16[:]...), d16[:]...), 0, 0, byte(ulen>>8), byte(ulen), 0, 0, 0, 17)
	binary.BigEndian.PutUint16(udp[6:], nonZero(checksum(udp, sum(ps))))
	return append(ip, udp...), nil
}

// sum is the 32-bit one's-complement accumulator of b (RFC 1071).
func sum(b []byte) uint32 {
	var s uint32
	for i := 0; i+1 < len(b); i += 2 {
		s += uint32(b[i])<<8 | uint32(b[i+1])
	}
	if len(b)%2 == 1 {
		s += uint32(b[len(b)-1]) << 8
	}
	return s
}

// checksum folds sum(b)+initial into the Internet checksum.
func checksum(b []byte, initial uint32) uint16 {
	s := sum(b) + initial
	for s>>16 != 0 {
		s = s&0xffff + s>>16
	}
	return ^uint16(s)
}

// nonZero maps a computed UDP checksum of 0 to 0xffff (RFC 768).
func nonZero(c uint16) uint16 {
	if c == 0 {
		return 0xffff
	}
	return c
}
