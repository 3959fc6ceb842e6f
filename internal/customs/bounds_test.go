package customs

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestProblemsQuoteAtMost200Characters(t *testing.T) {
	var ps Problems
	ps.Add("/x", ProblemInvalidHSCode, "invalid HS code %q", strings.Repeat("码", 5000))
	quoted := strings.Count(ps[0].Message, "码")
	if quoted != MaxQuoted || !strings.Contains(ps[0].Message, "…") {
		t.Errorf("quoted %d characters: %.80s", quoted, ps[0].Message)
	}
}

func TestBoundProblems(t *testing.T) {
	ps := make([]Problem, 450)
	for i := range ps {
		ps[i] = Problem{Path: "/p", Code: "c", Message: strings.Repeat("é", 10000)}
	}
	out := BoundProblems(ps)
	if len(out) != MaxProblems {
		t.Fatalf("%d problems, want %d", len(out), MaxProblems)
	}
	last := out[len(out)-1]
	if last.Code != ProblemTooManyErrors || !strings.HasPrefix(last.Message, "251 more") {
		t.Errorf("last %+v", last)
	}
	for _, p := range out {
		if n := utf8.RuneCountInString(p.Message); n > 2*MaxQuoted+1 || !utf8.ValidString(p.Message) {
			t.Fatalf("a message of %d characters", n)
		}
	}
	if len(ps[0].Message) != 20000 {
		t.Error("the input was changed")
	}
	if got := BoundProblems(ps[:3]); len(got) != 3 {
		t.Errorf("a short list: %d", len(got))
	}
}
