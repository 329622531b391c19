//go:build !cgo

package main

// libvirtVersion is empty in a build without cgo, which has no libvirt.
func libvirtVersion() string { return "" }
