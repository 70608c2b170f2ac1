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

// TestFakeUpdateOfMergedMergeRequest: the Merge Request Hook "update" the
// fake sends for a merged merge request (a label or title changed after
// the merge) reads as other, and the merge itself as merged.
func TestFakeUpdateOfMergedMergeRequest(t *testing.T) {
	s := newSeeded(t)
	p := s.provider(t, s.tok)
	if _, err := p.CreateWebhook(testCtx(t), s.repo, vcs.WebhookOptions{URL: hookURL, Secret: "sekret"}); err != nil {
		t.Fatal(err)
	}
	reqs, err := s.srv.MergePullRequest(s.repo, s.mr)
	if err != nil {
		t.Fatal(err)
	}
	merged := 0
	for _, r := range reqs {
		if ev := serveDelivery(t, r, "sekret"); ev != nil && ev.Merged {
			merged++
		}
	}
	if merged != 1 {
		t.Fatalf("the merge delivered %d merged events, want 1", merged)
	}
	reqs, err = s.srv.UpdateMergeRequest(s.repo, s.mr)
	if err != nil || len(reqs) == 0 {
		t.Fatalf("UpdateMergeRequest: %d deliveries, %v", len(reqs), err)
	}
	for _, r := range reqs {
		ev := serveDelivery(t, r, "sekret")
		if ev == nil || ev.Kind != vcs.EventPullRequest || ev.Action != vcs.ActionOther || ev.Merged {
			t.Errorf("update of a merged merge request = %+v, want pull_request/other", ev)
		}
	}
}
