package tianjin

import (
	"fmt"

	"github.com/jjj/gateway/adapters"
	"github.com/jjj/gateway/internal/codes"
	"github.com/jjj/gateway/internal/customs"
)

// Namespaces, matched by URI, never by prefix.
const (
	// NamespaceDec is the national declaration message's namespace.
	NamespaceDec = "http://www.chinaport.gov.cn/dec"
	// NamespaceExt is the region's extension (direct transit and seals).
	NamespaceExt = "urn:jjj:ext:v1"
)

// Adapter reads DecMessage. It holds only read-only tables and limits, so one
// value serves every request concurrently.
type Adapter struct {
	tables *codes.Tables
	limits adapters.Limits
	unread adapters.Unread
}

// readNames are the element names the decoder looks for, anywhere in the
// message (decode.go, check.go; TestReadNames holds this list to the
// package's source). Every other name of the national format is known but
// never read: its empty elements are left out of the tree
// (adapters.ReadXMLUnread), a third of a typical message's elements.
var readNames = []string{
	"AgentCode", "AgentCodeScc", "AgentName", "BillNo", "CiqCode", "ClientSeqNo", "CodeTS",
	"Container", "ContainerId", "ContainerMd", "CustomMaster", "DangPackSpec", "DangPackType",
	"DecContainers", "DecCopLimit", "DecCopPromise", "DecGoodsLimit", "DecGoodsLimitVin",
	"DecGoodsLimits", "DecHead", "DecList", "DecLists", "DecMessage", "DecOtherPack",
	"DecRequestCert", "DecSign", "DecUser", "DeclPrice", "DeclTotal", "DespDate", "DespPortCode",
	"DestCode", "DestinationCountry", "DirectTransit", "EcoRelation", "EdocRealation", "GModel",
	"GName", "GNo", "GQty", "GUnit", "GoodsAttr", "GrossWet", "IEFlag", "IEPort", "LicTypeCode",
	"LicWrtofQty", "LicenceNo", "LicenseDocu", "NetWt", "NoDangFlag", "OrigBoxFlag",
	"OriginCountry", "OverseasConsigneeEname", "OverseasConsignorEname", "OwnerCode",
	"OwnerCodeScc", "OwnerName", "PackNo", "PurpOrgCode", "Seal", "TradeCoScc", "TradeCode",
	"TradeCountry", "TradeCurr", "TradeMode", "TradeName", "TrafMode", "TrafName", "TransMode",
	"UnCode", "Uncode",
}

// unreadNames are the national format's names (tables) that the decoder
// never looks for and that never repeat (a repeating element's position is
// in its siblings' paths).
func unreadNames(tables *codes.Tables) adapters.Unread {
	read := make(map[string]bool, len(readNames))
	for _, n := range readNames {
		read[n] = true
	}
	unread := adapters.Unread{}
	for n := range tables.DecMessageElements {
		if !read[n] && repeatID(n) < 0 {
			unread[n] = true
		}
	}
	return unread
}

// New returns the Tianjin adapter. cfg.Tables is required; zero limits take
// their defaults.
func New(cfg adapters.Config) (*Adapter, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("tianjin: %w", err)
	}
	return &Adapter{tables: cfg.Tables, limits: cfg.Limits.WithDefaults(), unread: unreadNames(cfg.Tables)}, nil
}

// MustNew is New for wiring and tests, where a bad configuration is a defect.
func MustNew(cfg adapters.Config) *Adapter { return adapters.Must(New(cfg)) }

// Info describes the dialect for GET /v1/ports.
func (a *Adapter) Info() adapters.Info {
	return adapters.Info{
		ID:        customs.PortTianjin,
		Name:      "Tianjin port (Xingang, Dongjiang)",
		Dialect:   "DecMessage",
		Encodings: adapters.Encodings,
		Schema:    "tianjin-decmessage.xsd",
	}
}

// Decode reads one DecMessage (see adapters.Adapter). Warnings are on the
// returned declaration.
func (a *Adapter) Decode(raw []byte) (*customs.Declaration, error) {
	doc, err := adapters.ReadXMLUnread(raw, a.limits, a.unread)
	if err != nil {
		return nil, err
	}
	root := doc.Root()
	sc := adapters.Scope{}.Enter(root)
	if root.Tag != "DecMessage" || sc.URI(root.Space) != NamespaceDec {
		return nil, adapters.UnknownRoot(sc.URI(root.Space), root.Tag, "{"+NamespaceDec+"}DecMessage")
	}
	if err := doc.CheckLengths(pathClientSeq); err != nil {
		return nil, err
	}
	dc := decoder{Reader: adapters.NewReader(a.tables, style)}
	d := dc.decode(root, sc)
	if err := dc.Problems.Err(customs.CodeInvalid, "declaration does not validate"); err != nil {
		return d, err
	}
	return d, nil
}

var _ adapters.Adapter = (*Adapter)(nil)
