package apikey

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jjj/gateway/internal/customs"
)

// memStore is a Store in memory that counts lookups.
type memStore struct {
	mu      sync.Mutex
	rows    map[string]*customs.APIKey // by hash
	lookups int
}

func (m *memStore) InsertKey(ctx context.Context, k *customs.APIKey, hash []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.rows == nil {
		m.rows = map[string]*customs.APIKey{}
	}
	c := *k
	m.rows[string(hash)] = &c
	return nil
}

func (m *memStore) KeyByHash(ctx context.Context, hash []byte) (*customs.APIKey, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.lookups++
	if r, ok := m.rows[string(hash)]; ok {
		c := *r
		return &c, nil
	}
	return nil, customs.Errorf(customs.CodeNotFound, "no such key")
}

func (m *memStore) Keys(ctx context.Context) ([]customs.APIKey, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []customs.APIKey
	for _, r := range m.rows {
		out = append(out, *r)
	}
	return out, nil
}

func (m *memStore) RevokeKey(ctx context.Context, id string, at time.Time) (bool, error) {
	found := false
	m.mu.Lock()
	for _, r := range m.rows {
		found = found || r.ID == id
	}
	m.mu.Unlock()
	m.revoke(id, at)
	return found, nil
}

func (m *memStore) revoke(id string, at time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, r := range m.rows {
		if r.ID == id {
			r.RevokedAt = &at
		}
	}
}

func TestAuthenticate(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
	store := &memStore{}
	k := &Keys{Store: store, CacheTTL: 5 * time.Second, NowFunc: func() time.Time { return now }}
	ctx := context.Background()
	c, err := k.Create(ctx, NewKey{Role: RoleEnterprise, Scope: "91120116ma05t7k30q"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Scope != "91120116MA05T7K30Q" {
		t.Errorf("scope %q, want the USCC normalised", c.Scope)
	}
	p, err := k.Authenticate(ctx, c.Key)
	if err != nil || p.Role != RoleEnterprise || p.Scope != c.Scope || p.KeyID != c.ID {
		t.Fatalf("Authenticate = %+v, %v", p, err)
	}
	if _, err := k.Authenticate(ctx, c.Key); err != nil || store.lookups != 1 {
		t.Errorf("second lookup: %v, %d store lookups, want 1 (cached)", err, store.lookups)
	}

	// A revocation in another process counts once the cache has expired.
	store.revoke(c.ID, now)
	if _, err := k.Authenticate(ctx, c.Key); err != nil {
		t.Errorf("revoked key refused within the cache's TTL: %v", err)
	}
	now = now.Add(5 * time.Second)
	if _, err := k.Authenticate(ctx, c.Key); customs.ErrorCodeOf(err) != customs.CodeUnauthorized {
		t.Errorf("revoked key after the TTL: %v, want unauthorized", err)
	}

	// A key that expires within the TTL is refused from its expiry on.
	exp := now.Add(2 * time.Second)
	c2, err := k.Create(ctx, NewKey{Role: RoleAdmin, Name: "ops", ExpiresAt: &exp})
	if err != nil {
		t.Fatal(err)
	}
	if p, err := k.Authenticate(ctx, c2.Key); err != nil || p.Actor() != "admin:ops" {
		t.Fatalf("Authenticate = %+v, %v", p, err)
	}
	now = exp
	if _, err := k.Authenticate(ctx, c2.Key); customs.ErrorCodeOf(err) != customs.CodeUnauthorized {
		t.Errorf("expired key: %v, want unauthorized", err)
	}

	for _, key := range []string{"", "gw_unknown"} {
		if _, err := k.Authenticate(ctx, key); customs.ErrorCodeOf(err) != customs.CodeUnauthorized {
			t.Errorf("key %q: %v, want unauthorized", key, err)
		}
	}
}

func TestCreateRefusesScopesTheRoleDoesNotTake(t *testing.T) {
	t.Parallel()
	k := &Keys{Store: &memStore{}, ValidScope: func(r Role, s string) error {
		if r == RolePort && s != "tianjin" {
			return fmt.Errorf("unknown port %q", s)
		}
		return nil
	}}
	for _, n := range []NewKey{
		{Role: RoleAdmin, Scope: "tianjin"},
		{Role: RolePort},
		{Role: RolePort, Scope: "shanghai"},
		{Role: ""},
		{Role: "superuser"},
	} {
		if _, err := k.Create(context.Background(), n); customs.ErrorCodeOf(err) != customs.CodeInvalid {
			t.Errorf("Create(%+v) = %v, want invalid", n, err)
		}
	}
	if _, err := k.Create(context.Background(), NewKey{Role: RolePort, Scope: "tianjin"}); err != nil {
		t.Errorf("Create port tianjin: %v", err)
	}
}
