package customs

// DocumentKind is a kind of supporting document in the region's register
// (documents.md, rule set 2026.2). Each kind has a national licence type
// code, which is how the port dialects cite it.
type DocumentKind string

const (
	// DocDGPackagingUse is the packaging-use record of exported dangerous
	// goods (出境危险货物运输包装使用鉴定结果单), licence type 425, issued by
	// the bureau where the goods are filled and checked at the port.
	DocDGPackagingUse DocumentKind = "dg_packaging_use"
	// DocSpecialArticleApproval is the health-quarantine approval of special
	// articles (特殊物品卫生检疫审批单), licence type 203.
	DocSpecialArticleApproval DocumentKind = "special_article_approval"
	// DocQuarantinePermit is the entry animal and plant quarantine permit
	// (进境动植物检疫许可证), licence type 325.
	DocQuarantinePermit DocumentKind = "quarantine_permit"
)

// DocumentKinds lists the kinds in the order of documents.md.
var DocumentKinds = []DocumentKind{DocDGPackagingUse, DocSpecialArticleApproval, DocQuarantinePermit}

// DocumentKindOfLicence maps a national licence type code (Tianjin
// LicTypeCode, Hebei XKZ/@LX, Beijing Licence/@type) to the kind it cites;
// ok is false for the many licence types the gateway does not check.
func DocumentKindOfLicence(code string) (kind DocumentKind, ok bool) {
	switch code {
	case "425":
		return DocDGPackagingUse, true
	case "203":
		return DocSpecialArticleApproval, true
	case "325":
		return DocQuarantinePermit, true
	}
	return "", false
}

// LicenceCode is the national licence type code of the kind, or "".
func (k DocumentKind) LicenceCode() string {
	switch k {
	case DocDGPackagingUse:
		return "425"
	case DocSpecialArticleApproval:
		return "203"
	case DocQuarantinePermit:
		return "325"
	}
	return ""
}

// Citation is one supporting document cited by a goods item: the document
// it names and the quantity to write off against it, in the document's
// unit. Citations keep the order the port's message gives them.
type Citation struct {
	Kind   DocumentKind
	Number string
	// WriteOff is the quantity to write off, a decimal of at most 5
	// decimals (a string, as every quantity of the model).
	WriteOff string
	// Path is the path of the citation's number in the port's message
	// (…/DecGoodsLimit[2]/LicenceNo, …/XKZ[1]/@BH, …/Licence[1]/@number):
	// every check of the citation against the register is reported there.
	Path string
}
