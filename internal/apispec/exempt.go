package apispec

import (
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/gitprovider/gitprovider/internal/fakehttp"
)

// exemption is one Exempt call: the exchanges it waives while its test runs.
type exemption struct {
	test, method, path, reason string
	status                     int
}

var (
	exemptMu sync.Mutex
	exempts  []*exemption
)

// Exempt waives, while the test t runs, the exchanges with method and path
// (the request's escaped URL path, e.g. "/2.0/workspaces"; with "?query"
// the query must be that too) that a fake
// answers with status. It is for a fake's own tests that send, on purpose,
// a request the host refuses (a removed endpoint answered 410, a preview
// api-version, a method the host does not allow): the description has no
// operation or status for them, and must not get one. reason says why;
// the report counts each exempted exchange under it. An exemption no
// exchange used fails t, so it cannot outlive the behaviour it was for.
func Exempt(t testing.TB, method, path string, status int, reason string) {
	t.Helper()
	e := &exemption{test: t.Name(), method: method, path: path, status: status, reason: reason}
	used := 0
	exemptMu.Lock()
	exempts = append(exempts, e)
	usedBy[e] = &used
	exemptMu.Unlock()
	t.Cleanup(func() {
		exemptMu.Lock()
		defer exemptMu.Unlock()
		for i, x := range exempts {
			if x == e {
				exempts = append(exempts[:i], exempts[i+1:]...)
				break
			}
		}
		if *usedBy[e] == 0 {
			t.Errorf("apispec.Exempt(%s %s %d): no exchange used it (%s)", method, path, status, reason)
		}
		delete(usedBy, e)
	})
}

// usedBy counts the exchanges each exemption waived (guarded by exemptMu).
var usedBy = map[*exemption]*int{}

// exempted reports whether an Exempt call waives x, and counts it in the
// report's fix-ups.
func (c *Checker) exempted(x fakehttp.Exchange) bool {
	exemptMu.Lock()
	var hit *exemption
	for _, e := range exempts {
		path := x.Request.URL.EscapedPath()
		if strings.Contains(e.path, "?") {
			path += "?" + x.Request.URL.RawQuery
		}
		if e.method == x.Request.Method && e.path == path && e.status == x.Status {
			hit = e
			*usedBy[e]++
			break
		}
	}
	exemptMu.Unlock()
	if hit == nil {
		return false
	}
	c.count(func() {
		if c.fixupsUsed == nil {
			c.fixupsUsed = map[string]int{}
		}
		c.fixupsUsed["exempt in "+hit.test+": "+hit.method+" "+hit.path+" "+strconv.Itoa(hit.status)+": "+hit.reason]++
	})
	return true
}
