package customs

import (
	"strings"
	"unicode/utf8"
)

// Clip makes text from a partner storable as PostgreSQL text and bounded:
// invalid UTF-8 becomes U+FFFD, NUL bytes are dropped, and the result is cut
// to at most max bytes between characters (max <= 0: no limit). cut reports
// whether anything was cut off. A partner's odd bytes must never make the
// record of its own failure impossible to write.
func Clip(s string, max int) (out string, cut bool) {
	s = strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
	if max <= 0 || len(s) <= max {
		return s, false
	}
	for max > 0 && !utf8.RuneStart(s[max]) {
		max--
	}
	return s[:max], true
}
