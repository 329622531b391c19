# rewire — see README.md. `make demo` and `make test` install what they need.
export PATH := $(PATH):/usr/local/go/bin
GO      ?= go
BIN     := bin/rewire
STATE   ?= /tmp/rewire-demo-state

.PHONY: all deps build test test-go test-kernel test-debian demo bench vet clean
.PHONY: package test-package test-ansible

all: build

deps:
	@bash .ci/install-deps

# Two binaries (README "Two binaries"): bin/rewire without cgo, which
# starts fast and runs the scripts that need no libvirt, and beside it
# bin/rewire-libvirt, the whole program, which it hands the rest to.
build: deps
	CGO_ENABLED=0 $(GO) build -o $(BIN) ./cmd/rewire
	$(GO) build -o bin/rewire-libvirt ./cmd/rewire

vet:
	gofmt -l . | (! grep .) && $(GO) vet ./...

# The whole suite: Go tests on this kernel (real namespaces, iptables,
# dnsmasq, libvirtd, the network managers), then the bond/VLAN tests in a
# distro-kernel VM, then payloads in a real Debian 12 with systemd as PID 1
# (the guardian as a transient unit, a real reboot).
test: build test-go test-package test-ansible test-kernel test-debian

test-go: build
	$(GO) vet ./...
	$(GO) test -count=1 -p 1 -timeout 20m ./...

test-kernel: deps
	@if [ -x testdata/kernel/run.sh ]; then bash testdata/kernel/run.sh; else echo "no kernel VM tests"; fi

test-debian: deps
	@bash testdata/debian/run-tests.sh

# The main job on the embedded default: a throw-away lab host in namespaces.
demo: build
	@-$(BIN) lab down >/dev/null 2>&1
	$(BIN) lab up
	@echo; echo "== before: the lab host =="; ip -n rewire-lab -br addr; ip -n rewire-lab route
	@echo; echo "== rewire run --lab examples/nat-to-bridge.lua =="
	REWIRE_STATE_DIR=$(STATE) $(BIN) run --lab examples/nat-to-bridge.lua
	@echo; echo "== after: br0 holds the host IP, eth0 and the guests' taps are its ports =="
	REWIRE_STATE_DIR=$(STATE) $(BIN) run --lab -e 'print(bridge.list()); print(addr.list("br0")); print(route.list({table=254})); for _, d in ipairs(domain.list()) do print(d.name); print(d:interfaces()) end'
	@echo; echo "== the LAN still reaches 10.0.0.111 =="; ip netns exec rewire-lan busybox ping -c 2 -W 1 10.0.0.111
	@echo; echo "== rewire journal list / rollback last =="
	REWIRE_STATE_DIR=$(STATE) $(BIN) journal list
	REWIRE_STATE_DIR=$(STATE) $(BIN) rollback last
	ip -n rewire-lab -br addr; ip -n rewire-lab route
	@echo; echo "== a recipe whose check fails rolls itself back =="
	-REWIRE_STATE_DIR=$(STATE) $(BIN) run --lab examples/bad-gateway.lua
	ip -n rewire-lab -br addr
	$(BIN) lab down

# Side by side with the field procedure (ip/virsh/iptables), on a lab of
# its own; writes docs/bench-results.md. Numbers inform, never fail.
bench: build
	$(BIN) bench --out docs/bench-results.md
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 1x ./bindings/nat
	$(GO) test -run '^$$' -bench . -benchmem ./lua/engine

clean:
	rm -rf bin

# The Debian package (and an .rpm when rpmbuild is installed) in bin/:
# the binary, rewire(1), bash+zsh completion, examples, LuaLS definitions.
package: deps
	@bash .ci/package/build.sh

# Installs the package on this machine with apt-get, checks it, purges it.
test-package: package
	@bash .ci/package/test.sh

# The rewire.kvm Ansible collection: real ansible-playbook runs over real
# SSH against the lab host (check, apply+confirm, a change that cuts SSH
# and reverts by itself, a bad recipe), under the lab lock.
test-ansible: build
	@bash ansible/tests/run.sh
