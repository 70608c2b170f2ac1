package gitlabtest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/gitprovider/gitprovider/gitlab/gitlabtest"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

// Example serves the fake over HTTP with httptest and calls the API as any
// GitLab client would.
func Example() {
	srv := gitlabtest.New()
	srv.CreateUser("bot", "")
	_, _ = srv.CreateProject("group/sub/project", gitlabtest.RepoOptions{Files: map[string]string{"README.md": "hi\n"}})
	_ = srv.AddMember("group", "bot", gitlabtest.Developer)
	token, _ := srv.IssueToken("bot", vcstest.TokenOptions{Scopes: []string{"read_api"}})

	ts := httptest.NewServer(srv)
	defer ts.Close()
	req, _ := http.NewRequest(http.MethodGet, ts.URL+"/api/v4/projects/group%2Fsub%2Fproject", nil)
	req.Header.Set("PRIVATE-TOKEN", token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	var project struct {
		PathWithNamespace string `json:"path_with_namespace"`
		Permissions       struct {
			GroupAccess struct {
				AccessLevel int `json:"access_level"`
			} `json:"group_access"`
		} `json:"permissions"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&project)
	fmt.Println(resp.StatusCode, project.PathWithNamespace, project.Permissions.GroupAccess.AccessLevel)
	// Output: 200 group/sub/project 30
}
