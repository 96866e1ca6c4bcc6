// Package siptest holds test doubles for code built on package sip, in the
// spirit of net/http/httptest: an in-process SIP-over-TLS registrar whose
// flows can be cut or silenced, and a fake Clock that tests advance by hand.
// Real peers (Kamailio, baresip) live in internal/testlab; these doubles are
// for fast unit tests of timing and failure paths.
package siptest
