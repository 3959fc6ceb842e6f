package postgres

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/lib/pq"

	"github.com/jjj/gateway/internal/customs"
)

// TestWireArray: the binary format array_recv reads, byte for byte.
func TestWireArray(t *testing.T) {
	head := func(hasNull, elem, n byte) []byte {
		return []byte{0, 0, 0, 1, 0, 0, 0, hasNull, 0, 0, 0, elem, 0, 0, 0, n, 0, 0, 0, 1}
	}
	cat := func(bs ...[]byte) []byte { return bytes.Join(bs, nil) }
	for _, tc := range []struct {
		name string
		got  []byte
		want []byte
	}{
		{"text", wireArray(oidText, []string{"a\"b", ""}, nil),
			cat(head(0, 25, 2), []byte{0, 0, 0, 3}, []byte("a\"b"), []byte{0, 0, 0, 0})},
		{"a null", wireArray(oidText, [][]byte{nil, []byte("{}")}, []bool{true, false}),
			cat(head(1, 25, 2), []byte{0xff, 0xff, 0xff, 0xff}, []byte{0, 0, 0, 2}, []byte("{}"))},
		{"bytea", wireArray(oidBytea, [][]byte{{0, 0xff, '\\'}}, nil),
			cat(head(0, 17, 1), []byte{0, 0, 0, 3, 0, 0xff, '\\'})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !bytes.Equal(tc.got, tc.want) {
				t.Errorf("got %x, want %x", tc.got, tc.want)
			}
			if cap(tc.got) != len(tc.got) {
				t.Errorf("capacity %d for %d bytes: not sized exactly", cap(tc.got), len(tc.got))
			}
		})
	}
}

// valuesOnly is a queryer that turns the arguments into driver values, as
// database/sql does before the driver writes them, and stops there.
type valuesOnly struct{ n int }

var errStop = errors.New("stop")

func (v *valuesOnly) QueryContext(_ context.Context, _ string, args ...any) (*sql.Rows, error) {
	for _, a := range args {
		if vr, ok := a.(driver.Valuer); ok {
			x, err := vr.Value()
			if err != nil {
				return nil, err
			}
			if b, ok := x.([]byte); ok {
				v.n += len(b)
			} else if s, ok := x.(string); ok {
				v.n += len(s)
			}
		} else if b, ok := a.([]byte); ok {
			v.n += len(b)
		}
	}
	return nil, errStop
}

// BenchmarkIntakeArguments is the Go side of intake's statement for a
// group of eight declarations of the bench corpus's size (a stored
// document of about 8 KB, canonical XML of about 5 KB): the arrays built
// and turned into the values the driver sends. It reports the bytes the
// driver is handed per group.
//
//	go test ./internal/postgres -run '^$' -bench IntakeArguments -benchmem
func BenchmarkIntakeArguments(b *testing.B) {
	at := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	ns := make([]*NewDeclaration, 8)
	for i := range ns {
		d := &customs.Declaration{ID: "d_bench", Direction: customs.Import, Route: &customs.Route{Lane: customs.LaneRelease, RuleSet: "2026.2"}}
		for j := 1; j <= 16; j++ {
			d.Goods = append(d.Goods, customs.GoodsItem{Seq: j, HSCode: "0302131000", Name: `frozen "Atlantic" salmon fillets`,
				Spec: strings.Repeat("skin-on, vacuum packed, 10 kg cartons; ", 3), Quantity: "1200.5", Unit: "035", Value: "18000.00", Currency: "USD", Origin: "NOR"})
		}
		ns[i] = &NewDeclaration{ID: "d_bench", Port: customs.PortTianjin, PortRef: "REF", Digest: "sha256:0", Direction: customs.Import,
			ReceivedAt: at, PortOffice: "020000", Enterprises: []string{"91120000MA05M8FK3X"}, Lane: customs.LaneRelease, Declaration: d,
			Canonical: []byte(strings.Repeat(`<Item><HS>0302131000</HS><Origin>NOR</Origin></Item>`, 100)),
			Actor:     "port:tianjin", Note: "accepted and routed: release", Route: []byte(`{"lane":"release","ruleSet":"2026.2","reasons":[]}`),
			Audit: &customs.AuditEntry{At: at, KeyID: "k_1", Role: customs.CallerPort, Actor: "port:tianjin", RequestID: "0123456789abcdef",
				Action: customs.AuditSubmit, Outcome: "ok", Status: 201}}
	}
	var db DB
	q := &valuesOnly{}
	b.ReportAllocs()
	for b.Loop() {
		q.n = 0
		rows, err := intakeRowsOf(ns)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := db.insertDeclarations(context.Background(), q, rows); !errors.Is(err, errStop) {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(q.n), "bytes-sent/op")
}

// binaryParameters is what lib/pq makes of dsn's binary_parameters, which
// connect reads to choose intake's arrays.
func binaryParameters(dsn string) bool {
	cfg, err := pq.NewConfig(dsn)
	return err == nil && cfg.BinaryParameters
}

// TestBinaryParameters: intake sends binary arrays only where lib/pq sends
// []byte in binary.
func TestBinaryParameters(t *testing.T) {
	for dsn, want := range map[string]bool{
		withBinaryParameters("postgres://u@h:5432/db?sslmode=disable"): true,
		withBinaryParameters("host=h dbname=db"):                       true,
		"postgres://h/db?binary_parameters=no":                         false,
		"postgres://h/db?binary_parameters=yes":                        true,
		"host=h binary_parameters=no":                                  false,
		"host=h binary_parameters='yes'":                               true,
		"postgres://h/db":                                              false,
	} {
		if got := binaryParameters(dsn); got != want {
			t.Errorf("binaryParameters(%q) = %v, want %v", dsn, got, want)
		}
	}
}
