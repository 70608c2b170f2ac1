package gitlab_test

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/gitprovider/gitprovider/gitlab"
	"github.com/gitprovider/gitprovider/vcs"
)

// TestParseUpdateOfEndedMergeRequest: GitLab sends "update" when a label
// or the title of a merged or closed merge request changes; that is not a
// change to review.
func TestParseUpdateOfEndedMergeRequest(t *testing.T) {
	h := http.Header{}
	h.Set(gitlab.HeaderEvent, "Merge Request Hook")
	merged := bytes.Replace(readFixture(t, "mr-merge.json"), []byte(`"action": "merge"`), []byte(`"action": "update"`), 1)
	closed := bytes.Replace(readFixture(t, "mr-close.json"), []byte(`"action": "close"`), []byte(`"action": "update"`), 1)
	for name, body := range map[string][]byte{"merged": merged, "closed": closed} {
		if !bytes.Contains(body, []byte(`"action": "update"`)) {
			t.Fatalf("%s: fixture edit did not apply", name)
		}
		ev := parse(t, h, body)
		if ev.Kind != vcs.EventPullRequest || ev.Action != vcs.ActionOther || ev.Merged || ev.HostAction != "update" {
			t.Errorf("update of a %s merge request = %s/%s merged=%t, want pull_request/other", name, ev.Kind, ev.Action, ev.Merged)
		}
	}
	// An update of an open one is still updated.
	if ev := parse(t, h, readFixture(t, "mr-update-new-commit.json")); ev.Action != vcs.ActionUpdated {
		t.Errorf("update of an open merge request = %s", ev.Action)
	}
}
