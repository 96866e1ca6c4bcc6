// Package webhookinspector captures, verifies and explains the webhooks a
// voice API (Vonage-style) sends to an application: answer, event and
// fallback requests.
//
// # Verification
//
// [Verifier.Verify] is the one verification function the capture server, the
// command line and the GUI share. For a JWT-signed webhook (SPEC §1) it pins
// the algorithm to HS256, picks the signature secret by the api_key claim,
// checks iss, application_id, the iat window (exp/nbf when present), jti
// replay and payload_hash against every known payload form; for a legacy SMS
// webhook (SPEC §2) it checks the sig parameter with every signing method.
// The [Result] carries a verdict, every check, and one plain sentence.
//
// # Capture
//
// [Server] records every request exactly as it arrived (the raw request head,
// so header order and case survive) and commits it to the SQLite [Store]
// before answering. Lists page from the store; memory does not grow with
// the number of captures.
//
// # Voice model
//
// [ParseEvent] turns a webhook body or query into a typed [Event];
// [BuildTimelines] groups events per call; [ParseNCCO] and [NCCO.Validate]
// check the call scripts an answer URL returns, and [StreamURLs] lists the
// audio a script will fetch.
package webhookinspector
