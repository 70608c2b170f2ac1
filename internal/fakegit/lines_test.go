package fakegit

import "testing"

func TestLineChanges(t *testing.T) {
	for _, c := range []struct {
		old, new string
		add, del int
	}{
		{"", "", 0, 0},
		{"", "a\nb\n", 2, 0},
		{"a\nb", "", 0, 2},
		{"1\n2\n3\n", "1\n2\n4\n", 1, 1},
		{"x\nx\n", "x\n", 0, 1},
		{"a\nb\n", "b\na\n", 0, 0},
	} {
		add, del := LineChanges([]byte(c.old), []byte(c.new))
		if add != c.add || del != c.del {
			t.Errorf("LineChanges(%q, %q) = +%d -%d, want +%d -%d", c.old, c.new, add, del, c.add, c.del)
		}
	}
}
