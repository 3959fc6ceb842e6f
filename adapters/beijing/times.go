package beijing

import "time"

// parseTime reads an ISO 8601 time with an offset, the form the format
// writes its times in: yyyy-MM-ddTHH:mm, optionally :ss and a fraction, then
// Z, ±hh:mm, ±hhmm or ±hh. The date must be a real calendar date. A time
// without an offset is refused: it would not say which day it is in UTC.
// Hand-written because time.Parse takes one layout per call and the format
// allows several; this one also does not allocate.
func parseTime(s string) (time.Time, bool) {
	y, mo, d, ok := parseDate(s)
	if !ok || len(s) < 16 || (s[10] != 'T' && s[10] != 't') {
		return time.Time{}, false
	}
	hh, ok1 := num2(s, 11)
	mm, ok2 := num2(s, 14)
	if !ok1 || !ok2 || s[13] != ':' || hh > 23 || mm > 59 {
		return time.Time{}, false
	}
	i, ss, ns := 16, 0, 0
	if i < len(s) && s[i] == ':' {
		v, ok := num2(s, i+1)
		if !ok || v > 59 {
			return time.Time{}, false
		}
		ss, i = v, i+3
		if i < len(s) && (s[i] == '.' || s[i] == ',') {
			i++
			start, scale := i, 100000000
			for i < len(s) && s[i] >= '0' && s[i] <= '9' {
				ns += int(s[i]-'0') * scale
				scale /= 10
				i++
			}
			if i == start {
				return time.Time{}, false
			}
		}
	}
	if i >= len(s) {
		return time.Time{}, false // no offset
	}
	off := 0
	switch s[i] {
	case 'Z', 'z':
		i++
	case '+', '-':
		sign := 1
		if s[i] == '-' {
			sign = -1
		}
		oh, ok := num2(s, i+1)
		if !ok || oh > 23 {
			return time.Time{}, false
		}
		i += 3
		om := 0
		switch {
		case i == len(s):
		case s[i] == ':':
			v, ok := num2(s, i+1)
			if !ok || v > 59 {
				return time.Time{}, false
			}
			om, i = v, i+3
		default:
			v, ok := num2(s, i)
			if !ok || v > 59 {
				return time.Time{}, false
			}
			om, i = v, i+2
		}
		off = sign * (oh*3600 + om*60)
	default:
		return time.Time{}, false
	}
	if i != len(s) {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(mo), d, hh, mm, ss, ns, time.UTC)
	return t.Add(-time.Duration(off) * time.Second), true
}

// parseDate reads the yyyy-MM-dd at the start of s and checks it is a real
// calendar date.
func parseDate(s string) (y, m, d int, ok bool) {
	if len(s) < 10 || s[4] != '-' || s[7] != '-' {
		return 0, 0, 0, false
	}
	hi, ok1 := num2(s, 0)
	lo, ok2 := num2(s, 2)
	m, ok3 := num2(s, 5)
	d, ok4 := num2(s, 8)
	if !ok1 || !ok2 || !ok3 || !ok4 || m < 1 || m > 12 || d < 1 {
		return 0, 0, 0, false
	}
	y = hi*100 + lo
	if y == 0 || d > daysIn(y, m) {
		return 0, 0, 0, false
	}
	return y, m, d, true
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

func num2(s string, i int) (int, bool) {
	if i+2 > len(s) || s[i] < '0' || s[i] > '9' || s[i+1] < '0' || s[i+1] > '9' {
		return 0, false
	}
	return int(s[i]-'0')*10 + int(s[i+1]-'0'), true
}

// utcDate reads a departure date: a yyyy-MM-dd date is kept as declared;
// an ISO 8601 time with an offset gives its UTC date, which may be the day
// before the local one (samples/README.md reading 6).
func utcDate(s string) (string, bool) {
	if len(s) == 10 {
		_, _, _, ok := parseDate(s)
		return s, ok
	}
	t, ok := parseTime(s)
	if !ok {
		return "", false
	}
	return t.UTC().Format(time.DateOnly), true
}
