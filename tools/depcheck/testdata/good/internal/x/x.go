// Package x is a leaf.
package x
