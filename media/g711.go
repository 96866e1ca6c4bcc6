package media

// G.711 companding (ITU-T G.711 §2, §3). Linear samples are 16-bit; µ-law
// works on the top 14 bits and A-law on the top 13, as the Recommendation's
// tables do.

const (
	ulawBias = 0x84 // 132: µ-law bias added before the segment search
	ulawClip = 32635
)

// ulawEncode compresses one linear sample to µ-law.
func ulawEncode(s int16) byte {
	v := int32(s)
	sign := byte(0)
	if v < 0 {
		v = -v
		sign = 0x80
	}
	if v > ulawClip {
		v = ulawClip
	}
	v += ulawBias
	seg := byte(7)
	for mask := int32(0x4000); v&mask == 0 && seg > 0; mask >>= 1 {
		seg--
	}
	mant := byte(v>>(uint(seg)+3)) & 0x0f
	return ^(sign | seg<<4 | mant)
}

// ulawDecode expands one µ-law byte to a linear sample.
func ulawDecode(u byte) int16 {
	u = ^u
	seg := (u >> 4) & 0x07
	mant := int32(u & 0x0f)
	v := ((mant << 3) + ulawBias) << seg
	v -= ulawBias
	if u&0x80 != 0 {
		return int16(-v)
	}
	return int16(v)
}

// alawEncode compresses one linear sample to A-law (even bits inverted).
func alawEncode(s int16) byte {
	v := int32(s) >> 3 // 13-bit magnitude domain
	sign := byte(0x80)
	if v < 0 {
		v = -v - 1
		sign = 0
	}
	var out byte
	switch {
	case v < 32:
		out = byte(v>>1) & 0x0f
	default:
		seg := byte(1)
		for t := v >> 6; t > 0 && seg < 7; t >>= 1 {
			seg++
		}
		if v >= 4096 {
			out = 0x7f // clip to the top of segment 7
		} else {
			out = seg<<4 | byte(v>>seg)&0x0f
		}
	}
	return (out | sign) ^ 0x55
}

// alawDecode expands one A-law byte to a linear sample.
func alawDecode(a byte) int16 {
	a ^= 0x55
	seg := (a >> 4) & 0x07
	mant := int32(a & 0x0f)
	var v int32
	if seg == 0 {
		v = mant<<4 + 8
	} else {
		v = (mant<<4 + 0x108) << (seg - 1)
	}
	if a&0x80 == 0 {
		return int16(-v)
	}
	return int16(v)
}

// encode appends the codec's encoding of pcm to dst.
func (c Codec) encode(dst []byte, pcm []int16) []byte {
	if c == CodecPCMA {
		for _, s := range pcm {
			dst = append(dst, alawEncode(s))
		}
		return dst
	}
	for _, s := range pcm {
		dst = append(dst, ulawEncode(s))
	}
	return dst
}

// decode writes the linear samples of payload into pcm (len(pcm) must be at
// least len(payload)).
func (c Codec) decode(pcm []int16, payload []byte) {
	if c == CodecPCMA {
		for i, b := range payload {
			pcm[i] = alawDecode(b)
		}
		return
	}
	for i, b := range payload {
		pcm[i] = ulawDecode(b)
	}
}
