package vcs

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Permission is one of the three things the workflow needs a token to do.
type Permission string

// The permissions CheckAccess reports on, in the order of the setup guide.
const (
	PermReadRepository Permission = "read_repository"
	PermCreateWebhook  Permission = "create_webhook"
	PermWriteComment   Permission = "write_comment"
)

// Permissions lists the three permissions in report order.
var Permissions = []Permission{PermReadRepository, PermCreateWebhook, PermWriteComment}

// Grant is what CheckAccess learned about one permission.
type Grant string

// Grants.
const (
	// Granted: the token has the permission.
	Granted Grant = "granted"
	// Missing: the token lacks the permission; Remediation says what to
	// add and where.
	Missing Grant = "missing"
	// Unknown: the host gave no way to tell without making a change.
	Unknown Grant = "unknown"
)

// PermissionCheck is the verdict on one permission.
type PermissionCheck struct {
	Permission Permission `json:"permission"` // The permission checked.
	Grant      Grant      `json:"grant"`      // The verdict.
	// Detail says what the verdict is based on (a scope, a role).
	Detail string `json:"detail,omitempty"`
	// Remediation is a sentence a human can follow to fix a missing or
	// unknown permission. Empty when granted.
	Remediation string `json:"remediation,omitempty"`
}

// AccessReport is what CheckAccess found out about a token.
type AccessReport struct {
	Provider Kind `json:"provider"` // The host kind.
	// APIURL is the API root the provider talks to.
	APIURL string `json:"apiUrl"`
	// User is the login of the token's user (for project or repository
	// tokens, the bot user the host created for it).
	User string `json:"user"`
	// TokenKind describes the credential when the host tells, e.g.
	// "classic personal access token" or "project access token".
	TokenKind string `json:"tokenKind,omitempty"`
	// Scopes are the token's scopes when the host tells; nil when unknown.
	Scopes []string `json:"scopes,omitempty"`
	// ExpiresAt is the token's expiry when known; nil when the token does
	// not expire or the host does not tell.
	ExpiresAt *time.Time `json:"expiresAt,omitempty"`
	// Repository is the repository the permissions were checked on.
	Repository string `json:"repository"`
	// Checks holds one verdict per permission, in the order of
	// Permissions.
	Checks []PermissionCheck `json:"checks"`
	// Notes are other findings worth showing an admin (for example that a
	// token expires soon).
	Notes []string `json:"notes,omitempty"`
}

// Check returns the verdict on p.
func (r *AccessReport) Check(p Permission) PermissionCheck {
	for _, c := range r.Checks {
		if c.Permission == p {
			return c
		}
	}
	return PermissionCheck{Permission: p, Grant: Unknown}
}

// OK reports whether every permission is granted.
func (r *AccessReport) OK() bool {
	for _, p := range Permissions {
		if r.Check(p).Grant != Granted {
			return false
		}
	}
	return true
}

// Missing returns the checks that are not granted.
func (r *AccessReport) Missing() []PermissionCheck {
	var out []PermissionCheck
	for _, p := range Permissions {
		if c := r.Check(p); c.Grant != Granted {
			out = append(out, c)
		}
	}
	return out
}

// String renders the report as a few lines of text for logs and CLIs.
func (r *AccessReport) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s as %q", r.Provider, r.APIURL, r.User)
	if r.TokenKind != "" {
		fmt.Fprintf(&b, " (%s)", r.TokenKind)
	}
	b.WriteString("\n")
	if r.Scopes != nil {
		fmt.Fprintf(&b, "  scopes: %s\n", strings.Join(r.Scopes, ", "))
	}
	if r.ExpiresAt != nil {
		fmt.Fprintf(&b, "  expires: %s\n", r.ExpiresAt.UTC().Format(time.RFC3339))
	}
	for _, p := range Permissions {
		c := r.Check(p)
		fmt.Fprintf(&b, "  %-16s %-8s", c.Permission, c.Grant)
		if c.Detail != "" {
			fmt.Fprintf(&b, " %s", c.Detail)
		}
		if c.Remediation != "" {
			fmt.Fprintf(&b, " -> %s", c.Remediation)
		}
		b.WriteString("\n")
	}
	for _, c := range r.Checks {
		if slices.Contains(Permissions, c.Permission) {
			continue
		}
		fmt.Fprintf(&b, "  %-16s %-8s", c.Permission, c.Grant)
		if c.Detail != "" {
			fmt.Fprintf(&b, " %s", c.Detail)
		}
		if c.Remediation != "" {
			fmt.Fprintf(&b, " -> %s", c.Remediation)
		}
		b.WriteString("\n")
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "  note: %s\n", n)
	}
	return b.String()
}
