package tianjin_test

import (
	"slices"
	"testing"

	"github.com/jjj/gateway/adapters/adaptertest"
	"github.com/jjj/gateway/internal/customs"
)

// TestPipeline runs edited messages through the whole translation (adapter,
// routing's validation half, Validate): each fault must be reported once,
// with api.md's code, at its path, and nothing else.
func TestPipeline(t *testing.T) {
	tr, err := adaptertest.NewTranslator(newAdapter(t))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		edits []string
		want  []string
	}{
		{"base passes", nil, nil},
		// An invalid packing type is wrong, not missing: invalid_enum only,
		// as Hebei's BZLB and Beijing's @packingGroup.
		{"invalid packing type is not also missing", []string{"<DangPackType>2<", "<DangPackType>5<"}, []string{
			item2 + "DangPackType invalid_enum",
		}},
		{"packing type none on a packaged item is missing", []string{"<DangPackType>2<", "<DangPackType>4<"}, []string{
			item2 + "DangPackType hazchem.declaration_incomplete",
		}},
		{"flag alone needs everything", []string{
			"<GoodsAttr>31</GoodsAttr>", "", "<UnCode>1090</UnCode>", "", "<DangPackType>2</DangPackType>", "",
			"<DangPackSpec>1A1/Y1.4/150/26/KR/HD2611</DangPackSpec>", "", "<PurpOrgCode>130100</PurpOrgCode>", "",
		}, []string{
			item2 + "UnCode hazchem.declaration_incomplete",
			item2 + "DangPackType hazchem.declaration_incomplete",
			item2 + "DangPackSpec hazchem.declaration_incomplete",
			head + "PurpOrgCode hazchem.declaration_incomplete",
		}},
		{"missing version is accepted", []string{`version="3.1"`, ``}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := tr.Decode(customs.PortTianjin, []byte(edit(t, base, c.edits...)))
			got := problems(err)
			want := slices.Sorted(slices.Values(c.want))
			if !slices.Equal(got, want) {
				t.Errorf("problems\n got %q\nwant %q", got, want)
			}
		})
	}
}
