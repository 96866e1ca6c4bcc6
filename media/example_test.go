package media_test

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/hookphone/hookphone/media"
)

// Two sessions on loopback negotiate SRTP by SDES offer/answer, as a caller
// and a callee would through SIP, and start exchanging (silent) audio.
func Example() {
	ctx := context.Background()
	cfg := media.Config{LocalIP: netip.MustParseAddr("127.0.0.1")} // PolicyMandatory by default
	caller, err := media.NewSession(ctx, cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer caller.Close()
	callee, err := media.NewSession(ctx, cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer callee.Close()

	offer, _ := caller.Offer()             // INVITE body
	answer, _, err := callee.Answer(offer) // 200 OK body
	if err != nil {
		fmt.Println(err)
		return
	}
	neg, err := caller.AcceptAnswer(answer)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(neg.Secure, neg.Suite, neg.Codec, neg.PTime, neg.Direction)
	_ = caller.Start(ctx, nil, nil) // nil Source sends silence, nil Sink discards
	_ = callee.Start(ctx, nil, nil)
	// Output: true AES_CM_128_HMAC_SHA1_80 PCMU 20ms sendrecv
}

// A plain RTP offer to a mandatory-SRTP session is refused with what the
// SIP layer needs for its 488 response.
func ExampleNegotiationError() {
	ctx := context.Background()
	plain, _ := media.NewSession(ctx, media.Config{Policy: media.PolicyOff})
	defer plain.Close()
	secure, _ := media.NewSession(ctx, media.Config{})
	defer secure.Close()
	offer, _ := plain.Offer()
	_, _, err := secure.Answer(offer)
	if ne, ok := err.(*media.NegotiationError); ok {
		fmt.Println(ne.Status, ne.WarningCode, ne.Warning)
	}
	// Output: 488 305 SRTP is mandatory here but the RTP/AVP stream has no a=crypto line (plain RTP refused)
}
