package azuredevopstest

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gitprovider/gitprovider/vcs"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

// The common test-kit actions of vcstest.Host, as Azure DevOps does them.
var _ vcstest.Host = (*Server)(nil)

// Kind returns vcs.KindAzureDevOps.
func (s *Server) Kind() vcs.Kind { return vcs.KindAzureDevOps }

// CreateRepository adds the Git repository repo ("project/repo",
// creating the project when needed, public when o.Public) with o.Files
// committed to o.DefaultBranch ("main" when empty). RepoID returns its
// ID.
func (s *Server) CreateRepository(repo string, o vcstest.RepositoryOptions) error {
	if o.Public {
		proj, _, _ := strings.Cut(repo, "/")
		s.CreateProject(proj, true)
	}
	_, err := s.createRepo(repo, o.DefaultBranch, o.Files)
	return err
}

// AddUser adds the organization member user (a sign-in name such as
// "ana@fabrikam.example") with no role: it may sign in but see nothing
// until Grant. Nothing happens when the user exists. AddMember sets the
// display name and role at once.
func (s *Server) AddUser(user string) error {
	if user == "" {
		return errors.New("azuredevopstest: empty user")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.users[strings.ToLower(user)] == nil {
		s.addMemberLocked(user, user, 0)
	}
	return nil
}

// Grant gives user (added when new) a role: RoleRead is Reader,
// RoleWrite Contributor, RoleAdmin Project Administrator (which service
// hooks need). The fake's roles hold in every project of the
// organization, so Grant checks that repo exists and sets the user's
// role everywhere.
func (s *Server) Grant(repo, user string, role vcstest.Role) error {
	r := map[vcstest.Role]Role{vcstest.RoleRead: RoleReader, vcstest.RoleWrite: RoleContributor, vcstest.RoleAdmin: RoleProjectAdministrator}[role]
	if r == 0 {
		return fmt.Errorf("azuredevopstest: unknown role %q", role)
	}
	if err := s.AddUser(user); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.repos[strings.ToLower(repo)] == nil {
		return fmt.Errorf("azuredevopstest: no repository %q", repo)
	}
	s.users[strings.ToLower(user)].Role = r
	return nil
}

// IssueToken issues a personal access token of user (added when new;
// empty: DefaultUser) with o.Scopes, or with FullScopes less what
// o.Without takes away: Code (Read & write) for reading and commenting,
// Code (Read) without comments, Service Hooks (Read, query, & manage)
// for webhooks, Project and Team (Read) always. A token without reading
// cannot comment either: Code (Read & write) includes reading. The
// token expires at o.ExpiresAt (zero: 30 days from now, as Azure's
// default). CreatePAT sets a name and an organization.
func (s *Server) IssueToken(user string, o vcstest.TokenOptions) (string, error) {
	if user != "" {
		if err := s.AddUser(user); err != nil {
			return "", err
		}
	}
	scopes := o.Scopes
	if scopes == nil {
		scopes = []string{ScopeProject}
		switch {
		case o.Lacks(vcs.PermReadRepository):
		case o.Lacks(vcs.PermWriteComment):
			scopes = append(scopes, ScopeCode)
		default:
			scopes = append(scopes, ScopeCodeWrite)
		}
		if !o.Lacks(vcs.PermCreateWebhook) {
			scopes = append(scopes, ScopeHooksWrite)
		}
	}
	return s.CreatePAT(user, PATOptions{Name: "gitprovider", Scopes: scopes, ExpiresAt: o.ExpiresAt}), nil
}

// RevokeToken revokes a personal access token: it answers 401 from then
// on.
func (s *Server) RevokeToken(token string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.pats[token]
	if p == nil {
		return errors.New("azuredevopstest: no such token")
	}
	p.revoked = true
	return nil
}

// Push pushes one commit to branch of repo (creating the branch from the
// default branch when new); a nil content deletes the file. It sends
// git.push and, for an active pull request from branch, adds an
// iteration (and a system thread saying so) and sends
// git.pullrequest.updated. It returns the commit SHA and the deliveries.
func (s *Server) Push(repo, branch string, files map[string]*string) (string, []*http.Request, error) {
	sha, deliveries, err := s.commit(repo, branch, files)
	if err != nil {
		return "", nil, err
	}
	return sha, s.deliver(deliveries), nil
}

// OpenPullRequest opens a pull request from o.Source into o.Target
// (empty: the default branch) by o.Author (added when new; empty:
// DefaultUser), sends git.pullrequest.created and returns the pull
// request ID.
func (s *Server) OpenPullRequest(repo string, o vcstest.PullRequestOptions) (int, []*http.Request, error) {
	if o.Author != "" {
		if err := s.AddUser(o.Author); err != nil {
			return 0, nil, err
		}
	}
	return s.openPullRequest(repo, o.Source, o.Target, o.Title, o.Description, o.Author)
}

// Redeliver sends again the service-hook event of action
// (git.pullrequest.created for ActionOpened, git.pullrequest.merged for
// ActionMerged, git.pullrequest.updated for the others) for the pull
// request as it is now, as a subscription's resend does. Notify sends
// any event type.
func (s *Server) Redeliver(repo string, id int, action vcs.Action) ([]*http.Request, error) {
	m := map[vcs.Action][2]string{
		vcs.ActionOpened:   {"open", EventPullRequestCreated},
		vcs.ActionUpdated:  {"open", EventPullRequestUpdated},
		vcs.ActionReopened: {"open", EventPullRequestUpdated},
		vcs.ActionClosed:   {"closed", EventPullRequestUpdated},
		vcs.ActionMerged:   {"merged", EventPullRequestMerged},
	}[action]
	if m[0] == "" {
		return nil, fmt.Errorf("azuredevopstest: cannot redeliver action %q", action)
	}
	s.mu.Lock()
	pr, err := s.pr(repo, id)
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	st, err := s.store.PullRequest(pr.repo.full, pr.num)
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if st.State != m[0] {
		return nil, fmt.Errorf("azuredevopstest: pull request %d is %s, not %s", id, azStatus(st.State), azStatus(m[0]))
	}
	return s.Notify(repo, id, m[1])
}

// Comments returns the text comments of a pull request's threads that
// Azure did not write itself, oldest thread first; a thread's first
// comment has the thread's ID, a reply "THREAD/COMMENT". Deleted ones
// are left out.
func (s *Server) Comments(repo string, id int) ([]vcs.Comment, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	pr, err := s.pr(repo, id)
	if err != nil {
		return nil, err
	}
	var out []vcs.Comment
	for _, t := range pr.threads {
		if t.Deleted || t.System != "" {
			continue
		}
		for i, c := range t.Comments {
			if c.Deleted || c.Type != "text" {
				continue
			}
			cid := strconv.Itoa(t.ID)
			if i > 0 {
				cid += "/" + strconv.Itoa(c.ID)
			}
			author := ""
			if c.Author != nil {
				author = c.Author.UniqueName
			}
			out = append(out, vcs.Comment{ID: cid, Body: c.Content, Author: author, CreatedAt: c.Published, UpdatedAt: c.ContentUpdated})
		}
	}
	return out, nil
}

// Webhooks returns the service-hook subscriptions of repo (and those of
// its project for any repository), one per event type: Events holds the
// event type, Secret the basic-auth password, Settings the consumer
// inputs.
func (s *Server) Webhooks(repo string) ([]vcstest.Webhook, error) {
	s.mu.Lock()
	ri := s.repos[strings.ToLower(repo)]
	s.mu.Unlock()
	if ri == nil {
		return nil, fmt.Errorf("azuredevopstest: no repository %q", repo)
	}
	var out []vcstest.Webhook
	for _, sub := range s.Subscriptions() {
		if !strings.EqualFold(sub.PublisherInputs["projectId"], ri.project.ID) {
			continue
		}
		if rid := sub.PublisherInputs["repository"]; rid != "" && !strings.EqualFold(rid, ri.ID) {
			continue
		}
		out = append(out, vcstest.Webhook{
			ID: sub.ID, URL: sub.ConsumerInputs["url"], Secret: sub.ConsumerInputs["basicAuthPassword"],
			Events: []string{sub.EventType}, Active: sub.Status == "enabled" || sub.Status == "onProbation",
			Settings: sub.ConsumerInputs,
		})
	}
	slices.SortFunc(out, func(a, b vcstest.Webhook) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}
