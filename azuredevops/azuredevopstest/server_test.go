package azuredevopstest_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gitprovider/gitprovider/azuredevops/azuredevopstest"
	"github.com/gitprovider/gitprovider/internal/apispec"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

func get(t *testing.T, c *http.Client, url, pat string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.SetBasicAuth("", pat)
	req.Header.Set("X-TFS-FedAuthRedirect", "Suppress")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return resp.StatusCode, m
}

func TestAPIVersions(t *testing.T) {
	apispec.Exempt(t, http.MethodGet, "/_apis/profile/profiles/me?api-version=7.1-preview.3", http.StatusOK,
		"the fake still accepts the -preview api-version older clients send (as the host does); the description's api-version is the released 7.1 only, and the test asks the preview on purpose")
	s := azuredevopstest.New()
	pat := s.CreatePAT("", azuredevopstest.PATOptions{Scopes: append(append([]string{}, azuredevopstest.FullScopes...), azuredevopstest.ScopeProfile)})
	c := s.Client()
	for _, tc := range []struct {
		url    string
		status int
		msg    string
	}{
		{s.URL() + "/_apis/connectionData", 400, "No api-version"},
		{s.URL() + "/_apis/connectionData?api-version=7.2", 400, "out of range"},
		{s.URL() + "/_apis/connectionData?api-version=7.1", 200, ""},
		{"https://" + azuredevopstest.VSSPSHost + "/_apis/profile/profiles/me?api-version=7.1", 200, ""},
		{"https://" + azuredevopstest.VSSPSHost + "/_apis/profile/profiles/me?api-version=7.1-preview.3", 200, ""},
		{"https://dev.azure.com/other-org/_apis/connectionData?api-version=7.1", 404, "organization"},
		{"https://fabrikam.visualstudio.com/DefaultCollection/_apis/projects?api-version=7.1", 200, ""},
	} {
		status, body := get(t, c, tc.url, pat)
		msg, _ := body["message"].(string)
		if status != tc.status || !strings.Contains(msg, tc.msg) {
			t.Errorf("GET %s = %d %q, want %d %q", tc.url, status, msg, tc.status, tc.msg)
		}
	}

	srv := azuredevopstest.New(azuredevopstest.WithServer("https://tfs.example.com/tfs/DefaultCollection"))
	pat = srv.CreatePAT("", azuredevopstest.PATOptions{Scopes: azuredevopstest.FullScopes})
	if status, body := get(t, srv.Client(), srv.URL()+"/_apis/connectionData?api-version=7.1", pat); status != 400 || !strings.Contains(body["message"].(string), "7.0") {
		t.Errorf("Server with 7.1 = %d %v", status, body)
	}
	if status, body := get(t, srv.Client(), srv.URL()+"/_apis/connectionData?api-version=7.0", pat); status != 200 || body["deploymentType"] != "onPremises" {
		t.Errorf("Server with 7.0 = %d %v", status, body)
	}
}

// The account-wide profile call tells a PAT without User Profile (Read)
// (refused, naming its user) from a PAT bound to one organization
// (refused as the anonymous identity).
func TestAccountWideRefusals(t *testing.T) {
	s := azuredevopstest.New()
	profile := "https://" + azuredevopstest.VSSPSHost + "/_apis/profile/profiles/me?api-version=7.1"
	user := ""
	for _, tc := range []struct {
		name    string
		opts    azuredevopstest.PATOptions
		status  int
		namesID func() string
	}{
		{"with profile scope", azuredevopstest.PATOptions{Scopes: []string{azuredevopstest.ScopeProfile}}, 200, nil},
		{"without profile scope", azuredevopstest.PATOptions{Scopes: azuredevopstest.FullScopes}, 401, func() string { return user }},
		{"one organization", azuredevopstest.PATOptions{Scopes: []string{azuredevopstest.ScopeProfile}, Organization: s.Organization()}, 401,
			func() string { return azuredevopstest.AnonymousID }},
	} {
		pat := s.CreatePAT("", tc.opts)
		req, _ := http.NewRequest(http.MethodGet, profile, nil)
		req.SetBasicAuth("", pat)
		req.Header.Set("X-TFS-FedAuthRedirect", "Suppress")
		resp, err := s.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("%s: status %d, want %d", tc.name, resp.StatusCode, tc.status)
			continue
		}
		if tc.status == 200 {
			user, _ = body["id"].(string)
			if !strings.HasPrefix(resp.Header.Get("X-VSS-UserData"), user+":") || user == "" {
				t.Errorf("%s: X-VSS-UserData %q does not name user %q", tc.name, resp.Header.Get("X-VSS-UserData"), user)
			}
			continue
		}
		if msg, _ := body["message"].(string); !strings.Contains(msg, "'"+tc.namesID()+"'") {
			t.Errorf("%s: refusal %q does not name %s", tc.name, msg, tc.namesID())
		}
	}
}

func TestServeHTTPWithHTTPTest(t *testing.T) {
	s := azuredevopstest.New()
	if err := s.CreateRepository("P/r", vcstest.RepositoryOptions{Files: map[string]string{"a.sql": "SELECT 1;\n"}}); err != nil {
		t.Fatal(err)
	}
	pat := s.CreatePAT("", azuredevopstest.PATOptions{Scopes: []string{azuredevopstest.ScopeCode}})
	ts := httptest.NewServer(s)
	defer ts.Close()
	apispec.Exempt(t, http.MethodGet, "/fabrikam/P/_apis/git/repositories/r/items?path=/a.sql&api-version=7.1", http.StatusOK,
		"served by an httptest server on a loopback host, which the checker takes for an Azure DevOps Server collection (described at 7.0); this fake is Azure DevOps Services, answering 7.1")
	req, _ := http.NewRequest(http.MethodGet, ts.URL+"/fabrikam/P/_apis/git/repositories/r/items?path=/a.sql&api-version=7.1", nil)
	req.Header.Set("Accept", "application/octet-stream")
	req.SetBasicAuth("", pat)
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Equal(b, []byte("SELECT 1;\n")) {
		t.Errorf("items through httptest = %d %q", resp.StatusCode, b)
	}
}

func TestSubscriptionPasswordIsMasked(t *testing.T) {
	s := azuredevopstest.New()
	if err := s.CreateRepository("P/r", vcstest.RepositoryOptions{Files: map[string]string{"a": "a"}}); err != nil {
		t.Fatal(err)
	}
	repoID, projectID, _ := s.RepoID("P/r")
	pat := s.CreatePAT("", azuredevopstest.PATOptions{Scopes: azuredevopstest.FullScopes})
	body, _ := json.Marshal(map[string]any{
		"publisherId": "tfs", "eventType": "git.pullrequest.created", "resourceVersion": "1.0",
		"consumerId": "webHooks", "consumerActionId": "httpRequest",
		"publisherInputs": map[string]string{"projectId": projectID, "repository": repoID},
		"consumerInputs":  map[string]string{"url": "https://example.test/hook", "basicAuthUsername": "u", "basicAuthPassword": "p4ss"},
	})
	req, _ := http.NewRequest(http.MethodPost, s.URL()+"/_apis/hooks/subscriptions?api-version=7.1", bytes.NewReader(body))
	req.SetBasicAuth("", pat)
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || bytes.Contains(b, []byte("p4ss")) || !bytes.Contains(b, []byte("********")) {
		t.Errorf("create subscription = %d %s", resp.StatusCode, b)
	}
	if subs := s.Subscriptions(); len(subs) != 1 || subs[0].ConsumerInputs["basicAuthPassword"] != "p4ss" {
		t.Errorf("stored subscriptions = %+v", subs)
	}
}
