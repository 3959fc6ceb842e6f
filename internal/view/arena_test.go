package view

import "testing"

// TestStringArena: each pointer keeps its string, also after appends past
// the arena's capacity; the empty string is nil, as opt gives it.
func TestStringArena(t *testing.T) {
	for _, capacity := range []int{0, 2, 16} {
		a := make(stringArena, 0, capacity)
		in := []string{"a", "", "bc", "d", "", "efg", "h"}
		ptrs := make([]*string, len(in))
		for i, s := range in {
			ptrs[i] = a.opt(s)
		}
		for i, s := range in {
			switch {
			case s == "" && ptrs[i] != nil:
				t.Errorf("capacity %d: %q gave %q, want nil", capacity, s, *ptrs[i])
			case s != "" && (ptrs[i] == nil || *ptrs[i] != s):
				t.Errorf("capacity %d: element %d is %v, want %q", capacity, i, ptrs[i], s)
			}
		}
	}
}
