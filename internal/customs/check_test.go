package customs

import "testing"

func TestCheckUSCC(t *testing.T) {
	cases := []struct {
		in   string
		ok   bool
		want byte
	}{
		{"91130104MA0CF8N241", true, '1'},
		{"91120116732845199J", true, 'J'},
		{"91130104MA0CF8N243", false, '1'},
		{"91130104MA0CF8N24", false, 0},  // 17 characters
		{"91130104MA0CF8NI41", false, 0}, // I is not in the alphabet
		{"", false, 0},
	}
	for _, c := range cases {
		ok, want := CheckUSCC(c.in)
		if ok != c.ok || want != c.want {
			t.Errorf("CheckUSCC(%q) = %v, %q; want %v, %q", c.in, ok, want, c.ok, c.want)
		}
	}
	// A check of 31 is written 0: find a prefix whose sum is 0 mod 31.
	if got := USCCCheckChar("00000000000000000"); got != '0' {
		t.Errorf("all-zero prefix check = %q, want 0", got)
	}
	if NormalizeUSCC("91130104ma0cf8n241") != "91130104MA0CF8N241" {
		t.Error("lower case not normalised")
	}
}

func TestCheckContainer(t *testing.T) {
	cases := []struct {
		in   string
		ok   bool
		want byte
	}{
		{"CSQU3054383", true, '3'}, // ISO 6346's own example
		{"SEGU5618304", true, '4'},
		{"TGHU1234567", true, '7'},
		{"TGHU1234568", false, '7'},
		{"CSQU3054384", false, '3'},
		{"CSQX3054383", false, 0}, // category must be U, J or Z
		{"CSQU305438", false, 0},
	}
	for _, c := range cases {
		ok, want := CheckContainer(c.in)
		if ok != c.ok || want != c.want {
			t.Errorf("CheckContainer(%q) = %v, %q; want %v, %q", c.in, ok, want, c.ok, c.want)
		}
	}
}

func TestCheckAWB(t *testing.T) {
	cases := map[string]bool{
		"999-73160242": true, // 7316024 mod 7 = 2
		"99973160242":  true,
		"999-73160243": false,
		"999-7316024":  false,
		"99A-73160242": false,
	}
	for in, want := range cases {
		if got := CheckAWB(in); got != want {
			t.Errorf("CheckAWB(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestCheckDecimal(t *testing.T) {
	cases := []struct {
		in   string
		frac int
		ok   bool
	}{
		{"12", 2, true}, {"0.5", 2, true}, {"12.50", 2, true}, {"12.505", 2, false},
		{"0", 2, false}, {"0.00", 2, false}, {"-1", 2, false}, {"1e5", 2, false},
		{"1,000", 2, false}, {".5", 2, false}, {"5.", 2, false}, {"", 2, false},
		{"124", 0, true}, {"124.0", 0, false}, {"1.2.3", 5, false}, {"+1", 5, false},
	}
	for _, c := range cases {
		if got := CheckDecimal(c.in, c.frac); got != c.ok {
			t.Errorf("CheckDecimal(%q, %d) = %v, want %v", c.in, c.frac, got, c.ok)
		}
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	d := &Declaration{Source: Source{Port: PortTianjin}, Direction: "sideways", Goods: []GoodsItem{{Seq: 1}, {Seq: 1}}}
	err := d.Validate()
	if ErrorCodeOf(err) != CodeInvalid {
		t.Fatalf("code %v", ErrorCodeOf(err))
	}
	codes := map[string]int{}
	for _, p := range ProblemsOf(err) {
		codes[p.Code]++
	}
	for _, want := range []string{ProblemMissingField, ProblemInvalidEnum, ProblemDuplicateKey, ProblemInvalidHSCode, ProblemInvalidQuantity} {
		if codes[want] == 0 {
			t.Errorf("no %s in %v", want, codes)
		}
	}
}

func TestActiveOn(t *testing.T) {
	r := CreditRecord{EffectiveFrom: "2026-03-01", ExpiresAt: "2026-12-01"}
	for day, want := range map[string]bool{"2026-02-28": false, "2026-03-01": true, "2026-11-30": true, "2026-12-01": false} {
		if got := r.ActiveOn(day); got != want {
			t.Errorf("ActiveOn(%s) = %v want %v", day, got, want)
		}
	}
	r.Deleted = true
	if r.ActiveOn("2026-06-01") {
		t.Error("deleted record active")
	}
}

func TestClip(t *testing.T) {
	cases := []struct {
		in   string
		max  int
		want string
		cut  bool
	}{
		{"plain", 0, "plain", false},
		{"a\x00b", 0, "ab", false},
		{"bad\xb7byte", 0, "bad\uFFFDbyte", false},
		{"海关总署", 7, "海关", true}, // 3-byte characters: cut between them
		{"海关", 6, "海关", false},
	}
	for _, c := range cases {
		got, cut := Clip(c.in, c.max)
		if got != c.want || cut != c.cut {
			t.Errorf("Clip(%q, %d) = %q, %v; want %q, %v", c.in, c.max, got, cut, c.want, c.cut)
		}
	}
}
