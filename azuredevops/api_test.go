package azuredevops_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/gitprovider/gitprovider/azuredevops"
	"github.com/gitprovider/gitprovider/azuredevops/azuredevopstest"
	"github.com/gitprovider/gitprovider/vcs"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

func ptr(s string) *string { return &s }

func TestReadFileRefs(t *testing.T) {
	f, fx := newFixture(t)
	p := open(t, f.Config(f.Token(vcstest.TokenFull)))
	if _, err := f.PushTag(fixtureRepo, "v1.0", fx.DefaultBranch); err != nil {
		t.Fatal(err)
	}
	// A later commit on main, so the tag and the branch differ.
	head, _, err := f.Push(fixtureRepo, fx.DefaultBranch, map[string]*string{"migrations/001_init.sql": ptr("-- v2\n")})
	if err != nil {
		t.Fatal(err)
	}
	base := fx.BaseFiles["migrations/001_init.sql"]
	for _, c := range []struct{ ref, want string }{
		{"", "-- v2\n"},
		{"main", "-- v2\n"},
		{"refs/heads/main", "-- v2\n"},
		{"v1.0", base},           // no branch of that name: read as a tag
		{"refs/tags/v1.0", base}, // explicit tag
		{head, "-- v2\n"},        // a 40-hex SHA is a commit
		{strings.ToUpper(head), "-- v2\n"},
	} {
		file, err := p.ReadFile(ctx(t), fixtureRepo, "migrations/001_init.sql", c.ref)
		if err != nil || string(file.Content) != c.want || file.Ref != c.ref || file.Path != "migrations/001_init.sql" {
			t.Errorf("ReadFile at %q = %+v, %v; want %q", c.ref, file, err, c.want)
		}
	}
	for _, ref := range []string{"no-such-ref", "refs/tags/main", strings.Repeat("a", 40)} {
		if _, err := p.ReadFile(ctx(t), fixtureRepo, "README.md", ref); !errors.Is(err, vcs.ErrNotFound) {
			t.Errorf("ReadFile at %q = %v, want ErrNotFound", ref, err)
		}
	}
	// A directory is not a file.
	if _, err := p.ReadFile(ctx(t), fixtureRepo, "migrations", ""); err == nil {
		t.Error("ReadFile of a directory succeeded")
	}
	// Binary content comes back unchanged.
	bin := string([]byte{0, 1, 2, 0xff, '\n'})
	if _, _, err := f.Push(fixtureRepo, "bin", map[string]*string{"blob.bin": &bin}); err != nil {
		t.Fatal(err)
	}
	file, err := p.ReadFile(ctx(t), fixtureRepo, "blob.bin", "bin")
	if err != nil || string(file.Content) != bin {
		t.Errorf("binary ReadFile = %q, %v", file.Content, err)
	}
}

// roundTripFunc adapts a function to http.RoundTripper.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// zeros reads n zero bytes without holding them.
type zeros struct{ n int64 }

func (z *zeros) Read(b []byte) (int, error) {
	if z.n <= 0 {
		return 0, io.EOF
	}
	m := min(int64(len(b)), z.n)
	clear(b[:m])
	z.n -= m
	return int(m), nil
}

func TestReadFileSizeCap(t *testing.T) {
	f, _ := newFixture(t)
	const limit = 4096
	azuredevops.SetMaxFileSize(t, limit)
	for _, c := range []struct {
		size     int64
		chunked  bool // no Content-Length
		tooLarge bool
	}{
		{limit, false, false},
		{limit, true, false},
		{limit + 1, false, true},
		{limit + 1, true, true},
		{10 * limit, true, true},
	} {
		// The fake's answer for the file is replaced by a stream of the
		// given size.
		cfg := f.Config(f.Token(vcstest.TokenFull))
		fakeRT := cfg.HTTPClient.Transport
		cfg.HTTPClient = &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			resp, err := fakeRT.RoundTrip(r)
			if err == nil && strings.HasSuffix(r.URL.Path, "/items") && resp.StatusCode == http.StatusOK {
				resp.Body.Close()
				resp.Body, resp.ContentLength = io.NopCloser(&zeros{c.size}), c.size
				if c.chunked {
					resp.ContentLength = -1
				}
			}
			return resp, err
		})}
		p := open(t, cfg)
		file, err := p.ReadFile(ctx(t), fixtureRepo, "README.md", "")
		switch {
		case c.tooLarge && (!errors.Is(err, vcs.ErrTooLarge) || file != nil):
			t.Errorf("ReadFile of %d bytes (chunked %t) = %v, %v; want ErrTooLarge and no file", c.size, c.chunked, file, err)
		case !c.tooLarge && err != nil:
			t.Errorf("ReadFile of exactly the limit (chunked %t) = %v", c.chunked, err)
		case !c.tooLarge && int64(len(file.Content)) != c.size:
			t.Errorf("ReadFile of exactly the limit (chunked %t) read %d bytes", c.chunked, len(file.Content))
		}
	}
}

func TestListDirectoryDetails(t *testing.T) {
	f, fx := newFixture(t)
	p := open(t, f.Config(f.Token(vcstest.TokenFull)))
	got, err := p.ListDirectory(ctx(t), fixtureRepo, "/schema/", "", false)
	if err != nil || len(got) != 1 || got[0].Path != "schema/v1" || got[0].Type != vcs.EntryDirectory || got[0].SHA == "" || got[0].Size != -1 {
		t.Errorf("ListDirectory(/schema/) = %+v, %v", got, err)
	}
	if _, err := p.ListDirectory(ctx(t), fixtureRepo, "README.md", "", false); !errors.Is(err, vcs.ErrInvalidArgument) {
		t.Errorf("ListDirectory of a file = %v, want ErrInvalidArgument", err)
	}
	if _, err := p.ListDirectory(ctx(t), fixtureRepo, "docs", "no-such-branch", true); !errors.Is(err, vcs.ErrNotFound) {
		t.Errorf("ListDirectory at a missing ref = %v, want ErrNotFound", err)
	}
	all, err := p.ListDirectory(ctx(t), fixtureRepo, "", fx.SourceBranch, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range all {
		if strings.HasPrefix(e.Path, "/") || e.Path == "" {
			t.Errorf("entry %+v has a bad path", e)
		}
	}
}

// listRepositoriesFixture seeds, beyond the conformance fixture, a
// disabled repository, a project only another user can see and a project
// being deleted: none of their repositories is listed.
func listRepositoriesFixture(t *testing.T) (*fake, vcstest.Fixture) {
	t.Helper()
	f, fx := newFixture(t)
	if err := f.DisableRepo("Project 00/repo-00"); err != nil {
		t.Fatal(err)
	}
	f.RestrictProject("Hidden", "someone@fabrikam.example")
	for _, repo := range []string{"Hidden/secret", "Going/old"} {
		if err := f.CreateRepository(repo, vcstest.RepositoryOptions{Files: map[string]string{"README.md": "x\n"}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.SetProjectState("Going", "deleting"); err != nil {
		t.Fatal(err)
	}
	return f, fx
}

func checkListed(t *testing.T, repos []*vcs.Repository, fx vcstest.Fixture) {
	t.Helper()
	ids := map[string]bool{}
	for _, r := range repos {
		if ids[r.ID] {
			t.Errorf("%s listed twice", r.ID)
		}
		ids[r.ID] = true
	}
	if len(repos) != fx.ExtraRepos || !ids[fixtureRepo] {
		t.Errorf("listed %d repositories, want %d with %s", len(repos), fx.ExtraRepos, fixtureRepo)
	}
	for _, gone := range []string{"Project 00/repo-00", "Hidden/secret", "Going/old"} {
		if ids[gone] {
			t.Errorf("%s listed (disabled, hidden from the user, or in a project being deleted)", gone)
		}
	}
	projects := map[string]bool{}
	for _, r := range repos {
		proj, _, _ := strings.Cut(r.ID, "/")
		projects[proj] = true
		if r.HostID == "" || r.CloneURL == "" || r.WebURL == "" || r.DefaultBranch == "" || !r.Private {
			t.Errorf("repository %+v", r)
		}
	}
	if len(projects) < 2 {
		t.Errorf("repositories of %d projects listed, want the fixture's several", len(projects))
	}
}

// isOrgRepoList reports whether a request-log line is the
// organization-wide GET {org}/_apis/git/repositories.
func isOrgRepoList(line string) bool {
	return strings.HasPrefix(line, "GET /fabrikam/_apis/git/repositories?")
}

// ListRepositories lists every project's repositories in one request,
// with Code (Read) alone.
func TestListRepositoriesInOneRequest(t *testing.T) {
	f, fx := listRepositoriesFixture(t)
	for name, scopes := range map[string][]string{
		"projects":        azuredevopstest.FullScopes,
		"code scope only": {azuredevopstest.ScopeCode},
	} {
		t.Run(name, func(t *testing.T) {
			p := open(t, f.Config(f.CreatePAT("", azuredevopstest.PATOptions{Scopes: scopes})))
			before := len(f.RequestLog())
			repos, err := vcs.Collect(p.ListRepositories(ctx(t)))
			if err != nil {
				t.Fatal(err)
			}
			checkListed(t, repos, fx)
			log := f.RequestLog()[before:]
			if len(log) != 1 || !isOrgRepoList(log[0]) {
				t.Errorf("requests = %q, want one GET {org}/_apis/git/repositories", log)
			}
		})
	}
}

// Where the organization-wide list answers 404 (unconfirmed: no host is
// documented to), ListRepositories walks the projects.
func TestListRepositoriesFallsBackToProjects(t *testing.T) {
	f, fx := listRepositoriesFixture(t)
	p := open(t, f.Config(f.CreatePAT("", azuredevopstest.PATOptions{Scopes: azuredevopstest.FullScopes})))
	f.FailRequest(http.MethodGet, "/fabrikam/_apis/git/repositories", 0, http.StatusNotFound)
	before := len(f.RequestLog())
	repos, err := vcs.Collect(p.ListRepositories(ctx(t)))
	if err != nil {
		t.Fatal(err)
	}
	checkListed(t, repos, fx)
	perProject, projects := 0, 0
	for _, r := range f.RequestLog()[before:] {
		switch {
		case strings.HasPrefix(r, "GET /fabrikam/_apis/projects?"):
			projects++
		case strings.Contains(r, "/_apis/git/repositories?") && !isOrgRepoList(r):
			perProject++
		}
	}
	if projects == 0 || perProject == 0 {
		t.Errorf("fallback sent %d project-list and %d per-project requests", projects, perProject)
	}

	// The walk needs Project and Team (Read): without it the refusal says so.
	tok := f.CreatePAT("", azuredevopstest.PATOptions{Scopes: []string{azuredevopstest.ScopeCode}})
	p = open(t, f.Config(tok))
	f.FailRequest(http.MethodGet, "/fabrikam/_apis/git/repositories", 0, http.StatusNotFound)
	_, err = vcs.Collect(p.ListRepositories(ctx(t)))
	var ve *vcs.Error
	if !errors.Is(err, vcs.ErrPermissionDenied) || !errors.As(err, &ve) || ve.Hint == "" ||
		!strings.Contains(err.Error(), "Project and Team") || strings.Contains(err.Error(), tok) {
		t.Errorf("fallback without Project and Team (Read) = %v, want ErrPermissionDenied naming the scope, without the token", err)
	}
}

// Any other refusal of the organization-wide list is the answer: no walk.
func TestListRepositoriesRefusedWithoutFallback(t *testing.T) {
	f, _ := listRepositoriesFixture(t)
	tok := f.CreatePAT("", azuredevopstest.PATOptions{Scopes: azuredevopstest.FullScopes})
	p := open(t, f.Config(tok))
	f.FailRequest(http.MethodGet, "/fabrikam/_apis/git/repositories", 0, http.StatusForbidden)
	before := len(f.RequestLog())
	_, err := vcs.Collect(p.ListRepositories(ctx(t)))
	var ve *vcs.Error
	if !errors.Is(err, vcs.ErrPermissionDenied) || !errors.As(err, &ve) || ve.Hint == "" || strings.Contains(err.Error(), tok) {
		t.Errorf("ListRepositories refused with 403 = %v, want a typed ErrPermissionDenied with a hint", err)
	}
	for _, r := range f.RequestLog()[before:] {
		if strings.Contains(r, "/_apis/projects") {
			t.Errorf("a 403 started the project walk: %s", r)
		}
	}

	// Without Code (Read) the organization-wide list is refused with
	// the scope named.
	p = open(t, f.Config(f.CreatePAT("", azuredevopstest.PATOptions{Scopes: []string{azuredevopstest.ScopeProject}})))
	if _, err := vcs.Collect(p.ListRepositories(ctx(t))); !errors.Is(err, vcs.ErrPermissionDenied) || !strings.Contains(err.Error(), "Code") {
		t.Errorf("ListRepositories without Code (Read) = %v", err)
	}
}

func TestPullRequestLifecycle(t *testing.T) {
	f, fx := newFixture(t)
	p := open(t, f.Config(f.Token(vcstest.TokenFull)))
	n := f.PullRequest()
	before, err := p.GetPullRequest(ctx(t), fixtureRepo, n)
	if err != nil {
		t.Fatal(err)
	}
	if before.MergeCommitSHA != "" || before.BaseSHA == "" || !strings.Contains(before.WebURL, "/pullrequest/") || before.Author != azuredevopstest.DefaultUser {
		t.Errorf("open pull request = %+v", before)
	}
	// A push adds an iteration; the changed files follow it.
	if _, _, err := f.Push(fixtureRepo, fx.SourceBranch, map[string]*string{"migrations/005_more.sql": ptr("SELECT 5;\n")}); err != nil {
		t.Fatal(err)
	}
	files, err := p.ListPullRequestFiles(ctx(t), fixtureRepo, n)
	if err != nil || len(files) != len(fx.ExpectedChanges)+1 {
		t.Fatalf("after a push: %d files, %v", len(files), err)
	}
	for _, cf := range files {
		if strings.HasSuffix(cf.Path, "/bulk") || (cf.Status != vcs.FileRemoved && cf.SHA == "") {
			t.Errorf("changed file %+v", cf)
		}
	}
	after, _ := p.GetPullRequest(ctx(t), fixtureRepo, n)
	if after.HeadSHA == before.HeadSHA {
		t.Error("head SHA did not follow the push")
	}
	// Abandon, reactivate, complete.
	closable := f.ClosablePullRequest()
	if _, err := f.ClosePullRequest(fixtureRepo, closable); err != nil {
		t.Fatal(err)
	}
	if pr, _ := p.GetPullRequest(ctx(t), fixtureRepo, closable); pr.State != vcs.PullRequestClosed {
		t.Errorf("abandoned: %s", pr.State)
	}
	if _, err := f.ReopenPullRequest(fixtureRepo, closable); err != nil {
		t.Fatal(err)
	}
	if pr, _ := p.GetPullRequest(ctx(t), fixtureRepo, closable); pr.State != vcs.PullRequestOpen {
		t.Errorf("reactivated: %s", pr.State)
	}
	if _, err := f.MergePullRequest(fixtureRepo, n); err != nil {
		t.Fatal(err)
	}
	merged, _ := p.GetPullRequest(ctx(t), fixtureRepo, n)
	if merged.State != vcs.PullRequestMerged || merged.MergeCommitSHA == "" {
		t.Errorf("completed: %+v", merged)
	}
	// Pull request IDs are unique in the organization: another
	// repository does not know this one.
	if _, err := p.GetPullRequest(ctx(t), "Project 00/repo-00", n); !errors.Is(err, vcs.ErrNotFound) {
		t.Errorf("pull request of another repository = %v", err)
	}
}

func TestCommentThreads(t *testing.T) {
	f, fx := newFixture(t)
	p := open(t, f.Config(f.Token(vcstest.TokenFull)))
	n := f.PullRequest()
	// A push makes a system thread; a code comment has a file context; a
	// deleted thread is gone. None is a general comment.
	if _, _, err := f.Push(fixtureRepo, fx.SourceBranch, map[string]*string{"x.sql": ptr("x")}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.AddThread(fixtureRepo, n, "", "nit: naming", "/migrations/004_users.sql", 1); err != nil {
		t.Fatal(err)
	}
	gone, _ := f.AddThread(fixtureRepo, n, "", "deleted", "", 0)
	if err := f.DeleteThread(fixtureRepo, n, gone); err != nil {
		t.Fatal(err)
	}
	if list, err := p.ListComments(ctx(t), fixtureRepo, n); err != nil || len(list) != 0 {
		t.Fatalf("ListComments = %+v, %v; want none", list, err)
	}
	c, err := p.CreateComment(ctx(t), fixtureRepo, n, "report")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(c.ID, "/") || c.Author != azuredevopstest.DefaultUser || c.CreatedAt.IsZero() || !strings.Contains(c.WebURL, "discussionId="+c.ID) {
		t.Errorf("CreateComment = %+v", c)
	}
	// Replies are edited by "threadID/commentID".
	thread, err := strconv.Atoi(c.ID)
	if err != nil {
		t.Fatal(err)
	}
	reply, err := f.ReplyToThread(fixtureRepo, n, thread, "", "a reply")
	if err != nil {
		t.Fatal(err)
	}
	id := c.ID + "/" + strconv.Itoa(reply)
	up, err := p.UpdateComment(ctx(t), fixtureRepo, n, id, "edited reply")
	if err != nil || up.ID != id || up.Body != "edited reply" {
		t.Errorf("UpdateComment(%s) = %+v, %v", id, up, err)
	}
	list, _ := p.ListComments(ctx(t), fixtureRepo, n)
	if len(list) != 1 || list[0].Body != "report" {
		t.Errorf("a reply changed the general comment: %+v", list)
	}
	for _, bad := range []string{"", "x", "0", "1/", "/1", "1/x", "-3"} {
		if _, err := p.UpdateComment(ctx(t), fixtureRepo, n, bad, "x"); !errors.Is(err, vcs.ErrInvalidArgument) {
			t.Errorf("UpdateComment(%q) = %v, want ErrInvalidArgument", bad, err)
		}
	}
	if _, err := p.UpdateComment(ctx(t), fixtureRepo, n, c.ID+"/99", "x"); !errors.Is(err, vcs.ErrNotFound) {
		t.Errorf("UpdateComment of a missing reply = %v", err)
	}
	// Someone else's comment cannot be edited.
	f.AddMember("other@fabrikam.example", "Other", azuredevopstest.RoleContributor)
	other, _ := f.AddThread(fixtureRepo, n, "other@fabrikam.example", "theirs", "", 0)
	_, err = p.UpdateComment(ctx(t), fixtureRepo, n, strconv.Itoa(other), "mine now")
	if !errors.Is(err, vcs.ErrPermissionDenied) {
		t.Errorf("editing another user's comment = %v, want ErrPermissionDenied", err)
	}
	// A comment over the length limit is refused before any request; one
	// at the limit (counted in characters, not bytes) is posted.
	long := strings.Repeat("é", azuredevops.MaxCommentLength+1)
	before := f.Requests()
	if _, err := p.CreateComment(ctx(t), fixtureRepo, n, long); !errors.Is(err, vcs.ErrTooLarge) {
		t.Errorf("oversized CreateComment = %v, want ErrTooLarge", err)
	}
	if _, err := p.UpdateComment(ctx(t), fixtureRepo, n, c.ID, long); !errors.Is(err, vcs.ErrTooLarge) {
		t.Errorf("oversized UpdateComment = %v, want ErrTooLarge", err)
	}
	if got := f.Requests() - before; got != 0 {
		t.Errorf("oversized comments sent %d requests, want none", got)
	}
	if c, err := p.CreateComment(ctx(t), fixtureRepo, n, long[len("é"):]); err != nil || len([]rune(c.Body)) != azuredevops.MaxCommentLength {
		t.Errorf("comment of exactly MaxCommentLength characters = %v", err)
	}
}

func eventTypes(f *fake, url string) []string {
	var out []string
	for _, s := range f.Subscriptions() {
		if s.ConsumerInputs["url"] == url {
			out = append(out, s.EventType)
		}
	}
	sort.Strings(out)
	return out
}

func TestWebhookGroups(t *testing.T) {
	f, _ := newFixture(t)
	p := open(t, f.Config(f.Token(vcstest.TokenFull)))
	c := ctx(t)
	repoID, projectID, _ := f.RepoID(fixtureRepo)
	const url = vcstest.HookURL
	h, err := p.CreateWebhook(c, fixtureRepo, vcs.WebhookOptions{URL: url, Secret: "one"})
	if err != nil {
		t.Fatal(err)
	}
	if got := eventTypes(f, url); strings.Join(got, ",") != "git.pullrequest.created,git.pullrequest.merged,git.pullrequest.updated" {
		t.Fatalf("subscriptions after create: %v", got)
	}
	for _, s := range f.Subscriptions() {
		if s.PublisherInputs["repository"] != repoID || s.PublisherInputs["projectId"] != projectID ||
			s.ConsumerInputs["basicAuthPassword"] != "one" || s.ConsumerInputs["basicAuthUsername"] != azuredevops.WebhookUsername {
			t.Errorf("subscription %+v", s)
		}
	}
	// Push only: the PR subscriptions go, the ID stays.
	h2, err := p.UpdateWebhook(c, fixtureRepo, h.ID, vcs.WebhookOptions{URL: url, Secret: "two", Events: []vcs.WebhookEvent{vcs.WebhookEventPush}})
	if err != nil || h2.ID != h.ID {
		t.Fatalf("UpdateWebhook to push = %+v, %v", h2, err)
	}
	if got := eventTypes(f, url); strings.Join(got, ",") != "git.push" {
		t.Fatalf("subscriptions after push-only: %v", got)
	}
	// And back, inactive.
	h3, err := p.UpdateWebhook(c, fixtureRepo, h.ID, vcs.WebhookOptions{URL: url, Secret: "three", Inactive: true,
		Events: []vcs.WebhookEvent{vcs.WebhookEventPush, vcs.WebhookEventPullRequest}})
	if err != nil || h3.ID != h.ID || h3.Active {
		t.Fatalf("UpdateWebhook back = %+v, %v", h3, err)
	}
	if got := eventTypes(f, url); len(got) != 4 {
		t.Fatalf("subscriptions after PR+push: %v", got)
	}
	hooks, err := p.ListWebhooks(c, fixtureRepo)
	if err != nil || len(hooks) != 1 || hooks[0].ID != h.ID || hooks[0].Active || len(hooks[0].Events) != 2 {
		t.Fatalf("ListWebhooks = %+v, %v", hooks, err)
	}
	// An inactive webhook delivers nothing.
	if reqs, _ := f.Notify(fixtureRepo, f.PullRequest(), azuredevopstest.EventPullRequestCreated); len(reqs) != 0 {
		t.Errorf("inactive webhook delivered %d requests", len(reqs))
	}
	// A second URL is a second webhook; another repository's are not listed.
	other, err := p.CreateWebhook(c, fixtureRepo, vcs.WebhookOptions{URL: url + "/other", Secret: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.CreateWebhook(c, "Project 00/repo-00", vcs.WebhookOptions{URL: url, Secret: "x"}); err != nil {
		t.Fatal(err)
	}
	hooks, _ = p.ListWebhooks(c, fixtureRepo)
	if len(hooks) != 2 || hooks[0].ID != h.ID || hooks[1].ID != other.ID {
		t.Fatalf("ListWebhooks with two URLs = %+v", hooks)
	}
	// The webhook of another repository is not found through this one.
	theirs, _ := p.ListWebhooks(c, "Project 00/repo-00")
	if err := p.DeleteWebhook(c, fixtureRepo, theirs[0].ID); !errors.Is(err, vcs.ErrNotFound) {
		t.Errorf("DeleteWebhook of another repository's webhook = %v", err)
	}
	if err := p.DeleteWebhook(c, fixtureRepo, h.ID); err != nil {
		t.Fatal(err)
	}
	if got := eventTypes(f, url); len(got) != 3 { // only Project 00's
		t.Errorf("subscriptions left for the URL: %v", got)
	}
	if _, err := p.UpdateWebhook(c, fixtureRepo, h.ID, vcs.WebhookOptions{URL: url, Secret: "x"}); !errors.Is(err, vcs.ErrNotFound) {
		t.Errorf("UpdateWebhook of a deleted webhook = %v", err)
	}
	if err := p.DeleteWebhook(c, fixtureRepo, ""); !errors.Is(err, vcs.ErrInvalidArgument) {
		t.Errorf("DeleteWebhook(\"\") = %v", err)
	}
}

func TestDeliveriesReachTheHandler(t *testing.T) {
	f, fx := newFixture(t)
	p := open(t, f.Config(f.Token(vcstest.TokenFull)))
	const secret = "hook-secret"
	var got []*vcs.Event
	handler := vcs.NewWebhookHandler(azuredevops.NewParser(), secret, func(_ context.Context, ev *vcs.Event) error {
		got = append(got, ev)
		return nil
	})
	srv := httptest.NewServer(handler)
	defer srv.Close()
	if _, err := vcs.EnsureWebhook(ctx(t), p, fixtureRepo, vcs.WebhookOptions{URL: srv.URL + "/hook", Secret: secret,
		Events: []vcs.WebhookEvent{vcs.WebhookEventPullRequest, vcs.WebhookEventPush}}); err != nil {
		t.Fatal(err)
	}
	f.SetWebhookClient(srv.Client())
	if _, err := f.MergePullRequest(fixtureRepo, f.PullRequest()); err != nil {
		t.Fatal(err)
	}
	if errs := f.DeliveryErrors(); len(errs) != 0 {
		t.Fatalf("delivery errors: %v", errs)
	}
	var merged, push *vcs.Event
	for _, ev := range got {
		switch {
		case ev.Action == vcs.ActionMerged:
			merged = ev
		case ev.Kind == vcs.EventPush:
			push = ev
		}
	}
	if merged == nil || !merged.Merged || merged.MergeCommitSHA == "" || merged.Repository != fixtureRepo || merged.DeliveryID == "" {
		t.Errorf("merged event = %+v (of %d)", merged, len(got))
	}
	if push == nil || push.TargetBranch != fx.DefaultBranch || push.HeadSHA != merged.MergeCommitSHA {
		t.Errorf("push event = %+v", push)
	}
	if len(f.Deliveries()) != len(got) {
		t.Errorf("%d deliveries recorded, %d received", len(f.Deliveries()), len(got))
	}
}

func TestCreateWebhookUndoesAPartialCreate(t *testing.T) {
	f, _ := newFixture(t)
	p := open(t, f.Config(f.Token(vcstest.TokenFull)))
	// The second subscription fails: the first is deleted again.
	f.FailRequest(http.MethodPost, "/_apis/hooks/subscriptions", 1, http.StatusInternalServerError)
	_, err := p.CreateWebhook(ctx(t), fixtureRepo, vcs.WebhookOptions{URL: vcstest.HookURL, Secret: "s"})
	if !errors.Is(err, vcs.ErrUnavailable) {
		t.Fatalf("CreateWebhook = %v, want ErrUnavailable", err)
	}
	if subs := f.Subscriptions(); len(subs) != 0 {
		t.Errorf("%d subscriptions left after a failed create", len(subs))
	}
	// A failed update leaves a group that the next EnsureWebhook repairs.
	h, err := p.CreateWebhook(ctx(t), fixtureRepo, vcs.WebhookOptions{URL: vcstest.HookURL, Secret: "s"})
	if err != nil {
		t.Fatal(err)
	}
	f.FailRequest(http.MethodPost, "/_apis/hooks/subscriptions", 0, http.StatusInternalServerError)
	push := vcs.WebhookOptions{URL: vcstest.HookURL, Secret: "s2", Events: []vcs.WebhookEvent{vcs.WebhookEventPullRequest, vcs.WebhookEventPush}}
	if _, err := p.UpdateWebhook(ctx(t), fixtureRepo, h.ID, push); err == nil {
		t.Fatal("UpdateWebhook succeeded despite the failure")
	}
	res, err := vcs.EnsureWebhook(ctx(t), p, fixtureRepo, push)
	if err != nil || res.Created || res.Webhook.ID != h.ID {
		t.Fatalf("EnsureWebhook after a failed update = %+v, %v", res, err)
	}
	if got := eventTypes(f, vcstest.HookURL); len(got) != 4 {
		t.Errorf("subscriptions after repair: %v", got)
	}
}

func TestUpdateWebhookRepairsAHalfDoneURLChange(t *testing.T) {
	f, _ := newFixture(t)
	p := open(t, f.Config(f.Token(vcstest.TokenFull)))
	c := ctx(t)
	h, err := p.CreateWebhook(c, fixtureRepo, vcs.WebhookOptions{URL: vcstest.HookURL, Secret: "old"})
	if err != nil {
		t.Fatal(err)
	}
	moved := vcs.WebhookOptions{URL: vcstest.HookURL + "/v2", Secret: "new"}
	// The second PUT fails (a 400 is not retried): one subscription has
	// moved, the anchor has not.
	f.FailRequest(http.MethodPut, "/_apis/hooks/subscriptions/", 1, http.StatusBadRequest)
	if _, err := p.UpdateWebhook(c, fixtureRepo, h.ID, moved); err == nil {
		t.Fatal("UpdateWebhook succeeded despite the failure")
	}
	hooks, err := p.ListWebhooks(c, fixtureRepo)
	if err != nil || len(hooks) != 2 || hooks[0].ID != h.ID || hooks[0].URL != vcstest.HookURL {
		t.Fatalf("after the failed update, ListWebhooks = %+v, %v; want the anchor still at the old URL", hooks, err)
	}
	// Calling UpdateWebhook again with the same ID gathers both halves.
	got, err := p.UpdateWebhook(c, fixtureRepo, h.ID, moved)
	if err != nil || got.ID != h.ID {
		t.Fatalf("retried UpdateWebhook = %+v, %v", got, err)
	}
	hooks, err = p.ListWebhooks(c, fixtureRepo)
	if err != nil || len(hooks) != 1 || hooks[0].ID != h.ID || hooks[0].URL != moved.URL {
		t.Fatalf("after the retry, ListWebhooks = %+v, %v", hooks, err)
	}
	if old := eventTypes(f, vcstest.HookURL); len(old) != 0 {
		t.Errorf("subscriptions left at the old URL: %v", old)
	}
	for _, s := range f.Subscriptions() {
		if s.ConsumerInputs["basicAuthPassword"] != "new" {
			t.Errorf("subscription %s (%s) kept the old secret", s.ID, s.EventType)
		}
	}
	if types := eventTypes(f, moved.URL); strings.Join(types, ",") != "git.pullrequest.created,git.pullrequest.merged,git.pullrequest.updated" {
		t.Errorf("subscriptions at the new URL: %v", types)
	}
}

// ListPullRequestFiles follows nextSkip / nextTop to the last page, however
// small the host makes its pages.
func TestPullRequestChangesPaging(t *testing.T) {
	f, fx := newFixture(t)
	p := open(t, f.Config(f.Token(vcstest.TokenFull)))
	f.SetPageSize(3)
	before := len(f.RequestLog())
	files, err := p.ListPullRequestFiles(ctx(t), fixtureRepo, f.PullRequest())
	if err != nil || len(files) != len(fx.ExpectedChanges) {
		t.Fatalf("ListPullRequestFiles = %d files, %v; want %d", len(files), err, len(fx.ExpectedChanges))
	}
	seen := map[string]bool{}
	for _, cf := range files {
		if seen[cf.Path] {
			t.Errorf("%s listed twice", cf.Path)
		}
		seen[cf.Path] = true
	}
	pages := 0
	for _, r := range f.RequestLog()[before:] {
		if strings.Contains(r, "/changes?") {
			pages++
			if !strings.Contains(r, "%24top=") || !strings.Contains(r, "%24skip=") || !strings.Contains(r, "%24compareTo=0") {
				t.Errorf("changes request %q lacks $top, $skip or $compareTo", r)
			}
		}
	}
	if pages < len(fx.ExpectedChanges)/3 {
		t.Errorf("%d pages of changes fetched for %d files at 3 a page", pages, len(fx.ExpectedChanges))
	}
}
