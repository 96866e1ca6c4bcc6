package webhookinspector_test

import (
	"fmt"
	"time"

	"github.com/hookphone/hookphone/webhookinspector"
)

// A webhook signed with the API secret instead of the signature secret: the
// verdict comes with the sentence a developer needs.
func ExampleVerifier_Verify() {
	now := time.Date(2024, 5, 1, 10, 16, 10, 0, time.UTC)
	body := []byte(`{"uuid":"63f61863-4a51-4f6b-86e1-46edebcf9356","status":"answered"}`)
	req := webhookinspector.Request{Method: "POST", ContentType: "application/json", Body: body}
	claims := webhookinspector.NewClaims(now, "a1b2c3d4", "", webhookinspector.PayloadHash(req, webhookinspector.FormRawBody))
	token, _ := webhookinspector.Sign(claims, "the-API-secret")
	req.Authorization, req.HasAuthorization = "Bearer "+token, true

	v := webhookinspector.NewVerifier(webhookinspector.VerifierConfig{
		Secrets: map[string]string{"a1b2c3d4": "the-signature-secret"},
		Now:     func() time.Time { return now },
	})
	res := v.Verify(req)
	fmt.Println(res.Verdict, res.Failed().Name)
	fmt.Println(res.Reason)
	// Output:
	// invalid signature
	// The signature was made with a different secret than the signature secret configured for api_key a1b2c3d4, or the token was altered after signing (did you use the API secret instead of the signature secret?).
}

// The audio a call script will fetch, for the stream cache.
func ExampleStreamURLs() {
	urls, err := webhookinspector.StreamURLs([]byte(`[
		{"action":"talk","text":"Hello","bargeIn":true},
		{"action":"stream","streamUrl":["https://example.com/hold.mp3"]},
		{"action":"input","type":["dtmf"]}]`))
	fmt.Println(urls, err)
	// Output: [https://example.com/hold.mp3] <nil>
}
