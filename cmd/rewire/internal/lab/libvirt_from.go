package lab

import (
	"fmt"
	"os"
	"strings"

	"libvirt.org/go/libvirt"
	"libvirt.org/go/libvirtxml"

	"rewire/bindings/errkind"
	"rewire/bindings/virtconn"
)

// labMemoryKiB is the memory every guest of a lab gets (TCG, no disk:
// iPXE or an empty boot is all that runs).
const labMemoryKiB = 64 * 1024

// labDomainXML makes a snapshot's guest runnable in the lab: TCG, 64 MiB,
// one vCPU, no CPU model or tuning, no firmware files, and none of the
// devices that need the production host (disks, filesystems, host
// devices, graphics and what hangs on them, TPMs, vsock, shared memory,
// NICs of type hostdev/vdpa/vhostuser). The other NICs stay exactly as
// they are: MAC, model, source, PCI address. Each thing taken out is one
// line of the result.
func labDomainXML(xml string) (string, []string, error) {
	var d libvirtxml.Domain
	if err := d.Unmarshal(xml); err != nil {
		return "", nil, errkind.Invalid("domain XML: %v", err)
	}
	var out []string
	drop := func(f string, a ...any) {
		out = append(out, fmt.Sprintf("domain %s: %s", d.Name, fmt.Sprintf(f, a...)))
	}
	if d.Type != "qemu" {
		drop("type %s runs as qemu (TCG)", d.Type)
		d.Type = "qemu"
	}
	if kib := memKiB(d.Memory); kib != labMemoryKiB {
		if kib > 0 {
			drop("memory %d MiB runs in %d MiB", kib/1024, labMemoryKiB/1024)
		}
	}
	d.Memory = &libvirtxml.DomainMemory{Value: labMemoryKiB, Unit: "KiB"}
	d.CurrentMemory = &libvirtxml.DomainCurrentMemory{Value: labMemoryKiB, Unit: "KiB"}
	d.MaximumMemory, d.MemoryBacking, d.MemoryTune, d.BlockIOTune = nil, nil, nil, nil
	if d.VCPU != nil && d.VCPU.Value > 1 {
		drop("%d vCPUs run as 1", d.VCPU.Value)
	}
	d.VCPU, d.VCPUs, d.CPUTune, d.NUMATune, d.IOThreadIDs, d.IOThreads = &libvirtxml.DomainVCPU{Value: 1}, nil, nil, nil, nil, 0
	if d.CPU != nil && !tcgCPU(d.CPU) {
		drop("cpu %s left out", d.CPU.Mode)
		d.CPU = nil
	}
	d.Resource, d.SecLabel, d.KeyWrap, d.LaunchSecurity = nil, nil, nil, nil
	if d.QEMUCommandline != nil {
		drop("qemu:commandline left out")
		d.QEMUCommandline = nil
	}
	if d.Features != nil {
		d.Features.KVM, d.Features.HyperV, d.Features.SMM = nil, nil, nil
	}
	if d.Clock != nil {
		d.Clock.Timer = nil
	}
	if o := d.OS; o != nil {
		if o.Loader != nil || o.NVRam != nil {
			drop("firmware loader/nvram left out (SeaBIOS)")
			o.Loader, o.NVRam, o.Firmware, o.FirmwareInfo = nil, nil, "", nil
		}
		if o.Type != nil {
			switch m := o.Type.Machine; {
			case strings.Contains(m, "q35"):
				o.Type.Machine = "q35"
			case m != "":
				o.Type.Machine = "pc"
			}
		}
	}
	if dv := d.Devices; dv != nil {
		if dv.Emulator != "" {
			if _, err := osStat(dv.Emulator); err != nil {
				dv.Emulator = ""
			}
		}
		for _, x := range dv.Disks {
			drop("disk %s left out", diskName(x))
		}
		for _, x := range dv.Filesystems {
			target := ""
			if x.Target != nil {
				target = x.Target.Dir
			}
			drop("filesystem %s left out", target)
		}
		for range dv.Hostdevs {
			drop("host device left out")
		}
		count := func(n int, what string) {
			if n > 0 {
				drop("%d %s left out", n, what)
			}
		}
		count(len(dv.Graphics), "graphics")
		count(len(dv.Videos), "video")
		var audios []libvirtxml.DomainAudio
		for _, a := range dv.Audios {
			if a.None != nil { // libvirt's own default: no audio backend
				audios = append(audios, a)
			}
		}
		count(len(dv.Sounds)+len(dv.Audios)-len(audios), "sound")
		count(len(dv.RedirDevs), "USB redirection")
		count(len(dv.Smartcards), "smartcard")
		count(len(dv.TPMs), "TPM")
		count(len(dv.Shmems), "shared memory")
		count(len(dv.Memorydevs), "memory device")
		count(len(dv.Crypto), "crypto")
		dv.Disks, dv.Filesystems, dv.Hostdevs, dv.Graphics, dv.Videos, dv.Sounds, dv.Audios = nil, nil, nil, nil, nil, nil, audios
		dv.RedirDevs, dv.RedirFilters, dv.Smartcards, dv.TPMs, dv.Shmems, dv.Memorydevs, dv.Crypto = nil, nil, nil, nil, nil, nil, nil
		if dv.VSock != nil || dv.IOMMU != nil || dv.NVRAM != nil || dv.PStore != nil || len(dv.Leases) > 0 {
			drop("vsock/iommu/nvram/pstore/lease devices left out")
			dv.VSock, dv.IOMMU, dv.NVRAM, dv.PStore, dv.Leases = nil, nil, nil, nil, nil
		}
		var chans []libvirtxml.DomainChannel
		for _, c := range dv.Channels {
			if c.Source != nil && c.Source.SpiceVMC != nil {
				drop("spicevmc channel left out")
				continue
			}
			chans = append(chans, c)
		}
		dv.Channels = chans
		var nics []libvirtxml.DomainInterface
		for _, n := range dv.Interfaces {
			if s := n.Source; s != nil && (s.Hostdev != nil || s.VDPA != nil || s.VHostUser != nil) {
				drop("NIC %s left out (%s)", nicMAC(n), "needs the host's hardware")
				continue
			}
			if n.Driver != nil && n.Driver.Name == "vhost" {
				n.Driver.Name = "" // the lab may have no /dev/vhost-net; QEMU's own backend carries the same frames
			}
			nics = append(nics, n)
		}
		dv.Interfaces = nics
	}
	x, err := d.Marshal()
	if err != nil {
		return "", nil, errkind.Invalid("domain %s XML: %v", d.Name, err)
	}
	return x, out, nil
}

// tcgCPU says whether a <cpu> is what libvirt gives a TCG guest itself
// (custom qemu64), which the lab keeps.
func tcgCPU(c *libvirtxml.DomainCPU) bool {
	return c.Mode == "custom" && (c.Model == nil || c.Model.Value == "qemu64") && c.Numa == nil && len(c.Features) == 0
}

var osStat = os.Stat // the emulator a guest names may not exist here

func memKiB(m *libvirtxml.DomainMemory) uint {
	if m == nil {
		return 0
	}
	switch strings.ToLower(m.Unit) {
	case "", "k", "kib":
		return m.Value
	case "b", "bytes":
		return m.Value / 1024
	case "m", "mib":
		return m.Value * 1024
	case "g", "gib":
		return m.Value * 1024 * 1024
	}
	return m.Value
}

func diskName(x libvirtxml.DomainDisk) string {
	if x.Target != nil {
		return x.Target.Dev
	}
	return x.Device
}

func nicMAC(n libvirtxml.DomainInterface) string {
	if n.MAC != nil {
		return n.MAC.Address
	}
	return "(no MAC)"
}

// seedFrom defines the snapshot's networks (started when they were
// active, autostart kept) and guests (labDomainXML; started when they
// were running). libvirt refusing one stops it in one line naming it.
func (l *Lab) seedFrom(c *libvirt.Connect) error {
	for _, n := range l.From.Networks {
		net, err := c.NetworkDefineXML(n.XML)
		if err != nil {
			return fmt.Errorf("network %s: libvirt refuses it: %s", n.Name, virtconn.Message(err))
		}
		if n.Autostart {
			net.SetAutostart(true)
		}
		if n.Active {
			if err := net.Create(); err != nil {
				net.Free()
				return fmt.Errorf("start network %s: %s", n.Name, virtconn.Message(err))
			}
		}
		net.Free()
	}
	for _, g := range l.From.Domains {
		x, dropped, err := labDomainXML(g.XML)
		if err != nil {
			return fmt.Errorf("domain %s: %v", g.Name, err)
		}
		l.notes = append(l.notes, dropped...)
		d, err := c.DomainDefineXML(x)
		if err != nil {
			return fmt.Errorf("domain %s: libvirt refuses it: %s", g.Name, virtconn.Message(err))
		}
		if g.Autostart {
			d.SetAutostart(true)
		}
		if g.State == "running" || g.State == "paused" {
			if err := d.Create(); err != nil {
				d.Free()
				return fmt.Errorf("start domain %s: %s", g.Name, virtconn.Message(err))
			}
		}
		d.Free()
	}
	return nil
}
