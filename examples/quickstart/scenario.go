package main

import (
	"net/http"

	"github.com/gitprovider/gitprovider/vcs"
)

// scenario is one provider the quickstart walks through: a fake host
// seeded with a repository and an open pull request.
type scenario struct {
	// Name is the row label, e.g. "GitHub.com".
	Name string
	// Config points at the fake host.
	Config vcs.Config
	// Repo holds migrations/*.sql on its default branch and PullRequest
	// changes some of them.
	Repo        string
	PullRequest int
	// Merge merges the pull request in the fake, which POSTs its webhook
	// deliveries with hookClient.
	Merge func(hookClient *http.Client) error
}

// scenarios are registered by the per-host files of this program.
var scenarios []func() (*scenario, error)
