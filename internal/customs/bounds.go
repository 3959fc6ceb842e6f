package customs

import (
	"strconv"
	"unicode/utf8"
)

// Bounds of what the gateway stores and answers (api.md "Hostile input"):
// a sender controls the length of every value, so nothing taken from a
// message is kept or echoed at its own length.
const (
	// MaxPortRef is the longest portRef: it is part of a unique index.
	MaxPortRef = 64
	// MaxText is the longest other text taken from a message.
	MaxText = 1024
	// MaxQuoted is the most of an offending value a message quotes.
	MaxQuoted = 200
	// MaxProblems is the most errors a problem lists; the last one then
	// says how many more there were.
	MaxProblems = 200
	// maxMessage bounds a message however it was made (a message built
	// without Problems.Add, an error's own text): the quote plus the words
	// around it.
	maxMessage = 2 * MaxQuoted
)

// Quote returns s cut to at most n characters, marked with "…" when cut, and
// never splitting a UTF-8 sequence.
func Quote(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i, count := 0, 0
	for i < len(s) && count < n {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		count++
	}
	if i >= len(s) {
		return s
	}
	return s[:i] + "…"
}

// BoundProblems is ps as it may be answered and stored: each message and
// path at most a bounded length, and at most MaxProblems entries, the last
// of them a too_many_errors entry saying how many more there were. ps is
// not changed.
func BoundProblems(ps []Problem) []Problem {
	n := len(ps)
	keep := n
	if n > MaxProblems {
		keep = MaxProblems - 1
	}
	out := make([]Problem, 0, min(n, MaxProblems))
	for _, p := range ps[:keep] {
		p.Message = Quote(p.Message, maxMessage)
		p.Path = Quote(p.Path, maxMessage)
		p.Code = Quote(p.Code, 64)
		out = append(out, p)
	}
	if n > keep {
		out = append(out, Problem{Code: ProblemTooManyErrors,
			Message: strconv.Itoa(n-keep) + " more errors not listed; correct these and send again"})
	}
	return out
}
