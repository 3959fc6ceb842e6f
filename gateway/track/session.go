// Sessions and sign-in: the cookie, its hash in the store, and the
// forms' protection against cross-site requests.

package track

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"

	"github.com/jjj/gateway/internal/customs"
)

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
	if customs.ErrorCodeOf(err) == customs.CodeNotFound {
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
		HttpOnly: true, Secure: t.secure(r), SameSite: http.SameSiteStrictMode})
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
		Secure: t.secure(r), SameSite: http.SameSiteStrictMode})
	return tok
}

// sameOrigin refuses a form posted from another site: a browser names the
// page's origin in Origin; when it does, it must be PUBLIC_URL's origin
// (scheme and host) when that is set, else this request's host. An absent
// or "null" Origin (old browsers, privacy settings) is left to the token.
func (t *Site) sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" || o == "null" {
		return true
	}
	u, err := url.Parse(o)
	if err != nil {
		return false
	}
	if pub, perr := url.Parse(t.cfg.PublicURL); t.cfg.PublicURL != "" && perr == nil {
		return strings.EqualFold(u.Scheme, pub.Scheme) && strings.EqualFold(u.Host, pub.Host)
	}
	return u.Host == r.Host
}

// secure tells whether cookies are Secure: behind a proxy that ends TLS
// (PUBLIC_URL https) or on a TLS connection of the gateway's own.
func (t *Site) secure(r *http.Request) bool {
	return r.TLS != nil || strings.HasPrefix(strings.ToLower(t.cfg.PublicURL), "https://")
}

func tokenEqual(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// errCSRF is a form without its token.
var errCSRF = customs.Errorf(customs.CodeForbidden, "the form's token is missing or wrong")

// --- pages ---

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
	if cerr != nil || !t.sameOrigin(r) || !tokenEqual(c.Value, r.PostForm.Get("csrf")) {
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
	s := customs.TrackSession{KeyID: p.KeyID, Enterprise: p.Scope, ExpiresAt: now.Add(t.cfg.SessionTTL)}
	if err := t.Sessions.InsertTrackSession(r.Context(), hashSession(sid), s, now); err != nil {
		return err
	}
	if v.sid != "" {
		t.Sessions.DeleteTrackSession(r.Context(), hashSession(v.sid)) // a new sign-in replaces the old session
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: sid, Path: trackPath, Expires: s.ExpiresAt,
		HttpOnly: true, Secure: t.secure(r), SameSite: http.SameSiteStrictMode})
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
	if !t.sameOrigin(r) || !tokenEqual(sessionCSRF(v.sid), r.PostForm.Get("csrf")) {
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
