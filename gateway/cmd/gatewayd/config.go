package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
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

// env returns the environment variable's value or def. A variable set to
// the empty string counts as unset (FOO= in a ConfigMap or an env file
// means "no value", not "an empty one"). Only this package reads the
// environment; everything below it gets plain structs.
func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// envFlag defines a string flag named after an environment variable
// (DATABASE_URL → --database-url) whose default is the variable's value, so
// that a flag given wins.
func envFlag(fs *flag.FlagSet, name, def, help string) *string {
	flagName := strings.ReplaceAll(strings.ToLower(name), "_", "-")
	return fs.String(flagName, env(name, def), help+" ($"+name+")")
}

// newFlagSet makes a flag set whose errors are usage errors. synopsis is
// the command line and about what the command does; --help prints both and
// then the flags.
func newFlagSet(name, synopsis, about string) *flag.FlagSet {
	fs := flag.NewFlagSet("gatewayd "+name, flag.ContinueOnError)
	fs.SetOutput(os.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: %s\n\n%s\n\nflags (a flag wins over its environment variable):\n", synopsis, strings.TrimSpace(about))
		fs.PrintDefaults()
	}
	return fs
}

func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return errHelpShown
		}
		return usageError{err.Error()}
	}
	return nil
}

// errHelpShown ends a command whose --help was printed: exit status 0.
var errHelpShown = errors.New("help shown")

// common are the settings shared by the commands that read port messages
// (serve, translate).
type common struct {
	codesDir    *string
	maxDepth    *string
	maxElements *string
}

func commonFlags(fs *flag.FlagSet) *common {
	return &common{
		codesDir:    codesDirFlag(fs),
		maxDepth:    envFlag(fs, "MAX_XML_DEPTH", "64", "deepest XML nesting accepted"),
		maxElements: envFlag(fs, "MAX_XML_ELEMENTS", "200000", "most XML elements accepted"),
	}
}

func codesDirFlag(fs *flag.FlagSet) *string {
	return envFlag(fs, "CODES_DIR", "", "folder of code tables to use instead of the embedded ones")
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

func (c *common) limits() (adapters.Limits, error) {
	d, err := strconv.Atoi(*c.maxDepth)
	if err != nil || d < 1 {
		return adapters.Limits{}, usageError{"MAX_XML_DEPTH must be a positive whole number"}
	}
	n, err := strconv.Atoi(*c.maxElements)
	if err != nil || n < 1 {
		return adapters.Limits{}, usageError{"MAX_XML_ELEMENTS must be a positive whole number"}
	}
	return adapters.Limits{MaxDepth: d, MaxElements: n}, nil
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
			return nil, usageError{fmt.Sprintf("RANDOM_INSPECTION_RATES: %q is not rating=rate", part)}
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		// Written so that NaN (which ParseFloat accepts, and which would
		// silently select nothing) fails as well.
		if err != nil || !(f >= 0 && f <= 1) {
			return nil, usageError{fmt.Sprintf("RANDOM_INSPECTION_RATES: rate %q must be from 0 to 1", v)}
		}
		out[r] = f
	}
	return out, nil
}

// checkURL makes sure a partner's base URL is an absolute http(s) URL, so a
// typo is bad usage at start rather than failed deliveries later.
func checkURL(name, s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return usageError{fmt.Sprintf("%s: %q is not an http(s) URL", name, s)}
	}
	return nil
}

func parseDuration(name, s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, usageError{fmt.Sprintf("%s: %q is not a positive duration", name, s)}
	}
	return d, nil
}
