package beijing_test

import (
	"slices"
	"testing"

	"github.com/jjj/gateway/adapters/adaptertest"
	"github.com/jjj/gateway/internal/customs"
)

// TestPipeline runs edited messages through the whole translation (adapter,
// routing's validation half, Validate), to show that the paths the adapter
// hands to routing (Declaration.Paths, GoodsItem.Path) name the port's own
// attributes, also for attributes and elements that are absent.
func TestPipeline(t *testing.T) {
	tr, err := adaptertest.NewTranslator(mustNew())
	if err != nil {
		t.Fatal(err)
	}
	const office = `<Destination office="110100"/>`
	cases := []struct {
		name     string
		edits    []string
		problems []string
	}{
		{"base passes", nil, nil},
		{"hazardous item missing everything", []string{
			dg2, `<DangerousGoods class="3"/>`, office, ``,
			`<DirectTransit zone="110100">`, `<DirectTransit zone="130000">`,
		}, []string{
			i2 + "/DangerousGoods/@un hazchem.declaration_incomplete",
			i2 + "/DangerousGoods/@packingGroup hazchem.declaration_incomplete",
			i2 + "/DangerousGoods/@packaging hazchem.declaration_incomplete",
			"/AirCargoDeclaration/Destination/@office hazchem.declaration_incomplete",
		}},
		{"bulk needs no packing group or mark", []string{dg2, `<DangerousGoods bulk="true"/>`}, []string{
			i2 + "/DangerousGoods/@un hazchem.declaration_incomplete",
		}},
		{"radioactive material needs no packing group", []string{dg2, `<DangerousGoods un="2915" class="7" packaging="TYPE A"/>`}, nil},
		{"food without registration", []string{`<FoodProducer registration="CFRA0406900075"/>`, `<FoodProducer registration=" "/>`}, []string{
			i3 + " food.registration_missing",
		}},
		{"adapter and routing problems together", []string{
			`<FoodProducer registration="CFRA0406900075"/>`, ``,
			`currency="EUR" origin="FR"`, `currency="EUR" origin="FRA"`,
			`packaging="4G/Y20/S/26/D/BAM 1437" `, ``,
		}, []string{
			i3 + " food.registration_missing",
			i3 + "/@origin unknown_country",
			i2 + "/DangerousGoods/@packaging hazchem.declaration_incomplete",
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, err := tr.Decode(customs.PortBeijing, edit(t, c.edits...))
			if d == nil {
				t.Fatalf("no declaration: %v", err)
			}
			var got []string
			for _, p := range customs.ProblemsOf(err) {
				got = append(got, p.Path+" "+p.Code)
			}
			slices.Sort(got)
			want := slices.Sorted(slices.Values(c.problems))
			if !slices.Equal(got, want) {
				t.Errorf("problems\n got %q\nwant %q", got, want)
			}
		})
	}
}
