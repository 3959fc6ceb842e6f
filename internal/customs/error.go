package customs

import (
	"errors"
	"fmt"
	"strings"
)

// ErrorCode classifies an error for callers that decide what to do with it
// (the HTTP layer picks a status, the dispatcher decides to retry).
type ErrorCode string

const (
	// CodeInvalid: the input was read but breaks the contract (HTTP 422).
	CodeInvalid ErrorCode = "invalid"
	// CodeUnreadable: the body could not be read as the dialect's XML (400).
	CodeUnreadable ErrorCode = "unreadable"
	// CodeBadRequest: a malformed request other than a declaration body (400).
	CodeBadRequest ErrorCode = "bad_request"
	CodeNotFound   ErrorCode = "not_found"
	CodeConflict   ErrorCode = "conflict"
	// CodeUnauthorized: no key, or a key that is unknown, revoked or expired.
	CodeUnauthorized ErrorCode = "unauthorized"
	// CodeForbidden: the role may not take the action.
	CodeForbidden   ErrorCode = "forbidden"
	CodeTooLarge    ErrorCode = "too_large"
	CodeNotXML      ErrorCode = "not_xml"
	CodeUnavailable ErrorCode = "unavailable"
	CodeInternal    ErrorCode = "internal"
	// CodeBusy: intake waited too long for a turn (503 with Retry-After).
	CodeBusy ErrorCode = "busy"
	// CodeRateLimited: over the key's or the client address's rate (429).
	CodeRateLimited ErrorCode = "rate_limited"
)

// Problem is one thing wrong with an input, at its path in the port's own
// message (samples/README.md gives the conventions). Code is api.md's error
// code (invalid_uscc, missing_field, ...). An empty Path means no element is
// to blame.
type Problem struct {
	Path    string
	Code    string
	Message string
}

// Error is the gateway's one application error. Message is for the user;
// Problems, when set, lists every problem found, not the first.
type Error struct {
	Code     ErrorCode
	Message  string
	Problems []Problem
}

func (e *Error) Error() string {
	if len(e.Problems) == 0 {
		return fmt.Sprintf("%s: %s", e.Code, e.Message)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s:", e.Code, e.Message)
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteByte(';')
		}
		fmt.Fprintf(&b, " %s %s (%s)", p.Path, p.Code, p.Message)
	}
	return b.String()
}

// Errorf returns an *Error with a formatted message.
func Errorf(code ErrorCode, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCodeOf returns the code of the first *Error in err's chain, or
// CodeInternal for anything unclassified, and "" for nil.
func ErrorCodeOf(err error) ErrorCode {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// ErrorMessage returns the user-facing message of err, or a generic one for
// internal errors whose text is for operators only.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// ProblemsOf returns the problems carried by err, if any.
func ProblemsOf(err error) []Problem {
	var e *Error
	if errors.As(err, &e) {
		return e.Problems
	}
	return nil
}

// Problems collects problems while a message is checked, so that every one
// is reported at once.
type Problems []Problem

// Add records a problem.
func (ps *Problems) Add(path, code, format string, args ...any) {
	msg := format
	if len(args) > 0 {
		// A value quoted in a message is the sender's, of any length: at
		// most MaxQuoted characters of it are quoted (api.md "Hostile input").
		for i, a := range args {
			if s, ok := a.(string); ok && len(s) > MaxQuoted {
				args[i] = Quote(s, MaxQuoted)
			}
		}
		msg = fmt.Sprintf(format, args...)
	}
	*ps = append(*ps, Problem{Path: path, Code: code, Message: msg})
}

// Err returns nil when there are no problems, else an *Error of code with them.
func (ps Problems) Err(code ErrorCode, message string) error {
	if len(ps) == 0 {
		return nil
	}
	return &Error{Code: code, Message: message, Problems: ps}
}

// Problem codes of api.md.
const (
	ProblemNotXML                  = "not_xml"
	ProblemTooLarge                = "too_large"
	ProblemMalformedXML            = "malformed_xml"
	ProblemDoctypeForbidden        = "doctype_forbidden"
	ProblemEncodingMismatch        = "encoding_mismatch"
	ProblemTooDeep                 = "too_deep"
	ProblemValueTooLong            = "value_too_long"
	ProblemTooManyErrors           = "too_many_errors"
	ProblemUnknownRoot             = "unknown_root"
	ProblemMissingField            = "missing_field"
	ProblemDuplicateKey            = "duplicate_key"
	ProblemInvalidUSCC             = "invalid_uscc"
	ProblemInvalidHSCode           = "invalid_hs_code"
	ProblemInvalidCIQCode          = "invalid_ciq_code"
	ProblemInvalidContainerNumber  = "invalid_container_number"
	ProblemInvalidAWB              = "invalid_awb"
	ProblemInvalidDate             = "invalid_date"
	ProblemInvalidQuantity         = "invalid_quantity"
	ProblemInvalidValue            = "invalid_value"
	ProblemInvalidDistrict         = "invalid_district"
	ProblemUnknownCountry          = "unknown_country"
	ProblemUnknownCurrency         = "unknown_currency"
	ProblemUnknownUnit             = "unknown_unit"
	ProblemUnknownTransportMode    = "unknown_transport_mode"
	ProblemUnknownTradeMode        = "unknown_trade_mode"
	ProblemUnknownCustomsCode      = "unknown_customs_code"
	ProblemUnknownBureau           = "unknown_bureau"
	ProblemUnknownUNNumber         = "unknown_un_number"
	ProblemInvalidEnum             = "invalid_enum"
	ProblemHazchemIncomplete       = "hazchem.declaration_incomplete"
	ProblemFoodRegistrationMissing = "food.registration_missing"
	ProblemResultContradictsRules  = "result_contradicts_rules"
)
