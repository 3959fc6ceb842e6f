package postgres

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"testing"

	"github.com/lib/pq"
)

func TestIsUnavailable(t *testing.T) {
	cases := []struct {
		err  error
		want bool
	}{
		{nil, false},
		{errors.New("syntax"), false},
		{&pq.Error{Code: "23505"}, false},
		{&pq.Error{Code: "08006"}, true},
		{fmt.Errorf("get: %w", &pq.Error{Code: "57P01"}), true},
		{fmt.Errorf("ping: %w", &net.OpError{Op: "dial", Err: errors.New("connection refused")}), true},
		{fmt.Errorf("query: %w", driver.ErrBadConn), true},
	}
	for _, c := range cases {
		if got := IsUnavailable(c.err); got != c.want {
			t.Errorf("IsUnavailable(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}

func TestWithBinaryParameters(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://u@h:5432/db?sslmode=disable": "postgres://u@h:5432/db?binary_parameters=yes&sslmode=disable",
		"host=h dbname=db":                       "host=h dbname=db binary_parameters=yes",
		"postgres://h/db?binary_parameters=no":   "postgres://h/db?binary_parameters=no",
	} {
		if got := withBinaryParameters(in); got != want {
			t.Errorf("withBinaryParameters(%q) = %q, want %q", in, got, want)
		}
	}
}
