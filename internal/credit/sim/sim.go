// Package sim is a regional credit registry for tests, demos and load
// (partners.md; `gatewayd sim registry`). It serves GET /records?after=&limit=
// with opaque cursors, from records generated from a seed or from fixed
// pages (the samples), and fails on demand.
//
// Generated records are realistic: valid USCCs (check character by
// customs.USCCCheckChar) with the region's division codes, Chinese names, a
// mix of ratings (Hebei's old grades AA..D besides the 2021 categories from
// HE), growing versions per enterprise, withdrawals, ratings that expire or
// start in the future, some enterprises rated by two regions, replays of an
// older version, and about one record in two hundred invalid (a wrong check
// character, an unknown rating, a malformed date). The same seed and count
// give the same feed. Records are kept compact (about 40 bytes each) and
// rendered per request, so a registry of a million records is cheap.
package sim

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jjj/gateway/internal/credit"
	"github.com/jjj/gateway/internal/customs"
)

// Config configures a registry simulator.
type Config struct {
	Region customs.Region
	// Records is how many records are generated at start.
	Records int
	// Seed makes the feed reproducible; the region is mixed in.
	Seed uint64
	// FailRate is the fraction (0–1) of requests answered 503.
	FailRate float64
	// Latency is added to every answer.
	Latency time.Duration
	// Pages, when set, are served as they are instead of generated records:
	// the first for an empty cursor, each next for the cursor the one
	// before gave.
	Pages [][]byte
	// MaxLimit caps limit; zero means 5000. DefaultLimit: zero means 100.
	MaxLimit, DefaultLimit int
	// Start is the updatedAt of the first generated record; zero means
	// 2024-01-01T00:00:00Z. Step is the time between records; zero spreads
	// Records over the two years after Start.
	Start time.Time
	Step  time.Duration
}

// rec is a generated record, compact: its text is rendered on demand.
type rec struct {
	ent       uint32 // enterprise index in its region's pool
	entRegion uint8  // index into regions
	rating    uint8  // index into ratingNames
	deleted   bool
	invalid   uint8 // 0 valid, else an invalidKind
	version   int32
	eff, exp  int32 // days since 1970-01-01; exp 0: none
	updated   int64 // unix seconds
}

const (
	invalidCheck uint8 = iota + 1
	invalidRating
	invalidDate
	invalidDateFormat
)

var regions = [3]customs.Region{customs.RegionBJ, customs.RegionTJ, customs.RegionHE}

func regionIndex(r customs.Region) int {
	for i, x := range regions {
		if x == r {
			return i
		}
	}
	return -1
}

var ratingNames = []string{"advanced", "general", "dishonest", "AA", "A", "B", "C", "D", "excellent", "E", "AAA"}

// Registry is a simulated registry; it is an http.Handler.
type Registry struct {
	cfg Config

	mu       sync.Mutex
	log      []rec
	rng      *rand.Rand
	versions map[uint64]int32 // enterprise key → last version published
	pool     int              // enterprises of the own region used so far
	down     bool
	failRate float64
	fault    func(after string) bool
	stats    Stats

	pages     map[string][]byte // cursor → page, in pages mode
	pageOrder []string
}

// Stats counts requests.
type Stats struct {
	Requests int            `json:"requests"`
	Failed   int            `json:"failed"`
	Records  int            `json:"records"`
	ByCursor map[string]int `json:"byCursor"`
}

// New makes a registry and generates its first records.
func New(cfg Config) (*Registry, error) {
	if regionIndex(cfg.Region) < 0 {
		return nil, fmt.Errorf("sim: region %q is not BJ, TJ or HE", cfg.Region)
	}
	if cfg.FailRate < 0 || cfg.FailRate > 1 {
		return nil, fmt.Errorf("sim: fail rate %v is not from 0 to 1", cfg.FailRate)
	}
	if cfg.MaxLimit == 0 {
		cfg.MaxLimit = 5000
	}
	if cfg.DefaultLimit == 0 {
		cfg.DefaultLimit = 100
	}
	if cfg.Start.IsZero() {
		cfg.Start = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	if cfg.Step == 0 {
		cfg.Step = time.Second
		if cfg.Records > 0 {
			cfg.Step = max(time.Second, 2*365*24*time.Hour/time.Duration(cfg.Records))
		}
	}
	r := &Registry{cfg: cfg, failRate: cfg.FailRate, versions: map[uint64]int32{},
		rng:   rand.New(rand.NewPCG(cfg.Seed, uint64(regionIndex(cfg.Region))+0x9e3779b97f4a7c15)),
		stats: Stats{ByCursor: map[string]int{}}}
	if len(cfg.Pages) > 0 {
		r.pages = map[string][]byte{}
		cur := ""
		for i, p := range cfg.Pages {
			var head struct {
				Region customs.Region `json:"region"`
				Next   *string        `json:"next"`
			}
			if err := json.Unmarshal(p, &head); err != nil {
				return nil, fmt.Errorf("sim: page %d: %w", i+1, err)
			}
			if head.Region != cfg.Region {
				return nil, fmt.Errorf("sim: page %d is from region %q, not %s", i+1, head.Region, cfg.Region)
			}
			r.pages[cur] = p
			r.pageOrder = append(r.pageOrder, cur)
			if head.Next == nil {
				if i != len(cfg.Pages)-1 {
					return nil, fmt.Errorf("sim: page %d ends the feed but is not the last", i+1)
				}
				break
			}
			cur = *head.Next
		}
		return r, nil
	}
	r.Append(cfg.Records)
	return r, nil
}

// SetDown makes every request fail (503) until SetDown(false).
func (r *Registry) SetDown(down bool) {
	r.mu.Lock()
	r.down = down
	r.mu.Unlock()
}

// SetFailRate changes the fraction of requests answered 503.
func (r *Registry) SetFailRate(f float64) {
	r.mu.Lock()
	r.failRate = f
	r.mu.Unlock()
}

// SetFault makes the requests for which f(after) is true fail (503); nil
// clears it.
func (r *Registry) SetFault(f func(after string) bool) {
	r.mu.Lock()
	r.fault = f
	r.mu.Unlock()
}

// Stats returns a copy of the request counts.
func (r *Registry) Stats() Stats {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.stats
	s.Records = len(r.log)
	s.ByCursor = make(map[string]int, len(r.stats.ByCursor))
	for k, v := range r.stats.ByCursor {
		s.ByCursor[k] = v
	}
	return s
}

// Len is how many records the feed has.
func (r *Registry) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.log)
}

func entKey(region uint8, idx uint32) uint64 { return uint64(region)<<32 | uint64(idx) }

// Append generates n more changes at the end of the feed: new enterprises,
// new versions, withdrawals, and now and then an invalid record or a
// replayed older version.
func (r *Registry) Append(n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	own := uint8(regionIndex(r.cfg.Region))
	for i := 0; i < n; i++ {
		k := len(r.log)
		updated := r.cfg.Start.Add(time.Duration(k) * r.cfg.Step).Unix()
		x := rec{updated: updated, entRegion: own}
		roll := r.rng.Float64()
		switch {
		case roll < 0.005 && r.pool > 0: // a replayed older version
			x.ent = uint32(r.rng.IntN(r.pool))
			x.version = max(r.versions[entKey(own, x.ent)]-1, 1)
			r.fill(&x, updated)
			r.log = append(r.log, x)
			continue
		case roll < 0.010: // an invalid record
			x.ent = uint32(r.pool + 1000000 + r.rng.IntN(1000000))
			x.version = 1
			r.fill(&x, updated)
			x.invalid = uint8(1 + r.rng.IntN(4))
			if x.invalid == invalidRating {
				x.rating = uint8(8 + r.rng.IntN(3))
				if r.cfg.Region != customs.RegionHE && r.rng.IntN(2) == 0 {
					x.rating = uint8(3 + r.rng.IntN(5)) // a Hebei grade from BJ or TJ
				}
			}
			r.log = append(r.log, x)
			continue
		}
		if r.pool > 0 && r.rng.Float64() < 0.25 {
			// A change of an enterprise already published.
			x.ent = uint32(r.rng.IntN(r.pool))
			if r.rng.Float64() < 0.15 {
				x.entRegion = uint8((int(own) + 1 + r.rng.IntN(2)) % 3)
			}
		} else if r.rng.Float64() < 0.12 {
			// An enterprise of another region, rated here too.
			x.entRegion = uint8((int(own) + 1 + r.rng.IntN(2)) % 3)
			x.ent = uint32(r.rng.IntN(max(r.pool, 1)))
		} else {
			x.ent = uint32(r.pool)
			r.pool++
		}
		key := entKey(x.entRegion, x.ent)
		v := r.versions[key]
		x.version = v + 1
		r.versions[key] = x.version
		r.fill(&x, updated)
		if v > 0 && r.rng.Float64() < 0.10 {
			x.deleted = true
		}
		r.log = append(r.log, x)
	}
}

// fill picks a rating and dates.
func (r *Registry) fill(x *rec, updated int64) {
	p := r.rng.Float64()
	if r.cfg.Region == customs.RegionHE {
		switch {
		case p < 0.05:
			x.rating = 3 // AA
		case p < 0.15:
			x.rating = 4 // A
		case p < 0.60:
			x.rating = 5 // B
		case p < 0.70:
			x.rating = 6 // C
		case p < 0.80:
			x.rating = 7 // D
		case p < 0.85:
			x.rating = 0
		case p < 0.95:
			x.rating = 1
		default:
			x.rating = 2
		}
	} else {
		switch {
		case p < 0.15:
			x.rating = 0
		case p < 0.85:
			x.rating = 1
		default:
			x.rating = 2
		}
	}
	day := int32(updated / 86400)
	if r.rng.Float64() < 0.03 {
		x.eff = day + 30 + int32(r.rng.IntN(400)) // takes effect later
	} else {
		x.eff = day - int32(r.rng.IntN(400))
	}
	if r.rng.Float64() < 0.25 {
		x.exp = x.eff + 180 + int32(r.rng.IntN(900))
	}
}

func date(days int32) string { return time.Unix(int64(days)*86400, 0).UTC().Format("2006-01-02") }

var divisions = [3][]string{
	{"110101", "110105", "110108", "110112", "110115", "110113"},
	{"120101", "120104", "120110", "120116", "120118"},
	{"130102", "130203", "130209", "130502", "130602", "130902", "131003", "130402"},
}

var cities = [3][]string{
	{"北京", "北京朝阳", "北京海淀", "北京通州", "北京大兴", "北京顺义"},
	{"天津", "天津和平", "天津东丽", "天津滨海", "天津港", "天津西青"},
	{"石家庄", "唐山", "曹妃甸", "邢台", "保定", "沧州", "廊坊", "邯郸"},
}

var words = []string{"恒远", "顺达", "燕京", "泰达", "港兴", "华信", "中储", "冀兴", "顺德", "港陆", "临港", "宏图", "金桥", "瑞丰", "盛通", "鑫源"}
var trades = []string{"进出口贸易", "物流", "化工", "精工制造", "保税物流", "塑业", "粮油", "医药进出口", "化纤制品", "矿产贸易", "钢管", "食品"}

const usccAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// USCC is the code of enterprise idx of a region's pool: a valid USCC.
func USCC(region customs.Region, idx uint32) string {
	ri := regionIndex(region)
	b := make([]byte, 0, 18)
	b = append(b, '9', '1')
	b = append(b, divisions[ri][int(idx)%len(divisions[ri])]...)
	b = append(b, 'M', 'A')
	// A bijection of idx onto 7 base-31 digits, so codes look scattered.
	const m = 27512614111 // 31^7
	v := (uint64(idx)*2654435761 + 12345) % m
	var org [7]byte
	for i := 6; i >= 0; i-- {
		org[i] = usccAlphabet[v%31]
		v /= 31
	}
	b = append(b, org[:]...)
	return string(append(b, customs.USCCCheckChar(string(b))))
}

func name(region customs.Region, idx uint32) string {
	ri := regionIndex(region)
	c := cities[ri][int(idx)%len(cities[ri])]
	w := words[int(idx/7)%len(words)]
	t := trades[int(idx/3)%len(trades)]
	return c + w + t + "有限公司"
}

var reasons = map[string]string{
	"advanced": "高级认证企业(AEO)", "general": "常规企业", "dishonest": "违反海关监管规定，认定为失信企业",
	"AA": "检验检疫信用AA级", "A": "检验检疫信用A级", "B": "检验检疫信用B级", "C": "检验检疫信用C级", "D": "检验检疫信用D级：多次报检不实",
}

func (r *Registry) render(x rec) credit.Published {
	region := regions[x.entRegion]
	p := credit.Published{USCC: USCC(region, x.ent), Name: name(region, x.ent), Rating: ratingNames[x.rating],
		Version: int64(x.version), UpdatedAt: time.Unix(x.updated, 0).UTC().Format(time.RFC3339), Deleted: x.deleted}
	p.Reason = reasons[p.Rating]
	if x.deleted {
		p.Reason = "撤回记录"
	}
	eff := date(x.eff)
	p.EffectiveFrom = &eff
	if x.exp != 0 {
		exp := date(x.exp)
		p.ExpiresAt = &exp
	}
	switch x.invalid {
	case invalidCheck:
		b := []byte(p.USCC)
		i := strings.IndexByte(usccAlphabet, b[17])
		b[17] = usccAlphabet[(i+1+int(x.ent%29))%31]
		p.USCC = string(b)
	case invalidRating:
		p.Reason = "内部评级"
	case invalidDate:
		bad := eff[:5] + "02-30"
		p.EffectiveFrom = &bad
	case invalidDateFormat:
		bad := strings.ReplaceAll(eff, "-", "/")
		p.EffectiveFrom = &bad
	}
	return p
}

func (r *Registry) encodeCursor(pos int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(string(r.cfg.Region) + ":" + strconv.Itoa(pos)))
}

func (r *Registry) decodeCursor(c string) (int, bool) {
	if c == "" {
		return 0, true
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, false
	}
	reg, pos, ok := strings.Cut(string(b), ":")
	if !ok || reg != string(r.cfg.Region) {
		return 0, false
	}
	n, err := strconv.Atoi(pos)
	return n, err == nil && n >= 0
}

type page struct {
	Region  customs.Region     `json:"region"`
	Records []credit.Published `json:"records"`
	Next    *string            `json:"next"`
}

func problem(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": msg})
}

// ServeHTTP serves GET /records and GET /stats.
func (r *Registry) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if r.cfg.Latency > 0 {
		select {
		case <-time.After(r.cfg.Latency):
		case <-req.Context().Done():
			return
		}
	}
	switch {
	case req.Method == http.MethodGet && req.URL.Path == "/stats":
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(r.Stats())
		return
	case req.Method != http.MethodGet || req.URL.Path != "/records":
		problem(w, http.StatusNotFound, "GET /records?after=&limit= is all there is")
		return
	}
	after := req.URL.Query().Get("after")
	limit := r.cfg.DefaultLimit
	if s := req.URL.Query().Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			problem(w, http.StatusBadRequest, "limit must be a positive whole number")
			return
		}
		limit = min(n, r.cfg.MaxLimit)
	}

	r.mu.Lock()
	r.stats.Requests++
	r.stats.ByCursor[after]++
	fail := r.down || (r.failRate > 0 && r.rng.Float64() < r.failRate) || (r.fault != nil && r.fault(after))
	if fail {
		r.stats.Failed++
		r.mu.Unlock()
		problem(w, http.StatusServiceUnavailable, "the registry is unavailable")
		return
	}
	if r.pages != nil {
		body, ok := r.pages[after]
		r.mu.Unlock()
		if !ok {
			problem(w, http.StatusBadRequest, "unknown cursor")
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
		return
	}
	pos, ok := r.decodeCursor(after)
	if !ok || pos > len(r.log) {
		r.mu.Unlock()
		problem(w, http.StatusBadRequest, "unknown cursor")
		return
	}
	end := min(pos+limit, len(r.log))
	recs := make([]rec, end-pos)
	copy(recs, r.log[pos:end])
	more := end < len(r.log)
	r.mu.Unlock()

	p := page{Region: r.cfg.Region, Records: make([]credit.Published, len(recs))}
	for i, x := range recs {
		p.Records[i] = r.render(x)
	}
	if more {
		n := r.encodeCursor(end)
		p.Next = &n
	}
	b, err := json.Marshal(p)
	if err != nil {
		problem(w, http.StatusInternalServerError, err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(b)
}

// Records returns the generated records as published, for tests that
// compute what the gateway should hold.
func (r *Registry) Records() []credit.Published {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]credit.Published, len(r.log))
	for i, x := range r.log {
		out[i] = r.render(x)
	}
	return out
}
