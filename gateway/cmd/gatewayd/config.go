package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
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

// env returns the environment variable's value or def. Only this package
// reads the environment; everything below it gets plain structs.
func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
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

// newFlagSet makes a flag set whose errors are usage errors.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("gatewayd "+name, flag.ContinueOnError)
	fs.SetOutput(os.Stderr)
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

// common are the settings shared by the commands that touch ports and rules.
type common struct {
	codesDir    *string
	maxDepth    *string
	maxElements *string
	logLevel    *string
}

func commonFlags(fs *flag.FlagSet) *common {
	return &common{
		codesDir:    envFlag(fs, "CODES_DIR", "", "folder of code tables to use instead of the embedded ones"),
		maxDepth:    envFlag(fs, "MAX_XML_DEPTH", "64", "deepest XML nesting accepted"),
		maxElements: envFlag(fs, "MAX_XML_ELEMENTS", "200000", "most XML elements accepted"),
		logLevel:    envFlag(fs, "LOG_LEVEL", "info", "debug, info, warn or error"),
	}
}

func (c *common) tables() (*codes.Tables, error) {
	if *c.codesDir == "" {
		return codes.Load(codes.Embedded())
	}
	t, err := codes.LoadDir(*c.codesDir)
	if err != nil {
		return nil, fmt.Errorf("CODES_DIR %s: %w", *c.codesDir, err)
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

func (c *common) logger(w io.Writer) (*slog.Logger, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(*c.logLevel)); err != nil {
		return nil, usageError{"LOG_LEVEL must be debug, info, warn or error"}
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
		if err != nil || f < 0 || f > 1 {
			return nil, usageError{fmt.Sprintf("RANDOM_INSPECTION_RATES: rate %q must be from 0 to 1", v)}
		}
		out[r] = f
	}
	return out, nil
}

func parseDuration(name, s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, usageError{fmt.Sprintf("%s: %q is not a positive duration", name, s)}
	}
	return d, nil
}
