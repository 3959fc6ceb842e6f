package credit_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/jjj/gateway/internal/credit"
	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/postgres/pgtest"
)

// TestClientRetryWaitIsBounded: a registry answering 429 with an hour's
// Retry-After is retried within RetryWaitMax; the client once slept the
// whole hour inside Page, holding up every registry's next sync (SyncAll
// waits for all of them) and the midnight re-evaluation.
func TestClientRetryWaitIsBounded(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer srv.Close()
	c, err := credit.NewClient(credit.ClientConfig{Region: customs.RegionHE, URL: srv.URL, RetryMax: 1,
		RetryWaitMin: time.Millisecond, RetryWaitMax: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	// The deadline only stops a regression from hanging the test.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err = c.Page(ctx, "", 10)
	if err == nil || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, credit.ErrRejected) {
		t.Fatalf("Page = %v, want a transient error at once", err)
	}
	if calls.Load() != 2 {
		t.Errorf("%d calls, want 2 (one quick retry)", calls.Load())
	}
}

// TestClientErrorTextIsStorable: the error of a refusal quotes the body,
// and is stored as the registry's last error (PostgreSQL text, which
// refuses invalid UTF-8 and NUL).
func TestClientErrorTextIsStorable(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusForbidden)
		w.Write([]byte(strings.Repeat("a", 199) + "拒绝\xb2\xbb\x00"))
	}))
	defer srv.Close()
	c, err := credit.NewClient(credit.ClientConfig{Region: customs.RegionHE, URL: srv.URL, RetryMax: -1})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Page(context.Background(), "", 10)
	if !errors.Is(err, credit.ErrRejected) {
		t.Fatalf("Page = %v, want ErrRejected", err)
	}
	if msg := err.Error(); !utf8.ValidString(msg) || strings.ContainsRune(msg, 0) {
		t.Errorf("error %q is not storable text", msg)
	}
}

// pageSource serves one page.
type pageSource struct{ p credit.Page }

func (s pageSource) Page(context.Context, string, int) (*credit.Page, error) {
	p := s.p
	return &p, nil
}

// TestNULInARecordSkipsOnlyThatRecord: JSON may spell a NUL (\u0000) in
// any string, and PostgreSQL text refuses it. Such a record once failed
// its whole page, every round: the registry's sync stood still for good.
func TestNULInARecordSkipsOnlyThatRecord(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	good, other := uscc("91130203MA0Q5K9XX"), uscc("91120116732845199")
	page, err := credit.DecodePage([]byte(`{"region":"HE","next":null,"records":[
		{"uscc":"` + good + `","name":"ok","rating":"B","version":1},
		{"uscc":"` + other + `","name":"bad\u0000name","rating":"B","version":1},
		{"uscc":"\u0000` + other + `","rating":"B","version":1},
		{"uscc":"` + other + `","rating":"\u0000","version":2,"deleted":true}]}`))
	if err != nil {
		t.Fatal(err)
	}
	s, err := credit.New(credit.Config{Sources: map[customs.Region]credit.Source{customs.RegionHE: pageSource{*page}},
		Store: db, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SyncRegistry(context.Background(), customs.RegionHE); err != nil {
		t.Fatalf("SyncRegistry: %v", err)
	}
	if m, err := s.Enterprise(context.Background(), good); err != nil || m == nil {
		t.Errorf("the good record: %+v, %v", m, err)
	}
	if m, err := s.Enterprise(context.Background(), other); err != nil || m != nil {
		t.Errorf("the record with a NUL: %+v, %v, want skipped", m, err)
	}
}
