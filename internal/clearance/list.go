package clearance

import (
	"context"
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/view"
)

// ScopeOf is the SQL form of Visible for p: what a listing may return.
// ok is false for roles that read no declarations.
func ScopeOf(p customs.Principal) (scope customs.Scope, ok bool) {
	switch p.Role {
	case customs.CallerAdmin:
		return customs.Scope{All: true}, true
	case customs.CallerPort:
		return customs.Scope{Port: p.Scope}, p.Scope != ""
	case customs.CallerEnterprise:
		return customs.Scope{Enterprise: p.Scope}, p.Scope != ""
	case customs.CallerBureau:
		return customs.Scope{Bureau: p.Scope}, p.Scope != ""
	}
	return customs.Scope{}, false
}

// Page is one page of a listing. Next is the seq to pass as Before for the
// next page, or 0 when this page is the last.
type Page struct {
	Items []*view.View
	Next  int64
}

// List returns the declarations f selects within p's scope (f.Scope is
// set from p), newest first, as GET shows each one. A page costs three
// queries whatever its size. CodeForbidden for roles that read no
// declarations.
func (s *Service) List(ctx context.Context, p customs.Principal, f customs.DeclarationFilter) (*Page, error) {
	scope, ok := ScopeOf(p)
	if !ok {
		return nil, customs.Errorf(customs.CodeForbidden, "a %s key may not list declarations", p.Role)
	}
	f.Scope = scope
	limit := f.Limit
	f.Limit = limit + 1 // one more tells whether there is a next page
	rows, err := s.Store.List(ctx, f)
	if err != nil {
		return nil, err
	}
	page := &Page{Items: make([]*view.View, 0, min(len(rows), limit))}
	if len(rows) > limit {
		rows = rows[:limit]
		page.Next = rows[len(rows)-1].Seq
	}
	if len(rows) == 0 {
		return page, nil
	}
	ids := make([]string, len(rows))
	for i := range rows {
		ids[i] = rows[i].ID
	}
	tasks, err := s.Store.TasksOf(ctx, ids)
	if err != nil {
		return nil, err
	}
	tls, err := s.Store.TimelinesOf(ctx, ids)
	if err != nil {
		return nil, err
	}
	for i := range rows {
		v, err := Assemble(&rows[i], tasks[rows[i].ID], tls[rows[i].ID])
		if err != nil {
			return nil, err
		}
		page.Items = append(page.Items, v)
	}
	return page, nil
}

// CountByStatus counts the declarations f selects within p's scope, by
// status (f's Status, Before and Limit are ignored).
func (s *Service) CountByStatus(ctx context.Context, p customs.Principal, f customs.DeclarationFilter) (map[string]int, error) {
	scope, ok := ScopeOf(p)
	if !ok {
		return nil, customs.Errorf(customs.CodeForbidden, "a %s key may not list declarations", p.Role)
	}
	f.Scope = scope
	return s.Store.CountByStatus(ctx, f)
}

// EncodeCursor makes the opaque cursor of a page that ends before seq
// (Page.Next), as the API and the tracking page hand it out.
func EncodeCursor(seq int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("d1:" + strconv.FormatInt(seq, 10)))
}

// DecodeCursor reads a cursor EncodeCursor made; CodeBadRequest at
// "cursor" for anything else.
func DecodeCursor(c string) (int64, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err == nil {
		if v, ok := strings.CutPrefix(string(b), "d1:"); ok {
			if n, err := strconv.ParseInt(v, 10, 64); err == nil && n > 0 {
				return n, nil
			}
		}
	}
	return 0, &customs.Error{Code: customs.CodeBadRequest, Message: "cursor is not one this API gave",
		Problems: []customs.Problem{{Path: "cursor", Code: "invalid_cursor", Message: "pass back the next value of the previous page"}}}
}
