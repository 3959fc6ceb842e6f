package gateway

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestReadBody: the body whole whatever its Content-Length says, and the
// limit's error when it is over.
func TestReadBody(t *testing.T) {
	body := strings.Repeat("<a>x</a>", 1000)
	for _, tc := range []struct {
		name    string
		size    int64
		max     int64
		tooLong bool
	}{
		{"exact length", int64(len(body)), 1 << 20, false},
		{"unknown length", -1, 1 << 20, false},
		{"empty", 0, 1 << 20, false},
		{"over the limit, length unknown", -1, 100, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := body
			if tc.size == 0 {
				in = ""
			}
			got, err := readBody(http.MaxBytesReader(nil, io.NopCloser(strings.NewReader(in)), tc.max), tc.size)
			var mbe *http.MaxBytesError
			if tc.tooLong {
				if !errors.As(err, &mbe) {
					t.Fatalf("err %v, want *http.MaxBytesError", err)
				}
				return
			}
			if err != nil || string(got) != in {
				t.Fatalf("got %d bytes, %v; want %d bytes", len(got), err, len(in))
			}
		})
	}
}

// BenchmarkReadBody: a declaration's body of the bench corpus's mean size
// (7.8 KB) read with its Content-Length, against io.ReadAll.
//
//	go test ./gateway -run '^$' -bench ReadBody -benchmem
func BenchmarkReadBody(b *testing.B) {
	body := bytes.Repeat([]byte("<Item>0302131000</Item>"), 340)
	for _, bc := range []struct {
		name string
		read func(io.Reader) ([]byte, error)
	}{
		{"io.ReadAll", io.ReadAll},
		{"readBody", func(r io.Reader) ([]byte, error) { return readBody(r, int64(len(body))) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				got, err := bc.read(http.MaxBytesReader(nil, io.NopCloser(bytes.NewReader(body)), 4<<20))
				if err != nil || len(got) != len(body) {
					b.Fatal(len(got), err)
				}
			}
		})
	}
}
