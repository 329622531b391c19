package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"rewire/bindings/tx"
)

func init() {
	register(command{name: "completion", summary: "print shell completion: completion bash|zsh (commands, flags, transaction ids, example recipes)", run: runCompletion})
}

// The scripts carry the commands and flags as this binary has them; what
// changes on the host — transaction ids, example recipes — they ask the
// binary for as they complete: `rewire completion ids [pending]` and
// `rewire completion examples`.

func runCompletion(args []string) int {
	fs := flag.NewFlagSet("completion", flag.ContinueOnError)
	stateDir := fs.String("state-dir", "", "ids: the journal to read (default $REWIRE_STATE_DIR or "+tx.DefaultDir+")")
	pos, err := parseArgs(fs, args, 0)
	if err != nil {
		return 2
	}
	if len(pos) == 0 {
		return fail("completion: name a shell: rewire completion bash|zsh")
	}
	switch pos[0] {
	case "bash":
		writeBash(os.Stdout)
	case "zsh":
		writeZsh(os.Stdout)
	case "ids":
		return printIDs(*stateDir, len(pos) > 1 && pos[1] == "pending")
	case "examples":
		for _, e := range exampleRecipes() {
			fmt.Println(e)
		}
	default:
		return fail("completion: unknown shell %q (bash, zsh)", pos[0])
	}
	return 0
}

// printIDs lists the journal's transaction ids, newest first; with
// pending only those waiting for a confirmation. A journal that cannot be
// read lists nothing: completion never prints errors into a prompt.
func printIDs(dir string, pendingOnly bool) int {
	st, err := tx.OpenStore(dir)
	if err != nil {
		return 1
	}
	all, err := st.List()
	if err != nil {
		return 1
	}
	for i := len(all) - 1; i >= 0; i-- {
		if !pendingOnly || all[i].State == tx.StatePending {
			fmt.Println(all[i].ID)
		}
	}
	return 0
}

// exampleRecipes are the example recipes installed with rewire and those
// of ./examples (a checkout).
func exampleRecipes() []string {
	var out []string
	for _, dir := range []string{filepath.Join(shareDir, "examples"), "examples"} {
		m, _ := filepath.Glob(filepath.Join(dir, "*.lua"))
		out = append(out, m...)
	}
	sort.Strings(out)
	return out
}

// takesID says which commands take a transaction id, and whether only a
// pending one makes sense.
var takesID = map[string]string{"confirm": "pending", "rollback": "all", "journal": "all"}

// takesRecipe are the commands whose first argument is a recipe.
var takesRecipe = map[string]bool{"run": true, "plan": true}

// flagValues are the values a flag takes, where they are a fixed few.
var flagValues = map[string][]string{
	"allow":   {"exec", "files", "net"},
	"manager": {"none", "networkd", "networkmanager", "ifupdown"},
}

// dirFlags and fileFlags complete paths.
var (
	dirFlags  = map[string]bool{"state-dir": true, "root": true, "examples": true}
	fileFlags = map[string]bool{"history": true, "out": true}
)

func writeBash(w io.Writer) {
	p := func(format string, a ...any) { fmt.Fprintf(w, format+"\n", a...) }
	var names []string
	for _, d := range commandDocs() {
		names = append(names, d.Name)
	}
	p("# bash completion for rewire (rewire completion bash)")
	p("_rewire() {")
	p(`  local cur prev cmd i`)
	p(`  cur=${COMP_WORDS[COMP_CWORD]}`)
	p(`  prev=${COMP_WORDS[COMP_CWORD-1]}`)
	p(`  if [ "$COMP_CWORD" -eq 1 ]; then`)
	p(`    COMPREPLY=($(compgen -W "%s --version --help" -- "$cur")); return`, strings.Join(names, " "))
	p(`  fi`)
	p(`  cmd=${COMP_WORDS[1]}`)
	p(`  local flags="" valued="" subs="" ids="" recipe=""`)
	p(`  case $cmd in`)
	for _, d := range commandDocs() {
		var all, valued []string
		for _, f := range d.Flags {
			all = append(all, f.Dashes())
			if f.Arg != "" {
				valued = append(valued, f.Dashes())
			}
		}
		p(`    %s) flags="%s"; valued="%s"; subs="%s"; ids="%s"; recipe="%v" ;;`, d.Name,
			strings.Join(all, " "), strings.Join(valued, " "), strings.Join(d.Subcommands, " "), takesID[d.Name], takesRecipe[d.Name])
	}
	p(`  esac`)
	p(`  case " $valued " in *" $prev "*)`)
	p(`    case ${prev#--} in`)
	for _, name := range sortedKeys(flagValues) {
		p(`      %s) COMPREPLY=($(compgen -W "%s" -- "${cur##*,}")) ;;`, name, strings.Join(flagValues[name], " "))
	}
	p(`      %s) COMPREPLY=($(compgen -d -- "$cur")) ;;`, strings.Join(sortedKeys(dirFlags), "|"))
	p(`      %s) COMPREPLY=($(compgen -f -- "$cur")) ;;`, strings.Join(sortedKeys(fileFlags), "|"))
	p(`      *) COMPREPLY=() ;;`)
	p(`    esac; return ;;`)
	p(`  esac`)
	p(`  if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "$flags" -- "$cur")); return; fi`)
	// The positionals typed so far, flags and their values left out.
	p(`  local npos=0 first=""`)
	p(`  for ((i = 2; i < COMP_CWORD; i++)); do`)
	p(`    case ${COMP_WORDS[i]} in`)
	p(`      -*) case " $valued " in *" ${COMP_WORDS[i]} "*) ((i++)) ;; esac ;;`)
	p(`      *) ((npos++)); [ -z "$first" ] && first=${COMP_WORDS[i]} ;;`)
	p(`    esac`)
	p(`  done`)
	p(`  if [ -n "$subs" ] && [ "$npos" -eq 0 ]; then COMPREPLY=($(compgen -W "$subs" -- "$cur")); return; fi`)
	p(`  if [ -n "$ids" ] && { [ "$cmd" != journal ] || [ "$first" = show ]; } && [ "$npos" -le $([ "$cmd" = journal ] && echo 1 || echo 0) ]; then`)
	p(`    local which=""; [ "$ids" = pending ] && which=pending`)
	p(`    COMPREPLY=($(compgen -W "last $(rewire completion ids $which 2>/dev/null)" -- "$cur")); return`)
	p(`  fi`)
	p(`  if [ "$recipe" = true ] && [ "$npos" -eq 0 ]; then`)
	p(`    COMPREPLY=($(compgen -W "$(rewire completion examples 2>/dev/null)" -- "$cur") $(compgen -f -X '!*.lua' -- "$cur") $(compgen -d -S / -- "$cur"))`)
	p(`    return`)
	p(`  fi`)
	p(`  COMPREPLY=($(compgen -f -- "$cur"))`)
	p("}")
	p("complete -o filenames -F _rewire rewire")
}

func writeZsh(w io.Writer) {
	p := func(format string, a ...any) { fmt.Fprintf(w, format+"\n", a...) }
	p("#compdef rewire")
	p("# zsh completion for rewire (rewire completion zsh)")
	p("_rewire() {")
	p("  local -a cmds")
	p("  cmds=(")
	for _, d := range commandDocs() {
		p("    %s", zshQuote(d.Name+":"+zshText(d.Summary)))
	}
	p("  )")
	p("  if (( CURRENT == 2 )); then")
	p("    _describe -t commands 'rewire command' cmds")
	p("    _arguments '--version[print the versions]' '--help[list the commands]'")
	p("    return")
	p("  fi")
	p("  local cmd=${words[2]}")
	p("  shift words; (( CURRENT-- ))")
	p("  case $cmd in")
	for _, d := range commandDocs() {
		var specs []string
		for _, f := range d.Flags {
			desc := zshText(f.Usage)
			if f.Arg == "" {
				specs = append(specs, zshQuote(f.Dashes()+"["+desc+"]"))
				continue
			}
			action := " "
			switch {
			case flagValues[f.Name] != nil:
				action = "(" + strings.Join(flagValues[f.Name], " ") + ")"
			case dirFlags[f.Name]:
				action = "_files -/"
			case fileFlags[f.Name]:
				action = "_files"
			}
			specs = append(specs, zshQuote(f.Dashes()+"=["+desc+"]:"+strings.ToLower(f.Arg)+":"+action))
		}
		switch {
		case len(d.Subcommands) > 0 && d.Name == "journal":
			specs = append(specs, zshQuote("1:subcommand:("+strings.Join(d.Subcommands, " ")+")"), zshQuote("2:transaction:_rewire_ids"))
		case len(d.Subcommands) > 0:
			specs = append(specs, zshQuote("1:subcommand:("+strings.Join(d.Subcommands, " ")+")"))
		case takesID[d.Name] == "pending":
			specs = append(specs, zshQuote("1:transaction:_rewire_ids pending"))
		case takesID[d.Name] != "":
			specs = append(specs, zshQuote("1:transaction:_rewire_ids"))
		case takesRecipe[d.Name]:
			specs = append(specs, zshQuote("1:recipe:_rewire_recipes"), zshQuote("*::recipe arguments:_files"))
		}
		p("    %s) _arguments -s %s ;;", d.Name, strings.Join(specs, " "))
	}
	p("  esac")
	p("}")
	p("_rewire_ids() {")
	p("  local -a ids")
	p("  ids=(last ${(f)\"$(rewire completion ids $1 2>/dev/null)\"})")
	p("  compadd -a ids")
	p("}")
	p("_rewire_recipes() {")
	p("  local -a ex")
	p("  ex=(${(f)\"$(rewire completion examples 2>/dev/null)\"})")
	p("  compadd -a ex")
	p("  _files -g '*.lua'")
	p("}")
	p(`if [ "$funcstack[1]" = "_rewire" ]; then _rewire "$@"; else compdef _rewire rewire; fi`)
}

// zshText makes a description safe inside an _arguments spec: no
// brackets or colons, one clause.
func zshText(s string) string {
	if i := strings.Index(s, "; "); i > 0 {
		s = s[:i]
	}
	r := strings.NewReplacer("[", "(", "]", ")", ":", " -", "\\", "", "`", "'", "$", "")
	return strings.TrimSpace(r.Replace(s))
}

// zshQuote single-quotes s for zsh.
func zshQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func sortedKeys[V any](m map[string]V) []string {
	var k []string
	for n := range m {
		k = append(k, n)
	}
	sort.Strings(k)
	return k
}
