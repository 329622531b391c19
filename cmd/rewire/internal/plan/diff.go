package plan

import "strings"

// lineDiff is a unified diff without context of two texts' lines ("-"
// before, "+" after, "@@ *table" where the lines belong to an iptables
// table), "" when equal. Longest common subsequence; rule sets are small.
func lineDiff(before, after string) string {
	a, b := splitLines(before), splitLines(after)
	lcs := make([][]int, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out strings.Builder
	section, shown := "", ""
	emit := func(sign, line string) {
		if section != "" && section != shown {
			out.WriteString("@@ " + section + "\n")
			shown = section
		}
		out.WriteString(sign + line + "\n")
	}
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && j < len(b) && a[i] == b[j]:
			section = sectionOf(a[i], section)
			i, j = i+1, j+1
		case i < len(a) && (j == len(b) || lcs[i+1][j] >= lcs[i][j+1]):
			section = sectionOf(a[i], section)
			emit("-", a[i])
			i++
		default:
			section = sectionOf(b[j], section)
			emit("+", b[j])
			j++
		}
	}
	return out.String()
}

// sectionOf follows iptables-save's "*table" lines (after a family prefix).
func sectionOf(line, cur string) string {
	if _, rest, ok := strings.Cut(line, " *"); ok && !strings.Contains(rest, " ") {
		return line
	}
	return cur
}

func splitLines(s string) []string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}
