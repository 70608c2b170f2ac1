package githubtest

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/gitprovider/gitprovider/internal/fakegit"
	"github.com/gitprovider/gitprovider/vcs"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

// The common test-kit actions of vcstest.Host, as GitHub does them.
var _ vcstest.Host = (*Server)(nil)

// Kind returns vcs.KindGitHub.
func (s *Server) Kind() vcs.Kind { return vcs.KindGitHub }

// CreateRepository creates repository repo ("owner/name") with o.Files
// committed to o.DefaultBranch ("main" when empty). It is private unless
// o.Public. The owner becomes its admin.
func (s *Server) CreateRepository(repo string, o vcstest.RepositoryOptions) error {
	owner, _, ok := strings.Cut(repo, "/")
	if !ok {
		return errors.New("githubtest: repository must be OWNER/NAME")
	}
	branch := o.DefaultBranch
	if branch == "" {
		branch = "main"
	}
	if _, err := s.store.CreateRepo(repo, branch, !o.Public, o.Files); err != nil {
		return err
	}
	return s.Grant(repo, owner, vcstest.RoleAdmin)
}

// AddUser adds the account login.
func (s *Server) AddUser(login string) error {
	if login == "" {
		return errors.New("githubtest: empty login")
	}
	s.mu.Lock()
	s.users[strings.ToLower(login)] = login
	s.mu.Unlock()
	return nil
}

// Grant gives user (added when new) role on repo: GitHub's read, write
// or admin repository role (admin is what managing webhooks needs). It
// fails when repo does not exist.
func (s *Server) Grant(repo, user string, role vcstest.Role) error {
	r, err := s.store.Repo(repo)
	if err != nil {
		return fmt.Errorf("githubtest: %w", err)
	}
	var gh Role
	switch role {
	case vcstest.RoleRead:
		gh = RoleRead
	case vcstest.RoleWrite:
		gh = RoleWrite
	case vcstest.RoleAdmin:
		gh = RoleAdmin
	default:
		return fmt.Errorf("githubtest: unknown role %q", role)
	}
	if err := s.AddUser(user); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k := strings.ToLower(r.FullPath)
	if s.roles[k] == nil {
		s.roles[k] = map[string]Role{}
	}
	s.roles[k][user] = gh
	s.visible = nil // the lists of visible repositories changed
	return nil
}

// FullScopes are the classic token scopes the workflow needs.
var FullScopes = []string{"repo", "admin:repo_hook", "read:org"}

// IssueToken issues a token of user: a classic personal access token
// with o.Scopes, or with FullScopes when o asks for everything; a
// fine-grained one with the permissions left after o.Without (contents
// and pull requests read, pull requests write, webhooks write)
// otherwise. AddToken issues any other kind of token.
func (s *Server) IssueToken(user string, o vcstest.TokenOptions) (string, error) {
	if err := s.AddUser(user); err != nil {
		return "", err
	}
	t := Token{User: user, Scopes: o.Scopes, ExpiresAt: o.ExpiresAt}
	switch {
	case o.Scopes != nil:
	case len(o.Without) == 0:
		t.Scopes = FullScopes
	default:
		t.FineGrained = true
		t.Permissions = map[string]string{"metadata": "read"}
		if !o.Lacks(vcs.PermReadRepository) {
			t.Permissions["contents"] = "read"
			t.Permissions["pull_requests"] = "read"
		}
		if !o.Lacks(vcs.PermWriteComment) {
			t.Permissions["pull_requests"] = "write"
		}
		if !o.Lacks(vcs.PermCreateWebhook) {
			t.Permissions["webhooks"] = "write"
		}
	}
	return s.AddToken(t), nil
}

// RevokeToken makes the fake answer 401 "Bad credentials" to a token.
func (s *Server) RevokeToken(token string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tokens[token]
	if t == nil {
		return errors.New("githubtest: no such token")
	}
	t.Revoked = true
	return nil
}

// Push commits files to branch (created from the default branch when
// new; a nil content deletes the file) and delivers what GitHub sends
// for a push: a push event, and a pull_request "synchronize" for every
// open pull request from branch. The repository's owner is the sender.
func (s *Server) Push(repo, branch string, files map[string]*string) (string, []*http.Request, error) {
	before, _ := s.store.Resolve(repo, branch)
	sha, err := s.store.Commit(repo, branch, files)
	if err != nil {
		return "", nil, err
	}
	if before == "" {
		before = strings.Repeat("0", 40)
	}
	owner, _, _ := strings.Cut(repo, "/")
	out := s.deliverPush(repo, branch, before, sha, owner)
	return sha, append(out, s.synchronize(repo, branch, before, sha, owner)...), nil
}

// OpenPullRequest opens a pull request from o.Source into o.Target (the
// default branch when empty) and delivers "opened". An empty o.Author is
// the repository's owner.
func (s *Server) OpenPullRequest(repo string, o vcstest.PullRequestOptions) (int, []*http.Request, error) {
	author := o.Author
	if author == "" {
		author, _, _ = strings.Cut(repo, "/")
	}
	target := o.Target
	if target == "" {
		r, err := s.store.Repo(repo)
		if err != nil {
			return 0, nil, err
		}
		target = r.DefaultBranch
	}
	pr, err := s.store.OpenPullRequest(repo, o.Source, target, o.Title, o.Description, author)
	if err != nil {
		return 0, nil, err
	}
	return pr.Number, s.deliverPullRequest(repo, pr, "opened", author), nil
}

// Redeliver sends again the pull_request deliveries of action
// ("opened", "synchronize", "closed" with merged false or true,
// "reopened"), as GitHub's redelivery of a past delivery does.
func (s *Server) Redeliver(repo string, number int, action vcs.Action) ([]*http.Request, error) {
	pr, err := s.store.PullRequest(repo, number)
	if err != nil {
		return nil, err
	}
	want, gh := map[vcs.Action][2]string{
		vcs.ActionOpened:   {"open", "opened"},
		vcs.ActionUpdated:  {"open", "synchronize"},
		vcs.ActionReopened: {"open", "reopened"},
		vcs.ActionClosed:   {"closed", "closed"},
		vcs.ActionMerged:   {"merged", "closed"},
	}[action], ""
	if want[0] == "" {
		return nil, fmt.Errorf("githubtest: cannot redeliver action %q", action)
	}
	if pr.State != want[0] {
		return nil, fmt.Errorf("githubtest: pull request #%d is %s, not %s", number, pr.State, want[0])
	}
	gh = want[1]
	return s.deliverPullRequest(repo, pr, gh, pr.Author), nil
}

// Comments returns a pull request's comments, oldest first.
func (s *Server) Comments(repo string, number int) ([]vcs.Comment, error) {
	return fakegit.VCSComments(s.store.Comments(repo, number))
}

// Webhooks returns the repository's webhooks as stored, secrets
// included; Events are GitHub's event names.
func (s *Server) Webhooks(repo string) ([]vcstest.Webhook, error) {
	return fakegit.Webhooks(s.store.Hooks(repo))
}
