//go:build cgo

package main

import (
	"fmt"

	"libvirt.org/go/libvirt"
)

// libvirtVersion is the libvirt library's version (virGetVersion), e.g. 9.0.0.
func libvirtVersion() string {
	v, err := libvirt.GetVersion()
	if err != nil {
		return ""
	}
	return fmt.Sprintf("%d.%d.%d", v/1000000, v/1000%1000, v%1000)
}
