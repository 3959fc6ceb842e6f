package webhook

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// ProblemForbiddenTarget is api.md's problem code for a webhook URL whose
// host is, or resolves to, an address the gateway does not call.
const ProblemForbiddenTarget = "forbidden_target"

// ProblemInvalidURL is the problem code of a URL that is not one a
// webhook can have (not absolute, credentials, a fragment, too long, a
// scheme other than https, or http where it is not allowed).
const ProblemInvalidURL = "invalid_url"

// ErrForbiddenTarget is the error of a call refused because its host is,
// or now resolves to, an address the gateway does not call. Its class is
// "forbidden_target".
var ErrForbiddenTarget = errors.New("webhook: the target's address is not one the gateway calls")

// Resolver looks a host name up. *net.Resolver satisfies it.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Targets is where webhook calls may go (api.md "Where a webhook may
// point"): https only, and never a host that is or resolves to a
// loopback, private, shared, link-local, unspecified, multicast or other
// special-purpose address. The rule is applied twice: when a webhook is
// registered (CheckURL) and at every connection (DialContext, with a
// net.Dialer Control hook), so a name that resolves to a public address
// at registration and to an inner one later (DNS rebinding) is still not
// called.
type Targets struct {
	// AllowHTTP also accepts plain http URLs (WEBHOOK_ALLOW_HTTP; local
	// tests and demos).
	AllowHTTP bool
	// AllowPrivate lifts the address rule (WEBHOOK_ALLOW_PRIVATE; an
	// intranet deployment, tests with local receivers).
	AllowPrivate bool
	// Resolver looks names up, at registration and at each connection;
	// nil means net.DefaultResolver.
	Resolver Resolver
	// LookupTimeout bounds one lookup at registration; zero means 5s.
	LookupTimeout time.Duration
}

func (t Targets) resolver() Resolver {
	if t.Resolver == nil {
		return net.DefaultResolver
	}
	return t.Resolver
}

// TargetError is a URL refused at registration: Code is the problem code
// (ProblemInvalidURL or ProblemForbiddenTarget), Message says why.
type TargetError struct {
	Code    string
	Message string
}

func (e *TargetError) Error() string { return e.Message }

// CheckURL checks a webhook URL as it is registered: absolute, https (or
// http with AllowHTTP), a host, no credentials, no fragment, at most 2048
// bytes; and unless AllowPrivate, a host that is a public address or a
// name all of whose addresses are public. The error is a *TargetError.
//
// A name that does not resolve is refused like one that resolves inside,
// with the same words: a different answer would tell an enterprise which
// names exist in the gateway's own DNS.
func (t Targets) CheckURL(ctx context.Context, raw string) error {
	u, err := t.parse(raw)
	if err != nil {
		return err
	}
	if t.AllowPrivate {
		return nil
	}
	host := u.Hostname()
	if a, err := netip.ParseAddr(host); err == nil {
		if forbidden(a) {
			return &TargetError{Code: ProblemForbiddenTarget, Message: fmt.Sprintf("%s is not a public address; the gateway does not call it", host)}
		}
		return nil
	}
	d := t.LookupTimeout
	if d <= 0 {
		d = 5 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	addrs, err := t.resolver().LookupNetIP(ctx, "ip", host)
	if err != nil || len(addrs) == 0 || anyForbidden(addrs) {
		return &TargetError{Code: ProblemForbiddenTarget, Message: fmt.Sprintf("%s does not resolve to public addresses only; the gateway calls no other host", host)}
	}
	return nil
}

// parse checks what CheckURL checks without looking the host up.
func (t Targets) parse(raw string) (*url.URL, error) {
	bad := func(msg string) error { return &TargetError{Code: ProblemInvalidURL, Message: msg} }
	if len(raw) > 2048 {
		return nil, bad("the URL is longer than 2048 characters")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, bad("the URL cannot be read")
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && t.AllowHTTP:
	case u.Scheme == "http":
		return nil, bad("the URL must be https")
	case t.AllowHTTP:
		return nil, bad("the URL must be http or https")
	default:
		return nil, bad("the URL must be https")
	}
	if u.Host == "" || u.Hostname() == "" {
		return nil, bad("the URL has no host")
	}
	if u.User != nil {
		return nil, bad("the URL must not carry credentials; the secret signs the body")
	}
	if u.Fragment != "" {
		return nil, bad("the URL must not have a fragment")
	}
	return u, nil
}

// special are the address blocks, beyond what netip's predicates cover,
// that are not the public internet (IANA special-purpose registries). An
// IPv4 address inside IPv6 (mapped, NAT64, 6to4) is checked as the IPv4
// address it carries.
var special = func() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8",       // "this network"
		"100.64.0.0/10",   // shared (carrier-grade NAT)
		"192.0.0.0/24",    // IETF protocol assignments
		"192.0.2.0/24",    // documentation
		"192.88.99.0/24",  // 6to4 relay anycast
		"198.18.0.0/15",   // benchmarking
		"198.51.100.0/24", // documentation
		"203.0.113.0/24",  // documentation
		"240.0.0.0/4",     // reserved, and the broadcast address
		"::/96",           // IPv4-compatible (deprecated), :: and ::1 among them
		"64:ff9b:1::/48",  // local-use NAT64
		"100::/64",        // discard-only
		"2001::/23",       // IETF protocol assignments (Teredo, benchmarking, ORCHID)
		"2001:db8::/32",   // documentation
		"fec0::/10",       // site-local (deprecated)
	} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}()

var (
	nat64     = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour = netip.MustParsePrefix("2002::/16")
)

// forbidden reports whether a is not an address the gateway calls:
// loopback, private (RFC 1918, fc00::/7), shared, link-local (unicast and
// multicast), unspecified, multicast, or another special-purpose block.
func forbidden(a netip.Addr) bool {
	a = a.WithZone("").Unmap()
	if !a.IsValid() {
		return true
	}
	if a.Is6() {
		b := a.As16()
		switch {
		case nat64.Contains(a):
			return forbidden(netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}))
		case sixToFour.Contains(a):
			return forbidden(netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]}))
		}
	}
	if a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsInterfaceLocalMulticast() || a.IsMulticast() || a.IsUnspecified() || !a.IsGlobalUnicast() {
		return true
	}
	for _, p := range special {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func anyForbidden(addrs []netip.Addr) bool {
	for _, a := range addrs {
		if forbidden(a) {
			return true
		}
	}
	return false
}

// DialContext returns the dial function of the webhook transport. It
// resolves the host itself, refuses the connection when any of its
// addresses is forbidden (a name that answers with an inner address among
// public ones is not trusted with either), and dials the checked addresses
// by number, so no second lookup can answer differently. The dialer's
// Control hook checks the address of the socket once more, just before it
// connects, whatever path led there. With AllowPrivate it resolves and
// dials the same way, checking nothing.
func (t Targets) DialContext(d *net.Dialer) func(ctx context.Context, network, addr string) (net.Conn, error) {
	dd := *d
	if !t.AllowPrivate {
		dd.Control = controlAddress
	}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		var addrs []netip.Addr
		if a, err := netip.ParseAddr(host); err == nil {
			addrs = []netip.Addr{a}
		} else if addrs, err = t.resolver().LookupNetIP(ctx, "ip", host); err != nil {
			return nil, err
		}
		if len(addrs) == 0 {
			return nil, &net.DNSError{Err: "no addresses", Name: host, IsNotFound: true}
		}
		if !t.AllowPrivate && anyForbidden(addrs) {
			return nil, ErrForbiddenTarget
		}
		var first error
		for _, a := range addrs {
			c, err := dd.DialContext(ctx, network, net.JoinHostPort(a.WithZone("").String(), port))
			if err == nil {
				return c, nil
			}
			if first == nil {
				first = err
			}
			if ctx.Err() != nil {
				break
			}
		}
		return nil, first
	}
}

// controlAddress is the net.Dialer Control hook: the last look at the
// address a socket is about to connect to.
func controlAddress(network, address string, _ syscall.RawConn) error {
	if !strings.HasPrefix(network, "tcp") {
		return ErrForbiddenTarget
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil || forbidden(ap.Addr()) {
		return ErrForbiddenTarget
	}
	return nil
}
