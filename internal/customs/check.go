package customs

import (
	"strconv"
	"strings"
	"time"
)

// usccAlphabet is GB 32100-2015's character set: no I, O, Z, S, V.
const usccAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

var usccWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// NormalizeUSCC upper-cases a USCC; lower case is accepted on input.
func NormalizeUSCC(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= 'a' && s[i] <= 'z' {
			return strings.ToUpper(s)
		}
	}
	return s
}

// CheckUSCC reports whether s (already upper case) is a valid unified social
// credit code. When the form is right but the check character is wrong, want
// is the character it should have been; otherwise want is 0.
func CheckUSCC(s string) (ok bool, want byte) {
	if len(s) != 18 || strings.IndexByte(usccAlphabet, s[17]) < 0 {
		return false, 0
	}
	want, ok = usccCheck(s[:17])
	if !ok {
		return false, 0
	}
	return s[17] == want, want
}

// USCCCheckChar returns the check character for a 17-character prefix, for
// generators of test data and simulators. It panics when prefix17 is not 17
// characters of the USCC alphabet: a generator making such a prefix is
// broken, and a code built on it would be invalid anyway.
func USCCCheckChar(prefix17 string) byte {
	c, ok := usccCheck(prefix17)
	if !ok {
		panic("customs: USCCCheckChar: " + strconv.Quote(prefix17) + " is not 17 characters of the USCC alphabet")
	}
	return c
}

// usccCheck is GB 32100-2015's check character of a 17-character prefix:
// 31 − (Σ value × weight mod 31), where a result of 31 is written '0'.
// It is the one place this arithmetic lives; ok is false when the prefix
// is not 17 characters of the alphabet.
func usccCheck(prefix string) (c byte, ok bool) {
	if len(prefix) != 17 {
		return 0, false
	}
	sum := 0
	for i := 0; i < 17; i++ {
		v := strings.IndexByte(usccAlphabet, prefix[i])
		if v < 0 {
			return 0, false
		}
		sum += v * usccWeights[i]
	}
	n := 31 - sum%31
	if n == 31 {
		n = 0
	}
	return usccAlphabet[n], true
}

// containerLetterValue is ISO 6346's value of each letter: A=10, skipping
// multiples of 11.
func containerLetterValue(c byte) int {
	v := 10
	for l := byte('A'); l < c; l++ {
		v++
		if v%11 == 0 {
			v++
		}
	}
	return v
}

// CheckContainer reports whether s is an ISO 6346 container number: owner
// code (3 letters), category (U, J or Z), 6-digit serial and a check digit
// (a remainder of 10 is written 0). want is the right check digit when only
// the check digit is wrong.
func CheckContainer(s string) (ok bool, want byte) {
	if len(s) != 11 {
		return false, 0
	}
	for i := 0; i < 4; i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false, 0
		}
	}
	if s[3] != 'U' && s[3] != 'J' && s[3] != 'Z' {
		return false, 0
	}
	for i := 4; i < 11; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false, 0
		}
	}
	sum := 0
	for i := 0; i < 10; i++ {
		var v int
		if i < 4 {
			v = containerLetterValue(s[i])
		} else {
			v = int(s[i] - '0')
		}
		sum += v << i
	}
	d := sum % 11 % 10
	want = byte('0' + d)
	return s[10] == want, want
}

// NormalizeAWB removes the optional hyphen of a master air waybill number.
func NormalizeAWB(s string) string {
	if len(s) == 12 && s[3] == '-' {
		return s[:3] + s[4:]
	}
	return s
}

// CheckAWB reports whether s (hyphen optional) is a master air waybill
// number: 3-digit prefix, 8-digit serial whose last digit is the first seven
// mod 7.
func CheckAWB(s string) bool {
	s = NormalizeAWB(s)
	if len(s) != 11 || !AllDigits(s) {
		return false
	}
	n := 0
	for i := 3; i < 10; i++ {
		n = n*10 + int(s[i]-'0')
	}
	return int(s[10]-'0') == n%7
}

// AllDigits reports whether s is non-empty and all ASCII digits.
func AllDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// CheckDecimal reports whether s is a positive decimal (api.md: digits with
// an optional fraction, no sign, exponent, grouping or bare dot) with at most
// maxFrac fraction digits. maxFrac 0 means a whole number.
func CheckDecimal(s string, maxFrac int) bool {
	if s == "" {
		return false
	}
	dot := -1
	nonZero := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '.':
			if dot >= 0 || i == 0 || i == len(s)-1 {
				return false
			}
			dot = i
		case c >= '0' && c <= '9':
			if c != '0' {
				nonZero = true
			}
		default:
			return false
		}
	}
	if dot >= 0 && len(s)-dot-1 > maxFrac {
		return false
	}
	return nonZero
}

// CheckDate reports whether s is a real calendar date in layout.
func CheckDate(layout, s string) (time.Time, bool) {
	t, err := time.Parse(layout, s)
	return t, err == nil
}
