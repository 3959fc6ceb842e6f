package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"golang.org/x/net/netutil"
)

// serveLimited serves h with l as serveOn does, on a local port.
func serveLimited(t *testing.T, l httpLimits, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := l.server(h)
	go srv.Serve(netutil.LimitListener(ln, l.connections()))
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

func readAll(w http.ResponseWriter, r *http.Request) {
	if _, err := io.ReadAll(r.Body); err != nil {
		http.Error(w, "cut", http.StatusBadRequest)
		return
	}
	w.Write([]byte("ok"))
}

// TestTricklingBodyIsCut: a body that trickles a byte at a time is cut at
// HTTP_READ_TIMEOUT, and the connection closed.
func TestTricklingBodyIsCut(t *testing.T) {
	t.Parallel()
	addr := serveLimited(t, httpLimits{read: 600 * time.Millisecond, idle: time.Minute}, http.HandlerFunc(readAll))
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n")
	start := time.Now()
	closed := make(chan time.Duration, 1)
	go func() {
		io.Copy(io.Discard, conn)
		closed <- time.Since(start)
	}()
	for i := 0; i < 40; i++ {
		if _, err := conn.Write([]byte("x")); err != nil {
			break
		}
		select {
		case d := <-closed:
			if d > 2*time.Second {
				t.Errorf("closed after %v, want about the 600ms read timeout", d)
			}
			return
		case <-time.After(100 * time.Millisecond):
		}
	}
	t.Fatalf("a trickling body was still open after %v", time.Since(start))
}

// TestIdleConnectionIsClosed: a keep-alive connection left idle is closed
// after HTTP_IDLE_TIMEOUT.
func TestIdleConnectionIsClosed(t *testing.T) {
	t.Parallel()
	addr := serveLimited(t, httpLimits{read: time.Minute, idle: 300 * time.Millisecond}, http.HandlerFunc(readAll))
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("first request: %v %v", resp, err)
	}
	io.Copy(io.Discard, resp.Body)
	start := time.Now()
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := br.ReadByte(); err != io.EOF {
		t.Fatalf("idle connection: %v, want closed (EOF)", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("closed after %v, want about 300ms", d)
	}
}

// TestConnectionCapHolds: beyond MAX_CONNECTIONS, a connection is not
// served until one closes.
func TestConnectionCapHolds(t *testing.T) {
	t.Parallel()
	addr := serveLimited(t, httpLimits{read: time.Minute, idle: time.Minute, maxConns: 2}, http.HandlerFunc(readAll))
	var held []net.Conn
	for range 2 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		if resp, err := http.ReadResponse(bufio.NewReader(c), nil); err != nil || resp.StatusCode != 200 {
			t.Fatalf("within the cap: %v %v", resp, err)
		}
		held = append(held, c)
	}
	third, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer third.Close()
	fmt.Fprintf(third, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	third.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
	br := bufio.NewReader(third)
	if _, err := br.ReadByte(); err == nil {
		t.Fatal("a third connection was served over a cap of 2")
	}
	held[0].Close()
	third.SetReadDeadline(time.Now().Add(5 * time.Second))
	if resp, err := http.ReadResponse(br, nil); err != nil || resp.StatusCode != 200 {
		t.Fatalf("after one closed: %v %v", resp, err)
	}
}

// TestServerLimits: the fixed limits of the contract are set.
func TestServerLimits(t *testing.T) {
	srv := httpLimits{}.server(http.NotFoundHandler())
	if srv.ReadTimeout != 60*time.Second || srv.IdleTimeout != 120*time.Second || srv.ReadHeaderTimeout != 10*time.Second ||
		srv.MaxHeaderBytes != 64<<10 || srv.WriteTimeout <= srv.ReadTimeout {
		t.Errorf("server %+v", srv)
	}
}
