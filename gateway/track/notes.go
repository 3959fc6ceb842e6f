package track

import (
	"regexp"
	"strings"
)

// Timeline notes are written by the gateway in English, once, as the
// API's timeline keeps them (integrators read and match them; the API
// does not change). The Chinese page translates the notes it knows, by
// their shape: each pattern below is one note the gateway writes (intake,
// the outbox, tasks, decisions, re-routes, replays), its variable parts
// (lanes, workflows, outcomes, statuses) put in words, ids and free text
// (a review centre's reason, an inspector's findings) left as they are. A
// note of a shape not listed is shown in English rather than hidden; a
// test walks every shape so that a new note without a translation is
// noticed (notes_test.go).
//
// A status change explained by the lifecycle is "why (event)": both parts
// are translated, the event inside Chinese brackets.

type notePattern struct {
	re *regexp.Regexp
	zh func(m []string, s *Site) string
}

// explanation is the lifecycle's reason for a status (customs.Explain),
// which wraps the event's own note in brackets.
var explanation = regexp.MustCompile(`^(waiting for inspection: [a-z_, ]+|the review centre asks for inspection|goods held: direct-transit seals missing or broken|under inspection: [a-z_, ]+|released: the review centre released it and every task passed|a task failed: goods [a-z_]+) \((.*)\)$`)

// notePatterns is set in init: two patterns translate the notes they
// wrap, through note, which reads notePatterns.
var notePatterns []notePattern

func init() { notePatterns = notePatternList() }

func notePatternList() []notePattern {
	return []notePattern{
		{regexp.MustCompile(`^accepted and routed: ([a-z_]+)$`), func(m []string, _ *Site) string {
			return "已受理，检验安排：" + words(laneWords, m[1], langZh)
		}},
		{regexp.MustCompile(`^delivered to the review centre, entry id (\S+)$`), func(m []string, _ *Site) string {
			return "已送审单中心，报关单号 " + m[1]
		}},
		{regexp.MustCompile(`^refused by the review centre: (.*)$`), func(m []string, _ *Site) string {
			return "审单中心拒收：" + m[1]
		}},
		{regexp.MustCompile(`^review centre decision: ([a-z_]+)(?:: (.*))?$`), func(m []string, _ *Site) string {
			out := "审单中心决定：" + words(decisionWords, m[1], langZh)
			if m[2] != "" {
				out += "，说明：" + m[2]
			}
			return out
		}},
		{regexp.MustCompile(`^([a-z_]+) task (\S+) claimed$`), func(m []string, _ *Site) string {
			return words(workflowWords, m[1], langZh) + "任务 " + m[2] + " 已开始检验"
		}},
		{regexp.MustCompile(`^([a-z_]+) task (\S+) done: ([a-z]+)(?:; seals missing or broken: ([^;]+))?(?:; failed: (.+))?$`), func(m []string, _ *Site) string {
			out := words(workflowWords, m[1], langZh) + "任务 " + m[2] + " 已完成：" + words(outcomeWords, m[3], langZh)
			if m[4] != "" {
				out += "；封志缺失或破损：" + m[4]
			}
			if m[5] != "" {
				out += "；不符合项：" + indicatorList(m[5])
			}
			return out
		}},
		{regexp.MustCompile(`^waiting for inspection: ([a-z_, ]+)$`), func(m []string, _ *Site) string {
			return "等待检验：" + workflowList(m[1])
		}},
		{regexp.MustCompile(`^the review centre asks for inspection$`), func([]string, *Site) string { return "审单中心要求查验" }},
		{regexp.MustCompile(`^goods held: direct-transit seals missing or broken$`), func([]string, *Site) string { return "货物扣留：直通封志缺失或破损" }},
		{regexp.MustCompile(`^under inspection: ([a-z_, ]+)$`), func(m []string, _ *Site) string { return "查验中：" + workflowList(m[1]) }},
		{regexp.MustCompile(`^released: the review centre released it and every task passed$`), func([]string, *Site) string {
			return "已放行：审单中心已放行，且各项检验均合格"
		}},
		{regexp.MustCompile(`^a task failed: goods ([a-z_]+)$`), func(m []string, _ *Site) string {
			return "检验不合格：" + statusName(m[1], langZh)
		}},
		{regexp.MustCompile(`^re-routed \(([a-z_]+)\): (.*)$`), func(m []string, s *Site) string {
			return "重新确定检验安排（" + words(laneWords, m[1], langZh) + "）：" + s.note(m[2], langZh)
		}},
		{regexp.MustCompile(`^status after re-route$`), func([]string, *Site) string { return "重新确定检验安排后的状态" }},
		{regexp.MustCompile(`^risk alert (\S+) added$`), func(m []string, _ *Site) string { return "新增风险预警 " + m[1] }},
		{regexp.MustCompile(`^credit rating changed \(([A-Z]+) registry\)$`), func(m []string, _ *Site) string {
			return "企业信用等级变更（" + words(registryWords, m[1], langZh) + "）"
		}},
		{regexp.MustCompile(`^credit rating started or expired on (\S+)$`), func(m []string, _ *Site) string {
			return "企业信用等级于 " + m[1] + " 生效或到期"
		}},
		{regexp.MustCompile(`^route amendment (\S+) accepted by the review centre$`), func(m []string, _ *Site) string {
			return "审单中心已接受检验安排变更 " + m[1]
		}},
		{regexp.MustCompile(`^delivery (\S+) replayed(?:: (.*))?$`), func(m []string, s *Site) string {
			out := "报文 " + m[1] + " 已重新发送"
			if m[2] != "" {
				out += "（" + s.note(m[2], langZh) + "）"
			}
			return out
		}},
		{regexp.MustCompile(`^(bulk replay )?asked by (\S+)$`), func(m []string, s *Site) string {
			out := "由" + s.actorName(m[2], langZh) + "申请"
			if m[1] != "" {
				out = "批量重发，" + out
			}
			return out
		}},
	}
}

var decisionWords = map[string]pair{
	"released":            {"放行", "released"},
	"rejected":            {"退单", "rejected"},
	"inspection_required": {"需查验", "inspection required"},
}

var registryWords = map[string]pair{
	"BJ": {"北京信用平台", "Beijing registry"},
	"TJ": {"天津信用平台", "Tianjin registry"},
	"HE": {"河北信用平台", "Hebei registry"},
}

// indicatorWords name the coal laboratory indicators.
var indicatorWords = map[string]pair{
	"ash":        {"灰分", "ash"},
	"sulfur":     {"硫分", "sulfur"},
	"mercury":    {"汞", "mercury"},
	"arsenic":    {"砷", "arsenic"},
	"phosphorus": {"磷", "phosphorus"},
	"chlorine":   {"氯", "chlorine"},
	"fluorine":   {"氟", "fluorine"},
	"calorific":  {"发热量", "calorific value"},
}

func workflowList(s string) string  { return mapList(s, workflowWords) }
func indicatorList(s string) string { return mapList(s, indicatorWords) }

func mapList(s string, table map[string]pair) string {
	parts := strings.Split(s, ", ")
	for i, p := range parts {
		parts[i] = words(table, p, langZh)
	}
	return strings.Join(parts, "、")
}

// note is a timeline note in the page's language.
func (t *Site) note(s string, l lang) string {
	if l != langZh || s == "" {
		return s
	}
	if m := explanation.FindStringSubmatch(s); m != nil {
		return t.note(m[1], l) + "（" + t.note(m[2], l) + "）"
	}
	for _, p := range notePatterns {
		if m := p.re.FindStringSubmatch(s); m != nil {
			return p.zh(m, t)
		}
	}
	return s
}

// unitName is a quantity's unit in the page's language: the code table's
// Chinese name, or its English name (unitEnglish); the code itself when
// neither is known.
func (t *Site) unitName(code string, l lang) string {
	if l == langEn {
		if n, ok := unitEnglish[code]; ok {
			return n
		}
		return code
	}
	if n, ok := t.Tables.Units[code]; ok {
		return n
	}
	return code
}

// unitEnglish names the customs units (codes/units.csv, whose names are
// Chinese) in English, as an English-reading clerk writes them.
var unitEnglish = map[string]string{
	"001": "sets (machines)", "002": "units (installations)", "003": "vehicles", "004": "vessels", "005": "aircraft",
	"006": "sets", "007": "pieces", "008": "pieces", "009": "head", "010": "sheets", "011": "pieces", "012": "sticks",
	"013": "stems", "014": "rods", "015": "strips", "016": "handfuls", "017": "blocks", "018": "rolls", "019": "pairs (sets)",
	"020": "slices", "021": "groups", "022": "portions", "023": "frames", "025": "pairs", "026": "pairs", "027": "trees",
	"028": "plants", "029": "wells", "030": "m", "031": "reels", "032": "m²", "033": "m³", "034": "tubes", "035": "kg",
	"036": "g", "037": "pots", "038": "ten thousand pieces", "039": "units", "061": "kW", "062": "kWh", "067": "ft",
	"070": "t", "071": "long tons", "072": "short tons", "076": "lb", "083": "oz", "084": "ct", "086": "yd", "088": "in",
	"095": "L", "096": "mL", "097": "imperial gallons", "098": "US gallons", "099": "ft³", "110": "yd²", "111": "ft²",
	"120": "cases", "121": "lots", "122": "cans", "123": "barrels", "125": "packages", "127": "dozen", "131": "volumes",
	"132": "books", "135": "bundles", "136": "bags", "139": "grains", "140": "boxes", "142": "bottles", "147": "km",
	"163": "units",
}
