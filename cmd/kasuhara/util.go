package main

import "slices"

func sortStrings(s []string) []string {
	slices.Sort(s)
	return s
}
