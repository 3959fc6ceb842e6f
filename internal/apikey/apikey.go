// Package apikey makes and checks the gateway's API keys (api.md "Keys and
// roles"). A key has one role and one scope; only its SHA-256 is stored, and
// it is shown once, when it is made.
package apikey

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"strings"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/oklog/ulid/v2"

	"github.com/jjj/gateway/internal/codes"
	"github.com/jjj/gateway/internal/customs"
)

// Role and Principal are the domain's (customs.CallerRole,
// customs.Principal), so that services take a caller without importing
// this package; the names here are kept for this package's callers.
type (
	Role      = customs.CallerRole
	Principal = customs.Principal
)

const (
	RolePort         = customs.CallerPort
	RoleBureau       = customs.CallerBureau
	RoleEnterprise   = customs.CallerEnterprise
	RoleReviewCentre = customs.CallerReviewCentre
	RoleRegistry     = customs.CallerRegistry
	RoleAdmin        = customs.CallerAdmin
)

// Store is the storage the keys need (internal/postgres implements it).
// Keys are stored by HashKey, never as themselves.
type Store interface {
	// InsertKey stores k under the hash of its key; CodeConflict for an
	// id or hash already stored.
	InsertKey(ctx context.Context, k *customs.APIKey, hash []byte) error
	// KeyByHash returns the key with that hash, valid or not;
	// CodeNotFound when there is none.
	KeyByHash(ctx context.Context, hash []byte) (*customs.APIKey, error)
	// Keys lists every key, newest first.
	Keys(ctx context.Context) ([]customs.APIKey, error)
	// RevokeKey revokes a key at at (a second revocation keeps the first
	// time) and reports whether there is such a key.
	RevokeKey(ctx context.Context, id string, at time.Time) (bool, error)
}

// HashKey is how keys are stored: a key has 256 bits of entropy, so an
// unsalted SHA-256 is enough and lets a key be looked up by its hash.
func HashKey(key string) []byte {
	h := sha256.Sum256([]byte(key))
	return h[:]
}

// Keys makes and authenticates keys. Lookups are cached for CacheTTL, so a
// revocation takes effect within that time on every gateway process.
type Keys struct {
	Store Store
	// Tables check scopes of new keys (ports, bureaus, regions).
	ValidScope func(Role, string) error
	// CacheTTL: zero means 5s.
	CacheTTL time.Duration
	NowFunc  func() time.Time

	// CacheSize bounds each of the two caches (known keys, unknown keys);
	// zero means 10,000.
	CacheSize int

	once sync.Once
	// good holds keys found valid, bad keys found unknown, revoked or
	// expired, each a bounded LRU by key hash. They are apart so that a
	// spray of random keys can only evict other random keys: the good
	// keys in use stay cached, and cost no query.
	good, bad *lru.Cache[string, cached]
}

type cached struct {
	p       *Principal
	expires time.Time
}

func (k *Keys) now() time.Time {
	if k.NowFunc != nil {
		return k.NowFunc()
	}
	return time.Now()
}

// NewKey is a key to make.
type NewKey struct {
	Role      Role
	Scope     string
	Name      string
	ExpiresAt *time.Time
}

// Created is a key just made: Key is shown once and never again.
type Created struct {
	ID        string     `json:"id"`
	Key       string     `json:"key"`
	Role      Role       `json:"role"`
	Scope     string     `json:"scope,omitempty"`
	Name      string     `json:"name,omitempty"`
	CreatedAt time.Time  `json:"createdAt"`
	ExpiresAt *time.Time `json:"expiresAt"`
}

var enc = base32.StdEncoding.WithPadding(base32.NoPadding)

// Create makes a key. It returns customs.CodeInvalid for an unknown role or
// a scope the role does not take.
func (k *Keys) Create(ctx context.Context, n NewKey) (*Created, error) {
	var ps customs.Problems
	switch n.Role {
	case RoleReviewCentre, RoleAdmin:
		if n.Scope != "" {
			ps.Add("/scope", customs.ProblemInvalidEnum, "role %s takes no scope", n.Role)
		}
	case RolePort, RoleBureau, RoleEnterprise, RoleRegistry:
		if n.Role == RoleEnterprise {
			n.Scope = customs.NormalizeUSCC(n.Scope)
		}
		if n.Scope == "" {
			ps.Add("/scope", customs.ProblemMissingField, "role %s needs a scope", n.Role)
		} else if k.ValidScope != nil {
			if err := k.ValidScope(n.Role, n.Scope); err != nil {
				ps.Add("/scope", customs.ProblemInvalidEnum, "%v", err)
			}
		}
	case "":
		ps.Add("/role", customs.ProblemMissingField, "role is required: port, bureau, enterprise, reviewcentre, registry or admin")
	default:
		ps.Add("/role", customs.ProblemInvalidEnum, "unknown role %q", n.Role)
	}
	if err := ps.Err(customs.CodeInvalid, "key request does not validate"); err != nil {
		return nil, err
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	key := "gw_" + strings.ToLower(enc.EncodeToString(b))
	now := k.now().UTC().Truncate(time.Microsecond)
	row := &customs.APIKey{ID: "k_" + ulid.Make().String(), Hint: key[:9], Role: n.Role, Scope: n.Scope, Name: n.Name, CreatedAt: now}
	if n.ExpiresAt != nil {
		// As the database keeps it (UTC, microseconds), so that the answer
		// shows what the list will.
		exp := n.ExpiresAt.UTC().Truncate(time.Microsecond)
		n.ExpiresAt = &exp
		row.ExpiresAt = &exp
	}
	if err := k.Store.InsertKey(ctx, row, HashKey(key)); err != nil {
		return nil, fmt.Errorf("create key: %w", err)
	}
	return &Created{ID: row.ID, Key: key, Role: n.Role, Scope: n.Scope, Name: n.Name, CreatedAt: now, ExpiresAt: n.ExpiresAt}, nil
}

// Authenticate returns the principal of a key, or customs.CodeUnauthorized
// for an unknown, revoked or expired key.
func (k *Keys) Authenticate(ctx context.Context, key string) (*Principal, error) {
	if key == "" {
		return nil, customs.Errorf(customs.CodeUnauthorized, "an API key is required (Authorization: Bearer <key>)")
	}
	now := k.now()
	hash := string(HashKey(key))
	k.init()
	c, ok := k.good.Get(hash)
	if !ok {
		c, ok = k.bad.Get(hash)
	}
	if ok && now.Before(c.expires) {
		if c.p == nil {
			return nil, customs.Errorf(customs.CodeUnauthorized, "unknown, revoked or expired key")
		}
		return c.p, nil
	}
	row, err := k.Store.KeyByHash(ctx, []byte(hash))
	var p *Principal
	switch {
	case customs.ErrorCodeOf(err) == customs.CodeNotFound:
		row = nil
	case err != nil:
		return nil, err
	case row.RevokedAt != nil, row.ExpiresAt != nil && !now.Before(*row.ExpiresAt):
	default:
		p = &Principal{KeyID: row.ID, Role: row.Role, Scope: row.Scope, Name: row.Name}
	}
	ttl := k.CacheTTL
	if ttl == 0 {
		ttl = 5 * time.Second
	}
	exp := now.Add(ttl)
	if row != nil && row.ExpiresAt != nil && row.ExpiresAt.Before(exp) && p != nil {
		exp = *row.ExpiresAt
	}
	if p != nil {
		k.good.Add(hash, cached{p, exp})
		k.bad.Remove(hash)
	} else {
		k.bad.Add(hash, cached{nil, exp})
		k.good.Remove(hash)
	}
	if p == nil {
		return nil, customs.Errorf(customs.CodeUnauthorized, "unknown, revoked or expired key")
	}
	return p, nil
}

// List returns every key, newest first, times in UTC.
func (k *Keys) List(ctx context.Context) ([]customs.APIKey, error) {
	keys, err := k.Store.Keys(ctx)
	for i := range keys {
		keys[i].CreatedAt = keys[i].CreatedAt.UTC()
		if t := keys[i].ExpiresAt; t != nil {
			u := t.UTC()
			keys[i].ExpiresAt = &u
		}
		if t := keys[i].RevokedAt; t != nil {
			u := t.UTC()
			keys[i].RevokedAt = &u
		}
	}
	return keys, err
}

// Revoke revokes a key now, and forgets this process's cached lookups so
// that it stops working here at once (elsewhere within CacheTTL).
// CodeNotFound for an unknown key.
func (k *Keys) Revoke(ctx context.Context, id string) error {
	ok, err := k.Store.RevokeKey(ctx, id, k.now())
	if err != nil {
		return err
	}
	if !ok {
		return customs.Errorf(customs.CodeNotFound, "key %s not found", id)
	}
	k.Forget()
	return nil
}

// Forget drops cached lookups, after a revocation in this process.
func (k *Keys) Forget() {
	k.init()
	k.good.Purge()
	k.bad.Purge()
}

// KnownGood tells whether key is cached as valid, without a lookup: the
// HTTP layer lets such keys through when a client address is over its
// failed sign-ins.
func (k *Keys) KnownGood(key string) bool {
	k.init()
	c, ok := k.good.Peek(string(HashKey(key)))
	return ok && c.p != nil && k.now().Before(c.expires)
}

func (k *Keys) init() {
	k.once.Do(func() {
		n := k.CacheSize
		if n <= 0 {
			n = 10000
		}
		k.good, _ = lru.New[string, cached](n)
		k.bad, _ = lru.New[string, cached](n)
	})
}

// ScopeChecker validates the scope of a new key against the code tables:
// a port of the region, a bureau of bureaus.csv, a region, or a valid USCC.
func ScopeChecker(t *codes.Tables) func(Role, string) error {
	return func(role Role, scope string) error {
		switch role {
		case RolePort:
			for _, c := range t.Customs {
				if c.Port == scope && scope != "" {
					return nil
				}
			}
			return fmt.Errorf("unknown port %q", scope)
		case RoleBureau:
			if _, ok := t.Bureaus[scope]; !ok {
				return fmt.Errorf("unknown bureau %q", scope)
			}
		case RoleRegistry:
			switch customs.Region(scope) {
			case customs.RegionBJ, customs.RegionTJ, customs.RegionHE:
				return nil
			}
			return fmt.Errorf("unknown region %q", scope)
		case RoleEnterprise:
			if ok, _ := customs.CheckUSCC(scope); !ok {
				return fmt.Errorf("invalid USCC %q", scope)
			}
		}
		return nil
	}
}
