package main

import "example.com/good/ui"

func main() { ui.Run() }
