package persist

import (
	"path/filepath"
	"sort"
	"strings"
)

// sysctlFile is where the sysctls a transaction set are kept for boot.
const sysctlFile = "sysctl.d/90-rewire.conf"

// renderSysctl merges the values set with what the file already says
// (an earlier persisted run's), one `key = value` line each.
func renderSysctl(w *world, set map[string]string) (File, bool) {
	if len(set) == 0 {
		return File{}, false
	}
	path := filepath.Join(w.Etc, sysctlFile)
	all := map[string]string{}
	if cur, ok := w.Read(path); ok {
		for _, line := range strings.Split(cur, "\n") {
			t := strings.TrimSpace(line)
			if t == "" || t[0] == '#' || t[0] == ';' {
				continue
			}
			if k, v, ok := strings.Cut(t, "="); ok {
				all[strings.TrimSpace(k)] = strings.TrimSpace(v)
			}
		}
	}
	for k, v := range set {
		all[k] = v
	}
	keys := make([]string, 0, len(all))
	for k := range all {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString("# Written by rewire (persist): kernel parameters its transactions set.\n")
	for _, k := range keys {
		b.WriteString(k + " = " + all[k] + "\n")
	}
	return File{Path: path, Content: b.String(), Mode: 0o644, Flavour: "sysctl"}, true
}
