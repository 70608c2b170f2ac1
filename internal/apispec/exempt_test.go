package apispec

import (
	"strings"
	"testing"
)

// An exemption waives only its method, path (and query, when given) and
// status, only while its test runs, and is reported with its reason.
func TestExemptIsNarrow(t *testing.T) {
	c := Bitbucket()
	t.Run("exempted", func(t *testing.T) {
		Exempt(t, "GET", "/2.0/workspaces", 410, "removed endpoint, asked on purpose")
		c.Exchange(exchange("GET", "https://api.bitbucket.org/2.0/workspaces", "", 410, `{"type":"error","error":{"message":"gone"}}`))
		c.Exchange(exchange("GET", "https://api.bitbucket.org/2.0/workspaces", "", 418, `{}`)) // other status: checked
	})
	c.Exchange(exchange("GET", "https://api.bitbucket.org/2.0/workspaces", "", 410, `{}`)) // after the test: checked
	got, _ := c.Violations()
	if len(got) != 2 || !strings.Contains(got[0], "status 418") || !strings.Contains(got[0], "x1") || !strings.Contains(got[1], "status 410") || !strings.Contains(got[1], "x1") {
		t.Errorf("violations %q, want 418 once (other status) and 410 once (after the test)", got)
	}
	rep := c.Report().String()
	if !strings.Contains(rep, `exempt in TestExemptIsNarrow/exempted: GET /2.0/workspaces 410: removed endpoint, asked on purpose" waived 1`) {
		t.Errorf("report does not count the exemption:\n%s", rep)
	}

	q := AzureDevOps()
	t.Run("with query", func(t *testing.T) {
		Exempt(t, "GET", "/_apis/profile/profiles/me?api-version=7.1-preview.3", 200, "preview asked on purpose")
		q.Exchange(exchange("GET", "https://app.vssps.visualstudio.com/_apis/profile/profiles/me?api-version=7.1-preview.3", "", 200, `{}`))
		q.Exchange(exchange("GET", "https://app.vssps.visualstudio.com/_apis/profile/profiles/me?api-version=7.0-preview.1", "", 200, `{}`)) // other query: checked
	})
	if got, _ := q.Violations(); len(got) != 1 || !strings.Contains(got[0], "api-version") {
		t.Errorf("violations %q, want the other query's api-version only", got)
	}
}
