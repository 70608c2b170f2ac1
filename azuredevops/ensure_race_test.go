package azuredevops_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gitprovider/gitprovider/azuredevops/azuredevopstest"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

// TestEnsureWebhookRaceSubscriptions races replicas ensuring the same
// URL and counts what Azure DevOps holds: ListWebhooks groups the
// subscriptions of one URL into one webhook, so duplicates would hide
// there as two subscriptions of one event type (and two deliveries of
// every event). Exactly one subscription per event type must remain.
func TestEnsureWebhookRaceSubscriptions(t *testing.T) {
	f := seed(t, azuredevopstest.New(), vcstest.DefaultFixture())
	cfg := f.Config(f.Token(vcstest.TokenFull))
	for round := range vcstest.EnsureRaceRounds {
		url := fmt.Sprintf("%s/race/%d", vcstest.HookURL, round)
		n, errs := vcstest.RaceEnsureWebhook(t, cfg, f.Repo(), url, vcstest.EnsureRaceCallers)
		for _, err := range errs {
			t.Errorf("round %d: %v", round, err)
		}
		if n != 1 {
			t.Errorf("round %d: ListWebhooks shows %d webhooks for the URL, want 1", round, n)
		}
		perType := map[string]int{}
		for _, s := range f.Subscriptions() {
			if strings.EqualFold(s.ConsumerInputs["url"], url) {
				perType[s.EventType]++
			}
		}
		for _, typ := range []string{azuredevopstest.EventPullRequestCreated, azuredevopstest.EventPullRequestUpdated, azuredevopstest.EventPullRequestMerged} {
			if perType[typ] != 1 {
				t.Errorf("round %d: %d subscriptions of %s for the URL, want 1 (%v)", round, perType[typ], typ, perType)
			}
		}
	}
}
