package main

// example is one command line the help and the man page show.
type example struct{ Line, Says string }

// subcommands are the words some commands take first; completion offers them.
var subcommands = map[string][]string{
	"journal":    {"list", "show"},
	"lab":        {"up", "reboot", "down", "status"},
	"completion": {"bash", "zsh"},
}

// examples per command, as `rewire help CMD` and rewire(1) show them.
var examples = map[string][]example{
	"run": {
		{"rewire run --lab examples/nat-to-bridge.lua", "one transaction on the lab host; any error rolls it back"},
		{"rewire run --confirm 2m nat-to-bridge.lua", "keep it only if confirmed in time (Enter, or rewire confirm ID)"},
		{"rewire run --allow files examples/persist-ifcfg.lua", "grant what the script's header asks for"},
		{"rewire run --persist nat-to-bridge.lua", "then write the result in each device's manager's own files"},
		{"rewire run -e 'print(bridge.list())'", "a chunk instead of a file"},
	},
	"plan": {
		{"rewire plan --lab examples/nat-to-bridge.lua", "the numbered changes, firewall and XML diffs; touches nothing"},
		{"rewire plan --json nat-to-bridge.lua", "the same as JSON (what the Ansible module's check mode reads)"},
	},
	"confirm": {
		{"rewire confirm last", "keep the newest pending change, from any session"},
		{"rewire confirm 20261201-085918.455587-727c", "keep this one"},
	},
	"journal": {
		{"rewire journal list", "every transaction and its state"},
		{"rewire journal show last --json", "one transaction's steps"},
	},
	"rollback": {
		{"rewire rollback last", "undo the newest transaction (refuses if the host drifted)"},
		{"rewire rollback --force ID", "undo it even so"},
	},
	"recover": {{"rewire recover", "undo what a reboot or a killed run left half-applied"}},
	"lab":     {{"rewire lab up --manager networkd --dhcp", "a lab host whose eth0 networkd leases"}, {"rewire lab down", "remove every trace"}},
	"repl":    {{"rewire repl --lab", "interactive, guarded like run"}},
	"doc":     {{"rewire doc bridge.create", "help on one function"}, {"rewire doc --luals > rewire.d.lua", "definitions for the Lua language server"}},
	"status":  {{"rewire status --json eth0", "who manages eth0, and how each of its addresses came"}},
	"restore": {{"rewire restore", "at boot: the NAT chains persist kept"}},
	"bench":   {{"rewire bench --only cut-over", "one row of the comparison"}},
	"version": {{"rewire --version", "version, commit, Go and libvirt"}, {"rewire version --json", "the same as JSON"}},
	"completion": {
		{"rewire completion bash > /etc/bash_completion.d/rewire", "bash completion"},
		{"rewire completion zsh > /usr/local/share/zsh/site-functions/_rewire", "zsh completion"},
	},
	"man": {{"rewire man | man -l -", "read rewire(1) without installing it"}},
}
