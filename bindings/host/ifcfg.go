package host

import (
	"path/filepath"
	"strings"
)

// ifcfg is a network-scripts file (/etc/sysconfig/network-scripts/ifcfg-*).
type ifcfg struct {
	File         string
	NMControlled bool // NM_CONTROLLED is not "no"
	DHCP         bool // BOOTPROTO=dhcp
}

// ifcfgFiles reads the ifcfg files by device (DEVICE=, else the file's suffix).
func ifcfgFiles(r Roots) map[string]ifcfg {
	paths, _ := filepath.Glob(filepath.Join(r.Etc, "sysconfig/network-scripts/ifcfg-*"))
	out := map[string]ifcfg{}
	for _, p := range paths {
		kv := envFile(p)
		if kv == nil {
			continue
		}
		dev := kv["DEVICE"]
		if dev == "" {
			dev = strings.TrimPrefix(filepath.Base(p), "ifcfg-")
		}
		nc := strings.ToLower(kv["NM_CONTROLLED"])
		out[dev] = ifcfg{File: filepath.Join("/etc/sysconfig/network-scripts", filepath.Base(p)),
			NMControlled: nc != "no" && nc != "n" && nc != "false",
			DHCP:         strings.EqualFold(kv["BOOTPROTO"], "dhcp")}
	}
	return out
}
