package apispec

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gitprovider/gitprovider/internal/fakehttp"
)

// Every description loads and every fix-up's patch still finds what it
// corrects.
func TestDescriptionsLoad(t *testing.T) {
	entries, err := files.ReadDir("testdata")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, host := range entries {
		descs, _ := files.ReadDir("testdata/" + host.Name())
		for _, d := range descs {
			if !strings.HasSuffix(d.Name(), ".json") || d.Name() == "trim.json" || d.Name() == "webhooks.json" {
				continue
			}
			if _, err := Load(host.Name() + "/" + d.Name()); err != nil {
				t.Error(err)
			}
			n++
		}
	}
	if n < 6 {
		t.Errorf("loaded %d descriptions, want the six of GitHub, Bitbucket and Azure DevOps at least", n)
	}
}

func exchange(method, target, body string, status int, respBody string) fakehttp.Exchange {
	req := httptest.NewRequest(method, target, nil)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	h := http.Header{"Content-Type": {"application/json; charset=utf-8"}}
	return fakehttp.Exchange{Request: req, RequestBody: []byte(body), Status: status, Header: h, Body: []byte(respBody)}
}

func TestCheckerFindsViolations(t *testing.T) {
	for _, tc := range []struct {
		name string
		x    fakehttp.Exchange
		want string // "" for no violation
	}{
		{"valid comment edit", exchange("PATCH", "https://api.github.com/repos/o/r/issues/comments/0", `{"body":"x"}`, 404, `{"message":"Not Found","documentation_url":"https://docs.github.com"}`), ""},
		{"comment edit without its required body", exchange("PATCH", "https://api.github.com/repos/o/r/issues/comments/0", `{}`, 404, `{"message":"Not Found"}`), `property "body" is missing`},
		{"unknown operation", exchange("GET", "https://api.github.com/repos/o/r/teleport", "", 200, `{}`), "no operation"},
		{"wrong type in an answer", exchange("GET", "https://api.github.com/repos/o/r/hooks", "", 200, `[{"id":"seven"}]`), "value must be an integer"},
		{"GHES path under /api/v3 with a slash-bearing file path", exchange("GET", "https://ghe.example/api/v3/repos/o/r/contents/dir/a.sql?ref=main", "", 404, `{"message":"Not Found"}`), ""},
		{"Azure route ignores case; released api-version", exchange("GET", "https://app.vssps.visualstudio.com/_apis/Profile/profiles/me?api-version=7.1", "", 401, `{"message":"TF400813: not authorized","typeKey":"UnauthorizedRequestException"}`), ""},
		{"Azure preview api-version where the operation is released", exchange("GET", "https://app.vssps.visualstudio.com/_apis/profile/profiles/me?api-version=7.1-preview.3", "", 401, ``), "api-version"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var c *Checker
			switch {
			case strings.Contains(tc.x.Request.URL.Host, "visualstudio"):
				c = AzureDevOps()
				c.Lenient = nil
			default:
				c = GitHub()
				c.Lenient = nil
			}
			c.Exchange(tc.x)
			got, _ := c.Violations()
			if tc.want == "" && len(got) > 0 {
				t.Errorf("violations %q, want none", got)
			}
			if tc.want != "" && (len(got) == 0 || !strings.Contains(strings.Join(got, "\n"), tc.want)) {
				t.Errorf("violations %q, want one containing %q", got, tc.want)
			}
		})
	}
}

func TestDeliveryChecked(t *testing.T) {
	c := GitHub()
	c.Lenient = nil
	req := httptest.NewRequest("POST", "https://receiver.example/hook", nil)
	req.Header.Set("X-GitHub-Event", "ping")
	req.Header.Set("Content-Type", "application/json")
	c.Delivery(req, []byte(`{"zen":"Keep it logically awesome.","hook_id":"not a number"}`))
	got, _ := c.Violations()
	if len(got) == 0 || !strings.Contains(got[0], "delivery ping") {
		t.Errorf("violations %q, want the ping's bad hook_id", got)
	}
	if r := c.Report(); r.Deliveries != 1 {
		t.Errorf("report %+v, want one delivery validated", r)
	}
}
