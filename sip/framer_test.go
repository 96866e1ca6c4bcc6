package sip

import (
	"strings"
	"testing"
)

func TestFramerSplitsStreamAndSeesKeepAlives(t *testing.T) {
	msg1 := "OPTIONS sip:a SIP/2.0\r\nCall-ID: 1\r\nContent-Length: 0\r\n\r\n"
	msg2 := "INVITE sip:b SIP/2.0\r\ni: 2\r\nl: 5\r\n\r\nhello"
	stream := "\r\n\r\n" + msg1 + "\r\n" + msg2
	for chunk := 1; chunk <= len(stream); chunk++ {
		var msgs []string
		var crlf []int
		f := framer{onMsg: func(b []byte) { msgs = append(msgs, string(b)) }, onCRLF: func(n int) { crlf = append(crlf, n) }}
		for i := 0; i < len(stream); i += chunk {
			f.write([]byte(stream[i:min(i+chunk, len(stream))]))
		}
		if len(msgs) != 2 || msgs[0] != msg1 || msgs[1] != msg2 {
			t.Fatalf("chunk %d: messages %q", chunk, msgs)
		}
		total := 0
		for _, n := range crlf {
			total += n
		}
		if total != 6 {
			t.Fatalf("chunk %d: keep-alive bytes %v", chunk, crlf)
		}
	}
}

func TestFramerGivesUpOnGarbage(t *testing.T) {
	var msgs int
	f := framer{onMsg: func([]byte) { msgs++ }}
	f.write([]byte("X sip:a SIP/2.0\r\nContent-Length: -3\r\n\r\n"))
	f.write([]byte("OPTIONS sip:a SIP/2.0\r\n\r\n"))
	if msgs != 0 || !f.broken {
		t.Fatalf("negative Content-Length: %d messages, broken=%v", msgs, f.broken)
	}
	g := framer{onMsg: func([]byte) { msgs++ }}
	g.write([]byte(strings.Repeat("A", maxFrameHeader+1)))
	if !g.broken || len(g.buf) != 0 {
		t.Fatal("unbounded head buffered")
	}
}
