package bitbucket_test

import (
	"bytes"
	"os"
	"testing"

	"github.com/gitprovider/gitprovider/bitbucket"
	"github.com/gitprovider/gitprovider/vcs"
)

// TestParseDraft: pullrequest.draft (Bitbucket Cloud draft pull requests)
// is Event.Draft.
func TestParseDraft(t *testing.T) {
	body, err := os.ReadFile("testdata/pr-created.json")
	if err != nil {
		t.Fatal(err)
	}
	draft := bytes.Replace(body, []byte(`"pullrequest": {`), []byte(`"pullrequest": {"draft": true,`), 1)
	if bytes.Equal(draft, body) {
		t.Fatal("fixture edit did not apply")
	}
	for want, b := range map[bool][]byte{true: draft, false: body} {
		ev, err := bitbucket.NewParser().Parse(signedRequest(t, "pullrequest:updated", b, "").Header, b)
		if err != nil {
			t.Fatal(err)
		}
		if ev.Draft != want || ev.Action != vcs.ActionUpdated {
			t.Errorf("draft %t: Draft = %t, action %s", want, ev.Draft, ev.Action)
		}
	}
}
