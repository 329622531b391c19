package target

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// mount is one line of /proc/self/mountinfo (proc(5)).
type mount struct {
	id, parent int
	dev        string // major:minor
	root       string // the mounted directory, within its filesystem
	point      string // where it is mounted
	fstype     string
}

// mounts reads this process's mount table, in the kernel's order.
func mounts() ([]mount, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []mount
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		sep := -1
		for i, field := range fields {
			if field == "-" { // ends the optional fields
				sep = i
				break
			}
		}
		if sep < 6 || sep+1 >= len(fields) {
			continue
		}
		m := mount{dev: fields[2], root: unescape(fields[3]), point: unescape(fields[4]), fstype: fields[sep+1]}
		m.id, _ = strconv.Atoi(fields[0])
		m.parent, _ = strconv.Atoi(fields[1])
		out = append(out, m)
	}
	return out, sc.Err()
}

// unescape undoes mountinfo's octal escapes (\040 for a space).
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// topMount is the mount visible at path (the last stacked there), if path
// is a mount point, with the mount it sits on.
func topMount(all []mount, path string) (top, under mount, ok bool) {
	path = filepath.Clean(path)
	byID := map[int]mount{}
	for _, m := range all {
		byID[m.id] = m
	}
	for _, m := range all {
		if m.point != path {
			continue
		}
		covered := false
		for _, o := range all {
			if o.point == path && o.parent == m.id {
				covered = true
				break
			}
		}
		if !covered {
			return m, byID[m.parent], true
		}
	}
	return mount{}, mount{}, false
}

// IsMountPoint reports whether something is mounted at path.
func IsMountPoint(path string) bool {
	all, err := mounts()
	if err != nil {
		return false
	}
	_, _, ok := topMount(all, path)
	return ok
}

// isSelfBind reports whether m, mounted on under, is a bind of the very
// directory it covers — what `ip netns add` makes of /run/netns.
func isSelfBind(m, under mount) bool {
	if m.dev != under.dev {
		return false
	}
	rel, err := filepath.Rel(under.point, m.point)
	if err != nil || strings.HasPrefix(rel, "..") {
		return false
	}
	return filepath.Clean(filepath.Join(under.root, rel)) == filepath.Clean(m.root)
}
