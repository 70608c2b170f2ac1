package gitlab_test

import (
	"net/http"

	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

// The conformance fake forwards vcstest.RefHost to the fake server.
var _ vcstest.RefHost = (*fake)(nil)

func (f *fake) Push(repo, branch string, files map[string]*string) (string, []*http.Request, error) {
	return f.srv.Push(repo, branch, files)
}

func (f *fake) PushTag(repo, tag, branch string) ([]*http.Request, error) {
	return f.srv.PushTag(repo, tag, branch)
}

func (f *fake) DeleteBranch(repo, branch string) ([]*http.Request, error) {
	return f.srv.DeleteBranch(repo, branch)
}

func (f *fake) ForcePush(repo, branch string, files map[string]*string) (string, []*http.Request, error) {
	return f.srv.ForcePush(repo, branch, files)
}

func (f *fake) PushWithTags(repo, branch string, files map[string]*string, tags ...string) (string, []*http.Request, error) {
	return f.srv.PushWithTags(repo, branch, files, tags...)
}

func (f *fake) SetDraft(repo string, number int, draft bool) ([]*http.Request, error) {
	return f.srv.SetDraft(repo, number, draft)
}
