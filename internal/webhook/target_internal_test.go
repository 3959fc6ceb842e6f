package webhook

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"net/url"
	"os"
	"syscall"
	"testing"
)

func TestForbiddenAddresses(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		addr      string
		forbidden bool
	}{
		{"93.184.216.34", false},
		{"8.8.8.8", false},
		{"1.1.1.1", false},
		{"2606:2800:220:1:248:1893:25c8:1946", false},
		{"2001:4860:4860::8888", false},
		{"::ffff:93.184.216.34", false},
		{"64:ff9b::5db8:d822", false}, // NAT64 of 93.184.216.34
		{"2002:5db8:d822::1", false},  // 6to4 of 93.184.216.34

		{"127.0.0.1", true},
		{"127.255.255.254", true},
		{"10.0.0.1", true},
		{"172.16.0.1", true},
		{"172.31.255.255", true},
		{"192.168.1.1", true},
		{"169.254.169.254", true},
		{"100.64.0.1", true},
		{"100.127.255.255", true},
		{"0.0.0.0", true},
		{"0.1.2.3", true},
		{"224.0.0.251", true},
		{"239.255.255.250", true},
		{"255.255.255.255", true},
		{"240.0.0.1", true},
		{"192.0.0.8", true},
		{"192.0.2.1", true},
		{"198.18.0.1", true},
		{"198.51.100.7", true},
		{"203.0.113.9", true},
		{"::", true},
		{"::1", true},
		{"::127.0.0.1", true},
		{"::ffff:127.0.0.1", true},
		{"::ffff:10.0.0.1", true},
		{"::ffff:169.254.169.254", true},
		{"::ffff:100.64.0.1", true},
		{"64:ff9b::7f00:1", true},    // NAT64 of 127.0.0.1
		{"64:ff9b::a9fe:a9fe", true}, // NAT64 of 169.254.169.254
		{"64:ff9b:1::1", true},
		{"2002:7f00:1::1", true}, // 6to4 of 127.0.0.1
		{"2002:c0a8:101::1", true},
		{"fc00::1", true},
		{"fd12:3456:789a::1", true},
		{"fe80::1", true},
		{"fe80::1%eth0", true},
		{"febf::1", true},
		{"fec0::1", true},
		{"ff02::1", true},
		{"ff05::2", true},
		{"2001:db8::1", true},
		{"2001::1", true}, // Teredo
		{"100::1", true},
	} {
		a := netip.MustParseAddr(tt.addr)
		if got := forbidden(a); got != tt.forbidden {
			t.Errorf("forbidden(%s) = %v, want %v", tt.addr, got, tt.forbidden)
		}
	}
	if !forbidden(netip.Addr{}) {
		t.Error("the zero address is allowed")
	}
}

// The Control hook is the last look before a socket connects, whatever
// led there.
func TestControlHook(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		network, address string
		ok               bool
	}{
		{"tcp4", "93.184.216.34:443", true},
		{"tcp6", "[2606:2800:220:1:248:1893:25c8:1946]:443", true},
		{"tcp4", "127.0.0.1:5432", false},
		{"tcp6", "[::1]:443", false},
		{"tcp6", "[::ffff:169.254.169.254]:80", false},
		{"tcp4", "10.0.0.1:6379", false},
		{"udp4", "93.184.216.34:53", false},
		{"tcp4", "not-an-address", false},
	} {
		err := controlAddress(tt.network, tt.address, nil)
		if (err == nil) != tt.ok || (err != nil && !errors.Is(err, ErrForbiddenTarget)) {
			t.Errorf("controlAddress(%s, %s) = %v, want ok %v", tt.network, tt.address, err, tt.ok)
		}
	}
	// Through a real dialer: the hook refuses before any packet leaves.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	d := &net.Dialer{Control: controlAddress}
	if c, err := d.Dial("tcp", ln.Addr().String()); !errors.Is(err, ErrForbiddenTarget) {
		if c != nil {
			c.Close()
		}
		t.Errorf("dial to %s through the hook: %v, want ErrForbiddenTarget", ln.Addr(), err)
	}
}

// staticResolver answers every name with the same addresses.
type staticResolver []netip.Addr

func (s staticResolver) LookupNetIP(context.Context, string, string) ([]netip.Addr, error) {
	return s, nil
}

// DialContext refuses a name when any of its addresses is inner, and
// dials by number what it checked.
func TestDialContextChecksEveryAddress(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	port := fmt.Sprint(ln.Addr().(*net.TCPAddr).Port)
	ctx := context.Background()
	for _, tt := range []struct {
		name    string
		targets Targets
		addr    string
		refused bool
	}{
		{"name to loopback", Targets{Resolver: staticResolver{netip.MustParseAddr("127.0.0.1")}}, "hooks.example.com:" + port, true},
		{"name to public and inner", Targets{Resolver: staticResolver{netip.MustParseAddr("93.184.216.34"), netip.MustParseAddr("127.0.0.1")}}, "hooks.example.com:" + port, true},
		{"loopback by number", Targets{}, "127.0.0.1:" + port, true},
		{"mapped loopback by number", Targets{}, "[::ffff:127.0.0.1]:" + port, true},
		{"rule lifted", Targets{AllowPrivate: true}, "127.0.0.1:" + port, false},
	} {
		c, err := tt.targets.DialContext(&net.Dialer{})(ctx, "tcp", tt.addr)
		if c != nil {
			c.Close()
		}
		if got := errors.Is(err, ErrForbiddenTarget); got != tt.refused || (!tt.refused && err != nil) {
			t.Errorf("%s: dial %s: %v, want refused %v", tt.name, tt.addr, err, tt.refused)
		}
	}
}

func TestClassify(t *testing.T) {
	t.Parallel()
	wrap := func(err error) error {
		return fmt.Errorf("post to webhook wh_1: %w", &url.Error{Op: "Post", URL: "https://x.example/", Err: err})
	}
	opErr := func(errno syscall.Errno) error {
		return &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", errno)}
	}
	for _, tt := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("webhook wh_1: %w", &statusError{503}), "status 503"},
		{fmt.Errorf("webhook wh_1: %w", &statusError{307}), "status 307"},
		{wrap(&net.OpError{Op: "dial", Net: "tcp", Err: ErrForbiddenTarget}), "forbidden_target"},
		{wrap(ErrForbiddenTarget), "forbidden_target"},
		{wrap(context.DeadlineExceeded), "timeout"},
		{wrap(&net.DNSError{Err: "no such host", Name: "x.example", IsNotFound: true}), "dns"},
		{wrap(&net.DNSError{Err: "i/o timeout", Name: "x.example", IsTimeout: true}), "timeout"},
		{wrap(opErr(syscall.ECONNREFUSED)), "refused"},
		{wrap(opErr(syscall.EHOSTUNREACH)), "unreachable"},
		{wrap(opErr(syscall.ENETUNREACH)), "unreachable"},
		{wrap(opErr(syscall.ECONNRESET)), "closed"},
		{wrap(io.EOF), "closed"},
		{wrap(x509.UnknownAuthorityError{}), "tls"},
		{wrap(errors.New("tls: handshake failure")), "tls"},
		{wrap(errors.New("something else")), "error"},
		{nil, ""},
	} {
		if got := Classify(tt.err); got != tt.want {
			t.Errorf("Classify(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}
