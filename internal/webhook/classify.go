package webhook

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"syscall"
)

// statusError is a call the receiver answered with a status other than 2xx.
type statusError struct{ code int }

func (e *statusError) Error() string { return "the receiver answered " + strconv.Itoa(e.code) }

// Classify names the kind of failure err is, the one word that a webhook's
// lastError shows (api.md): "timeout", "refused", "tls", "status 503",
// "forbidden_target", and beyond api.md's examples "dns" (the name did not
// resolve), "unreachable" (no route to the host or network), "closed" (the
// receiver closed or reset the connection before it answered) and "error"
// for anything else. Never a receiver's own text, and never more than the
// kind: the list of one's webhooks must not tell what answers at an
// address and port (a port scanner's question).
func Classify(err error) string {
	if err == nil {
		return ""
	}
	var se *statusError
	var dnsErr *net.DNSError
	var ne net.Error
	var recErr tls.RecordHeaderError
	var alert tls.AlertError
	var verr *tls.CertificateVerificationError
	var uaErr x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var certErr x509.CertificateInvalidError
	switch {
	case errors.As(err, &se):
		return "status " + strconv.Itoa(se.code)
	case errors.Is(err, ErrForbiddenTarget):
		return "forbidden_target"
	case errors.As(err, &dnsErr):
		if dnsErr.IsTimeout {
			return "timeout"
		}
		return "dns"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "refused"
	case errors.As(err, &recErr), errors.As(err, &alert), errors.As(err, &verr), errors.As(err, &uaErr),
		errors.As(err, &hostErr), errors.As(err, &certErr):
		return "tls"
	case errors.Is(err, syscall.ENETUNREACH), errors.Is(err, syscall.EHOSTUNREACH):
		return "unreachable"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "closed"
	}
	// The TLS stack reports some handshake failures as plain errors; their
	// text is Go's own, never the receiver's.
	if msg := err.Error(); strings.Contains(msg, "tls: ") || strings.Contains(msg, "x509: ") {
		return "tls"
	}
	return "error"
}
