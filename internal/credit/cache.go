package credit

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/jjj/gateway/internal/customs"
)

// CacheStore is the storage the cache follows.
type CacheStore interface {
	// CreditRatingChanges returns, from one snapshot, the regional records
	// (USCC, Region, Rating, Deleted and the dates are enough) written
	// after sequence number after, at most span numbers further, with all
	// the other records of each enterprise one of them rates (neither
	// general nor deleted), and the number read through. With onlyRated,
	// every record of the enterprises with a record that is neither
	// general nor deleted.
	CreditRatingChanges(ctx context.Context, after, span int64, onlyRated bool) ([]customs.CreditRecord, int64, error)
	// CreditRecordSeq is the highest record sequence number committed.
	CreditRecordSeq(ctx context.Context) (int64, error)
}

// CacheConfig configures a Cache.
type CacheConfig struct {
	Store CacheStore
	// PollInterval is how often Run looks for records written by other
	// processes; zero means 1s. It bounds how stale a rating can be.
	PollInterval time.Duration
	// Span is how many record sequence numbers one poll reads at most;
	// zero means 10000. It bounds the rows one read holds in memory: a
	// flush of a first sync numbers its records in one go.
	Span   int64
	Logger *slog.Logger
}

// Cache answers routing's credit questions from memory (clearance.RatingSource):
// it keeps every enterprise that has a regional record other than general
// (with all its regional records) and evaluates them for the day asked, so
// a rating that expires stops counting on that day with no database round
// trip. An enterprise not kept is general. See the package doc for how
// stale it may be.
type Cache struct {
	cfg CacheConfig

	mu  sync.RWMutex
	m   map[string][]cachedRecord
	seq int64
	// loaded is set after the first full load.
	loaded bool

	refresh sync.Mutex
}

// cachedRecord is a regional record reduced to what the merge needs: days
// as yyyymmdd numbers (from 0 when none, until MaxInt32 when none), and
// its region (regionOrder: a byte, the cache holds hundreds of thousands),
// so that a newer record of the region replaces it.
type cachedRecord struct {
	from, until int32
	rating      customs.Rating
	region      uint8
}

// NewCache makes a cache; it loads on first use or Refresh.
func NewCache(cfg CacheConfig) (*Cache, error) {
	if cfg.Store == nil {
		return nil, errors.New("credit: CacheConfig.Store is required")
	}
	if cfg.PollInterval == 0 {
		cfg.PollInterval = time.Second
	}
	if cfg.Span == 0 {
		cfg.Span = 10000
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Cache{cfg: cfg, m: map[string][]cachedRecord{}}, nil
}

// dayNum turns yyyy-MM-dd into yyyymmdd; def when empty or unreadable.
func dayNum(s string, def int32) int32 {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return def
	}
	var n int32
	for i := 0; i < 10; i++ {
		if i == 4 || i == 7 {
			continue
		}
		c := s[i]
		if c < '0' || c > '9' {
			return def
		}
		n = n*10 + int32(c-'0')
	}
	return n
}

// Ratings implements clearance.RatingSource: the effective rating on day
// of each enterprise that has an active record other than general; the
// others are left out (general). It loads the cache on first use.
func (c *Cache) Ratings(ctx context.Context, usccs []string, day string) (map[string]customs.Rating, error) {
	c.mu.RLock()
	loaded := c.loaded
	c.mu.RUnlock()
	if !loaded {
		if err := c.Refresh(ctx); err != nil {
			return nil, err
		}
	}
	d := dayNum(day, 0)
	var out map[string]customs.Rating
	c.mu.RLock()
	defer c.mu.RUnlock()
	for _, u := range usccs {
		recs, ok := c.m[u]
		if !ok {
			continue
		}
		var best customs.Rating
		for _, r := range recs {
			if r.from <= d && d < r.until && r.rating.Severity() > best.Severity() {
				best = r.rating
			}
		}
		if best == "" || best == customs.RatingGeneral {
			continue
		}
		if out == nil {
			out = make(map[string]customs.Rating, len(usccs))
		}
		out[u] = best
	}
	return out, nil
}

// Len is how many enterprises the cache keeps.
func (c *Cache) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.m)
}

// Refresh reads what was written since the last refresh (everything, the
// first time).
func (c *Cache) Refresh(ctx context.Context) error {
	c.refresh.Lock()
	defer c.refresh.Unlock()
	c.mu.RLock()
	after, loaded := c.seq, c.loaded
	c.mu.RUnlock()
	if !loaded {
		// The first load reads the enterprises rated by the records
		// numbered up to top, in spans (a million records would otherwise
		// be held at once), each span in its own snapshot; then the
		// changes after top, as every refresh does. A record written over
		// while the spans are read is numbered above top, so that pass
		// reads it again, general or not: the last state stands.
		top, err := c.cfg.Store.CreditRecordSeq(ctx)
		if err != nil {
			return err
		}
		for after < top {
			rows, through, err := c.cfg.Store.CreditRatingChanges(ctx, after, min(c.cfg.Span, top-after), true)
			if err != nil {
				return err
			}
			c.apply(rows, through)
			after = through
		}
		c.mu.Lock()
		c.seq = max(c.seq, top)
		c.loaded = true
		c.mu.Unlock()
		after = top
	}
	for {
		rows, through, err := c.cfg.Store.CreditRatingChanges(ctx, after, c.cfg.Span, false)
		if err != nil {
			return err
		}
		if through <= after {
			return nil
		}
		c.apply(rows, through)
		after = through
	}
}

// rates reports whether r counts for the cache: a record neither general
// nor deleted (nor without a rating).
func rates(r *customs.CreditRecord) bool {
	return !r.Deleted && r.Rating != "" && r.Rating != customs.RatingGeneral
}

// apply brings the enterprises in rows up to date: each row replaces the
// kept record of its region. An enterprise not kept, none of whose rows
// rates, stays out (it had no record that rates, and has none now); one
// whose rows rate comes with all its records (CacheStore), so it is kept
// whole. An enterprise is kept while one of its records rates.
func (c *Cache) apply(rows []customs.CreditRecord, through int64) {
	type group struct {
		rows  []*customs.CreditRecord
		rated bool
	}
	by := make(map[string]*group, len(rows)/2+1)
	for i := range rows {
		r := &rows[i]
		g := by[r.USCC]
		if g == nil {
			g = &group{}
			by[r.USCC] = g
		}
		g.rows = append(g.rows, r)
		g.rated = g.rated || rates(r)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for u, g := range by {
		recs, kept := c.m[u]
		if !kept && !g.rated {
			continue
		}
		for _, r := range g.rows {
			region := uint8(r.Region.Order())
			at := slices.IndexFunc(recs, func(k cachedRecord) bool { return k.region == region })
			if r.Deleted || r.Rating == "" {
				if at >= 0 {
					recs = slices.Delete(recs, at, at+1)
				}
				continue
			}
			cr := cachedRecord{from: dayNum(r.EffectiveFrom, 0), until: dayNum(r.ExpiresAt, math.MaxInt32), rating: r.Rating, region: region}
			if at >= 0 {
				recs[at] = cr
			} else {
				recs = append(recs, cr)
			}
		}
		if slices.ContainsFunc(recs, func(k cachedRecord) bool { return k.rating != customs.RatingGeneral }) {
			c.m[u] = recs
		} else {
			delete(c.m, u)
		}
	}
	if through > c.seq {
		c.seq = through
	}
}

// Run refreshes every PollInterval until ctx ends.
func (c *Cache) Run(ctx context.Context) {
	t := time.NewTicker(c.cfg.PollInterval)
	defer t.Stop()
	for {
		if err := c.Refresh(ctx); err != nil && ctx.Err() == nil {
			c.cfg.Logger.Warn("credit cache refresh", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
