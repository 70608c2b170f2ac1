package gitlab_test

import (
	"testing"

	"github.com/gitprovider/gitprovider/gitlab/gitlabtest"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

// TestConformance runs the suite against GitLab.com and against
// self-managed instances at a host root and under a relative URL root,
// with every accepted form of the instance URL.
func TestConformance(t *testing.T) {
	for _, tc := range []struct {
		name, instance, cfgURL string
	}{
		{"GitLab.com", "https://gitlab.com", ""},
		{"GitLab.com/api", "https://gitlab.com", "https://gitlab.com/api/v4/"},
		{"SelfManaged", "https://gitlab.example.test", "https://gitlab.example.test/"},
		{"SelfManagedSubpath", "https://git.example.test/gitlab", "https://git.example.test/gitlab"},
		{"SelfManagedSubpath/api", "https://git.example.test/gitlab", "https://git.example.test/gitlab/api/v4"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vcstest.Run(t, gitlabtest.Harness(gitlabtest.WithURL(tc.instance), gitlabtest.WithConfigURL(tc.cfgURL)))
		})
	}
}

func BenchmarkReadChangedFiles(b *testing.B) {
	vcstest.BenchmarkReadChangedFiles(b, gitlabtest.Harness())
}
