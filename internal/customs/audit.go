package customs

import "time"

// AuditEntry is one state-changing call in the audit trail: who made it
// (the key's id and role, never the key), when, under which request id,
// what it did (an action and its target) and how it ended.
type AuditEntry struct {
	ID        int64
	At        time.Time
	KeyID     string
	Role      CallerRole
	Actor     string // Principal.Actor: "port:tianjin", "admin:ops"
	RequestID string
	Action    AuditAction
	Target    string
	// Outcome is "ok" for a call that did what it asked, else the error
	// code it was answered with ("forbidden", "conflict", ...): refused
	// attempts are part of the trail too.
	Outcome string
	Status  int
}

// AuditAction names what a call does: a noun and a verb.
type AuditAction string

// The actions the trail records.
const (
	AuditSubmit          AuditAction = "declaration.submit"
	AuditClaim           AuditAction = "task.claim"
	AuditResult          AuditAction = "task.result"
	AuditDecision        AuditAction = "decision.record"
	AuditReplay          AuditAction = "delivery.replay"
	AuditReplayMatching  AuditAction = "delivery.replay_matching"
	AuditKeyCreate       AuditAction = "key.create"
	AuditKeyRevoke       AuditAction = "key.revoke"
	AuditAlertCreate     AuditAction = "risk_alert.create"
	AuditAlertEnd        AuditAction = "risk_alert.end"
	AuditWebhookRegister AuditAction = "webhook.register"
	AuditWebhookDelete   AuditAction = "webhook.delete"
	AuditWebhookResume   AuditAction = "webhook.resume"
	AuditCreditSyncStart AuditAction = "credit.sync"
	AuditWarningIssue    AuditAction = "warning.issue"
	AuditWarningAck      AuditAction = "warning.ack"
	AuditWarningLift     AuditAction = "warning.lift"
	AuditDocumentIssue   AuditAction = "document.issue"
	AuditDocumentRevoke  AuditAction = "document.revoke"
	// AuditTrace is a trace across the ports (warnings.md): it reads
	// across scopes, so every call is in the trail with its criteria.
	AuditTrace AuditAction = "trace"
)

// AuditFilter selects entries of the trail, newest first.
type AuditFilter struct {
	Since  time.Time // zero: from the start
	Actor  string    // a key id or an actor ("port:tianjin"); "": anyone
	Action AuditAction
	Before int64 // entries with a smaller id (the cursor); 0: from the newest
	Limit  int
}
