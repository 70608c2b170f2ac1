package bitbucket_test

import (
	"slices"
	"testing"

	"github.com/gitprovider/gitprovider/bitbucket/bitbuckettest"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

// The conformance fixture's repository and people.
const (
	fixtureRepo = bitbuckettest.FixtureRepo
	botEmail    = bitbuckettest.FixtureBot
	devEmail    = bitbuckettest.FixtureDeveloper
)

// seed starts a fake holding the conformance fixture.
var seed = bitbuckettest.Seed

// Instance URL forms an admin may enter for Bitbucket Cloud.
var instanceURLs = []string{"", "https://bitbucket.org", "https://api.bitbucket.org/2.0"}

// TestConformance runs the suite with Atlassian API tokens (Basic
// email:token) for every instance URL form. The suite's TokenSource
// rotation sends those tokens as Bearer tokens, which the fake accepts by
// default although Bitbucket does not (see bitbuckettest.WithStrictBearer).
func TestConformance(t *testing.T) {
	for _, u := range instanceURLs {
		name := u
		if name == "" {
			name = "default"
		}
		t.Run(name, func(t *testing.T) {
			vcstest.Run(t, bitbuckettest.Harness(bitbuckettest.WithConfigURL(u)))
		})
	}
}

// TestConformanceOAuth runs the suite with OAuth access tokens (Bearer,
// the OAuth consumer scope names) against a fake that refuses API tokens
// sent as Bearer tokens, as Bitbucket does: the TokenSource path is
// exercised with real OAuth tokens.
func TestConformanceOAuth(t *testing.T) {
	vcstest.Run(t, bitbuckettest.OAuthHarness(bitbuckettest.WithConfigURL(""), bitbuckettest.WithStrictBearer()))
}

func BenchmarkReadChangedFiles(b *testing.B) {
	vcstest.BenchmarkReadChangedFiles(b, bitbuckettest.Harness(bitbuckettest.WithConfigURL("")))
}

func without(scopes []string, drop ...string) []string {
	return slices.DeleteFunc(slices.Clone(scopes), func(s string) bool { return slices.Contains(drop, s) })
}
