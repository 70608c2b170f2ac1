package bitbuckettest

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/gitprovider/gitprovider/internal/fakegit"
	"github.com/gitprovider/gitprovider/vcs"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

// The common test-kit actions of vcstest.Host, as Bitbucket Cloud does
// them.
var _ vcstest.Host = (*Server)(nil)

// Kind returns vcs.KindBitbucket.
func (s *Server) Kind() vcs.Kind { return vcs.KindBitbucket }

// CreateRepository creates the private repository repo ("workspace/slug")
// with o.Files committed to o.DefaultBranch ("main" when empty), in the
// project "PROJ" (SetProject moves it). Bitbucket repositories created
// here are private whatever o.Public says: the fake has no public
// repositories.
func (s *Server) CreateRepository(repo string, o vcstest.RepositoryOptions) error {
	ws, slug, ok := strings.Cut(repo, "/")
	if !ok || !slugRE.MatchString(ws) || !slugRE.MatchString(slug) {
		return fmt.Errorf("bitbuckettest: repository %q is not workspace/slug", repo)
	}
	if o.Public {
		return errors.New("bitbuckettest: the fake has no public repositories")
	}
	if _, err := s.store.CreateRepo(repo, o.DefaultBranch, true, o.Files); err != nil {
		return err
	}
	s.mu.Lock()
	s.projects[strings.ToLower(repo)] = "PROJ"
	s.mu.Unlock()
	return nil
}

// AddUser adds the Atlassian account user: a nickname, or an email
// (whose local part becomes the nickname). A nickname alone gets the
// email NICKNAME@example.test, for API tokens' Basic credentials.
// Nothing happens when the account exists. AddAccount sets every field.
func (s *Server) AddUser(user string) error {
	_, err := s.ensureUser(user)
	return err
}

// ensureUser returns the account user (nickname, email or account ID),
// adding it when new.
func (s *Server) ensureUser(user string) (*User, error) {
	if user == "" {
		return nil, errors.New("bitbuckettest: empty user")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.userLocked(user); u != nil {
		return u, nil
	}
	nick, email := user, user+"@example.test"
	if local, _, ok := strings.Cut(user, "@"); ok {
		nick, email = local, user
	}
	s.addUserLocked(nick, nick, email)
	return s.userLocked(email), nil
}

// Grant gives user (nickname, email or account ID; added when new) the
// repository permission role names: read, write or admin (which
// managing webhooks needs). SetPermission also removes one.
func (s *Server) Grant(repo, user string, role vcstest.Role) error {
	perm := map[vcstest.Role]Permission{vcstest.RoleRead: PermissionRead, vcstest.RoleWrite: PermissionWrite, vcstest.RoleAdmin: PermissionAdmin}[role]
	if perm == "" {
		return fmt.Errorf("bitbuckettest: unknown role %q", role)
	}
	if _, err := s.store.Repo(repo); err != nil {
		return err
	}
	if _, err := s.ensureUser(user); err != nil {
		return err
	}
	return s.SetPermission(repo, user, perm)
}

// IssueToken issues an Atlassian API token (sent as Basic email:token;
// Config sets the email) of user (added when new) with o.Scopes, or with
// FullScopes less those of the permissions in o.Without.
// CreateOAuthToken and CreateAccessToken issue Bitbucket's other
// credentials.
func (s *Server) IssueToken(user string, o vcstest.TokenOptions) (string, error) {
	u, err := s.ensureUser(user)
	if err != nil {
		return "", err
	}
	scopes := o.Scopes
	if scopes == nil {
		var drop []string
		if o.Lacks(vcs.PermReadRepository) {
			drop = append(drop, ScopeReadRepository, ScopeReadPullRequest)
		}
		if o.Lacks(vcs.PermCreateWebhook) {
			drop = append(drop, ScopeReadWebhook, ScopeWriteWebhook, ScopeDeleteWebhook)
		}
		if o.Lacks(vcs.PermWriteComment) {
			drop = append(drop, ScopeReadPullRequest, ScopeWritePullRequest) // commenting takes read:pullrequest
		}
		scopes = slices.DeleteFunc(slices.Clone(FullScopes), func(sc string) bool { return slices.Contains(drop, sc) })
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := &token{value: s.newTokenValue("ATATT3x"), kind: APIToken, user: u, scopes: append([]string(nil), scopes...), expiresAt: o.ExpiresAt}
	s.tokens[t.value] = t
	return t.value, nil
}

// Push commits files to branch (created from the default branch when
// new; nil content deletes a file) and, like a git push, delivers
// repo:push and, for open pull requests from branch,
// pullrequest:updated. The pusher is the repository's first account
// with write permission, if any.
func (s *Server) Push(repo, branch string, files map[string]*string) (string, []*http.Request, error) {
	branches, err := s.store.Branches(repo)
	if err != nil {
		return "", nil, err
	}
	old, existed := branches[branch]
	sha, err := s.store.Commit(repo, branch, files)
	if err != nil {
		return "", nil, err
	}
	out := s.deliverPush(repo, branch, old, sha, !existed, nil)
	prs, _ := s.store.PullRequests(repo)
	for _, pr := range prs {
		if pr.State == "open" && pr.SourceBranch == branch {
			out = append(out, s.deliverPull(repo, pr.Number, "pullrequest:updated")...)
		}
	}
	return sha, out, nil
}

// OpenPullRequest opens a pull request from o.Source to o.Target (empty:
// the main branch) by o.Author (nickname or email, added when new; empty:
// the workspace's name) and delivers pullrequest:created.
func (s *Server) OpenPullRequest(repo string, o vcstest.PullRequestOptions) (int, []*http.Request, error) {
	author := o.Author
	if author == "" {
		author, _, _ = strings.Cut(repo, "/")
	}
	u, err := s.ensureUser(author)
	if err != nil {
		return 0, nil, err
	}
	pr, err := s.store.OpenPullRequest(repo, o.Source, o.Target, o.Title, o.Description, u.Nickname)
	if err != nil {
		return 0, nil, err
	}
	s.mu.Lock()
	s.prUsers[prKey(repo, pr.Number)] = u
	s.mu.Unlock()
	return pr.Number, s.deliverPull(repo, pr.Number, "pullrequest:created"), nil
}

// Redeliver delivers again the event of action (pullrequest:created,
// :updated, :rejected, :fulfilled; a reopened pull request is
// pullrequest:updated) for the pull request's current state, as
// "Resend" in a webhook's request log does. SendPullRequestEvent sends
// any other event key.
func (s *Server) Redeliver(repo string, number int, action vcs.Action) ([]*http.Request, error) {
	pr, err := s.store.PullRequest(repo, number)
	if err != nil {
		return nil, err
	}
	m := map[vcs.Action][2]string{
		vcs.ActionOpened:   {"open", "pullrequest:created"},
		vcs.ActionUpdated:  {"open", "pullrequest:updated"},
		vcs.ActionReopened: {"open", "pullrequest:updated"},
		vcs.ActionClosed:   {"closed", "pullrequest:rejected"},
		vcs.ActionMerged:   {"merged", "pullrequest:fulfilled"},
	}[action]
	if m[0] == "" {
		return nil, fmt.Errorf("bitbuckettest: cannot redeliver action %q", action)
	}
	if pr.State != m[0] {
		return nil, fmt.Errorf("bitbuckettest: pull request #%d is %s, not %s", number, pr.State, m[0])
	}
	return s.deliverPull(repo, number, m[1]), nil
}

// SendPullRequestEvent delivers a pull request event by its key (e.g.
// "pullrequest:approved") for the pull request's current state.
func (s *Server) SendPullRequestEvent(repo string, number int, eventKey string) ([]*http.Request, error) {
	if _, err := s.store.PullRequest(repo, number); err != nil {
		return nil, err
	}
	return s.deliverPull(repo, number, eventKey), nil
}

// Comments returns a pull request's comments, oldest first; Author is
// the account's nickname.
func (s *Server) Comments(repo string, number int) ([]vcs.Comment, error) {
	return fakegit.VCSComments(s.store.Comments(repo, number))
}

// Webhooks returns the repository's webhooks with their secrets; Events
// are Bitbucket's event keys.
func (s *Server) Webhooks(repo string) ([]vcstest.Webhook, error) {
	return fakegit.Webhooks(s.store.Hooks(repo))
}

// ReopenPullRequest fails: Bitbucket Cloud cannot reopen a declined pull
// request (its REST API 2.0 has no endpoint for it and the UI offers none;
// "unconfirmed" beyond the API description), the author opens a new one
// from the same branch instead.
func (s *Server) ReopenPullRequest(repo string, number int) ([]*http.Request, error) {
	pr, err := s.store.PullRequest(repo, number)
	if err != nil {
		return nil, err
	}
	return nil, fmt.Errorf("bitbuckettest: pull request #%d is %s: Bitbucket Cloud cannot reopen a declined pull request; open a new one", number, pr.State)
}
