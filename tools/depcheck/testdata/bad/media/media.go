// Package media breaks the rule: it imports sip.
package media

import _ "example.com/bad/sip"
