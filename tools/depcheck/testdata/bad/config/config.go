// Package config breaks the rule: it imports webhookinspector.
package config

import _ "example.com/bad/webhookinspector"
