package azuredevops_test

import (
	"testing"

	"github.com/gitprovider/gitprovider/azuredevops"
)

// TestParseDraft: resource.isDraft of a pull request event is Event.Draft.
func TestParseDraft(t *testing.T) {
	p := azuredevops.NewParser()
	for _, draft := range []bool{true, false} {
		body := edit(t, "pr-created.json", func(m map[string]any) { resource(m)["isDraft"] = draft })
		ev, err := p.Parse(nil, body)
		if err != nil {
			t.Fatal(err)
		}
		if ev.Draft != draft {
			t.Errorf("isDraft %t: Draft = %t", draft, ev.Draft)
		}
	}
}
