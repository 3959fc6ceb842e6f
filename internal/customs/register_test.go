package customs

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestCheckCitations(t *testing.T) {
	const holder, other = "91130108MA0J7K2N8B", "91120116MA05XK9L5Y"
	dg := &Document{Kind: DocDGPackagingUse, Number: "DG1", Holder: holder, ValidFrom: "2026-01-01", ValidUntil: "2026-05-31",
		Quantity: "200", Remaining: "120", Unit: "011", UN: "1173", PackingGroup: "II", Packaging: "1A1"}
	bulkDG := &Document{Kind: DocDGPackagingUse, Number: "DG2", Holder: holder, ValidFrom: "2026-01-01", ValidUntil: "2098-12-31",
		Quantity: "10", Remaining: "10", UN: "1173", Packaging: "IBC"}
	qp := &Document{Kind: DocQuarantinePermit, Number: "QP1", Holder: other, ValidFrom: "2026-01-01", ValidUntil: "2098-12-31",
		Quantity: "1000.5", Remaining: "1000.5", Origin: "BRA", EntryCustoms: "0202", HSPrefix: "1201"}
	spa := &Document{Kind: DocSpecialArticleApproval, Number: "A1", Holder: holder, ValidFrom: "2026-01-01", ValidUntil: "2098-12-31",
		Quantity: "400", Remaining: "400", Level: "A"}
	revoked := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	rev := &Document{Kind: DocSpecialArticleApproval, Number: "R1", Holder: holder, ValidFrom: "2026-01-01", ValidUntil: "2098-12-31",
		Quantity: "1", Remaining: "1", Level: "B", RevokedAt: &revoked}
	docs := map[DocumentKey]*Document{}
	for _, d := range []*Document{dg, bulkDG, qp, spa, rev} {
		docs[d.Key()] = d
	}
	cite := func(kind DocumentKind, number, qty, path string) Citation {
		return Citation{Kind: kind, Number: number, WriteOff: qty, Path: path}
	}
	export := func(at time.Time, dgs *DangerousGoods, cs ...Citation) *Declaration {
		return &Declaration{Direction: Export, Source: Source{ReceivedAt: at}, Customs: CustomsCodes{Port: "0202"},
			Parties: []Party{{Role: RoleConsignor, USCC: holder}},
			Goods:   []GoodsItem{{Seq: 1, HSCode: "2915310000", Origin: "CHN", DangerousGoods: dgs, Documents: cs}}}
	}
	may31 := time.Date(2026, 5, 31, 15, 59, 0, 0, time.UTC) // 23:59 in Beijing
	jun1 := time.Date(2026, 5, 31, 16, 0, 0, 0, time.UTC)   // 00:00 on 1 June in Beijing
	good := &DangerousGoods{UN: "1173", PackingGroup: "II", Packaging: "1A1/Y1.8/150/26/CN/130100"}
	cases := []struct {
		name string
		d    *Declaration
		want []string
	}{
		{"clean", export(may31, good, cite(DocDGPackagingUse, "DG1", "120", "/c1")), nil},
		{"after validUntil in Beijing time", export(jun1, good, cite(DocDGPackagingUse, "DG1", "1", "/c1")), []string{"/c1 document.not_valid"}},
		{"unknown only", export(may31, good, cite(DocDGPackagingUse, "NONE", "1", "/c1")), []string{"/c1 document.unknown"}},
		{"every field differs", export(may31, &DangerousGoods{UN: "1993", PackingGroup: "III", Packaging: "un 4G/Y"}, cite(DocDGPackagingUse, "DG1", "1", "/c1")),
			[]string{`/c1 document.mismatch un "1173" "1993"`, `/c1 document.mismatch packingGroup "II" "III"`, `/c1 document.mismatch packaging "1A1" "4G"`}},
		{"empty packing group is bulk", export(may31, &DangerousGoods{UN: "1173", PackingGroup: "II", Packaging: "IBC", Bulk: true}, cite(DocDGPackagingUse, "DG2", "1", "/c1")), nil},
		{"earlier citations first", export(may31, good, cite(DocDGPackagingUse, "DG1", "100", "/c1"), cite(DocDGPackagingUse, "DG1", "20.00001", "/c2"), cite(DocDGPackagingUse, "DG1", "20", "/c3")),
			[]string{"/c2 document.exhausted"}},
		{"holder and revoked", func() *Declaration {
			d := export(may31, nil, cite(DocSpecialArticleApproval, "R1", "1", "/c1"))
			d.Parties[0].USCC = other
			d.Goods[0].SpecialArticle = "B"
			return d
		}(), []string{"/c1 document.revoked", "/c1 document.holder_mismatch"}},
		{"level A is one use", func() *Declaration {
			d := export(may31, nil, cite(DocSpecialArticleApproval, "A1", "1", "/c1"), cite(DocSpecialArticleApproval, "A1", "1", "/c2"))
			d.Goods[0].SpecialArticle = "A"
			return d
		}(), []string{"/c2 document.exhausted"}},
		{"permit fields", func() *Declaration {
			d := export(may31, nil, cite(DocQuarantinePermit, "QP1", "1000.50000", "/c1"))
			d.Direction = Import
			d.Parties = []Party{{Role: RoleConsignee, USCC: holder}, {Role: RoleOwner, USCC: other}}
			d.Customs.Port = "0101"
			d.Goods[0].HSCode, d.Goods[0].Origin = "1001990000", "USA"
			return d
		}(), []string{`/c1 document.mismatch origin "BRA" "USA"`, `/c1 document.mismatch entryCustoms "0202" "0101"`, `/c1 document.mismatch hsPrefix "1201" "1001990000"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ps := CheckCitations(c.d, docs)
			var got []string
			for _, p := range ps {
				s := p.Path + " " + p.Code
				if p.Code == ProblemDocumentMismatch {
					// The message names the field, the document's value
					// and the declared one.
					f := strings.Fields(strings.SplitN(p.Message, ": ", 2)[1])
					s += fmt.Sprintf(" %s %s %s", f[0], f[2], f[6])
				}
				got = append(got, s)
			}
			if strings.Join(got, "|") != strings.Join(c.want, "|") {
				t.Errorf("got %q\nwant %q", got, c.want)
			}
		})
	}
}

func TestPackagingCodeAndDecimals(t *testing.T) {
	for in, want := range map[string]string{"1A1/Y1.8/150/26/CN": "1A1", "un 4G/Y25/S": "4G", "UN31HA1/Z": "31HA1", " 1h1 ": "1H1", "": ""} {
		if got := PackagingCode(in); got != want {
			t.Errorf("PackagingCode(%q) = %q want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"119.50000": "119.5", "0.00000": "0", "120": "120", "x": "x", "-1": "-1"} {
		if got := NormalizeDecimal(in); got != want {
			t.Errorf("NormalizeDecimal(%q) = %q want %q", in, got, want)
		}
	}
}
