package sip

import (
	"testing"
	"time"

	sipgosip "github.com/emiago/sipgo/sip"
)

// The trace sees every message a second time (framing + a copy + header
// scan). These benchmarks put that cost next to the peer it rides on:
// sipgo's own stream parser handling the same bytes. Compare ns/op:
// BenchmarkTraceStream / BenchmarkSipgoParseStream is the trace's overhead
// relative to parsing.

var benchStream = []byte(invite + "SIP/2.0 200 OK\r\nVia: SIP/2.0/TLS 127.0.0.1:5061;branch=z9hG4bK1\r\n" +
	"From: <sip:alice@pbx.test>;tag=1\r\nTo: <sip:bob@pbx.test>;tag=2\r\nCall-ID: call-1\r\nCSeq: 2 INVITE\r\n" +
	"Contact: <sip:bob@127.0.0.1:40000;transport=tls>\r\nContent-Length: 0\r\n\r\n")

func BenchmarkTraceStream(b *testing.B) {
	tr := NewTrace(1000)
	f := framer{onMsg: func(raw []byte) {
		tr.Add(NewTraceMessage(time.Now(), DirReceived, "TLS", "l", "r", raw))
	}}
	b.SetBytes(int64(len(benchStream)))
	b.ReportAllocs()
	for b.Loop() {
		f.write(benchStream)
	}
}

func BenchmarkSipgoParseStream(b *testing.B) {
	p := sipgosip.NewParser().NewSIPStream()
	b.SetBytes(int64(len(benchStream)))
	b.ReportAllocs()
	for b.Loop() {
		if err := p.ParseSIPStream(benchStream, func(sipgosip.Message) {}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRedact(b *testing.B) {
	b.SetBytes(int64(len(invite)))
	for b.Loop() {
		Redact(invite)
	}
}
