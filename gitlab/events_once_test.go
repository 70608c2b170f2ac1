package gitlab_test

import (
	"errors"
	"net/http"
	"testing"

	"github.com/gitprovider/gitprovider/gitlab"
	"github.com/gitprovider/gitprovider/vcs"
)

// The body is decoded once with object_attributes read as a merge
// request's; another hook whose attributes hold other types under the same
// names still parses, and a merge request whose attributes do not is
// refused.
func TestParseAttributesOfOtherTypes(t *testing.T) {
	p := gitlab.NewParser()
	h := http.Header{}
	h.Set(gitlab.HeaderEvent, "Pipeline Hook")
	ev, err := p.Parse(h, []byte(`{"object_kind":"pipeline","object_attributes":{"iid":"7","draft":"no","last_commit":[1]},"project":{"path_with_namespace":"g/p"},"user":{"username":"u"}}`))
	if err != nil {
		t.Fatalf("pipeline hook with attributes of other types: %v", err)
	}
	if ev.Kind != vcs.EventOther || ev.Repository != "g/p" || ev.Author != "u" {
		t.Fatalf("pipeline hook parsed as %+v", ev)
	}
	h.Set(gitlab.HeaderEvent, "Merge Request Hook")
	_, err = p.Parse(h, []byte(`{"object_kind":"merge_request","object_attributes":{"iid":"7","action":"merge"},"project":{"path_with_namespace":"g/p"}}`))
	if !errors.Is(err, vcs.ErrInvalidPayload) {
		t.Fatalf("merge request with a string iid: %v, want ErrInvalidPayload", err)
	}
	_, err = p.Parse(h, []byte(`{"object_kind":"merge_request","object_attributes":{"iid":7},"project":{"path_with_namespace":5}}`))
	if !errors.Is(err, vcs.ErrInvalidPayload) {
		t.Fatalf("merge request with a numeric project path: %v, want ErrInvalidPayload", err)
	}
}
