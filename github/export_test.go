package github

// SetMaxPullRequestFiles lowers the pull request file cap to the fake's,
// for tests; it returns a function that restores it.
func SetMaxPullRequestFiles(n int) (restore func()) {
	old := maxPullRequestFiles
	maxPullRequestFiles = n
	return func() { maxPullRequestFiles = old }
}

// ParseExpiry exposes parseExpiry to tests.
var ParseExpiry = parseExpiry
