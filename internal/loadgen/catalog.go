package loadgen

// The catalogue below is the generator's knowledge of trade: goods with
// their HS and CIQ codes, the unit they are counted in, a price range and
// where they come from. Codes that the rules read (hazardous HS codes, UN
// numbers, food prefixes, coal headings, units, countries, currencies) are
// checked against the code tables when a Generator is made, so a table
// change that would make the generator send invalid messages fails at New,
// not as a stream of 422s under load.

// goods is one kind of goods a port declares.
type goods struct {
	hs, ciq    string
	name, spec string
	// unit is the customs unit code (codes/units.csv).
	unit string
	// qty is the range of the declared quantity, whole units.
	qtyMin, qtyMax int64
	// price is the unit price range in ten-thousandths of the currency.
	priceMin, priceMax int64
	// kgPer is the net mass of one unit, for Tianjin's weights.
	kgPer float64
	// origins are alpha-3 countries the goods come from (imports) or go to
	// (exports).
	origins []string
	// air marks goods that fly (Beijing); sea marks goods that sail
	// (Tianjin, Hebei). Most do both.
	air, sea bool
}

// food is goods under codes/food-hs.csv; reg tells whether the generator
// expects the table to ask for the producer's registration.
type foodGoods struct {
	goods
	reg bool
}

// hazGoods is a hazardous chemical with what a complete declaration of it
// carries. The class and packing groups come from codes/un-numbers.csv at
// New; unsafe is the generator's expectation of routing.md's
// hazchem.unsafe_port_sampling, checked by the tests.
type hazGoods struct {
	goods
	un string
	// packType is the UN packaging code the mark starts with (1A1 steel
	// drum, 4G box, ...); bulkOK marks liquids that also sail in bulk.
	packType string
	bulkOK   bool
	unsafe   bool
}

func g(hs, ciq, name, spec, unit string, qmin, qmax, pmin, pmax int64, kg float64, air, sea bool, origins ...string) goods {
	return goods{hs: hs, ciq: ciq, name: name, spec: spec, unit: unit, qtyMin: qmin, qtyMax: qmax,
		priceMin: pmin, priceMax: pmax, kgPer: kg, origins: origins, air: air, sea: sea}
}

// Units: 007 个 (PCE), 035 千克 (KGM), 070 吨 (TNE), 095 升 (LTR), 006 套 (SET).
// Iron ore (2601) is not among them: rule set 2026.2 checks it on site.
var ordinaryImports = []goods{
	g("8517130000", "999", "智能手机", "5G 256GB 6.7英寸", "007", 200, 3000, 2800000, 7200000, 0.4, true, true, "KOR", "JPN", "VNM", "USA"),
	g("8517620000", "999", "无线路由器", "Wi-Fi 7 三频", "007", 100, 2000, 300000, 900000, 0.8, true, true, "KOR", "VNM", "THA"),
	g("8471300000", "999", "便携式自动数据处理设备", "14英寸 16GB内存 1TB固态硬盘", "007", 50, 1500, 4000000, 12000000, 1.6, true, true, "JPN", "USA", "VNM"),
	g("8542310000", "999", "集成电路处理器", "车规级 MCU 32位", "007", 10000, 200000, 80000, 300000, 0.002, true, true, "JPN", "KOR", "DEU", "USA"),
	g("8541100000", "999", "二极管", "贴片 整流二极管", "007", 50000, 900000, 500, 3000, 0.0005, true, true, "JPN", "KOR", "THA"),
	g("9018199000", "999", "病人监护仪", "多参数 12.1英寸", "007", 10, 300, 20000000, 60000000, 8, true, true, "DEU", "USA", "NLD"),
	g("9027500090", "999", "紫外可见分光光度计", "双光束 190-1100nm", "007", 2, 60, 60000000, 180000000, 30, true, true, "JPN", "DEU", "USA"),
	g("4202210000", "999", "皮革手提包", "牛皮面 手工缝制", "007", 100, 2000, 2500000, 9000000, 0.9, true, true, "ITA", "FRA", "ESP"),
	g("3304990099", "999", "护肤精华液", "30ml/瓶", "007", 1000, 20000, 150000, 600000, 0.08, true, true, "FRA", "KOR", "JPN"),
	g("8708409990", "999", "汽车变速箱总成", "6速自动 适用排量2.0L", "007", 50, 600, 6000000, 12000000, 40, false, true, "JPN", "DEU", "KOR"),
	g("8708309990", "999", "汽车制动器总成", "盘式 前轮用", "007", 200, 3000, 300000, 600000, 4, false, true, "JPN", "DEU", "ESP"),
	g("8413709990", "999", "离心泵", "单级 流量100立方米/小时", "007", 5, 80, 20000000, 80000000, 120, false, true, "DEU", "ITA", "USA"),
	g("8479899990", "999", "工业机器人", "六轴 负载20kg", "007", 2, 30, 250000000, 600000000, 350, false, true, "JPN", "DEU", "CHE"),
	g("8481804090", "999", "球阀", "不锈钢 DN50", "007", 200, 5000, 200000, 900000, 3, false, true, "DEU", "ITA", "USA"),
	g("3901100090", "999", "低密度聚乙烯", "薄膜级 颗粒", "035", 20000, 200000, 9000, 14000, 1, false, true, "SAU", "KOR", "THA", "USA"),
	g("3907610000", "999", "聚对苯二甲酸乙二酯切片", "瓶级 特性粘度0.80", "035", 20000, 200000, 8000, 12000, 1, false, true, "KOR", "THA", "IDN"),
	g("4011100000", "999", "乘用车轮胎", "205/55R16 91V", "007", 500, 4000, 350000, 900000, 9, false, true, "JPN", "KOR", "THA", "DEU"),
	g("9403300000", "999", "木制办公家具", "办公桌 1600×800mm", "007", 50, 800, 1500000, 5000000, 45, false, true, "ITA", "DEU", "VNM"),
	g("7403111000", "999", "精炼铜阴极", "A级 99.9935%", "070", 100, 2000, 80000000, 95000000, 1000, false, true, "CHL", "PER", "ZAF"),
}

var ordinaryExports = []goods{
	g("7208510000", "999", "热轧钢板", "Q355B 厚度20mm", "070", 500, 8000, 5000000, 7000000, 1000, false, true, "VNM", "KOR", "IDN", "THA"),
	g("7213910000", "999", "热轧盘条", "SAE1008 直径6.5mm", "070", 1000, 10000, 4800000, 6000000, 1000, false, true, "VNM", "PHL", "KOR"),
	g("7308900000", "999", "钢结构件", "焊接H型钢构件", "070", 50, 2000, 8000000, 12000000, 1000, false, true, "SAU", "ARE", "IDN"),
	g("8501523000", "999", "三相交流电动机", "75kW 4极", "007", 20, 400, 12000000, 30000000, 420, false, true, "VNM", "IDN", "BRA"),
	g("8703800090", "999", "纯电动乘用车", "五座 续航550km", "007", 20, 600, 120000000, 250000000, 1900, false, true, "BEL", "GBR", "THA", "AUS"),
	g("9027500090", "999", "光谱分析仪", "UV-Vis 双光束", "007", 5, 80, 60000000, 150000000, 25, true, true, "USA", "DEU", "JPN"),
	g("8517130000", "999", "智能手机", "5G 512GB", "007", 500, 5000, 2000000, 5000000, 0.4, true, true, "GBR", "ARE", "RUS"),
	g("8541430000", "999", "光伏组件", "单晶 550W", "007", 1000, 20000, 800000, 1200000, 28, true, true, "NLD", "ESP", "AUS", "BRA"),
	g("6110200090", "999", "棉制针织套头衫", "男式 100%棉", "007", 2000, 50000, 50000, 150000, 0.4, true, true, "USA", "JPN", "GBR"),
}

var foods = []foodGoods{
	{g("0202300090", "999", "冻去骨牛肉", "冷冻 去骨 牛前胸肉 20kg/箱", "035", 10000, 26000, 60000, 90000, 1, false, true, "AUS", "BRA", "NZL", "URY"), true},
	{g("0206210000", "999", "冻牛舌", "冷冻 整条 20kg/箱", "035", 1000, 8000, 80000, 110000, 1, false, true, "AUS", "BRA"), true},
	{g("0203220000", "999", "冻带骨猪肉", "冷冻 猪前腿 带骨", "035", 10000, 26000, 20000, 35000, 1, false, true, "ESP", "DNK", "NLD", "BRA"), true},
	{g("0303630000", "999", "冻鳕鱼", "冻 去头去脏 -18℃以下", "035", 8000, 26000, 30000, 50000, 1, false, true, "NOR", "RUS", "USA"), true},
	{g("0302140000", "999", "鲜大西洋鲑鱼", "冰鲜 整条去脏 4-5kg/条", "035", 2000, 12000, 100000, 160000, 1, true, false, "NOR", "CHL", "GBR"), true},
	{g("0306170000", "999", "冻虾", "冻 带壳 31/40只/磅", "035", 5000, 20000, 50000, 90000, 1, true, true, "ARG", "THA", "VNM"), true},
	{g("0406900000", "999", "奶酪", "硬质 切达 20kg/块", "035", 1000, 12000, 45000, 80000, 1, true, true, "NZL", "FRA", "ITA", "NLD"), true},
	{g("0402210000", "999", "全脂奶粉", "25kg/袋", "035", 10000, 25000, 32000, 45000, 1, false, true, "NZL", "AUS", "NLD"), true},
	{g("1801000000", "999", "可可豆", "生 整粒 发酵", "035", 10000, 25000, 25000, 40000, 1, false, true, "IDN", "BRA"), true},
	{g("0801320000", "999", "去壳腰果", "W320 白仁", "035", 5000, 20000, 60000, 90000, 1, false, true, "VNM", "IND"), true},
	{g("1901101000", "999", "婴儿配方奶粉", "1段 800g/罐", "035", 2000, 15000, 120000, 200000, 1, true, true, "NZL", "NLD", "DEU", "FRA"), true},
	{g("2204210000", "999", "葡萄酒", "干红 750ml×6瓶/箱 酒精度13.5%", "095", 2000, 12000, 50000, 200000, 1.3, true, true, "FRA", "ITA", "ESP", "CHL", "AUS"), false},
	{g("0805100000", "999", "鲜橙", "脐橙 15kg/箱", "035", 10000, 24000, 8000, 15000, 1, false, true, "ZAF", "ESP", "USA", "AUS"), false},
	{g("1905900000", "999", "饼干", "黄油曲奇 454g/罐", "035", 2000, 15000, 30000, 60000, 1, true, true, "DNK", "DEU", "MYS"), false},
	{g("0902101000", "999", "绿茶", "散装 50kg/袋", "035", 500, 5000, 50000, 150000, 1, true, true, "JPN", "LKA", "VNM"), false},
}

var coals = []goods{
	g("2701121000", "999", "炼焦煤", "主焦煤 灰分9.5% 硫分0.55% 挥发分23%", "070", 20000, 80000, 1800000, 2600000, 1000, false, true, "AUS", "MNG", "CAN", "RUS"),
	g("2701110000", "999", "无烟煤", "灰分10% 硫分0.4% 挥发分7%", "070", 10000, 50000, 1300000, 1800000, 1000, false, true, "AUS", "RUS", "VNM"),
	g("2701129000", "999", "动力煤", "低位发热量5500大卡 灰分12%", "070", 30000, 120000, 900000, 1300000, 1000, false, true, "IDN", "AUS", "RUS", "COL"),
	g("2702100000", "999", "褐煤", "全水分35% 低位发热量3800大卡", "070", 30000, 80000, 400000, 700000, 1000, false, true, "IDN", "MNG", "RUS"),
	g("2704001000", "999", "冶金焦炭", "灰分12.5% 硫分0.7%", "070", 5000, 30000, 2500000, 3500000, 1000, false, true, "IDN", "COL", "RUS"),
}

func hz(hs, ciq, name, spec, unit string, qmin, qmax, pmin, pmax int64, kg float64, air, sea bool, un, pack string, bulk, unsafe bool, origins ...string) hazGoods {
	return hazGoods{goods: g(hs, ciq, name, spec, unit, qmin, qmax, pmin, pmax, kg, air, sea, origins...), un: un, packType: pack, bulkOK: bulk, unsafe: unsafe}
}

var hazchems = []hazGoods{
	// Safe to sample at the quay: hazchem.port_inspection.
	hz("2914110000", "101", "丙酮", "工业级 含量≥99.5% 200L钢桶装", "035", 5000, 20000, 9000, 14000, 1, false, true, "1090", "1A1", false, false, "KOR", "JPN", "SAU", "THA"),
	hz("2914110000", "101", "丙酮", "色谱纯 HPLC级 4L玻璃瓶×4/箱", "095", 100, 800, 120000, 200000, 0.8, true, false, "1090", "4G", false, false, "DEU", "USA", "JPN"),
	hz("2905110000", "101", "甲醇", "工业级 含量≥99.85%", "070", 5000, 30000, 3000000, 3600000, 1000, false, true, "1230", "1A1", true, false, "SAU", "IRN", "OMN", "NZL"),
	hz("2902300000", "101", "甲苯", "含量≥99.5%", "070", 1000, 10000, 7000000, 9000000, 1000, false, true, "1294", "1A1", true, false, "KOR", "JPN", "SGP"),
	hz("2915310000", "101", "乙酸乙酯", "含量≥99.7% 180kg/桶", "035", 5000, 20000, 8000, 12000, 1, true, true, "1173", "1A1", false, false, "KOR", "SGP", "IND"),
	hz("2815120000", "101", "氢氧化钠水溶液", "液碱 含量32%", "070", 1000, 8000, 3000000, 4500000, 1000, false, true, "1824", "1H1", true, false, "JPN", "KOR", "SAU"),
	hz("2807000010", "101", "硫酸", "工业级 98%", "070", 1000, 10000, 800000, 1500000, 1000, false, true, "1830", "1H1", true, false, "KOR", "JPN"),
	hz("2909110000", "101", "乙醚", "分析纯 500ml/瓶", "095", 100, 1000, 150000, 250000, 0.7, true, true, "1155", "4G", false, false, "DEU", "USA"),
	hz("8507600090", "999", "锂离子蓄电池", "动力电池模组 51.2V 100Ah", "007", 50, 1000, 6000000, 12000000, 45, true, true, "3480", "4G", false, false, "KOR", "JPN", "DEU"),
	// Not opened at the quay: hazchem.unsafe_port_sampling.
	hz("2837110000", "101", "氰化钠", "固体 含量≥98% 50kg/桶", "035", 5000, 20000, 18000, 25000, 1, false, true, "1689", "1A2", false, true, "KOR", "DEU", "AUS"),
	hz("2837110000", "101", "氰化钠", "分析纯 500g/瓶", "035", 10, 200, 500000, 900000, 1, true, false, "1689", "4G", false, true, "DEU", "USA"),
	hz("2801100000", "101", "氯", "液氯 钢瓶装 1t/瓶", "070", 10, 200, 3000000, 5000000, 1000, false, true, "1017", "1A1", false, true, "KOR", "JPN"),
	hz("2849100000", "101", "碳化钙", "电石 粒度50-80mm 铁桶装", "070", 100, 2000, 4000000, 6000000, 1000, false, true, "1402", "1A2", false, true, "KAZ", "UZB"),
	hz("2844430000", "999", "放射性同位素源", "密封源 医用 A型包件", "007", 1, 20, 50000000, 200000000, 12, true, false, "2915", "7A", false, true, "CAN", "DEU", "NLD"),
}

// Parties. Names are composed from parts so that a run has many distinct
// enterprises, as a port's traffic does.
var (
	tradeWords  = []string{"华晟", "恒通", "瑞丰", "远洋", "鼎盛", "宏达", "润通", "嘉禾", "联创", "中储", "海泰", "金桥", "新源", "安捷", "博远", "天成", "益康", "凯利", "泰和", "永兴"}
	tradeTrades = []string{"国际贸易", "进出口", "供应链管理", "化工贸易", "食品", "机电设备", "能源", "电子科技", "汽车零部件", "医疗器械"}
	agentNames  = map[string][]string{
		"TJ": {"天津津海报关服务有限公司", "天津港联报关有限公司", "天津滨海通关代理有限公司"},
		"HE": {"河北冀港报关有限公司", "唐山港通报关服务有限公司", "沧州渤海通关代理有限公司"},
		"BJ": {"北京首都机场报关服务有限公司", "北京空港通关代理有限公司", "北京天竺报关有限公司"},
	}
	overseasWords = []string{"PACIFIC", "NORDIC", "SOUTHERN CROSS", "ATLANTIC", "ALPINE", "GOLDEN GATE", "SAKURA", "HANSEATIC", "MERIDIAN", "ORIENT", "CORAL", "SILVER FERN", "ANDES", "RHEINLAND", "LOFOTEN"}
	overseasTails = []string{"TRADING CO., LTD.", "EXPORTS PTY LTD", "GMBH", "S.R.L.", "INC.", "AS", "S.A.", "B.V.", "CORPORATION", "LIMITED"}
)

// cityOf gives each port region its USCC district prefixes and city name.
var cityOf = map[string]struct {
	districts []string
	names     []string
}{
	"TJ": {[]string{"120116", "120101", "120104", "120110", "120118"}, []string{"天津", "天津滨海", "天津港"}},
	"HE": {[]string{"130203", "130209", "130302", "130983", "131003", "130104"}, []string{"唐山", "曹妃甸", "秦皇岛", "沧州", "廊坊", "石家庄"}},
	"BJ": {[]string{"110105", "110108", "110113", "110115", "110117"}, []string{"北京", "北京中关村", "北京亦庄"}},
}

// Shipping lines' container owner codes (category U) and vessels.
var (
	containerOwners = []string{"CSNU", "TGHU", "SEGU", "TRIU", "TCLU", "CAIU", "MSCU", "MAEU", "CMAU", "OOLU", "EGHU", "HLXU", "TEMU", "DFSU", "GESU", "CBHU"}
	vessels         = []string{"COSCO SHIPPING ARIES", "CMA CGM MONTMARTRE", "NYK DELPHINUS", "SINOKOR TIANJIN", "MSC GULSUN", "MAERSK SEMBAWANG", "EVER GIVEN", "OOCL HONG KONG", "MV PACIFIC GLORY", "KOTA LUMAYAN", "HMM ALGECIRAS", "ONE APUS"}
	blPrefixes      = []string{"COSU", "CMDU", "NYKS", "SKLM", "MEDU", "MAEU", "EGLV", "OOLU", "ONEY", "HDMU"}
	// containerKinds pairs Tianjin's ContainerMd with the ISO size/type
	// Hebei writes in JZX/@GG.
	containerKinds = []struct{ md, iso string }{{"11", "22G1"}, {"21", "45G1"}, {"12", "42G1"}, {"22", "45R1"}}
	// airlines: IATA prefix of the master waybill, carrier code, and the
	// airports they fly from by alpha-2 country.
	airlines = []struct{ prefix, code string }{{"999", "CA"}, {"020", "LH"}, {"180", "KE"}, {"117", "SK"}, {"176", "EK"}, {"618", "SQ"}, {"157", "QR"}, {"057", "AF"}, {"131", "JL"}, {"074", "KL"}}
	ulds     = []string{"AKE", "PMC", "PAG", "AKH", "PLA"}
)

// Departure ports (UN/LOCODE) and airports (IATA) by alpha-3 country.
var seaports = map[string][]string{
	"AUS": {"AUHPT", "AUNTL", "AUGLT"}, "BRA": {"BRSSZ", "BRTUB"}, "CAN": {"CAVAN", "CAPRR"}, "CHL": {"CLSAI", "CLVAP"},
	"COL": {"COPBO"}, "DEU": {"DEHAM", "DEBRV"}, "DNK": {"DKAAR"}, "ARG": {"ARBUE"}, "ESP": {"ESVLC", "ESALG"},
	"FRA": {"FRFOS", "FRLEH"}, "GBR": {"GBFXT", "GBSOU"}, "IDN": {"IDTPP", "IDBDJ"}, "IND": {"INNSA"}, "IRN": {"IRBND"},
	"ITA": {"ITGOA", "ITSPE"}, "JPN": {"JPNGO", "JPOSA", "JPYOK"}, "KAZ": {"KZALA"}, "KOR": {"KRPUS", "KRUSN", "KRINC"},
	"LKA": {"LKCMB"}, "MNG": {"MNULN"}, "MYS": {"MYPKG"}, "NLD": {"NLRTM"}, "NOR": {"NOAES", "NOOSL"}, "NZL": {"NZAKL", "NZTRG"},
	"OMN": {"OMSOH"}, "PER": {"PECLL"}, "PHL": {"PHMNL"}, "RUS": {"RUVVO", "RUNKH"}, "SAU": {"SAJUB", "SADMM"},
	"SGP": {"SGSIN"}, "THA": {"THLCH"}, "URY": {"UYMVD"}, "USA": {"USLAX", "USOAK", "USHOU"}, "UZB": {"UZTAS"},
	"VNM": {"VNHPH", "VNSGN"}, "ZAF": {"ZADUR"}, "ARE": {"AEJEA"}, "BEL": {"BEANR"}, "CHE": {"CHBSL"},
}

var airports = map[string][]string{
	"AUS": {"SYD", "MEL"}, "BRA": {"GRU"}, "CAN": {"YVR", "YYZ"}, "CHL": {"SCL"}, "DEU": {"FRA", "MUC"}, "DNK": {"CPH"},
	"ARG": {"EZE"}, "ESP": {"MAD"}, "FRA": {"CDG"}, "GBR": {"LHR"}, "IDN": {"CGK"}, "IND": {"DEL"},
	"ITA": {"MXP", "FCO"}, "JPN": {"NRT", "KIX"}, "KOR": {"ICN"}, "LKA": {"CMB"}, "MYS": {"KUL"}, "NLD": {"AMS"},
	"NOR": {"OSL"}, "NZL": {"AKL"}, "SGP": {"SIN"}, "THA": {"BKK"}, "USA": {"LAX", "ORD", "JFK"}, "VNM": {"SGN", "HAN"},
	"ZAF": {"JNB"}, "ARE": {"DXB"}, "BEL": {"BRU"}, "CHE": {"ZRH"}, "RUS": {"SVO"}, "URY": {"MVD"}, "PHL": {"MNL"},
	"SAU": {"RUH"}, "KAZ": {"ALA"}, "UZB": {"TAS"}, "PER": {"LIM"}, "MNG": {"ULN"}, "OMN": {"MCT"}, "IRN": {"IKA"}, "COL": {"BOG"},
}

// currencyOf is the currency a trade with a country is often invoiced in;
// the rest is in US dollars.
var currencyOf = map[string]string{
	"DEU": "EUR", "FRA": "EUR", "ITA": "EUR", "ESP": "EUR", "NLD": "EUR", "BEL": "EUR",
	"JPN": "JPY", "AUS": "AUD", "NZL": "NZD", "GBR": "GBP", "NOR": "NOK", "CHE": "CHF", "DNK": "DKK",
}
