package webhook

import (
	"context"
	"net/netip"
	"net/url"
	"strconv"
	"testing"
	"time"
)

// FuzzVerify: Verify never panics, accepts what Sign made for the same
// secret, body and time, and refuses any other timestamp text.
func FuzzVerify(f *testing.F) {
	f.Add("a-webhook-secret", []byte(`{"event":"declaration.status"}`), int64(1_800_000_000), "1800000000", "sha256=00")
	f.Add("k", []byte{}, int64(0), "0", "")
	f.Add("k", []byte("x"), int64(-5), "-5", "sha256=zz")
	f.Add("k", []byte("x"), int64(1), "01", "sha256=")
	f.Fuzz(func(t *testing.T, secret string, body []byte, ts int64, header, sig string) {
		now := time.Unix(ts, 0)
		good := Sign(secret, ts, body)
		if err := Verify(secret, body, strconv.FormatInt(ts, 10), good, now); err != nil {
			t.Fatalf("Sign's own signature refused: %v", err)
		}
		err := Verify(secret, body, header, sig, now)
		if err == nil && (header != strconv.FormatInt(ts, 10) && sig == good) {
			t.Fatalf("timestamp %q accepted with the signature of %d", header, ts)
		}
	})
}

// FuzzCheckURL: CheckURL never panics; what it accepts is an absolute
// https URL with a host, no credentials or fragment, whose host, when an
// address, is a public one.
func FuzzCheckURL(f *testing.F) {
	for _, s := range []string{
		"https://erp.example.com/hook", "https://127.0.0.1/", "https://[::ffff:127.0.0.1]:443/x",
		"https://169.254.169.254/latest", "http://x.example/", "https://user@x.example/", "https://x.example/#f",
		"https://[fe80::1%25eth0]/", "https://0x7f.1/", "https://2130706433/", "https:x", "//x.example/",
	} {
		f.Add(s)
	}
	strict := Targets{Resolver: staticResolver{netip.MustParseAddr("93.184.216.34")}}
	f.Fuzz(func(t *testing.T, raw string) {
		if err := strict.CheckURL(context.Background(), raw); err != nil {
			return
		}
		u, err := url.Parse(raw)
		if err != nil || u.Scheme != "https" || u.Hostname() == "" || u.User != nil || u.Fragment != "" {
			t.Fatalf("accepted %q", raw)
		}
		if a, err := netip.ParseAddr(u.Hostname()); err == nil && forbidden(a) {
			t.Fatalf("accepted %q, an inner address", raw)
		}
	})
}
