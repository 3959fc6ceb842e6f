package beijing_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/jjj/gateway/internal/customs"
)

func TestDecodeExport(t *testing.T) {
	a := newAdapter(t)
	raw := edit(t,
		`direction="IMPORT"`, `direction="EXPORT"`,
		`role="CONSIGNEE"`, `role="CONSIGNOR"`,
		`role="SHIPPER"`, `role="RECIPIENT"`,
	)
	d, err := a.Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	if d.Direction != customs.Export || d.Trader() == nil || d.Trader().Role != customs.RoleConsignor || d.Transport.Country != "ITA" {
		t.Errorf("export %+v", d)
	}
	// An export that names its consignee instead of its consignor: the
	// CONSIGNEE is one of the format's roles (no invalid_enum), and the
	// export misses its consignor, as Hebei's export with SHR and no FHR.
	d, err = a.Decode(edit(t, `direction="IMPORT"`, `direction="EXPORT"`, `role="SHIPPER"`, `role="RECIPIENT"`))
	var got []string
	for _, p := range customs.ProblemsOf(err) {
		got = append(got, p.Path+" "+p.Code)
	}
	slices.Sort(got)
	want := []string{
		pp + "[@role='CONSIGNOR']/@uscc missing_field",
	}
	if !slices.Equal(got, want) || d == nil {
		t.Errorf("problems %q, want %q", got, want)
	}
	// An export with no trader at all is missing its consignor.
	_, err = a.Decode(edit(t, `direction="IMPORT"`, `direction="EXPORT"`, `role="SHIPPER"`, `role="RECIPIENT"`,
		`<Party role="CONSIGNEE" uscc="91110117MA05G9W31A" name="北京平谷陆港供应链管理有限公司" country="CN"/>`, ``))
	if ps := customs.ProblemsOf(err); len(ps) != 1 || ps[0].Path != pp+"[@role='CONSIGNOR']/@uscc" || ps[0].Code != customs.ProblemMissingField {
		t.Errorf("problems %+v, want the consignor missing", ps)
	}
	// With no direction, which trader is missing is unknown: only the
	// direction is reported.
	_, err = a.Decode(edit(t, ` direction="IMPORT"`, ``,
		`<Party role="CONSIGNEE" uscc="91110117MA05G9W31A" name="北京平谷陆港供应链管理有限公司" country="CN"/>`, ``))
	if ps := customs.ProblemsOf(err); len(ps) != 1 || ps[0].Path != "/AirCargoDeclaration/@direction" {
		t.Errorf("problems %+v, want the direction missing only", ps)
	}
}

func TestDecodeUnreadable(t *testing.T) {
	a := newAdapter(t)
	for _, c := range []struct {
		name, body, code string
	}{
		{"root in another namespace", `<AirCargoDeclaration xmlns="urn:cn:bjport:aircargo:declaration:1" messageId="x"/>`, customs.ProblemUnknownRoot},
		{"root in no namespace", `<AirCargoDeclaration messageId="x"/>`, customs.ProblemUnknownRoot},
		{"another root", `<DecMessage xmlns="urn:cn:bjport:aircargo:declaration:2"/>`, customs.ProblemUnknownRoot},
		{"unbound prefix", `<b:AirCargoDeclaration messageId="x"/>`, customs.ProblemUnknownRoot},
		{"malformed", `<AirCargoDeclaration xmlns="urn:cn:bjport:aircargo:declaration:2"><Items></AirCargoDeclaration>`, customs.ProblemMalformedXML},
		{"doctype", `<!DOCTYPE x><AirCargoDeclaration xmlns="urn:cn:bjport:aircargo:declaration:2"/>`, customs.ProblemDoctypeForbidden},
		{"empty", ``, customs.ProblemMalformedXML},
	} {
		t.Run(c.name, func(t *testing.T) {
			d, err := a.Decode([]byte(c.body))
			if d != nil || customs.ErrorCodeOf(err) != customs.CodeUnreadable {
				t.Fatalf("Decode = %v, %v; want unreadable", d, err)
			}
			if ps := customs.ProblemsOf(err); len(ps) != 1 || ps[0].Code != c.code {
				t.Errorf("problems %+v, want %s", ps, c.code)
			}
		})
	}
}

// TestDecodeGBK checks that a message in another accepted encoding reads
// the same: the shared reader decodes it before the walk.
func TestDecodeGBK(t *testing.T) {
	a := newAdapter(t)
	utf, err := a.Decode([]byte(base))
	if err != nil {
		t.Fatal(err)
	}
	enc, err := gbk([]byte(strings.Replace(base, `encoding="UTF-8"`, `encoding="GBK"`, 1)))
	if err != nil {
		t.Fatal(err)
	}
	d, err := a.Decode(enc)
	if err != nil {
		t.Fatal(err)
	}
	if d.Goods[1].Name != utf.Goods[1].Name || d.Parties[0].Name != utf.Parties[0].Name {
		t.Errorf("GBK decoded %q, %q", d.Goods[1].Name, d.Parties[0].Name)
	}
}
