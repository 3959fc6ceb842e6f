package main

import (
	"net/http"
	"time"
)

// httpLimits are the HTTP server's limits (api.md "Hostile input"): slow
// and idle connections are closed, and the number open is capped.
type httpLimits struct {
	read, idle time.Duration
	maxConns   int
}

// The server's fixed limits, the contract's: headers must arrive within
// 10 s and hold at most 64 KiB.
const (
	readHeaderTimeout = 10 * time.Second
	maxHeaderBytes    = 64 << 10
	// writeSlack is what the answer may take beyond the read: net/http
	// counts the write timeout from the end of the headers, so it must
	// cover reading the body (HTTP_READ_TIMEOUT), the wait in the intake
	// line (10 s) and the work, which the database's own timeouts bound.
	writeSlack = 60 * time.Second
)

func (l httpLimits) server(h http.Handler) *http.Server {
	read, idle := l.read, l.idle
	if read <= 0 {
		read = 60 * time.Second
	}
	if idle <= 0 {
		idle = 120 * time.Second
	}
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: min(readHeaderTimeout, read),
		ReadTimeout:       read,
		WriteTimeout:      read + writeSlack,
		IdleTimeout:       idle,
		MaxHeaderBytes:    maxHeaderBytes,
	}
}

func (l httpLimits) connections() int {
	if l.maxConns <= 0 {
		return 4096
	}
	return l.maxConns
}
