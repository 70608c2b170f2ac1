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
	// Merge merges pull request n in the fake, which POSTs its webhook
	// deliveries with hookClient.
	Merge func(hookClient *http.Client, n int) error
}

// scenarios are registered by the per-host files of this program.
var scenarios []func() (*scenario, error)

// baseMigrations is the default branch of every scenario's repository.
var baseMigrations = map[string]string{
	"README.md":                 "# db-migrations\n",
	"migrations/001_init.sql":   "CREATE TABLE accounts (id bigint PRIMARY KEY);\n",
	"migrations/002_index.sql":  "CREATE INDEX accounts_id ON accounts (id);\n",
	"migrations/003_legacy.sql": "-- superseded\n",
}

// migrationChanges is what every scenario's pull request commits: one
// added, one modified and one removed migration.
func migrationChanges() map[string]*string {
	add := "CREATE TABLE users (id bigint PRIMARY KEY, name text);\n"
	mod := "CREATE INDEX CONCURRENTLY accounts_id ON accounts (id);\n"
	return map[string]*string{
		"migrations/004_users.sql":  &add,
		"migrations/002_index.sql":  &mod,
		"migrations/003_legacy.sql": nil,
	}
}
