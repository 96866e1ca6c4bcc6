// Package x breaks the rule: it imports sip.
package x

import _ "example.com/bad/sip"
