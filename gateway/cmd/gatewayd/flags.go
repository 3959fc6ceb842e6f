package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// Settings are environment variables, each with a flag of the same
// meaning named after it in lower case with dashes (DATABASE_URL →
// --database-url); a flag given wins (operations.md). A variable set to
// the empty string counts as unset (FOO= in a ConfigMap or an env file
// means "no value", not "an empty one"). Only this package reads the
// environment; everything below it gets plain structs.
//
// Each setting has a type (duration, count, bytes, fraction, URL, ...)
// that parses and checks its text, so a malformed value is bad usage
// (exit status 2) at start, named: by its flag when the flag was given,
// by its variable when the variable was. A variable's bad value does not
// matter when the flag is given. --help shows each setting's type, its
// variable and its default, and a value taken from the environment — a
// secret's only as "(set)".

// value is a typed flag value: Set parses and checks text into the
// destination (left as it was on error); kind names the type in --help.
type value interface {
	flag.Value
	kind() string
}

// envValue binds a value to its environment variable.
type envValue struct {
	value
	env    string
	def    string // the default, as --help shows it
	secret bool
	raw    string // the variable's value, "" when unset
	envErr error  // the variable's value did not parse
}

// Set is the flag given: it wins over the variable, bad or good.
func (e *envValue) Set(s string) error {
	if err := e.value.Set(s); err != nil {
		return err
	}
	e.envErr = nil
	return nil
}

// IsBoolFlag lets a boolean setting be given as --name alone.
func (e *envValue) IsBoolFlag() bool {
	b, ok := e.value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// shown is the variable's value as messages and --help may show it.
func (e *envValue) shown() string {
	switch {
	case e.secret:
		return "(set)"
	case e.kind() == "URL":
		return strconv.Quote(redactURL(e.raw))
	}
	return strconv.Quote(e.raw)
}

// bind defines v's flag, named after the variable, with the variable's
// value applied now; its error, if any, waits for parse. v's value before
// is the default --help shows.
func bind(fs *flag.FlagSet, name string, v value, secret bool, help string) *envValue {
	e := &envValue{value: v, env: name, def: v.String(), secret: secret}
	if s := os.Getenv(name); s != "" {
		e.raw = s
		e.envErr = v.Set(s)
	}
	fs.Var(e, flagName(name), help)
	return e
}

func flagName(env string) string { return strings.ReplaceAll(strings.ToLower(env), "_", "-") }

// envFlag defines a string setting; def is its default.
func envFlag(fs *flag.FlagSet, name, def, help string) *string {
	p := new(string)
	*p = def
	bind(fs, name, &stringValue{p, "string"}, false, help)
	return p
}

// secretFlag defines a string setting that --help and messages never
// show (a password in a connection string, a seed secret).
func secretFlag(fs *flag.FlagSet, name, help string) *string {
	p := new(string)
	bind(fs, name, &stringValue{p, "string"}, true, help)
	return p
}

// urlFlag defines an absolute http(s) URL setting, shown without its
// password.
func urlFlag(fs *flag.FlagSet, name, help string) *string {
	p := new(string)
	bind(fs, name, &urlValue{p}, false, help)
	return p
}

// durationFlag defines a positive duration setting.
func durationFlag(fs *flag.FlagSet, name string, def time.Duration, help string) *time.Duration {
	p := new(time.Duration)
	*p = def
	bind(fs, name, &durationValue{p, false}, false, help)
	return p
}

// countFlag defines a whole-number setting of at least 1; unit names
// what it counts in --help.
func countFlag(fs *flag.FlagSet, name string, def int, unit, help string) *int {
	p := new(int)
	*p = def
	bind(fs, name, &intValue{p, 1, unit}, false, help)
	return p
}

// countOrZeroFlag is countFlag where 0 is allowed (and means "off", as the
// help says).
func countOrZeroFlag(fs *flag.FlagSet, name string, def int, unit, help string) *int {
	p := new(int)
	*p = def
	bind(fs, name, &intValue{p, 0, unit}, false, help)
	return p
}

// bytesFlag defines a size in bytes of at least 1.
func bytesFlag(fs *flag.FlagSet, name string, def int64, help string) *int64 {
	p := new(int64)
	*p = def
	bind(fs, name, &int64Value{p, 1, "bytes"}, false, help)
	return p
}

// boolFlag defines a true/false setting: the variable takes true, false,
// 1, 0 (as strconv.ParseBool), the flag may be given alone for true.
func boolFlag(fs *flag.FlagSet, name string, def bool, help string) *bool {
	p := new(bool)
	*p = def
	bind(fs, name, &boolValue{p}, false, help)
	return p
}

// boolValue is true or false.
type boolValue struct{ p *bool }

func (v *boolValue) Set(s string) error {
	b, err := strconv.ParseBool(s)
	if err != nil {
		return errors.New("want true or false")
	}
	*v.p = b
	return nil
}
func (v *boolValue) String() string {
	if v == nil || v.p == nil {
		return ""
	}
	return strconv.FormatBool(*v.p)
}
func (v *boolValue) kind() string     { return "" }
func (v *boolValue) IsBoolFlag() bool { return true }

// choiceFlag defines a setting that takes one of a few words.
func choiceFlag(fs *flag.FlagSet, name, def string, choices []string, help string) *string {
	p := new(string)
	*p = def
	bind(fs, name, &choiceValue{p, choices}, false, help)
	return p
}

// stringValue is any text.
type stringValue struct {
	p *string
	k string
}

func (v *stringValue) Set(s string) error { *v.p = s; return nil }
func (v *stringValue) String() string {
	if v == nil || v.p == nil {
		return ""
	}
	return *v.p
}
func (v *stringValue) kind() string { return v.k }

// urlValue is an absolute http(s) URL: a typo is bad usage at start
// rather than failed deliveries later.
type urlValue struct{ p *string }

func (v *urlValue) Set(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("want an absolute http(s) URL such as https://host:8443")
	}
	*v.p = s
	return nil
}
func (v *urlValue) String() string {
	if v == nil || v.p == nil {
		return ""
	}
	return redactURL(*v.p)
}
func (v *urlValue) kind() string { return "URL" }

// redactURL hides a URL's password; text that is no URL is hidden whole,
// as it may be one mistyped.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(not a URL)"
	}
	return u.Redacted()
}

// durationValue is a positive duration (or zero, when zero is allowed).
type durationValue struct {
	p         *time.Duration
	allowZero bool
}

func (v *durationValue) Set(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 || (d == 0 && !v.allowZero) {
		if v.allowZero {
			return errors.New("want a duration such as 0, 250ms, 90s or 5m")
		}
		return errors.New("want a positive duration such as 250ms, 90s, 5m or 1h30m")
	}
	*v.p = d
	return nil
}
func (v *durationValue) String() string {
	if v == nil || v.p == nil {
		return ""
	}
	return fmtDuration(*v.p)
}
func (v *durationValue) kind() string { return "duration" }

// fmtDuration writes 1m rather than Go's 1m0s.
func fmtDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// intValue is a whole number of at least min.
type intValue struct {
	p    *int
	min  int
	unit string
}

func (v *intValue) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil || n < v.min {
		return fmt.Errorf("want a whole number of at least %d", v.min)
	}
	*v.p = n
	return nil
}
func (v *intValue) String() string {
	if v == nil || v.p == nil {
		return ""
	}
	return strconv.Itoa(*v.p)
}
func (v *intValue) kind() string { return v.unit }

// int64Value is intValue for sizes.
type int64Value struct {
	p    *int64
	min  int64
	unit string
}

func (v *int64Value) Set(s string) error {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < v.min {
		return fmt.Errorf("want a whole number of %s of at least %d", v.unit, v.min)
	}
	*v.p = n
	return nil
}
func (v *int64Value) String() string {
	if v == nil || v.p == nil {
		return ""
	}
	return strconv.FormatInt(*v.p, 10)
}
func (v *int64Value) kind() string { return v.unit }

// fractionValue is a fraction from 0 to 1 (a rate of requests).
type fractionValue struct{ p *float64 }

func (v *fractionValue) Set(s string) error {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || !(f >= 0 && f <= 1) {
		return errors.New("want a fraction from 0 to 1, such as 0.05")
	}
	*v.p = f
	return nil
}
func (v *fractionValue) String() string {
	if v == nil || v.p == nil {
		return ""
	}
	return strconv.FormatFloat(*v.p, 'g', -1, 64)
}
func (v *fractionValue) kind() string { return "fraction" }

// choiceValue is one of a few words, matched without regard to case.
type choiceValue struct {
	p       *string
	choices []string
}

func (v *choiceValue) Set(s string) error {
	for _, c := range v.choices {
		if strings.EqualFold(s, c) {
			*v.p = c
			return nil
		}
	}
	return fmt.Errorf("want one of %s", strings.Join(v.choices, ", "))
}
func (v *choiceValue) String() string {
	if v == nil || v.p == nil {
		return ""
	}
	return *v.p
}
func (v *choiceValue) kind() string { return strings.Join(v.choices, "|") }

// newFlagSet makes a flag set whose errors are usage errors. synopsis is
// the command line and about what the command does; --help prints both and
// then the flags.
func newFlagSet(name, synopsis, about string) *flag.FlagSet {
	fs := flag.NewFlagSet("gatewayd "+name, flag.ContinueOnError)
	fs.SetOutput(os.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: %s\n\n%s\n\n", synopsis, strings.TrimSpace(about))
		printFlags(fs.Output(), fs)
	}
	return fs
}

// printFlags is --help's list of flags: each with its type, then what it
// does, its variable, its default and a value from the environment.
func printFlags(w io.Writer, fs *flag.FlagSet) {
	envs := false
	fs.VisitAll(func(f *flag.Flag) {
		_, ok := f.Value.(*envValue)
		envs = envs || ok
	})
	if envs {
		fmt.Fprintln(w, "flags (a flag wins over its environment variable):")
	} else {
		fmt.Fprintln(w, "flags:")
	}
	fs.VisitAll(func(f *flag.Flag) {
		kind, help := flag.UnquoteUsage(f)
		var notes []string
		switch v := f.Value.(type) {
		case *envValue:
			kind = v.kind()
			notes = append(notes, "$"+v.env)
			if v.raw != "" {
				notes[0] += " " + v.shown()
				if !v.secret {
					notes[0] += " from the environment"
				}
			}
			if v.def != "" {
				notes = append(notes, "default "+v.def)
			}
		case value:
			kind = v.kind()
			if f.DefValue != "" && f.DefValue != "0" {
				notes = append(notes, "default "+f.DefValue)
			}
		default:
			if f.DefValue != "" && f.DefValue != "0" && f.DefValue != "false" && f.DefValue != "0s" {
				notes = append(notes, "default "+f.DefValue)
			}
		}
		line := "  --" + f.Name
		if kind != "" {
			line += " " + kind
		}
		if len(notes) > 0 {
			help += " (" + strings.Join(notes, "; ") + ")"
		}
		fmt.Fprintf(w, "%s\n    \t%s\n", line, strings.ReplaceAll(help, "\n", "\n    \t"))
	})
	fmt.Fprintln(w, "\nA duration is written like 250ms, 90s, 5m or 1h30m; a fraction from 0 to 1, like 0.05.")
}

// parse parses args, then reports every setting whose variable holds a
// malformed value and whose flag was not given: all of them at once.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return errHelpShown
		}
		return usageError{err.Error()}
	}
	var bad []string
	fs.VisitAll(func(f *flag.Flag) {
		if v, ok := f.Value.(*envValue); ok && v.envErr != nil {
			bad = append(bad, fmt.Sprintf("%s=%s: %v (or give --%s)", v.env, v.shown(), v.envErr, f.Name))
		}
	})
	if len(bad) > 0 {
		return usageError{strings.Join(bad, "\n")}
	}
	return nil
}

// errHelpShown ends a command whose --help was printed: exit status 0.
var errHelpShown = errors.New("help shown")
