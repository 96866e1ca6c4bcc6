package media

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/pion/rtp"
	"github.com/pion/srtp/v3"
)

// replayWindow is the SRTP and SRTCP replay window (RFC 3711 §3.3.2: at
// least 64).
const replayWindow = 128

// Drop reasons for inbound SRTP/SRTCP, counted per session.
var (
	errAuthFailed = errors.New("srtp authentication failed")
	errReplayed   = errors.New("srtp replayed packet")
)

// cryptoCounters counts inbound packets the SRTP layer refused.
type cryptoCounters struct {
	authFailures atomic.Int64
	replays      atomic.Int64
}

// srtpCipher is one direction of one protocol (RTP or RTCP) of an SRTP
// stream: pion's Context is one-directional and not goroutine-safe, so each
// holds its own and a mutex guards it across re-keying.
type srtpCipher struct {
	mu  sync.Mutex
	ctx *srtp.Context
	key string // fingerprint of the master key and salt, to detect re-keying
}

// newCipher builds a context for attr; decrypting contexts get replay
// protection for both SRTP and SRTCP.
func newCipher(attr CryptoAttr, decrypt bool) (*srtpCipher, error) {
	prof, ok := attr.Suite.profile()
	if !ok {
		return nil, fmt.Errorf("srtp context: %w", ErrUnknownSuite)
	}
	var opts []srtp.ContextOption
	if decrypt {
		w := uint(replayWindow)
		if attr.WindowSizeHint > replayWindow {
			w = uint(attr.WindowSizeHint)
		}
		opts = append(opts, srtp.SRTPReplayProtection(w), srtp.SRTCPReplayProtection(w))
	}
	if attr.MKI != nil {
		opts = append(opts, srtp.MasterKeyIndicator(attr.MKI))
	}
	ctx, err := srtp.CreateContext(attr.Key, attr.Salt, prof, opts...)
	if err != nil {
		return nil, fmt.Errorf("srtp context for %s: %w", attr.Suite, err)
	}
	return &srtpCipher{ctx: ctx, key: string(attr.Key) + string(attr.Salt) + string(attr.MKI)}, nil
}

func (c *srtpCipher) encryptRTP(dst, pkt []byte) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ctx.EncryptRTP(dst, pkt, nil)
}

func (c *srtpCipher) encryptRTCP(dst, pkt []byte) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ctx.EncryptRTCP(dst, pkt, nil)
}

func (c *srtpCipher) decryptRTP(dst, pkt []byte, h *rtp.Header, cnt *cryptoCounters) ([]byte, error) {
	c.mu.Lock()
	out, err := c.ctx.DecryptRTP(dst, pkt, h)
	c.mu.Unlock()
	return out, classify(err, cnt)
}

func (c *srtpCipher) decryptRTCP(dst, pkt []byte, cnt *cryptoCounters) ([]byte, error) {
	c.mu.Lock()
	out, err := c.ctx.DecryptRTCP(dst, pkt, nil)
	c.mu.Unlock()
	return out, classify(err, cnt)
}

// classify sorts a decrypt error into replay or authentication failure and
// counts it. pion wraps replays in an unexported error whose text says
// "duplicated" (LIBNOTES §3); anything else that fails to decrypt (bad tag,
// truncated, garbage) counts as an authentication failure.
func classify(err error, cnt *cryptoCounters) error {
	if err == nil {
		return nil
	}
	if strings.Contains(err.Error(), "duplicated") {
		cnt.replays.Add(1)
		return fmt.Errorf("%w: %v", errReplayed, err)
	}
	cnt.authFailures.Add(1)
	return fmt.Errorf("%w: %v", errAuthFailed, err)
}
