-- Makes a change, then fails on a device that does not exist: the whole
-- transaction rolls back.
bridge.create("brbad0", {stp = false, forward_delay = 0})
link.set("nosuchdev0", {mtu = 1400})
