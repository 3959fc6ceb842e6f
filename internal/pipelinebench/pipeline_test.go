package pipelinebench

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/beevik/etree"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/jjj/gateway/adapters"
	"github.com/jjj/gateway/adapters/beijing"
	"github.com/jjj/gateway/adapters/hebei"
	"github.com/jjj/gateway/adapters/tianjin"
	"github.com/jjj/gateway/internal/canonical"
	"github.com/jjj/gateway/internal/clearance"
	"github.com/jjj/gateway/internal/codes"
	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/inspection"
	"github.com/jjj/gateway/internal/loadgen"
	"github.com/jjj/gateway/internal/postgres"
	"github.com/jjj/gateway/internal/postgres/pgtest"
	"github.com/jjj/gateway/internal/routing"
	"github.com/jjj/gateway/internal/translate"
	"github.com/jjj/gateway/internal/view"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

var ports = []customs.Port{customs.PortTianjin, customs.PortHebei, customs.PortBeijing}

// corpusSize messages per dialect are cycled through by the CPU
// benchmarks: enough for the mix of kinds to average out.
const corpusSize = 256

type bundle struct {
	tables *codes.Tables
	tr     *translate.Translator
	engine *routing.Engine
	facts  *clearance.LiveFacts
}

func setup(tb testing.TB) *bundle {
	tb.Helper()
	tables := codes.MustEmbedded()
	cfg := adapters.Config{Tables: tables}
	reg := adapters.NewRegistry()
	reg.Register(tianjin.MustNew(cfg))
	reg.Register(hebei.MustNew(cfg))
	reg.Register(beijing.MustNew(cfg))
	// The default rates: the draw runs as in production.
	eng, err := routing.New(routing.Config{Tables: tables})
	if err != nil {
		tb.Fatal(err)
	}
	return &bundle{tables: tables, tr: &translate.Translator{Adapters: reg, Engine: eng}, engine: eng,
		facts: &clearance.LiveFacts{SeedSecret: []byte("bench-seed-secret")}}
}

// corpus makes n messages of port with a RefPrefix of its own.
func corpus(tb testing.TB, tables *codes.Tables, port customs.Port, n int, prefix string) (msgs [][]byte, avg int64) {
	tb.Helper()
	gen, err := loadgen.New(loadgen.Config{Port: port, Tables: tables, Seed: 1, RefPrefix: prefix})
	if err != nil {
		tb.Fatal(err)
	}
	var total int64
	for i := 0; i < n; i++ {
		m := gen.Next()
		msgs = append(msgs, m.Body)
		total += int64(len(m.Body))
	}
	return msgs, total / int64(n)
}

// etreeParse is the baseline: etree reading the bytes, with the GBK
// decoder etree needs for a GBK message.
func etreeParse(raw []byte) error {
	doc := etree.NewDocument()
	doc.ReadSettings.CharsetReader = func(label string, r io.Reader) (io.Reader, error) {
		return simplifiedchinese.GBK.NewDecoder().Reader(r), nil
	}
	return doc.ReadFromBytes(raw)
}

func BenchmarkEtreeParse(b *testing.B) {
	x := setup(b)
	for _, port := range ports {
		msgs, avg := corpus(b, x.tables, port, corpusSize, "")
		b.Run(string(port), func(b *testing.B) {
			b.SetBytes(avg)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if err := etreeParse(msgs[i%len(msgs)]); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

func BenchmarkTranslate(b *testing.B) {
	x := setup(b)
	for _, port := range ports {
		msgs, avg := corpus(b, x.tables, port, corpusSize, "")
		b.Run(string(port), func(b *testing.B) {
			b.SetBytes(avg)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := x.tr.Decode(port, msgs[i%len(msgs)]); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// taskRow is Submit's row of a task, as it is stored.
type taskRow struct {
	ID        string  `json:"id"`
	Workflow  string  `json:"workflow"`
	Bureau    *string `json:"bureau"`
	Owner     string  `json:"owner"`
	Items     []int   `json:"items"`
	Inspector *string `json:"inspector"`
}

func opt(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// pipelineCPU is every step of clearance.Service.Submit but the INSERT, in
// its order: translate, facts with the day's seed, Decide, the task rows,
// canonical XML, the stored document's JSON, tasks, draw and reasons JSON,
// and the answer's JSON. It returns the bytes that would be stored and
// sent, so that nothing is optimised away.
func (x *bundle) pipelineCPU(port customs.Port, raw []byte, now time.Time) (int, error) {
	d, err := x.tr.Decode(port, raw)
	if err != nil {
		return 0, err
	}
	d.ID = clearance.NewID("d_")
	d.Source.ReceivedAt = now
	facts, err := x.facts.Facts(context.Background(), d, true)
	if err != nil {
		return 0, err
	}
	route, err := x.engine.Decide(d, facts)
	if err != nil {
		return 0, err
	}
	d.Route = route
	portOffice := x.tables.OfficeForCustoms(d.Customs.Port)
	tasks := make([]taskRow, len(route.Tasks))
	for i := range route.Tasks {
		t := &route.Tasks[i]
		t.ID = clearance.NewID("t_")
		t.Status = customs.TaskOpen
		owner := t.Bureau
		if owner == "" {
			owner = portOffice
		}
		tasks[i] = taskRow{ID: t.ID, Workflow: string(t.Workflow), Bureau: opt(t.Bureau), Owner: owner, Items: t.Items, Inspector: opt(t.Inspector)}
	}
	xml := canonical.Marshal(d)
	v := view.NewView(d)
	// The stored document is the domain model (postgres.marshalDoc).
	doc, err := json.Marshal(struct {
		V           int                  `json:"v"`
		Declaration *customs.Declaration `json:"declaration"`
	}{1, d})
	if err != nil {
		return 0, err
	}
	tasksJSON, _ := json.Marshal(tasks)
	var drawJSON []byte
	if route.Draw != nil {
		drawJSON, _ = json.Marshal(route.Draw)
	}
	reasons := view.AppendRouteJSON(nil, v.Route)
	_ = d.Enterprises()
	note := "accepted and routed: " + string(route.Lane)
	// The answer is the view with its status and first timeline entry,
	// marshalled once after the insert (clearance.acceptedBody).
	v.Status = string(customs.StatusAccepted)
	v.EntryID = json.RawMessage("null")
	v.Timeline = []view.TimelineEntry{{At: now, Status: "accepted", Actor: "port:" + string(port), Note: note, Data: reasons}}
	body := view.AppendJSON(make([]byte, 0, view.SizeHint(v)+256+len(note)+len(reasons)), v)
	return len(xml) + len(doc) + len(tasksJSON) + len(drawJSON) + len(reasons) + len(body), nil
}

func BenchmarkPipelineCPU(b *testing.B) {
	x := setup(b)
	now := time.Now().UTC().Truncate(time.Microsecond)
	for _, port := range ports {
		msgs, avg := corpus(b, x.tables, port, corpusSize, "")
		b.Run(string(port), func(b *testing.B) {
			b.SetBytes(avg)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := x.pipelineCPU(port, msgs[i%len(msgs)], now); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// BenchmarkSubmit runs the real Submit: every message is new (its own
// portRef), so each is one INSERT that stores the declaration, its tasks,
// its timeline entry and its outbox message. The messages are made before
// the timer starts.
func BenchmarkSubmit(b *testing.B) {
	x := setup(b)
	db := pgtest.New(b)
	svc := &clearance.Service{Store: postgres.DeclarationStore{DB: db}, Translator: x.tr, Engine: x.engine, Tables: x.tables,
		Facts: &clearance.LiveFacts{SeedSecret: x.facts.SeedSecret, Alerts: &inspection.AlertCache{Store: postgres.InspectionStore{DB: db}}}}
	run := 0
	for _, port := range ports {
		who := customs.Principal{Role: customs.CallerPort, Scope: string(port)}
		b.Run(string(port), func(b *testing.B) {
			run++
			msgs, avg := corpus(b, x.tables, port, b.N, "S"+strconv.Itoa(run)+"N"+strconv.Itoa(b.N)+"_")
			b.SetBytes(avg)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				s, err := svc.Submit(context.Background(), port, msgs[i], who)
				if err != nil {
					b.Fatal(err)
				}
				if !s.Created {
					b.Fatalf("message %d was not new", i)
				}
			}
		})
	}
}

// TestPipelineCPUMatchesSubmit keeps the benchmarks honest: every message
// of the corpora goes through the CPU pipeline without error, and Submit
// accepts and stores it as new.
func TestPipelineCPUMatchesSubmit(t *testing.T) {
	x := setup(t)
	db := pgtest.New(t)
	svc := &clearance.Service{Store: postgres.DeclarationStore{DB: db}, Translator: x.tr, Engine: x.engine, Tables: x.tables, Facts: x.facts}
	for _, port := range ports {
		msgs, _ := corpus(t, x.tables, port, 20, "T")
		for i, raw := range msgs {
			if _, err := x.pipelineCPU(port, raw, time.Now().UTC()); err != nil {
				t.Fatalf("%s message %d: pipeline: %v", port, i, err)
			}
			s, err := svc.Submit(context.Background(), port, raw, customs.Principal{Role: customs.CallerPort, Scope: string(port)})
			if err != nil {
				t.Fatalf("%s message %d: submit: %v", port, i, err)
			}
			if !s.Created || !bytes.Contains(s.Body, []byte(`"status":"accepted"`)) {
				t.Fatalf("%s message %d: created %v, body %.200s", port, i, s.Created, s.Body)
			}
		}
	}
}
