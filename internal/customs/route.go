package customs

// Lane is the strongest treatment any rule asks for (routing.md). Lanes are
// persisted as these strings; never reorder or rename them.
type Lane string

const (
	// LaneRelease: the gateway asks for no inspection.
	LaneRelease Lane = "release"
	// LanePortInspection: inspected at the port of entry or exit.
	LanePortInspection Lane = "port_inspection"
	// LaneDestinationInspection: at least one workflow runs at an inland bureau.
	LaneDestinationInspection Lane = "destination_inspection"
)

// Strength orders lanes: destination_inspection > port_inspection > release.
func (l Lane) Strength() int {
	switch l {
	case LaneDestinationInspection:
		return 2
	case LanePortInspection:
		return 1
	}
	return 0
}

// Workflow is a kind of inspection work, one task per workflow and bureau.
type Workflow string

// Workflows, in the order routing.md sorts tasks by (rule set 2026.2 put
// iron_ore after coal, grain and special_articles after food).
const (
	WorkflowHazchem         Workflow = "hazchem"
	WorkflowCoal            Workflow = "coal"
	WorkflowIronOre         Workflow = "iron_ore"
	WorkflowFood            Workflow = "food"
	WorkflowGrain           Workflow = "grain"
	WorkflowSpecialArticles Workflow = "special_articles"
	WorkflowDirectTransit   Workflow = "direct_transit"
	WorkflowInspection      Workflow = "inspection"
)

// Workflows lists every workflow in task order.
var Workflows = []Workflow{WorkflowHazchem, WorkflowCoal, WorkflowIronOre, WorkflowFood, WorkflowGrain,
	WorkflowSpecialArticles, WorkflowDirectTransit, WorkflowInspection}

// Order is the workflow's position in routing.md's task order; an unknown
// workflow sorts last.
func (w Workflow) Order() int {
	for i, x := range Workflows {
		if x == w {
			return i
		}
	}
	return len(Workflows)
}

// Route is the routing decision for a declaration (routing.md).
type Route struct {
	Lane Lane
	// Workflows are the distinct workflows of Tasks, in task order.
	Workflows []Workflow
	// Bureau is the inland bureau when all destination work goes to one
	// bureau, else empty.
	Bureau  string
	RuleSet string
	Tasks   []Task
	Reasons []Reason
	// Draw is the random inspection draw, when one was made.
	Draw *Draw
}

// TaskStatus is the state of an inspection task. Persisted as these strings.
type TaskStatus string

const (
	// TaskOpen: waiting for its bureau to claim it.
	TaskOpen TaskStatus = "open"
	// TaskClaimed: a bureau took it and works it.
	TaskClaimed TaskStatus = "claimed"
	// TaskDone: a result was recorded (Outcome says which).
	TaskDone TaskStatus = "done"
	// TaskWithdrawn: a re-route no longer has it.
	TaskWithdrawn TaskStatus = "withdrawn"
)

// Task is one workflow at one bureau, over some items.
type Task struct {
	// ID is "t_" + ULID once stored; empty in a route preview.
	ID       string
	Workflow Workflow
	// Bureau is the inland bureau, or empty for work at the port (owned by
	// the port customs code's office, codes/customs.csv).
	Bureau string
	// Items are the port's item numbers, ascending.
	Items  []int
	Status TaskStatus
	// Inspector is the roster member the random draw picked, if any.
	Inspector string
}

// Reason is one rule that fired, with the item and the values that made it fire.
type Reason struct {
	Rule string
	// Item is the port's item number, or 0 for the whole declaration.
	Item     int
	Evidence []Evidence
}

// Evidence is one named field value behind a reason; names are lowerCamelCase
// and stable per rule.
type Evidence struct {
	Name  string
	Value string
}

// Draw is a random inspection draw (routing.md), stored so it can be redone.
type Draw struct {
	SeedID    string
	Value     float64
	Rate      float64
	Selected  bool
	Inspector string
}
