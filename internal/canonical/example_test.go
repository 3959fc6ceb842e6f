package canonical_test

import (
	"fmt"

	"github.com/jjj/gateway/internal/canonical"
	"github.com/jjj/gateway/internal/customs"
)

func ExampleMarshalRoute() {
	r := &customs.Route{
		Lane: customs.LanePortInspection, RuleSet: "2026.1",
		Tasks:   []customs.Task{{Workflow: customs.WorkflowHazchem, Items: []int{2}}},
		Reasons: []customs.Reason{{Rule: "hazchem.port_inspection", Item: 2, Evidence: []customs.Evidence{{Name: "unNumber", Value: "1090"}}}},
	}
	fmt.Println(string(canonical.MarshalRoute(r)))
	// Output:
	// <?xml version="1.0" encoding="UTF-8"?><Route xmlns="urn:jjj:review-centre:declaration:v1" lane="port_inspection" ruleSet="2026.1"><Task workflow="hazchem" items="2"/><Reason rule="hazchem.port_inspection" item="2"><Evidence name="unNumber">1090</Evidence></Reason></Route>
}

func ExampleAppend() {
	d := minimal()
	d.Goods[0].Name = "铁矿砂 <粉> & 块"
	buf := make([]byte, 0, 4096) // reused across messages: no allocation
	buf = canonical.Append(buf[:0], d)
	fmt.Println(len(buf) > 0, cap(buf) == 4096)
	// Output: true true
}
