package apikey

import (
	"context"
	"strconv"
	"testing"
	"time"
)

// TestRandomKeysDoNotEvictGoodOnes: a spray of random keys (more than the
// cache holds) neither wipes nor evicts the good keys in use, and a
// repeated unknown key is answered from the negative cache.
func TestRandomKeysDoNotEvictGoodOnes(t *testing.T) {
	ctx := context.Background()
	store := &memStore{}
	k := &Keys{Store: store, CacheSize: 100, CacheTTL: time.Hour}
	var good []string
	for range 50 {
		c, err := k.Create(ctx, NewKey{Role: RoleAdmin})
		if err != nil {
			t.Fatal(err)
		}
		good = append(good, c.Key)
		if _, err := k.Authenticate(ctx, c.Key); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 20000 {
		if _, err := k.Authenticate(ctx, "gw_random"+strconv.Itoa(i)); err == nil {
			t.Fatal("a random key was accepted")
		}
	}
	before := store.lookups
	for _, key := range good {
		if _, err := k.Authenticate(ctx, key); err != nil {
			t.Fatal(err)
		}
		if !k.KnownGood(key) {
			t.Errorf("a good key is not known good")
		}
	}
	if n := store.lookups - before; n != 0 {
		t.Errorf("the good keys cost %d lookups after the spray, want 0", n)
	}
	// The newest unknown keys are cached as unknown.
	before = store.lookups
	k.Authenticate(ctx, "gw_random19999")
	if store.lookups != before {
		t.Errorf("a repeated unknown key was looked up again")
	}
	if k.KnownGood("gw_random19999") {
		t.Errorf("an unknown key is known good")
	}
}
