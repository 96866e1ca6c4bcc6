package main

import _ "example.com/bad/ui"

func main() {}
