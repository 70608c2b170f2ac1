package gitlabtest

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gitprovider/gitprovider/internal/fakegit"
	"github.com/gitprovider/gitprovider/vcs"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

// The common test-kit actions of vcstest.Host, as GitLab does them.
var _ vcstest.Host = (*Server)(nil)

// Kind returns vcs.KindGitLab.
func (s *Server) Kind() vcs.Kind { return vcs.KindGitLab }

// CreateRepository creates the project repo ("group/sub/project", groups
// created on the way), private unless o.Public. CreateProject sets
// GitLab's other project settings.
func (s *Server) CreateRepository(repo string, o vcstest.RepositoryOptions) error {
	vis := Private
	if o.Public {
		vis = Public
	}
	_, err := s.CreateProject(repo, RepoOptions{DefaultBranch: o.DefaultBranch, Visibility: vis, Files: o.Files})
	return err
}

// AddUser adds the user username (nothing when it exists).
func (s *Server) AddUser(username string) error {
	if username == "" {
		return errors.New("gitlabtest: empty username")
	}
	s.CreateUser(username, "")
	return nil
}

// Grant makes user (added when new) a member of project repo: RoleRead
// is GitLab's Reporter, RoleWrite Developer, RoleAdmin Maintainer (which
// managing webhooks needs). AddMember gives any GitLab role, on groups
// too.
func (s *Server) Grant(repo, user string, role vcstest.Role) error {
	level := map[vcstest.Role]AccessLevel{vcstest.RoleRead: Reporter, vcstest.RoleWrite: Developer, vcstest.RoleAdmin: Maintainer}[role]
	if level == NoAccess {
		return fmt.Errorf("gitlabtest: unknown role %q", role)
	}
	if _, err := s.store.Repo(repo); err != nil {
		return fmt.Errorf("gitlabtest: no project %q", repo)
	}
	s.CreateUser(user, "")
	return s.AddMember(repo, user, level)
}

// IssueToken issues a personal access token of user (added when new)
// with o.Scopes, or "api" for everything. GitLab's api scope covers
// webhooks and comments alike, so a token without comments gets
// read_api and read_repository, one without reading only read_user; a
// token that may comment but not manage webhooks is a matter of role
// (Developer, vcstest.RoleWrite), and IssueToken refuses it.
// CreateProjectAccessToken, CreateGroupAccessToken and CreateOAuthToken
// issue GitLab's other tokens.
func (s *Server) IssueToken(user string, o vcstest.TokenOptions) (string, error) {
	scopes := o.Scopes
	if scopes == nil {
		switch {
		case o.Lacks(vcs.PermReadRepository):
			scopes = []string{"read_user"}
		case o.Lacks(vcs.PermWriteComment):
			scopes = []string{"read_api", "read_repository"}
		case o.Lacks(vcs.PermCreateWebhook):
			return "", errors.New("gitlabtest: GitLab ties webhooks to the Maintainer role, not to a scope: grant the user vcstest.RoleWrite (Developer) instead")
		default:
			scopes = []string{"api"}
		}
	}
	s.CreateUser(user, "")
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.users[strings.ToLower(user)]
	return s.newToken(personalToken, u.ID, TokenOptions{Scopes: scopes, ExpiresAt: o.ExpiresAt}).Value, nil
}

// Push commits files to branch (creating it from the default branch); a
// nil content deletes the file. Hooks with push events get a "Push
// Hook"; an open merge request from the branch gets the new head and its
// hooks an "update" Merge Request Hook.
func (s *Server) Push(repo, branch string, files map[string]*string) (string, []*http.Request, error) {
	before, _ := s.store.Resolve(repo, branch)
	sha, err := s.store.Commit(repo, branch, files)
	if err != nil {
		return "", nil, err
	}
	if before == "" {
		before = strings.Repeat("0", 40)
	}
	out := s.deliverPush(repo, branch, before, sha)
	prs, _ := s.store.PullRequests(repo)
	for _, pr := range prs {
		if pr.State == "open" && pr.SourceBranch == branch {
			out = append(out, s.deliverMergeRequest(repo, pr.Number, "update", before)...)
		}
	}
	return sha, out, nil
}

// OpenPullRequest opens a merge request from o.Source into o.Target
// (empty: the default branch), authored by o.Author (created as a user if
// new; empty: the project's first path element), and delivers its
// "open" Merge Request Hook. It returns the IID.
func (s *Server) OpenPullRequest(repo string, o vcstest.PullRequestOptions) (int, []*http.Request, error) {
	author := o.Author
	if author == "" {
		author, _, _ = strings.Cut(repo, "/")
	}
	s.CreateUser(author, "")
	pr, err := s.store.OpenPullRequest(repo, o.Source, o.Target, o.Title, o.Description, author)
	if err != nil {
		return 0, nil, err
	}
	return pr.Number, s.deliverMergeRequest(repo, pr.Number, "open", ""), nil
}

// Redeliver delivers again the Merge Request Hook of action (GitLab's
// "open", "update", "close", "merge", "reopen") for the merge request's
// current state, as GitLab's "Resend request" of a webhook's recent
// event does.
func (s *Server) Redeliver(repo string, iid int, action vcs.Action) ([]*http.Request, error) {
	pr, err := s.store.PullRequest(repo, iid)
	if err != nil {
		return nil, err
	}
	m := map[vcs.Action][2]string{
		vcs.ActionOpened:   {"open", "open"},
		vcs.ActionUpdated:  {"open", "update"},
		vcs.ActionReopened: {"open", "reopen"},
		vcs.ActionClosed:   {"closed", "close"},
		vcs.ActionMerged:   {"merged", "merge"},
	}[action]
	if m[0] == "" {
		return nil, fmt.Errorf("gitlabtest: cannot redeliver action %q", action)
	}
	if pr.State != m[0] {
		return nil, fmt.Errorf("gitlabtest: merge request !%d is %s, not %s", iid, pr.State, m[0])
	}
	return s.deliverMergeRequest(repo, iid, m[1], ""), nil
}

// Comments returns a merge request's notes, oldest first, without the
// system notes GitLab adds ("merged", "closed", …).
func (s *Server) Comments(repo string, iid int) ([]vcs.Comment, error) {
	r, err := s.store.Repo(repo)
	if err != nil {
		return nil, err
	}
	cs, err := fakegit.VCSComments(s.store.Comments(repo, iid))
	return slices.DeleteFunc(cs, func(c vcs.Comment) bool {
		id, _ := strconv.Atoi(c.ID)
		return s.isSystem(r, id)
	}), err
}

// Webhooks returns a project's webhooks with their secret tokens; Events
// are the switches that are on ("merge_requests_events", "push_events",
// …); Settings hold "signing_token" and "enable_ssl_verification".
func (s *Server) Webhooks(repo string) ([]vcstest.Webhook, error) {
	hs, err := fakegit.Webhooks(s.store.Hooks(repo))
	for i := range hs {
		if hs[i].Settings == nil {
			hs[i].Settings = map[string]string{}
		}
		if hs[i].Settings["enable_ssl_verification"] == "" {
			hs[i].Settings["enable_ssl_verification"] = "true"
		}
	}
	return hs, err
}
