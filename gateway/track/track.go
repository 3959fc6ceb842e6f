// Package track is the tracking page (api.md GET /track): server-rendered HTML for an
// enterprise's clerk, in Chinese and English, that works without
// JavaScript and on a phone.
//
// Sign-in: the clerk posts the enterprise's API key in a form (never in a
// URL); only enterprise keys are taken. The gateway answers with a session
// cookie (HttpOnly, SameSite=Strict, Path=/track, Secure when PUBLIC_URL is
// https or the request came over TLS) holding a random id; the database keeps only its SHA-256,
// with an expiry (Config.SessionTTL) and the key it came from, so
// revoking the key ends its sessions. Forms are protected against
// cross-site requests twice: SameSite=Strict cookies, and a token (a
// double-submit cookie before sign-in, a token derived from the session id
// after) that a foreign page cannot read; a foreign Origin header is refused
// too.
//
// Every read goes through the same scope as the API (clearance.ScopeOf,
// clearance.Visible) with the session's USCC: the page takes no enterprise
// parameter at all, and another enterprise's declaration is "not found",
// exactly as one that does not exist.
package track

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/jjj/gateway/internal/clearance"
	"github.com/jjj/gateway/internal/codes"
	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/view"
)

//go:embed templates/*.html templates/*.css
var trackFS embed.FS

const (
	sessionCookie = "track_session"
	csrfCookie    = "track_csrf"
	langCookie    = "track_lang"
	trackPath     = "/track"
	// trackPageSize is the declarations on one page of the list.
	trackPageSize = 20
)

// Config configures the page.
type Config struct {
	// SessionTTL is how long a sign-in lasts; zero means 8h.
	SessionTTL time.Duration
	// NowFunc: nil means time.Now.
	NowFunc func() time.Time
	// PublicURL is where people reach the page (PUBLIC_URL), through a
	// proxy that usually ends TLS, so r.TLS says nothing: an https URL makes
	// every cookie Secure, and a sign-in or sign-out whose Origin is not
	// this URL's origin is refused. Empty: cookies are Secure on a TLS
	// connection, and Origin must name the request's own host.
	PublicURL string
}

// Authenticator checks an enterprise's API key (apikey.Keys).
type Authenticator interface {
	// Authenticate returns the key's principal; CodeUnauthorized for an
	// unknown, revoked or expired key.
	Authenticate(ctx context.Context, key string) (*customs.Principal, error)
}

// SessionStore stores signed-in sessions by the SHA-256 of their id
// (*postgres.DB, wired in gatewayd).
type SessionStore interface {
	InsertTrackSession(ctx context.Context, hash []byte, s customs.TrackSession, at time.Time) error
	// TrackSessionByHash returns a live session; customs.CodeNotFound for
	// one expired, signed out or whose key was revoked.
	TrackSessionByHash(ctx context.Context, hash []byte, at time.Time) (*customs.TrackSession, error)
	DeleteTrackSession(ctx context.Context, hash []byte) error
}

// Declarations reads declarations within a principal's scope
// (clearance.Service).
type Declarations interface {
	List(ctx context.Context, p customs.Principal, f customs.DeclarationFilter) (*clearance.Page, error)
	CountByStatus(ctx context.Context, p customs.Principal, f customs.DeclarationFilter) (map[string]int, error)
	GetView(ctx context.Context, id string, p customs.Principal) (*view.View, error)
}

// HeldDocuments lists the supporting documents an enterprise holds, newest
// first (document.Service.Held): the list page shows a holder what
// remains of each.
type HeldDocuments interface {
	Held(ctx context.Context, uscc string, limit int) ([]customs.Document, error)
}

// heldPageSize is the documents shown on the list page; a holder with more
// sees the newest.
const heldPageSize = 50

// Site is the tracking page. Its exported fields are its dependencies.
type Site struct {
	Keys         Authenticator
	Sessions     SessionStore
	Declarations Declarations
	// Documents, when set, adds the holder's documents to the list page.
	Documents HeldDocuments
	Tables    *codes.Tables
	Logger    *slog.Logger
	// Serve wraps a handler the way the API's are (metrics, and an error
	// the page could not answer itself); nil serves it as it is.
	Serve func(func(http.ResponseWriter, *http.Request) error) http.Handler

	cfg  Config
	tmpl *template.Template
	css  []byte
}

// New makes the page with cfg (defaults applied); set the dependencies
// before serving.
func New(cfg Config) *Site {
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = 8 * time.Hour
	}
	if cfg.NowFunc == nil {
		cfg.NowFunc = time.Now
	}
	tmpl := template.Must(template.New("track").ParseFS(trackFS, "templates/*.html"))
	css, err := trackFS.ReadFile("templates/track.css")
	if err != nil {
		panic(err)
	}
	return &Site{cfg: cfg, tmpl: tmpl, css: css}
}

// Home is GET /track: the sign-in form, or the list once signed in.
func (t *Site) Home() http.Handler { return t.page(t.home) }

// SignIn is POST /track/signin.
func (t *Site) SignIn() http.Handler { return t.page(t.signIn) }

// SignOut is POST /track/signout.
func (t *Site) SignOut() http.Handler { return t.page(t.signOut) }

// Detail is GET /track/declarations/{id}.
func (t *Site) Detail() http.Handler { return t.page(t.detail) }

// Root is GET /track/{$}: the page lives at /track.
func (t *Site) Root() http.Handler {
	return http.RedirectHandler(trackPath, http.StatusMovedPermanently)
}

// Stylesheet is GET /track/static/track.css.
func (t *Site) Stylesheet() http.Handler {
	return t.serve(func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
		w.Header().Set("Cache-Control", "public, max-age=3600")
		_, err := w.Write(t.css)
		return err
	})
}

func (t *Site) serve(h func(http.ResponseWriter, *http.Request) error) http.Handler {
	if t.Serve != nil {
		return t.Serve(h)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _ = h(w, r) })
}

// visit is one request to the page: its language and, once signed in,
// its session.
type visit struct {
	lang lang
	// sid is the session id from the cookie (only when the session is live).
	sid     string
	session *customs.TrackSession
}

func (v *visit) principal() customs.Principal {
	return customs.Principal{KeyID: v.session.KeyID, Role: customs.CallerEnterprise, Scope: v.session.Enterprise}
}

type pageFunc func(w http.ResponseWriter, r *http.Request, v *visit) error

// page wraps a page handler: security headers, the language, the session,
// and errors answered as pages rather than problem JSON.
func (t *Site) page(h pageFunc) http.Handler {
	return t.serve(func(w http.ResponseWriter, r *http.Request) error {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "same-origin")
		hd.Set("Cache-Control", "no-store")
		v := &visit{lang: t.language(w, r)}
		if err := t.loadSession(w, r, v); err != nil {
			t.fail(w, r, v, err)
			return nil
		}
		if err := h(w, r, v); err != nil {
			t.fail(w, r, v, err)
		}
		return nil
	})
}

// language: ?lang= (remembered in a cookie), else the cookie, else the
// browser's Accept-Language, else Chinese.
func (t *Site) language(w http.ResponseWriter, r *http.Request) lang {
	if q := lang(r.URL.Query().Get("lang")); q == langZh || q == langEn {
		http.SetCookie(w, &http.Cookie{Name: langCookie, Value: string(q), Path: trackPath, MaxAge: 365 * 24 * 3600,
			HttpOnly: true, Secure: t.secure(r), SameSite: http.SameSiteLaxMode})
		return q
	}
	if c, err := r.Cookie(langCookie); err == nil && (lang(c.Value) == langZh || lang(c.Value) == langEn) {
		return lang(c.Value)
	}
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag := strings.ToLower(strings.TrimSpace(strings.SplitN(part, ";", 2)[0]))
		switch {
		case strings.HasPrefix(tag, "zh"):
			return langZh
		case strings.HasPrefix(tag, "en"):
			return langEn
		}
	}
	return langZh
}

// pageData is what every template gets.
type pageData struct {
	Lang       lang
	SwitchURL  string
	CSRF       string
	Enterprise string
	Title      string
	// Error is a message shown above the page's content.
	Error string
	// Key names a sub-page's model.
	List   *listModel
	Detail *detailModel
	Status int
}

// T translates one of the page's texts.
func (d *pageData) T(key string) string {
	if p, ok := ui[key]; ok {
		return p.in(d.Lang)
	}
	return key
}

// Tn translates a text with one number in it.
func (d *pageData) Tn(key string, n int) string { return fmt.Sprintf(d.T(key), n) }

func (t *Site) data(w http.ResponseWriter, r *http.Request, v *visit) *pageData {
	d := &pageData{Lang: v.lang}
	q := r.URL.Query()
	other := langEn
	if v.lang == langEn {
		other = langZh
	}
	q.Set("lang", string(other))
	path := r.URL.Path
	if r.Method != http.MethodGet {
		path, q = trackPath, url.Values{"lang": {string(other)}}
	}
	d.SwitchURL = path + "?" + q.Encode()
	if v.session != nil {
		d.Enterprise = v.session.Enterprise
		d.CSRF = sessionCSRF(v.sid)
	}
	return d
}

func (t *Site) render(w http.ResponseWriter, name string, status int, d *pageData) error {
	var buf bytes.Buffer
	if err := t.tmpl.ExecuteTemplate(&buf, name, d); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

// fail answers an error as a page: not found, refused, or (logged) a
// generic error with nothing internal shown.
func (t *Site) fail(w http.ResponseWriter, r *http.Request, v *visit, err error) {
	d := t.data(w, r, v)
	switch customs.ErrorCodeOf(err) {
	case customs.CodeNotFound:
		d.Title, d.Error, d.Status = d.T("notfound.title"), d.T("notfound.lead"), http.StatusNotFound
	case customs.CodeForbidden, customs.CodeBadRequest:
		d.Title, d.Error, d.Status = d.T("forbidden.title"), customs.ErrorMessage(err), statusOf(customs.ErrorCodeOf(err))
	default:
		t.Logger.ErrorContext(r.Context(), "tracking page", "method", r.Method, "path", r.URL.Path, "err", err)
		d.Title, d.Error, d.Status = d.T("error.title"), d.T("error.lead"), http.StatusInternalServerError
	}
	if rerr := t.render(w, "error", d.Status, d); rerr != nil {
		t.Logger.ErrorContext(r.Context(), "tracking page", "err", rerr)
	}
}

// home is the sign-in form, or the list once signed in.
func (t *Site) home(w http.ResponseWriter, r *http.Request, v *visit) error {
	if v.session == nil {
		return t.signInPage(w, r, v, http.StatusOK, "")
	}
	return t.list(w, r, v)
}

type listModel struct {
	// Search is the text searched for (a port reference or entry number).
	Search  string
	Filters []filterLink
	Items   []listItem
	// Held are the enterprise's own supporting documents, with what
	// remains of each.
	Held []heldDocument
	// Older is the link to the next (older) page; Newest back to the first.
	Older, Newest string
}

type filterLink struct {
	Label  string
	Status string
	Count  int
	URL    string
	Active bool
}

type heldDocument struct {
	Kind, Number, Remaining, Quantity, Unit, State, StateName, ValidUntil string
}

type listItem struct {
	URL, PortRef, Status, StatusName, Received, Port, Direction, Goods, Lane string
	More                                                                     int
}

// maxSearch bounds the search text: the longest port reference or entry
// number is far shorter.
const maxSearch = 64

func (t *Site) list(w http.ResponseWriter, r *http.Request, v *visit) error {
	ctx := r.Context()
	d := t.data(w, r, v)
	d.Title = d.T("list.title")
	q := r.URL.Query()
	f := customs.DeclarationFilter{Limit: trackPageSize}
	if st := q.Get("status"); customs.IsStatus(st) {
		f.Status = st
	}
	// The search box takes a port reference or an entry number (or the
	// start of one); blanks around it are a paste's, not the clerk's.
	f.Search = strings.TrimSpace(q.Get("q"))
	if len(f.Search) > maxSearch {
		f.Search = f.Search[:maxSearch]
	}
	if c := q.Get("cursor"); c != "" {
		n, err := clearance.DecodeCursor(c)
		if err != nil {
			return err
		}
		f.Before = n
	}
	p := v.principal()
	page, err := t.Declarations.List(ctx, p, f)
	if err != nil {
		return err
	}
	counts, err := t.Declarations.CountByStatus(ctx, p, f)
	if err != nil {
		return err
	}
	m := &listModel{}
	total := 0
	for _, n := range counts {
		total += n
	}
	m.Filters = append(m.Filters, filterLink{Label: d.T("list.all"), Count: total, URL: trackPath, Active: f.Status == ""})
	for _, st := range customs.Statuses { // the defined order of statuses
		m.Filters = append(m.Filters, filterLink{Label: statusWords[string(st)][0].in(v.lang), Status: string(st),
			Count: counts[string(st)], URL: trackPath + "?status=" + string(st), Active: f.Status == string(st)})
	}
	for _, it := range page.Items {
		li := listItem{URL: trackPath + "/declarations/" + url.PathEscape(it.ID), PortRef: it.PortRef, Status: it.Status,
			StatusName: statusName(it.Status, v.lang), Port: words(portWords, string(it.Port), v.lang),
			Direction: d.T("dir." + string(it.Direction))}
		if it.ReceivedAt != nil {
			li.Received = beijing(*it.ReceivedAt)
		}
		if len(it.Goods) > 0 && it.Goods[0].Name != nil {
			li.Goods = *it.Goods[0].Name
			if len(it.Goods) > 1 {
				li.More = len(it.Goods)
			}
		}
		if it.Route != nil {
			li.Lane = words(laneWords, string(it.Route.Lane), v.lang)
		}
		m.Items = append(m.Items, li)
	}
	if t.Documents != nil && f.Before == 0 {
		docs, err := t.Documents.Held(ctx, p.Scope, heldPageSize)
		if err != nil {
			return err
		}
		for i := range docs {
			doc := &docs[i]
			st := string(doc.State())
			m.Held = append(m.Held, heldDocument{Kind: words(documentKindWords, string(doc.Kind), v.lang), Number: doc.Number,
				Remaining: doc.Remaining, Quantity: doc.Quantity, Unit: t.unitName(doc.Unit, v.lang), State: st,
				StateName: words(documentStateWords, st, v.lang), ValidUntil: doc.ValidUntil})
		}
	}
	base := url.Values{}
	if f.Status != "" {
		base.Set("status", f.Status)
	}
	if f.Search != "" {
		base.Set("q", f.Search)
	}
	m.Search = f.Search
	if page.Next != 0 {
		nq := url.Values{}
		for k, vs := range base {
			nq[k] = vs
		}
		nq.Set("cursor", clearance.EncodeCursor(page.Next))
		m.Older = trackPath + "?" + nq.Encode()
	}
	if f.Before != 0 {
		m.Newest = trackPath
		if len(base) > 0 {
			m.Newest += "?" + base.Encode()
		}
	}
	d.List = m
	return t.render(w, "list", http.StatusOK, d)
}

func statusName(s string, l lang) string {
	if w, ok := statusWords[s]; ok {
		return w[0].in(l)
	}
	return s
}

func statusText(s string, l lang) string {
	if w, ok := statusWords[s]; ok {
		return w[1].in(l)
	}
	return ""
}

// beijing formats a time as the clerk's clock shows it.
func beijing(t time.Time) string { return t.In(customs.Beijing).Format("2006-01-02 15:04") }

// --- one declaration ---

// statusOf is the page's status for a refusal it shows itself.
func statusOf(c customs.ErrorCode) int {
	if c == customs.CodeForbidden {
		return http.StatusForbidden
	}
	return http.StatusBadRequest
}
