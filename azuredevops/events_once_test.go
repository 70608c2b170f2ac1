package azuredevops_test

import (
	"errors"
	"net/http"
	"testing"

	"github.com/gitprovider/gitprovider/azuredevops"
	"github.com/gitprovider/gitprovider/vcs"
)

// The body is decoded once with the resource read as a push's or a pull
// request's; another event type whose resource holds other types under the
// same names still parses, and a pull request whose resource does not is
// refused.
func TestParseResourceOfOtherTypes(t *testing.T) {
	p := azuredevops.NewParser()
	ev, err := p.Parse(http.Header{}, []byte(`{"id":"d1","eventType":"build.complete","resource":{"status":3,"creationDate":"yesterday","repository":"r","refUpdates":{}}}`))
	if err != nil {
		t.Fatalf("build.complete with a resource of other types: %v", err)
	}
	if ev.Kind != vcs.EventOther || ev.DeliveryID != "d1" || ev.HostEvent != "build.complete" {
		t.Fatalf("build.complete parsed as %+v", ev)
	}
	for _, body := range []string{
		`{"id":"d2","eventType":"git.pullrequest.updated","resource":{"pullRequestId":"7"}}`,
		`{"id":"d3","eventType":"git.push","resource":{"refUpdates":{}}}`,
		`{"id":"d4","eventType":"git.pullrequest.created","resource":{"pullRequestId":7,"creationDate":"yesterday"}}`,
	} {
		if _, err := p.Parse(http.Header{}, []byte(body)); !errors.Is(err, vcs.ErrInvalidPayload) {
			t.Errorf("%s: %v, want ErrInvalidPayload", body, err)
		}
	}
	if _, err := p.Parse(http.Header{}, []byte(`{"id":5,"eventType":"git.push"}`)); !errors.Is(err, vcs.ErrInvalidPayload) {
		t.Errorf("numeric id: %v, want ErrInvalidPayload", err)
	}
}
