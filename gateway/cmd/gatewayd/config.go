package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/jjj/gateway/adapters"
	"github.com/jjj/gateway/adapters/beijing"
	"github.com/jjj/gateway/adapters/hebei"
	"github.com/jjj/gateway/adapters/tianjin"
	"github.com/jjj/gateway/internal/codes"
	"github.com/jjj/gateway/internal/customs"
)

// common are the settings shared by the commands that read port messages
// (serve, translate).
type common struct {
	codesDir    *string
	maxDepth    *int
	maxElements *int
}

func commonFlags(fs *flag.FlagSet) *common {
	return &common{
		codesDir:    codesDirFlag(fs),
		maxDepth:    countFlag(fs, "MAX_XML_DEPTH", 64, "levels", "deepest XML nesting accepted"),
		maxElements: countFlag(fs, "MAX_XML_ELEMENTS", 200000, "elements", "most XML elements accepted in one message"),
	}
}

func codesDirFlag(fs *flag.FlagSet) *string {
	p := new(string)
	bind(fs, "CODES_DIR", &stringValue{p, "folder"}, false, "folder of code tables to use instead of the embedded ones (default: the embedded set)")
	return p
}

func (c *common) tables() (*codes.Tables, error) { return loadTables(*c.codesDir) }

// loadTables loads CODES_DIR, or the embedded tables when it is empty.
func loadTables(dir string) (*codes.Tables, error) {
	if dir == "" {
		return codes.Load(codes.Embedded())
	}
	t, err := codes.LoadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("CODES_DIR %s: %w", dir, err)
	}
	return t, nil
}

// limits are the XML limits, checked when their flags were parsed.
func (c *common) limits() (adapters.Limits, error) {
	return adapters.Limits{MaxDepth: *c.maxDepth, MaxElements: *c.maxElements}, nil
}

// newLogger writes JSON lines at LOG_LEVEL to w. Only the four names of
// operations.md are accepted (slog would also take "info+2").
func newLogger(w io.Writer, level string) (*slog.Logger, error) {
	var lvl slog.Level
	switch strings.ToLower(level) {
	case "debug":
		lvl = slog.LevelDebug
	case "info":
		lvl = slog.LevelInfo
	case "warn":
		lvl = slog.LevelWarn
	case "error":
		lvl = slog.LevelError
	default:
		return nil, usageError{fmt.Sprintf("LOG_LEVEL: %q is not debug, info, warn or error", level)}
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: lvl})), nil
}

// registry wires the port adapters: the one place a new port is added.
func registry(t *codes.Tables, lim adapters.Limits) (*adapters.Registry, error) {
	cfg := adapters.Config{Tables: t, Limits: lim}
	reg := adapters.NewRegistry()
	tj, err := tianjin.New(cfg)
	if err != nil {
		return nil, err
	}
	he, err := hebei.New(cfg)
	if err != nil {
		return nil, err
	}
	bj, err := beijing.New(cfg)
	if err != nil {
		return nil, err
	}
	reg.Register(tj)
	reg.Register(he)
	reg.Register(bj)
	return reg, nil
}

// parseRates reads RANDOM_INSPECTION_RATES ("general=0.03,advanced=0.005").
// A rating left out has rate 0.
func parseRates(s string) (map[customs.Rating]float64, error) {
	out := map[customs.Rating]float64{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		r := customs.Rating(strings.TrimSpace(k))
		if !ok || (r != customs.RatingGeneral && r != customs.RatingAdvanced && r != customs.RatingDishonest) {
			return nil, usageError{fmt.Sprintf("%q is not rating=fraction with a rating of general, advanced or dishonest", part)}
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		// Written so that NaN (which ParseFloat accepts, and which would
		// silently select nothing) fails as well.
		if err != nil || !(f >= 0 && f <= 1) {
			return nil, usageError{fmt.Sprintf("the rate %q is not a fraction from 0 to 1", v)}
		}
		out[r] = f
	}
	return out, nil
}

// ratesFlag defines RANDOM_INSPECTION_RATES-like settings: checked by
// parseRates when parsed, kept as text for newApp.
func ratesFlag(fs *flag.FlagSet, name, def, help string) *string {
	p := new(string)
	*p = def
	bind(fs, name, &ratesValue{p}, false, help)
	return p
}

// ratesValue is a list of rating=fraction.
type ratesValue struct{ p *string }

func (v *ratesValue) Set(s string) error {
	if _, err := parseRates(s); err != nil {
		return err
	}
	*v.p = s
	return nil
}
func (v *ratesValue) String() string {
	if v == nil || v.p == nil {
		return ""
	}
	return *v.p
}
func (v *ratesValue) kind() string { return "rating=fraction,..." }

func parseDuration(name, s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, usageError{fmt.Sprintf("%s: %q is not a positive duration", name, s)}
	}
	return d, nil
}
