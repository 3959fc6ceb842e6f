package webhook

import (
	"testing"
	"unicode/utf8"
)

func TestTruncateKeepsTextStorable(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"abcdef", 3, "abc"},
		{"ab服务", 4, "ab"}, // 服 is 3 bytes: the cut falls before it
		{"ab服务", 5, "ab服"},
		{"a\xb7\xfeb", 10, "a\uFFFDb"},
		{"a\x00b", 10, "ab"},
	} {
		got := truncate(tt.in, tt.n)
		if got != tt.want || !utf8.ValidString(got) || len(got) > tt.n {
			t.Errorf("truncate(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}
