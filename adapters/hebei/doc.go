// Package hebei is the adapter of Hebei's ports (Qinhuangdao 0403, Jingtang
// 0404, Caofeidian 0408, Huanghua 0409): the legacy inspection declaration
// 报检单, root BJXX, format versions 2.0 and 2.1 (@BBH, optional: without
// it the dialect is "hebei/BJXX"), no namespace,
// encoded GBK and sometimes GB18030 (spec/ports.md, section hebei). The
// subset the gateway reads is described by schemas/hebei-bjxx.xsd.
//
// Quirks of the format, and how the adapter reads them:
//
//   - Element names are pinyin initials (BTXX head, HWXX goods, JZXXX
//     containers). Transport modes (YSFS), trade modes (MYFS) and units
//     (JLDW) are written as Chinese names and map through the name column
//     of the code tables; countries (QYG, YCG) and currencies (BZ) are the
//     customs' 3-digit numeric codes. A name or code not in the tables is a
//     422 naming the value.
//   - Items are keyed by HW/@XH and containers by JZX/@XH, and problems are
//     reported at /BJXX/HWXX/HW[@XH='2']/JLDW and /BJXX/JZXXX/JZX[@XH='1'].
//     An item or container without a usable XH is named by its position
//     among its siblings instead (/BJXX/HWXX/HW[3]), the only way left to
//     point at it.
//   - The consignee (SHR) is the trader of an import (CRJBZ RJ), the
//     consignor (FHR) of an export (CJ). The other one, when a message
//     carries it anyway, is checked like every enterprise id but not mapped:
//     the canonical model has no consignor on an import.
//   - QYG (启运国) is the only country of the head, so it is the trade country
//     in both directions: where an import comes from, where an export goes.
//   - The container number is JZX's text; JZX/@FZ holds its seals, separated
//     by ';' (a full-width '；' is read the same, a frequent slip of Chinese
//     input methods). A seal always sits on its own container, so a Hebei
//     direct-transit request never has stray seals.
//   - ZTBZ = 1 asks for direct transit to the pilot zone ZTBZ/@MDQ, which is
//     then required. With ZTBZ 0 or absent, @MDQ is not read.
//   - A WXP block with any known child that has a value makes the item
//     hazardous by itself (samples/README.md reading 2). The class of
//     codes/un-numbers.csv governs; a declared WXLB that differs, or a BZLB
//     the table does not list for the UN number, is a warning. A missing UN
//     number, packing group or mark is left to routing's Check
//     (hazchem.declaration_incomplete), which finds the fields through
//     Declaration.Paths.
//   - The format has no weights and no terms: Declaration.Weights is nil and
//     Trade carries the mode only.
//   - An item needs HW/@XH, a positive whole number; one that is absent or
//     not a number is a missing_field at …/@XH (the canonical item needs a
//     positive number). A container's XH is optional: containers are also
//     known by their number, which must be unique as well; a JZX repeated
//     whole (same XH, same number) is one duplicate_key, at the JZX. The
//     trader's and the declarant's DM are required; an owner (XFDW) with a
//     name but no DM is kept by name, as ports.md does not require the
//     owner's USCC (and Tianjin keeps an owner by customs code and name).
//     Lower-case USCCs are accepted and upper-cased.
//   - An invalid BZLB is invalid_enum only: the packing group is there, and
//     wrong, so routing does not report it missing as well.
//   - Goods are returned in numbering order (HW/@XH), whatever the order of
//     the elements.
//   - Every element the structure has once (BTXX, HWXX, JZXXX and the
//     children of BTXX, HW and WXP) may appear once: a second one is a
//     duplicate_key, since picking one of the two would guess. Elements the
//     structure does not have at that place are warnings (unknown_element)
//     at their own path, and what they contain is not looked at; unknown
//     attributes are ignored.
package hebei
