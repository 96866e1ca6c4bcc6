// Package webhookinspector breaks the rule: it imports audio.
package webhookinspector

import _ "example.com/bad/audio"
