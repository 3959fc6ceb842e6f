package track

// The tracking page's words, in Chinese and English: what a clerk of an
// importer reads, not the API's codes. Every status, lane, workflow and
// routing rule id (routing.md) has an entry in both languages; an id the
// table does not know yet is shown as it is, never hidden.

// lang is a language of the page.
type lang string

const (
	langZh lang = "zh"
	langEn lang = "en"
)

// pair is one text in both languages.
type pair struct{ zh, en string }

func (p pair) in(l lang) string {
	if l == langEn {
		return p.en
	}
	return p.zh
}

// ui are the page's own texts.
var ui = map[string]pair{
	"title":              {"报关单跟踪", "Declaration tracking"},
	"brand":              {"京津冀单一窗口", "Jing-Jin-Ji single window"},
	"signin.title":       {"企业登录", "Enterprise sign-in"},
	"signin.lead":        {"用本企业的 API 密钥登录，查看本企业作为收发货人、消费使用单位或申报单位的报关单。", "Sign in with your enterprise's API key to follow the declarations where it is consignee, consignor, owner or declarant."},
	"signin.key":         {"API 密钥", "API key"},
	"signin.submit":      {"登录", "Sign in"},
	"signin.note":        {"密钥只用于本次登录，不会显示在地址栏中。", "The key is used only to sign in; it never appears in the address bar."},
	"signin.bad":         {"密钥无效、已吊销或已过期。", "The key is unknown, revoked or expired."},
	"signin.notent":      {"此页面只接受企业密钥。", "Only enterprise keys can sign in here."},
	"signin.csrf":        {"表单已过期，请重新提交。", "The form has expired; please submit it again."},
	"signout":            {"退出", "Sign out"},
	"signedin":           {"已登录企业", "Signed in as"},
	"list.title":         {"我的报关单", "My declarations"},
	"list.all":           {"全部", "All"},
	"list.empty":         {"没有符合条件的报关单。", "No declarations match."},
	"list.older":         {"更早的报关单 →", "Older declarations →"},
	"list.newest":        {"← 回到最新", "← Back to the newest"},
	"list.filter":        {"按状态筛选", "Filter by status"},
	"list.search":        {"查找报关单", "Find a declaration"},
	"list.search.hint":   {"口岸编号或报关单号", "Port reference or entry number"},
	"list.search.submit": {"查找", "Search"},
	"list.more":          {"等 %d 项商品", "(%d items)"},
	"detail.back":        {"← 返回列表", "← Back to the list"},
	"detail.facts":       {"基本信息", "Details"},
	"detail.goods":       {"商品", "Goods"},
	"detail.route":       {"检验安排", "Inspection plan"},
	"detail.reasons":     {"原因", "Why"},
	"detail.noreasons":   {"没有规则要求查验。", "No rule asked for inspection."},
	"detail.tasks":       {"检验任务", "Inspection tasks"},
	"detail.timeline":    {"办理进度", "Timeline"},
	"detail.nowstatus":   {"当前状态", "Current status"},
	"f.port":             {"申报口岸", "Port"},
	"f.portRef":          {"口岸编号", "Port reference"},
	"f.direction":        {"进出口", "Direction"},
	"f.entryId":          {"报关单号", "Entry number"},
	"f.receivedAt":       {"受理时间", "Received"},
	"f.billNo":           {"提运单号", "Bill of lading"},
	"f.means":            {"运输工具", "Vessel / flight"},
	"f.destination":      {"目的地检验机构", "Destination bureau"},
	"f.consignee":        {"境内收货人", "Consignee"},
	"f.consignor":        {"境内发货人", "Consignor"},
	"f.owner":            {"消费使用 / 生产销售单位", "Owner"},
	"f.declarant":        {"申报单位", "Declarant"},
	"f.overseas":         {"境外收发货人", "Overseas party"},
	"g.seq":              {"项号", "No."},
	"g.name":             {"品名", "Goods"},
	"g.hs":               {"商品编码", "HS code"},
	"g.qty":              {"数量", "Quantity"},
	"g.origin":           {"原产国", "Origin"},
	"r.item":             {"第 %d 项商品", "item %d"},
	"r.evidence":         {"依据", "Based on"},
	"t.items":            {"商品项", "Items"},
	"t.bureau":           {"检验机构", "Bureau"},
	"t.port":             {"口岸", "at the port"},
	"tl.by":              {"办理方", "By"},
	"tl.note":            {"备注", "Note"},
	"tl.seals":           {"封志缺失或破损", "Seals missing or broken"},
	"tl.findings":        {"检验发现", "Findings"},
	"tl.reason":          {"说明", "Reason"},
	"dir.import":         {"进口", "Import"},
	"dir.export":         {"出口", "Export"},
	"tz":                 {"北京时间", "Beijing time"},
	"notfound.title":     {"找不到该报关单", "Declaration not found"},
	"notfound.lead":      {"没有这份报关单，或它不属于本企业。", "There is no such declaration, or it is not one of your enterprise's."},
	"error.title":        {"出错了", "Something went wrong"},
	"error.lead":         {"请稍后再试。", "Please try again later."},
	"forbidden.title":    {"请求被拒绝", "Request refused"},
	"lang.switch":        {"English", "中文"},
	"lang.switch.label":  {"Switch language", "切换语言"},
	"detail.documents":   {"所附单证", "Documents cited"},
	"docs.writeoff":      {"核销数量", "Written off"},
	"docs.title":         {"本企业持有的单证", "Documents we hold"},
	"docs.number":        {"编号", "Number"},
	"docs.kind":          {"种类", "Kind"},
	"docs.remaining":     {"剩余 / 总量", "Remaining / quantity"},
	"docs.until":         {"有效期至", "Valid until"},
	"docs.state":         {"状态", "State"},
}

// statusWords name each status and say what it means for the goods.
var statusWords = map[string][2]pair{
	"accepted":            {{"已受理", "Accepted"}, {"口岸已接收并审核通过，已安排检验路径，等待送审单中心。", "The port's message was received and checked, and its inspection route decided; it is on its way to the review centre."}},
	"delivered":           {{"已送审", "With the review centre"}, {"审单中心已接收，并给出报关单号。", "The unified review centre received it and gave it an entry number."}},
	"delivery_failed":     {{"送审失败", "Could not be sent"}, {"审单中心拒收了报文，运营人员将处理后重新发送。", "The review centre refused the message; the operator will fix it and send it again."}},
	"inspection_required": {{"需查验", "Inspection required"}, {"货物须经查验或检验后才能放行。", "The goods must be inspected before they can be released."}},
	"under_inspection":    {{"查验中", "Under inspection"}, {"检验机构正在查验货物。", "An inspection bureau is inspecting the goods."}},
	"released":            {{"已放行", "Released"}, {"通关完成，货物可以提离。", "Clearance is complete: the goods may be taken away."}},
	"rejected":            {{"已退单", "Rejected"}, {"审单中心退回了这份报关单。", "The review centre rejected the declaration."}},
	"returned":            {{"退运", "To be returned"}, {"检验不合格，货物须退运出境。", "The goods failed inspection and must be shipped back."}},
	"destroyed":           {{"销毁", "To be destroyed"}, {"检验不合格，货物须销毁。", "The goods failed inspection and are to be destroyed."}},
}

// ruleWords explain each routing rule id (routing.md) to an enterprise.
var ruleWords = map[string]pair{
	"hazchem.unsafe_port_sampling": {"危险化学品不宜在码头开箱取样（如爆炸品、毒性气体、压力容器盛装的气体），由目的地检验机构检验。",
		"Hazardous chemicals that are unsafe to open and sample at the quay (explosives, toxic gases, gases in cylinders, …) are inspected by the destination bureau."},
	"hazchem.port_inspection": {"进口危险化学品逐批在口岸检验。",
		"Imported hazardous chemicals are inspected at the port, every batch."},
	"hazchem.export_port_check": {"出口危险化学品在产地检验、在口岸查验。",
		"Exported hazardous chemicals are inspected where they are made and checked at the port."},
	"coal.joint_supervision": {"进口煤炭由口岸取样，目的地检验机构检测环保质量并判定是否合格。",
		"Imported coal: the port takes samples; the destination bureau tests its environmental quality and decides."},
	"food.post_entry_supervision": {"进口食品实施入境后监管：目的地检验机构核查标签、单证并抽样。",
		"Imported food is supervised after entry: the destination bureau checks labels and documents and takes samples."},
	"direct_transit.sealed_move": {"直通：货物在海关封志下直接运往内地试验区，由当地检验机构核对封志并检验。",
		"Direct transit: the goods travel under customs seal straight to the inland pilot zone, where the bureau checks the seals and inspects them."},
	"direct_transit.not_eligible": {"申请的直通不符合条件，按未申请直通办理。",
		"The direct transit asked for does not qualify; the declaration is handled as if it had not been asked for."},
	"credit.dishonest": {"报关单涉及的企业被列为失信企业，每票都须查验。",
		"An enterprise of the declaration is rated dishonest: every one of its declarations is inspected."},
	"random.selected": {"被“双随机”抽查抽中，在口岸查验。",
		"Selected by the random inspection draw: inspected at the port."},
	"risk.alert": {"货物符合一项区域风险预警，须查验。",
		"The goods match a regional risk alert and must be inspected."},
	"route.destination_outside_region": {"目的地不在京津冀区域内，检验在口岸进行。",
		"The destination is outside the Jing-Jin-Ji region, so the inspection stays at the port."},
}

var laneWords = map[string]pair{
	"release":                {"无需查验", "No inspection asked"},
	"port_inspection":        {"口岸查验", "Inspection at the port"},
	"destination_inspection": {"目的地检验", "Inspection at the destination"},
}

var workflowWords = map[string]pair{
	"hazchem":        {"危险化学品检验", "Hazardous chemicals"},
	"coal":           {"煤炭检验", "Coal"},
	"food":           {"进口食品监管", "Imported food"},
	"direct_transit": {"直通核封", "Direct transit"},
	"inspection":     {"查验", "Inspection"},
}

var taskStatusWords = map[string]pair{
	"open":      {"待检验", "Waiting"},
	"claimed":   {"检验中", "In progress"},
	"done":      {"已完成", "Done"},
	"withdrawn": {"已撤销", "Withdrawn"},
}

var outcomeWords = map[string]pair{
	"pass": {"合格", "passed"},
	"fail": {"不合格", "failed"},
}

var portWords = map[string]pair{
	"tianjin": {"天津口岸", "Tianjin port"},
	"hebei":   {"河北口岸", "Hebei port"},
	"beijing": {"北京口岸", "Beijing port"},
}

// words looks an id up in a table, falling back to the id itself.
func words(table map[string]pair, id string, l lang) string {
	if p, ok := table[id]; ok {
		return p.in(l)
	}
	return id
}

// evidenceWords name the facts a rule fired on (the evidence of a reason);
// the values are shown as they are.
var evidenceWords = map[string]pair{
	"action":       {"处置", "action"},
	"alertId":      {"预警编号", "alert"},
	"category":     {"食品类别", "food category"},
	"class":        {"危险类别", "hazard class"},
	"coal":         {"煤种", "coal"},
	"district":     {"目的地区", "destination district"},
	"failed":       {"不符合项", "failed"},
	"foodPrefix":   {"食品税号", "food HS heading"},
	"hsCode":       {"商品编码", "HS code"},
	"hsPrefix":     {"税号前缀", "HS prefix"},
	"inspector":    {"查验人员", "inspector"},
	"origin":       {"原产国", "origin"},
	"packingGroup": {"包装类别", "packing group"},
	"port":         {"口岸", "port"},
	"pressure":     {"压力容器", "pressure receptacle"},
	"rate":         {"抽查比例", "rate"},
	"rating":       {"信用等级", "credit rating"},
	"registration": {"境外生产企业注册", "producer registration"},
	"seals":        {"封志数", "seals"},
	"seedId":       {"随机种子", "seed"},
	"strayUnits":   {"未申报箱号", "undeclared units"},
	"unNumber":     {"联合国编号", "UN number"},
	"uscc":         {"统一社会信用代码", "USCC"},
	"value":        {"抽签值", "draw value"},
	"workflow":     {"检验类别", "workflow"},
	"zone":         {"试验区", "pilot zone"},
}

// documentKindWords name the kinds of supporting documents (documents.md).
var documentKindWords = map[string]pair{
	"dg_packaging_use":         {"出境危险货物运输包装使用鉴定结果单", "Dangerous-goods packaging use record"},
	"special_article_approval": {"特殊物品卫生检疫审批单", "Special articles health-quarantine approval"},
	"quarantine_permit":        {"进境动植物检疫许可证", "Entry animal and plant quarantine permit"},
}

// documentStateWords name a document's states.
var documentStateWords = map[string]pair{
	"active":  {"有效", "Active"},
	"used_up": {"已核销完毕", "Used up"},
	"revoked": {"已撤销", "Revoked"},
}
