package vcs

import "time"

// RateLimit is what a host last said about the rate limit a provider's
// requests count against, for a server to show or log. Hosts report it
// in response headers (GitHub X-RateLimit-*, GitLab RateLimit-*, Azure
// DevOps X-RateLimit-* when it delays or throttles, Bitbucket where it
// sends them); the zero value means the host has not said.
type RateLimit struct {
	// Resource names the limit: GitHub's "core", "graphql" or "search",
	// GitLab's RateLimit-Name (e.g. "throttle_authenticated_api"), Azure
	// DevOps' X-RateLimit-Resource (e.g. "ATCPU").
	Resource string
	// Limit is the requests (or host units) the window allows, and
	// Remaining what is left of it; -1 when the host did not say.
	Limit, Remaining int
	// Reset is when the window resets (zero when the host did not say).
	Reset time.Time
	// Observed is when the answer carrying these figures arrived.
	Observed time.Time
	// Paced is how long requests have waited in total for the provider's
	// own budget (its pacing within the host's documented limits).
	Paced time.Duration
}

// RateLimitReporter is implemented by providers that report the rate
// limit their requests count against.
type RateLimitReporter interface {
	// RateLimit returns the figures the host last reported.
	RateLimit() RateLimit
}
