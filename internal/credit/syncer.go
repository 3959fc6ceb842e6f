package credit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/jjj/gateway/internal/customs"
)

// Source is one registry's feed. *Client satisfies it. Page returns the
// records after cursor after (empty: from the start); ctx bounds the call.
type Source interface {
	Page(ctx context.Context, after string, limit int) (*Page, error)
}

// breakerReporter is what a Source may also tell the status.
type breakerReporter interface{ BreakerState() string }

// Store is the storage the syncer needs, in domain terms.
type Store interface {
	// CreditCursor returns a registry's sync state; the zero state (empty
	// cursor) when it was never synced.
	CreditCursor(ctx context.Context, region customs.Region) (customs.CreditSyncState, error)
	// StageCreditPage writes one page in one transaction: its records,
	// to be applied by the next ApplyStagedCredit, its skips and the
	// cursor. customs.ErrCreditCursorMoved when the stored cursor is not
	// p.From.
	StageCreditPage(ctx context.Context, p customs.CreditPage) (customs.CreditPageResult, error)
	// ApplyStagedCredit writes the newest staged version of each
	// enterprise and region over the stored record when it is newer (an
	// older or equal version never overwrites a newer), and returns how
	// many records it wrote, by region.
	ApplyStagedCredit(ctx context.Context) (map[customs.Region]int, error)
	// CreditMergeMark is the record number through which the merged
	// records are up to date.
	CreditMergeMark(ctx context.Context) (int64, error)
	// ReadCreditChunk reads the next limit records written after record
	// number after, with every stored record of their enterprises; it
	// takes no lock.
	ReadCreditChunk(ctx context.Context, after int64, limit int) (customs.CreditChunk, error)
	// MergeCreditChunk merges the chunk's enterprises again for day,
	// with the re-route requests of the effective ratings that changed,
	// and moves the mark past it; it returns those enterprises and how
	// many merged records changed. customs.ErrCreditMergeMoved when the
	// mark is not where the chunk starts.
	MergeCreditChunk(ctx context.Context, ch customs.CreditChunk, day string, now time.Time, merge customs.CreditMergeFunc) ([]string, int, error)
	// CreditSyncEnded records the end of a sync run: success or its error.
	CreditSyncEnded(ctx context.Context, region customs.Region, at time.Time, syncErr error) error
	// ReevaluateCredit merges again, for day, at most limit enterprises
	// whose records started or expired since they were merged; it returns
	// those whose effective rating changed and how many it looked at.
	ReevaluateCredit(ctx context.Context, day string, now time.Time, merge customs.CreditMergeFunc, limit int) ([]string, int, error)
	CreditSyncStates(ctx context.Context) (map[customs.Region]customs.CreditSyncState, error)
	// CreditSkips returns a registry's most recent skips, newest first.
	CreditSkips(ctx context.Context, region customs.Region, limit int) ([]customs.CreditSkip, error)
	// CreditMergedByUSCC returns the merged record as last evaluated; nil
	// when nothing is known of the enterprise.
	CreditMergedByUSCC(ctx context.Context, uscc string) (*customs.MergedCredit, error)
	// CreditMergedSince returns merged records changed after version after,
	// in the order of their change.
	CreditMergedSince(ctx context.Context, after int64, limit int) ([]customs.MergedCredit, error)
}

// Config configures a Syncer.
type Config struct {
	// Sources are the configured registries; a region without one is not
	// synced.
	Sources map[customs.Region]Source
	Store   Store
	// PageSize is the limit asked of the registries; zero means 1000.
	PageSize int
	// Interval is the time between syncs in Run; zero means 1m.
	Interval time.Duration
	// ReevaluateBatch is how many merged records one re-evaluation
	// transaction takes; zero means 1000.
	ReevaluateBatch int
	// MergeBatch is how many written records one merge transaction of a
	// flush takes; zero means 5000.
	MergeBatch int
	// FlushEvery bounds how long a registry's pages stay staged during a
	// long sync: a sync flushes when it ends, and in between once this
	// much time has passed since its last flush. Zero means 30s.
	FlushEvery time.Duration
	// NowFunc is the clock; nil means time.Now. It is read once per page.
	NowFunc func() time.Time
	// Cache, when set, is refreshed once a flush has written the records,
	// before OnChange runs, so re-routing sees the new ratings.
	Cache *Cache
	// OnChange, when set, is called after a page (or a re-evaluation)
	// commits, with the enterprises whose effective rating changed, in the
	// order of their change. Its error is logged and counted; the page
	// stays applied. The re-routing service hangs here.
	OnChange func(ctx context.Context, usccs []string) error
	// Logger: nil means slog.Default().
	Logger *slog.Logger
	// Registerer, when set, receives the sync metrics.
	Registerer prometheus.Registerer
}

func (c Config) withDefaults() Config {
	if c.PageSize == 0 {
		c.PageSize = 1000
	}
	if c.Interval == 0 {
		c.Interval = time.Minute
	}
	if c.ReevaluateBatch == 0 {
		c.ReevaluateBatch = 1000
	}
	if c.MergeBatch == 0 {
		c.MergeBatch = 5000
	}
	if c.FlushEvery == 0 {
		c.FlushEvery = 30 * time.Second
	}
	if c.NowFunc == nil {
		c.NowFunc = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

func (c Config) validate() error {
	if c.Store == nil {
		return errors.New("credit: Config.Store is required")
	}
	if c.PageSize < 1 {
		return fmt.Errorf("credit: Config.PageSize %d must be positive", c.PageSize)
	}
	if c.Interval < 0 {
		return fmt.Errorf("credit: Config.Interval %s must be positive", c.Interval)
	}
	if c.FlushEvery < 0 {
		return fmt.Errorf("credit: Config.FlushEvery %s must be positive", c.FlushEvery)
	}
	if c.MergeBatch < 1 || c.ReevaluateBatch < 1 {
		return fmt.Errorf("credit: Config.MergeBatch %d and ReevaluateBatch %d must be positive", c.MergeBatch, c.ReevaluateBatch)
	}
	for r, s := range c.Sources {
		if r.Order() > 2 {
			return fmt.Errorf("credit: Config.Sources: unknown region %q", r)
		}
		if s == nil {
			return fmt.Errorf("credit: Config.Sources: region %s has no source", r)
		}
	}
	return nil
}

// Syncer syncs the registries into the store and answers the merged view.
type Syncer struct {
	cfg     Config
	regions []customs.Region
	// running holds one token per registry: one sync of a registry at a
	// time in this process (other processes are kept out by the cursor
	// check in the page transaction).
	running map[customs.Region]chan struct{}
	trigger chan struct{}
	metrics *metrics
}

type metrics struct {
	applied  *prometheus.CounterVec
	skipped  *prometheus.CounterVec
	errors   *prometheus.CounterVec
	pages    *prometheus.CounterVec
	merged   prometheus.Counter
	onChange prometheus.Counter
}

// New makes a Syncer.
func New(cfg Config) (*Syncer, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	s := &Syncer{cfg: cfg, running: map[customs.Region]chan struct{}{}, trigger: make(chan struct{}, 1)}
	for r := range cfg.Sources {
		s.regions = append(s.regions, r)
		s.running[r] = make(chan struct{}, 1)
	}
	sort.Slice(s.regions, func(i, j int) bool { return s.regions[i].Order() < s.regions[j].Order() })
	if cfg.Registerer != nil {
		m := &metrics{
			applied: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "gateway_credit_records_applied_total",
				Help: "Credit records applied (new or newer versions written by a flush; versions superseded within one flush are not counted), by registry."}, []string{"registry"}),
			skipped: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "gateway_credit_records_skipped_total",
				Help: "Credit records skipped, by registry and reason."}, []string{"registry", "reason"}),
			errors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "gateway_credit_sync_errors_total",
				Help: "Credit syncs that stopped on an error, by registry."}, []string{"registry"}),
			pages: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "gateway_credit_pages_total",
				Help: "Credit feed pages applied, by registry."}, []string{"registry"}),
			merged: prometheus.NewCounter(prometheus.CounterOpts{Name: "gateway_credit_merged_changes_total",
				Help: "Changes of merged credit records (shared view versions)."}),
			onChange: prometheus.NewCounter(prometheus.CounterOpts{Name: "gateway_credit_onchange_errors_total",
				Help: "Failed calls of the rating-change hook (re-routing)."}),
		}
		for _, c := range []prometheus.Collector{m.applied, m.skipped, m.errors, m.pages, m.merged, m.onChange, newStateCollector(s)} {
			if err := cfg.Registerer.Register(c); err != nil {
				return nil, fmt.Errorf("credit: metrics: %w", err)
			}
		}
		s.metrics = m
	}
	return s, nil
}

// Regions are the configured registries, in the order BJ, TJ, HE.
func (s *Syncer) Regions() []customs.Region { return s.regions }

// Run syncs every Interval and on Trigger, and re-evaluates expiries at
// midnight Beijing time, until ctx ends. Errors are logged and shown in
// the status; the next round tries again.
func (s *Syncer) Run(ctx context.Context) {
	tick := time.NewTicker(s.cfg.Interval)
	defer tick.Stop()
	midnight := time.NewTimer(untilBeijingMidnight(time.Now()))
	defer midnight.Stop()
	for {
		if err := s.SyncAll(ctx); err != nil && ctx.Err() == nil {
			s.cfg.Logger.Warn("credit sync", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-s.trigger:
		case <-midnight.C:
			midnight.Reset(untilBeijingMidnight(time.Now()))
		}
	}
}

// untilBeijingMidnight is the wait until just after the next day change in
// Beijing time.
func untilBeijingMidnight(now time.Time) time.Duration {
	b := now.In(customs.Beijing)
	next := time.Date(b.Year(), b.Month(), b.Day()+1, 0, 0, 1, 0, customs.Beijing)
	return next.Sub(now)
}

// Trigger asks Run to start a sync now; it does not wait.
func (s *Syncer) Trigger() {
	select {
	case s.trigger <- struct{}{}:
	default:
	}
}

// SyncNow starts a sync of every registry: with wait, it returns when it
// is done, with its error; without, it asks Run (Trigger) and returns.
func (s *Syncer) SyncNow(ctx context.Context, wait bool) error {
	if !wait {
		s.Trigger()
		return nil
	}
	return s.SyncAll(ctx)
}

// SyncAll syncs every registry concurrently, flushes what they staged
// (once for all, so that an enterprise two registries rate is merged once),
// then re-evaluates expiries. One registry failing does not stop the
// others, and what they staged is flushed all the same; the errors are
// joined.
func (s *Syncer) SyncAll(ctx context.Context) error {
	errs := make([]error, len(s.regions))
	var wg sync.WaitGroup
	for i, r := range s.regions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = s.syncRegistry(ctx, r)
		}()
	}
	wg.Wait()
	if err := s.Flush(ctx); err != nil {
		errs = append(errs, err)
	}
	if _, err := s.Reevaluate(ctx); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// SyncResult counts what one sync of a registry read.
type SyncResult struct {
	Pages, Records, Skipped int
}

// SyncRegistry pages one registry from its stored cursor to the end of
// what it has now, then flushes. Each page is staged in one transaction
// with the new cursor, so an error anywhere leaves the cursor at the first
// page not staged; what was staged is flushed all the same. The next page
// is fetched while the current one is written.
func (s *Syncer) SyncRegistry(ctx context.Context, region customs.Region) error {
	_, err := s.syncRegistry(ctx, region)
	if ferr := s.Flush(ctx); ferr != nil {
		err = errors.Join(err, ferr)
	}
	return err
}

func (s *Syncer) syncRegistry(ctx context.Context, region customs.Region) (SyncResult, error) {
	var res SyncResult
	src, ok := s.cfg.Sources[region]
	if !ok {
		return res, customs.Errorf(customs.CodeNotFound, "no registry is configured for region %s", region)
	}
	tok := s.running[region]
	select {
	case tok <- struct{}{}:
	case <-ctx.Done():
		return res, ctx.Err()
	}
	defer func() { <-tok }()

	err := s.pages(ctx, region, src, &res)
	if ctx.Err() != nil && err != nil {
		return res, err // shutting down: not the registry's fault
	}
	now := s.cfg.NowFunc()
	if err != nil {
		if s.metrics != nil {
			s.metrics.errors.WithLabelValues(string(region)).Inc()
		}
		s.cfg.Logger.Warn("credit sync failed", "registry", region, "err", err, "pages", res.Pages, "records", res.Records)
	} else {
		s.cfg.Logger.Debug("credit sync done", "registry", region, "pages", res.Pages, "records", res.Records, "skipped", res.Skipped)
	}
	if e := s.cfg.Store.CreditSyncEnded(context.WithoutCancel(ctx), region, now, err); e != nil {
		err = errors.Join(err, e)
	}
	return res, err
}

type fetched struct {
	page *Page
	err  error
}

func (s *Syncer) pages(ctx context.Context, region customs.Region, src Source, res *SyncResult) error {
	st, err := s.cfg.Store.CreditCursor(ctx, region)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	fetch := func(after string) <-chan fetched {
		ch := make(chan fetched, 1)
		go func() {
			p, err := src.Page(ctx, after, s.cfg.PageSize)
			ch <- fetched{p, err}
		}()
		return ch
	}
	cur := st.Cursor
	pending := fetch(cur)
	flushed := time.Now()
	for {
		f := <-pending
		if f.err != nil {
			return f.err
		}
		page := f.page
		if page.Region != region {
			return fmt.Errorf("registry %s: the page is from region %q", region, page.Region)
		}
		// At the end (next null) the cursor stays where this page began:
		// the next sync asks from there and sees what was added.
		end := page.Next == "" || page.Next == cur
		next := page.Next
		if end {
			next = cur
		} else {
			pending = fetch(next)
		}
		recs, skips := Check(region, page.Records)
		now := s.cfg.NowFunc()
		r, err := s.cfg.Store.StageCreditPage(ctx, customs.CreditPage{Region: region, From: cur, Next: next,
			Records: recs, Skipped: skips, Now: now})
		if err != nil {
			return err
		}
		res.Pages++
		res.Records += len(recs)
		res.Skipped += r.Skipped
		if s.metrics != nil {
			s.metrics.pages.WithLabelValues(string(region)).Inc()
			for reason, n := range r.SkippedReasons {
				s.metrics.skipped.WithLabelValues(string(region), reason).Add(float64(n))
			}
		}
		for _, sk := range skips {
			s.cfg.Logger.Debug("credit record skipped", "registry", region, "uscc", sk.USCC, "version", sk.Version, "reason", sk.Reason, "detail", sk.Detail)
		}
		if end {
			return nil
		}
		if time.Since(flushed) >= s.cfg.FlushEvery {
			if err := s.Flush(ctx); err != nil {
				return err
			}
			flushed = time.Now()
		}
		cur = next
	}
}

// Flush applies what the registries staged (by this process or another):
// the newest record of each enterprise and region (ApplyStagedCredit),
// then the merge of the enterprises written, in chunks of MergeBatch
// records (ReadCreditChunk, MergeCreditChunk). The cache reads the records
// while the merge writes the merged records; each chunk's effective rating
// changes are passed to OnChange once it commits and the cache has read
// the records, so that re-routing, which OnChange wakes, sees the new
// ratings.
func (s *Syncer) Flush(ctx context.Context) error {
	applied, err := s.cfg.Store.ApplyStagedCredit(ctx)
	if err != nil {
		return err
	}
	total := 0
	for region, n := range applied {
		total += n
		if s.metrics != nil {
			s.metrics.applied.WithLabelValues(string(region)).Add(float64(n))
		}
	}
	refreshed := make(chan struct{})
	if total > 0 && s.cfg.Cache != nil {
		go func() {
			defer close(refreshed)
			if err := s.cfg.Cache.Refresh(ctx); err != nil {
				s.cfg.Logger.Warn("credit cache refresh", "err", err)
			}
		}()
	} else {
		close(refreshed)
	}
	var waiting []string
	defer func() {
		<-refreshed
		s.afterCommit(ctx, false, waiting)
	}()
	for {
		err := s.mergeChunks(ctx, func(changed []string) {
			waiting = append(waiting, changed...)
			select {
			case <-refreshed:
				s.afterCommit(ctx, false, waiting)
				waiting = nil
			default:
			}
		})
		if !errors.Is(err, customs.ErrCreditMergeMoved) {
			return err
		}
		// Another process merged meanwhile: go on from where it stands.
	}
}

// readChunk is a chunk as the reader hands it over, or what stopped it.
type readChunk struct {
	ch  customs.CreditChunk
	err error
}

// mergeChunks merges the records written and not merged yet, chunk by
// chunk, until a chunk comes short. The next chunk is read (without the
// lock, on another connection) while one is merged, so that the gateway's
// work on a chunk overlaps PostgreSQL's. committed is called with each
// chunk's effective rating changes once it commits.
func (s *Syncer) mergeChunks(ctx context.Context, committed func(changed []string)) error {
	mark, err := s.cfg.Store.CreditMergeMark(ctx)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Unbuffered: one chunk merged, the next read and waiting, no more
	// in memory.
	chunks := make(chan readChunk)
	go func() {
		defer close(chunks)
		for after := mark; ; {
			ch, err := s.cfg.Store.ReadCreditChunk(ctx, after, s.cfg.MergeBatch)
			select {
			case chunks <- readChunk{ch, err}:
			case <-ctx.Done():
				return
			}
			if err != nil || ch.Taken < s.cfg.MergeBatch {
				return
			}
			after = ch.Through
		}
	}()
	for c := range chunks {
		if c.err != nil {
			return c.err
		}
		now := s.cfg.NowFunc()
		changed, merged, err := s.cfg.Store.MergeCreditChunk(ctx, c.ch, customs.BeijingDay(now), now, Merge)
		if err != nil {
			return err
		}
		if s.metrics != nil {
			s.metrics.merged.Add(float64(merged))
		}
		committed(changed)
	}
	return nil
}

// afterCommit refreshes the cache (when records changed) and then tells
// OnChange which effective ratings changed.
func (s *Syncer) afterCommit(ctx context.Context, recordsChanged bool, changed []string) {
	if recordsChanged && s.cfg.Cache != nil {
		if err := s.cfg.Cache.Refresh(ctx); err != nil {
			s.cfg.Logger.Warn("credit cache refresh", "err", err)
		}
	}
	if len(changed) > 0 && s.cfg.OnChange != nil {
		if err := s.cfg.OnChange(ctx, changed); err != nil {
			if s.metrics != nil {
				s.metrics.onChange.Inc()
			}
			s.cfg.Logger.Error("credit rating change hook", "err", err, "enterprises", len(changed))
		}
	}
}

// Reevaluate merges again every enterprise with a record that started or
// expired since it was last merged (today in Beijing time, from NowFunc),
// numbers their changes, and calls OnChange for the effective ratings that
// changed. It returns how many effective ratings changed.
func (s *Syncer) Reevaluate(ctx context.Context) (int, error) {
	total := 0
	for {
		now := s.cfg.NowFunc()
		changed, n, err := s.cfg.Store.ReevaluateCredit(ctx, customs.BeijingDay(now), now, Merge, s.cfg.ReevaluateBatch)
		if err != nil {
			return total, err
		}
		total += len(changed)
		if s.metrics != nil && len(changed) > 0 {
			s.metrics.merged.Add(float64(len(changed)))
		}
		s.afterCommit(ctx, false, changed)
		if n < s.cfg.ReevaluateBatch {
			return total, nil
		}
	}
}

// RegistryStatus is a registry's sync status (api.md, operator).
type RegistryStatus struct {
	Region         customs.Region   `json:"region"`
	Cursor         *string          `json:"cursor"`
	LastSuccess    *time.Time       `json:"lastSuccess"`
	LastError      *string          `json:"lastError"`
	LastErrorAt    *time.Time       `json:"lastErrorAt"`
	Breaker        string           `json:"breaker"`
	Running        bool             `json:"running"`
	Applied        int64            `json:"applied"`
	Skipped        int64            `json:"skipped"`
	SkippedReasons map[string]int64 `json:"skippedReasons"`
	// RecentSkipped are the last records skipped, newest first.
	RecentSkipped []SkippedRecord `json:"recentSkipped"`
}

// SkippedRecord is a record skipped and why.
type SkippedRecord struct {
	USCC    string    `json:"uscc"`
	Version int64     `json:"version"`
	Reason  string    `json:"reason"`
	Detail  string    `json:"detail"`
	At      time.Time `json:"at"`
}

// Status reports every configured registry's sync status.
func (s *Syncer) Status(ctx context.Context) ([]RegistryStatus, error) {
	states, err := s.cfg.Store.CreditSyncStates(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]RegistryStatus, 0, len(s.regions))
	for _, r := range s.regions {
		st := states[r]
		rs := RegistryStatus{Region: r, Breaker: "closed", Applied: st.Applied, Skipped: st.Skipped,
			SkippedReasons: st.SkippedReasons, RecentSkipped: []SkippedRecord{}}
		if rs.SkippedReasons == nil {
			rs.SkippedReasons = map[string]int64{}
		}
		if st.Cursor != "" {
			c := st.Cursor
			rs.Cursor = &c
		}
		if !st.LastSuccess.IsZero() {
			t := st.LastSuccess.UTC()
			rs.LastSuccess = &t
		}
		if st.LastError != "" {
			e := st.LastError
			rs.LastError = &e
		}
		if !st.LastErrorAt.IsZero() {
			t := st.LastErrorAt.UTC()
			rs.LastErrorAt = &t
		}
		if b, ok := s.cfg.Sources[r].(breakerReporter); ok {
			rs.Breaker = b.BreakerState()
		}
		rs.Running = len(s.running[r]) > 0
		skips, err := s.cfg.Store.CreditSkips(ctx, r, 20)
		if err != nil {
			return nil, err
		}
		for _, k := range skips {
			rs.RecentSkipped = append(rs.RecentSkipped, SkippedRecord{USCC: k.USCC, Version: k.Version, Reason: k.Reason, Detail: k.Detail, At: k.At.UTC()})
		}
		out = append(out, rs)
	}
	return out, nil
}

// Enterprise returns an enterprise's merged record as of today (Beijing
// time); nil when no registry has published anything about it. When one of
// its records started or expired since it was merged, the re-evaluation
// runs first (with OnChange), so the answer never lags the calendar.
func (s *Syncer) Enterprise(ctx context.Context, uscc string) (*customs.MergedCredit, error) {
	m, err := s.cfg.Store.CreditMergedByUSCC(ctx, uscc)
	if err != nil || m == nil {
		return m, err
	}
	if m.NextChange != "" && m.NextChange <= customs.BeijingDay(s.cfg.NowFunc()) {
		if _, err := s.Reevaluate(ctx); err != nil {
			return nil, err
		}
		return s.cfg.Store.CreditMergedByUSCC(ctx, uscc)
	}
	return m, nil
}

// Records returns the merged records changed after version after, in the
// order of their change.
func (s *Syncer) Records(ctx context.Context, after int64, limit int) ([]customs.MergedCredit, error) {
	return s.cfg.Store.CreditMergedSince(ctx, after, limit)
}
