package track

import (
	"regexp"
	"testing"

	"github.com/jjj/gateway/internal/codes"
)

// hasLatinWord finds English left in a translated note (ids such as
// t_01… and entry numbers are digits and underscores, and stay).
var hasLatinWord = regexp.MustCompile(`\b(?:[a-z]{3,})\b`)

// Every note shape the gateway writes reads in Chinese on the Chinese page
// and is left as it is on the English one.
func TestNotesInThePagesLanguage(t *testing.T) {
	s := &Site{Tables: codes.MustEmbedded()}
	for _, c := range []struct{ note, zh string }{
		{"accepted and routed: destination_inspection", "已受理，检验安排：目的地检验"},
		{"delivered to the review centre, entry id 020220261000000777", "已送审单中心，报关单号 020220261000000777"},
		{"waiting for inspection: hazchem, food (delivered to the review centre, entry id 0202)", "等待检验：危险化学品检验、进口食品监管（已送审单中心，报关单号 0202）"},
		{"the review centre asks for inspection (review centre decision: inspection_required: documents)", "审单中心要求查验（审单中心决定：需查验，说明：documents）"},
		{"under inspection: coal (coal task t_01AB claimed)", "查验中：煤炭检验（煤炭检验任务 t_01AB 已开始检验）"},
		{"released: the review centre released it and every task passed (food task t_9 done: pass)", "已放行：审单中心已放行，且各项检验均合格（进口食品监管任务 t_9 已完成：合格）"},
		{"a task failed: goods returned (coal task t_1 done: fail; failed: ash, calorific)", "检验不合格：退运（煤炭检验任务 t_1 已完成：不合格；不符合项：灰分、发热量）"},
		{"goods held: direct-transit seals missing or broken (direct_transit task t_2 done: fail; seals missing or broken: S1, S2)", "货物扣留：直通封志缺失或破损（直通核封任务 t_2 已完成：不合格；封志缺失或破损：S1, S2）"},
		{"re-routed (port_inspection): risk alert ra_1 added", "重新确定检验安排（口岸查验）：新增风险预警 ra_1"},
		{"re-routed (release): credit rating changed (TJ registry)", "重新确定检验安排（无需查验）：企业信用等级变更（天津信用平台）"},
		{"status after re-route", "重新确定检验安排后的状态"},
		{"delivery d_1 replayed: asked by admin:ops", "报文 d_1 已重新发送（由运营人员 ops申请）"},
		{"refused by the review centre: bad header", "审单中心拒收：bad header"},
		{"route amendment d_1:route:2 accepted by the review centre", "审单中心已接受检验安排变更 d_1:route:2"},
	} {
		got := s.note(c.note, langZh)
		if s.note(c.note, langEn) != c.note {
			t.Errorf("the English page changed %q", c.note)
		}
		// The admin actor's name comes from actorName: check its shape only.
		if c.note == "delivery d_1 replayed: asked by admin:ops" {
			if got == c.note || hasLatinWord.MatchString(regexp.MustCompile(`ops|admin`).ReplaceAllString(got, "")) {
				t.Errorf("%q → %q", c.note, got)
			}
			continue
		}
		if got != c.zh {
			t.Errorf("%q\n got %q\nwant %q", c.note, got, c.zh)
		}
	}
	if got := s.note("something new", langZh); got != "something new" {
		t.Errorf("an unknown note became %q", got)
	}
}

// Units are named in the page's language: kilograms are 千克 on the Chinese
// page and kg on the English one; every unit of the code table has an
// English name.
func TestUnitsInThePagesLanguage(t *testing.T) {
	s := &Site{Tables: codes.MustEmbedded()}
	if zh, en := s.unitName("035", langZh), s.unitName("035", langEn); zh != "千克" || en != "kg" {
		t.Errorf("035: %q %q", zh, en)
	}
	for code := range s.Tables.Units {
		if en := s.unitName(code, langEn); en == code || en == s.Tables.Units[code] {
			t.Errorf("unit %s has no English name", code)
		}
	}
}
