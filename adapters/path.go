package adapters

import "strconv"

// At is the path of an element in the port's message (samples/README.md
// "Paths"), rendered only when a problem or a warning needs it, so that
// reading a valid message builds no path strings but those it keeps.
//
// The element is Parent itself when Name is "", else Parent/Name with, for
// an element that repeats, its key (Party[@role='OWNER']) or its position
// among its same-named siblings (Seal[2]); Pos 0 writes no position.
type At struct {
	Parent, Name string
	Key, Val     string
	Pos          int
}

// Path returns the element's path with sub appended ("/@uscc", "/CodeTS",
// or "" for the element itself).
func (p At) Path(sub string) string {
	switch {
	case p.Name == "":
		return p.Parent + sub
	case p.Key != "":
		return Keyed(p.Parent+"/"+p.Name, p.Key, p.Val, p.Pos) + sub
	case p.Pos > 0:
		return p.Parent + "/" + p.Name + "[" + strconv.Itoa(p.Pos) + "]" + sub
	}
	return p.Parent + "/" + p.Name + sub
}

// Keyed is the path of a repeated element named by its key attribute
// (Item[@line='2']), or by its position when the key is absent or cannot
// be quoted.
func Keyed(base, key, value string, pos int) string {
	if value == "" || containsQuote(value) {
		return base + "[" + strconv.Itoa(pos) + "]"
	}
	return base + "[@" + key + "='" + value + "']"
}

func containsQuote(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '\'' {
			return true
		}
	}
	return false
}
