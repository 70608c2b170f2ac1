package vcstest

import (
	"fmt"
	"sync"
	"testing"

	"github.com/gitprovider/gitprovider/vcs"
)

// EnsureRaceCallers and EnsureRaceRounds size the EnsureWebhookConcurrent
// scenario: in each round this many replicas (each its own provider) call
// EnsureWebhook for the same new URL at once.
const (
	EnsureRaceCallers = 20
	EnsureRaceRounds  = 5
)

// RaceEnsureWebhook starts callers replicas of p's configuration (each its
// own provider, as separate server processes have) that call EnsureWebhook
// for url on repo at the same moment, and returns how many webhooks the
// repository then has for url, with the callers' errors.
func RaceEnsureWebhook(t *testing.T, cfg vcs.Config, repo, url string, callers int) (int, []error) {
	t.Helper()
	ps := make([]vcs.Provider, callers)
	for i := range ps {
		p, err := vcs.Open(cfg)
		if err != nil {
			t.Fatalf("vcs.Open: %v", err)
		}
		ps[i] = p
	}
	opts := vcs.WebhookOptions{URL: url, Secret: "race-secret"}
	start := make(chan struct{})
	errs := make([]error, callers)
	var wg sync.WaitGroup
	for i, p := range ps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, errs[i] = vcs.EnsureWebhook(ctx(t), p, repo, opts)
		}()
	}
	close(start)
	wg.Wait()
	hooks, err := ps[0].ListWebhooks(ctx(t), repo)
	if err != nil {
		t.Fatalf("ListWebhooks: %v", err)
	}
	n := 0
	for _, h := range hooks {
		if h.URL == url {
			n++
		}
	}
	var failed []error
	for _, err := range errs {
		if err != nil {
			failed = append(failed, err)
		}
	}
	return n, failed
}

// testEnsureWebhookConcurrent: replicas ensuring the same URL at the same
// time end with exactly one webhook, and none of them fails.
func (s *suite) testEnsureWebhookConcurrent(t *testing.T) {
	f, _ := s.fake(t)
	cfg := f.Config(f.Token(TokenFull))
	var counts []int
	for round := range EnsureRaceRounds {
		url := fmt.Sprintf("%s/race/%d", HookURL, round)
		n, errs := RaceEnsureWebhook(t, cfg, f.Repo(), url, EnsureRaceCallers)
		counts = append(counts, n)
		for _, err := range errs {
			t.Errorf("round %d: EnsureWebhook: %v", round, err)
		}
	}
	for round, n := range counts {
		if n != 1 {
			t.Errorf("round %d: %d callers left %d webhooks for the URL, want 1 (all rounds: %v)", round, EnsureRaceCallers, n, counts)
		}
	}
}
