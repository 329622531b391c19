-- Cuts every SSH session into the host: 10.0.0.111 becomes 10.0.0.112 on
-- eth0 (promote_secondaries keeps the subnet and the default route, so
-- the gateway still answers and the guard's probes pass).
sysctl.set("net.ipv4.conf.eth0.promote_secondaries", 1)
addr.add("eth0", "10.0.0.112/24")
addr.del("eth0", "10.0.0.111/24")
