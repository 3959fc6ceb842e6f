// Package track is the tracking page (api.md GET /track): server-rendered HTML for an
// enterprise's clerk, in Chinese and English, that works without
// JavaScript and on a phone.
//
// Sign-in: the clerk posts the enterprise's API key in a form (never in a
// URL); only enterprise keys are taken. The gateway answers with a session
// cookie (HttpOnly, SameSite=Strict, Path=/track, Secure when the request
// came over TLS) holding a random id; the database keeps only its SHA-256,
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
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jjj/gateway/internal/clearance"
	"github.com/jjj/gateway/internal/codes"
	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/postgres"
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
}

// Authenticator checks an enterprise's API key (apikey.Keys).
type Authenticator interface {
	// Authenticate returns the key's principal; CodeUnauthorized for an
	// unknown, revoked or expired key.
	Authenticate(ctx context.Context, key string) (*customs.Principal, error)
}

// Sessions stores signed-in sessions by the SHA-256 of their id.
type Sessions interface {
	InsertTrackSession(ctx context.Context, hash []byte, s postgres.TrackSession, at time.Time) error
	// TrackSessionByHash returns a live session; sql.ErrNoRows (wrapped)
	// for one expired, signed out or whose key was revoked.
	TrackSessionByHash(ctx context.Context, hash []byte, at time.Time) (*postgres.TrackSession, error)
	DeleteTrackSession(ctx context.Context, hash []byte) error
}

// Declarations reads declarations within a principal's scope
// (clearance.Service).
type Declarations interface {
	List(ctx context.Context, p customs.Principal, f postgres.DeclarationFilter) (*clearance.Page, error)
	CountByStatus(ctx context.Context, p customs.Principal, f postgres.DeclarationFilter) (map[string]int, error)
	GetView(ctx context.Context, id string, p customs.Principal) (*view.View, error)
}

// Site is the tracking page. Its exported fields are its dependencies.
type Site struct {
	Keys         Authenticator
	Sessions     Sessions
	Declarations Declarations
	Tables       *codes.Tables
	Logger       *slog.Logger
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
	session *postgres.TrackSession
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
			HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
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

func hashSession(sid string) []byte {
	h := sha256.Sum256([]byte("track-session:" + sid))
	return h[:]
}

// sessionCSRF is the form token of a signed-in session: derived from the
// session id, which only the cookie holds, so no other site can know it.
func sessionCSRF(sid string) string {
	h := sha256.Sum256([]byte("track-csrf:" + sid))
	return hex.EncodeToString(h[:])
}

func (t *Site) loadSession(w http.ResponseWriter, r *http.Request, v *visit) error {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil
	}
	s, err := t.Sessions.TrackSessionByHash(r.Context(), hashSession(c.Value), t.cfg.NowFunc())
	if postgres.IsNoRows(err) {
		t.clearSession(w, r) // expired, signed out, or its key revoked
		return nil
	}
	if err != nil {
		return err
	}
	v.sid, v.session = c.Value, s
	return nil
}

func (t *Site) clearSession(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: trackPath, MaxAge: -1,
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
}

func randomToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// signInToken returns the double-submit token of the sign-in form, setting
// its cookie when there is none.
func (t *Site) signInToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) >= 32 {
		return c.Value
	}
	tok := randomToken()
	http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: tok, Path: trackPath, HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	return tok
}

// sameOrigin refuses a form posted from another site: a browser names the
// page's origin in Origin; when it does, it must be this host. An absent or
// "null" Origin (old browsers, privacy settings) is left to the token.
func sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" || o == "null" {
		return true
	}
	u, err := url.Parse(o)
	return err == nil && u.Host == r.Host
}

func tokenEqual(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// errCSRF is a form without its token.
var errCSRF = customs.Errorf(customs.CodeForbidden, "the form's token is missing or wrong")

// --- pages ---

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

func (t *Site) signInPage(w http.ResponseWriter, r *http.Request, v *visit, status int, msg string) error {
	d := t.data(w, r, v)
	d.Title = d.T("signin.title")
	d.CSRF = t.signInToken(w, r)
	if msg != "" {
		d.Error = d.T(msg)
	}
	return t.render(w, "signin", status, d)
}

func (t *Site) signIn(w http.ResponseWriter, r *http.Request, v *visit) error {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	if err := r.ParseForm(); err != nil {
		return &customs.Error{Code: customs.CodeBadRequest, Message: "the form cannot be read"}
	}
	c, cerr := r.Cookie(csrfCookie)
	if cerr != nil || !sameOrigin(r) || !tokenEqual(c.Value, r.PostForm.Get("csrf")) {
		return t.signInPage(w, r, v, http.StatusForbidden, "signin.csrf")
	}
	key := strings.TrimSpace(r.PostForm.Get("key"))
	p, err := t.Keys.Authenticate(r.Context(), key)
	switch {
	case customs.ErrorCodeOf(err) == customs.CodeUnauthorized:
		return t.signInPage(w, r, v, http.StatusUnauthorized, "signin.bad")
	case err != nil:
		return err
	case p.Role != customs.CallerEnterprise || p.Scope == "":
		return t.signInPage(w, r, v, http.StatusForbidden, "signin.notent")
	}
	now := t.cfg.NowFunc()
	sid := randomToken()
	s := postgres.TrackSession{KeyID: p.KeyID, Enterprise: p.Scope, ExpiresAt: now.Add(t.cfg.SessionTTL)}
	if err := t.Sessions.InsertTrackSession(r.Context(), hashSession(sid), s, now); err != nil {
		return err
	}
	if v.sid != "" {
		t.Sessions.DeleteTrackSession(r.Context(), hashSession(v.sid)) // a new sign-in replaces the old session
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: sid, Path: trackPath, Expires: s.ExpiresAt,
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, trackPath, http.StatusSeeOther)
	return nil
}

func (t *Site) signOut(w http.ResponseWriter, r *http.Request, v *visit) error {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	if err := r.ParseForm(); err != nil {
		return &customs.Error{Code: customs.CodeBadRequest, Message: "the form cannot be read"}
	}
	if v.session == nil {
		http.Redirect(w, r, trackPath, http.StatusSeeOther)
		return nil
	}
	if !sameOrigin(r) || !tokenEqual(sessionCSRF(v.sid), r.PostForm.Get("csrf")) {
		return errCSRF
	}
	if err := t.Sessions.DeleteTrackSession(r.Context(), hashSession(v.sid)); err != nil {
		return err
	}
	t.clearSession(w, r)
	http.Redirect(w, r, trackPath, http.StatusSeeOther)
	return nil
}

// --- the list ---

type listModel struct {
	Filters []filterLink
	Items   []listItem
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

type listItem struct {
	URL, PortRef, Status, StatusName, Received, Port, Direction, Goods, Lane string
	More                                                                     int
}

func (t *Site) list(w http.ResponseWriter, r *http.Request, v *visit) error {
	ctx := r.Context()
	d := t.data(w, r, v)
	d.Title = d.T("list.title")
	q := r.URL.Query()
	f := postgres.DeclarationFilter{Limit: trackPageSize}
	if st := q.Get("status"); customs.IsStatus(st) {
		f.Status = st
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
	base := url.Values{}
	if f.Status != "" {
		base.Set("status", f.Status)
	}
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

type detailModel struct {
	PortRef, Status, StatusName, StatusText string
	Facts                                   []fact
	Parties                                 []fact
	Goods                                   []goodsRow
	Lane                                    string
	Workflows                               []string
	Reasons                                 []reasonModel
	Tasks                                   []taskModel
	Timeline                                []stepModel
}

type fact struct{ Label, Value, Extra string }

type goodsRow struct{ Seq, Name, HS, Qty, Origin string }

type reasonModel struct {
	Text, Rule, Item string
	Evidence         []fact
}

type taskModel struct{ Workflow, Bureau, Items, Status, Outcome string }

type stepModel struct {
	At, Status, StatusName, StatusText, Actor, Note string
	Reasons                                         []reasonModel
	Extra                                           []fact
}

func (t *Site) detail(w http.ResponseWriter, r *http.Request, v *visit) error {
	if v.session == nil {
		http.Redirect(w, r, trackPath, http.StatusSeeOther)
		return nil
	}
	view, err := t.Declarations.GetView(r.Context(), r.PathValue("id"), v.principal())
	if err != nil {
		return err
	}
	d := t.data(w, r, v)
	d.Title = view.PortRef
	d.Detail = t.detailModel(view, v.lang, d)
	return t.render(w, "detail", http.StatusOK, d)
}

func (t *Site) detailModel(v *view.View, l lang, d *pageData) *detailModel {
	m := &detailModel{PortRef: v.PortRef, Status: v.Status, StatusName: statusName(v.Status, l), StatusText: statusText(v.Status, l)}
	add := func(key, val string) {
		if val != "" {
			m.Facts = append(m.Facts, fact{Label: d.T(key), Value: val})
		}
	}
	add("f.portRef", v.PortRef)
	add("f.port", words(portWords, string(v.Port), l))
	add("f.direction", d.T("dir."+string(v.Direction)))
	var entry string
	if len(v.EntryID) > 0 {
		json.Unmarshal(v.EntryID, &entry)
	}
	add("f.entryId", entry)
	if v.ReceivedAt != nil {
		add("f.receivedAt", beijing(*v.ReceivedAt)+" ("+d.T("tz")+")")
	}
	add("f.billNo", deref(v.Transport.BillNo))
	add("f.means", deref(v.Transport.Means))
	if v.DestinationOffice != nil {
		add("f.destination", t.bureauName(*v.DestinationOffice, l))
	}
	for _, role := range []string{"consignee", "consignor", "owner", "declarant", "overseas"} {
		p := v.Parties[role]
		if p == nil {
			continue
		}
		m.Parties = append(m.Parties, fact{Label: d.T("f." + role), Value: p.Name, Extra: deref(p.USCC)})
	}
	for _, g := range v.Goods {
		unit := g.Unit
		if n, ok := t.Tables.Units[g.Unit]; ok {
			unit = n // the code table names units in Chinese only; a name beats a code in either language
		}
		m.Goods = append(m.Goods, goodsRow{Seq: strconv.Itoa(g.Seq), Name: deref(g.Name), HS: g.HSCode,
			Qty: g.Quantity + " " + unit, Origin: t.countryName(g.Origin, l)})
	}
	if rt := v.Route; rt != nil {
		m.Lane = words(laneWords, string(rt.Lane), l)
		for _, wf := range rt.Workflows {
			m.Workflows = append(m.Workflows, words(workflowWords, string(wf), l))
		}
		m.Reasons = reasons(rt.Reasons, l, d)
		for _, tk := range rt.Tasks {
			tm := taskModel{Workflow: words(workflowWords, string(tk.Workflow), l), Status: words(taskStatusWords, string(tk.Status), l)}
			if tk.Bureau != nil {
				tm.Bureau = t.bureauName(*tk.Bureau, l)
			} else {
				tm.Bureau = d.T("t.port")
			}
			items := make([]string, len(tk.Items))
			for i, it := range tk.Items {
				items[i] = strconv.Itoa(it)
			}
			tm.Items = strings.Join(items, ", ")
			if tk.Outcome != nil {
				tm.Outcome = words(outcomeWords, *tk.Outcome, l)
			}
			m.Tasks = append(m.Tasks, tm)
		}
	}
	// Newest step first: what a clerk wants to see is where the goods are now.
	for i := len(v.Timeline) - 1; i >= 0; i-- {
		e := v.Timeline[i]
		s := stepModel{At: beijing(e.At), Status: e.Status, StatusName: statusName(e.Status, l), StatusText: statusText(e.Status, l),
			Actor: t.actorName(e.Actor, l), Note: e.Note}
		var data stepData
		if len(e.Data) > 0 && json.Unmarshal(e.Data, &data) == nil {
			rs := data.Reasons
			if len(rs) == 0 && data.Route != nil {
				rs = data.Route.Reasons
			}
			s.Reasons = reasons(rs, l, d)
			if data.Reason != "" {
				s.Extra = append(s.Extra, fact{Label: d.T("tl.reason"), Value: data.Reason})
			}
			if data.Findings != "" {
				s.Extra = append(s.Extra, fact{Label: d.T("tl.findings"), Value: data.Findings})
			}
			if len(data.SealsBroken) > 0 {
				s.Extra = append(s.Extra, fact{Label: d.T("tl.seals"), Value: strings.Join(data.SealsBroken, ", ")})
			}
		}
		m.Timeline = append(m.Timeline, s)
	}
	return m
}

// stepData is what a timeline entry's data may hold, as far as the page
// shows it: the route and its reasons (intake, re-routes), the review
// centre's reason, a bureau's findings, broken seals. Other shapes show
// nothing more.
type stepData struct {
	Reasons     []view.ReasonView `json:"reasons"`
	Route       *view.RouteView   `json:"route"`
	Reason      string            `json:"reason"`
	Findings    string            `json:"findings"`
	SealsBroken []string          `json:"sealsBroken"`
}

func reasons(rs []view.ReasonView, l lang, d *pageData) []reasonModel {
	out := make([]reasonModel, 0, len(rs))
	for _, r := range rs {
		rm := reasonModel{Text: words(ruleWords, r.Rule, l), Rule: r.Rule}
		if r.Item != nil {
			rm.Item = d.Tn("r.item", *r.Item)
		}
		keys := make([]string, 0, len(r.Evidence))
		for k := range r.Evidence {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			rm.Evidence = append(rm.Evidence, fact{Label: words(evidenceWords, k, l), Value: r.Evidence[k]})
		}
		out = append(out, rm)
	}
	return out
}

func (t *Site) bureauName(code string, l lang) string {
	if b, ok := t.Tables.Bureaus[code]; ok {
		name := b.NameZh
		if l == langEn {
			name = b.NameEn
		}
		if name != "" {
			return name + " (" + code + ")"
		}
	}
	return code
}

func (t *Site) countryName(alpha3 string, l lang) string {
	if c, ok := t.Tables.CountryByAlpha3[alpha3]; ok {
		if l == langEn && c.NameEn != "" {
			return c.NameEn
		}
		if l == langZh && c.NameZh != "" {
			return c.NameZh
		}
	}
	return alpha3
}

// actorName says who took a step: "port:tianjin", "bureau:130100",
// "reviewcentre", "admin:…" and the gateway's own workers.
func (t *Site) actorName(actor string, l lang) string {
	role, scope, _ := strings.Cut(actor, ":")
	switch customs.CallerRole(role) {
	case customs.CallerPort:
		return words(portWords, scope, l)
	case customs.CallerBureau:
		if _, ok := t.Tables.Bureaus[scope]; ok {
			return t.bureauName(scope, l)
		}
		return pair{"检验机构 ", "Inspection bureau "}.in(l) + scope
	case customs.CallerReviewCentre:
		return pair{"审单中心", "Unified review centre"}.in(l)
	case customs.CallerAdmin:
		return pair{"单一窗口运营人员", "Single-window operator"}.in(l)
	case customs.CallerEnterprise:
		return pair{"企业 ", "Enterprise "}.in(l) + scope
	}
	return pair{"单一窗口系统", "Single-window system"}.in(l)
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// statusOf is the page's status for a refusal it shows itself.
func statusOf(c customs.ErrorCode) int {
	if c == customs.CodeForbidden {
		return http.StatusForbidden
	}
	return http.StatusBadRequest
}
