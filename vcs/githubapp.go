package vcs

import "fmt"

// GitHubApp are the credentials of a GitHub App installation, for Kind
// github (GitHub.com, GitHub Enterprise Server, GHE.com) instead of a
// Token: the provider signs a JSON Web Token with the app's private key,
// exchanges it for an installation access token and renews that before it
// expires (installation tokens live one hour).
type GitHubApp struct {
	// AppID is the app's numeric ID (the app's settings page, "App ID").
	AppID int64 `json:"appId"`
	// InstallationID is the numeric ID of the app's installation on the
	// account that owns the repositories (the last path segment of the
	// installation's settings URL).
	InstallationID int64 `json:"installationId"`
	// PrivateKeyPEM is one of the app's private keys, as downloaded
	// ("-----BEGIN RSA PRIVATE KEY-----", PKCS #1 or #8).
	PrivateKeyPEM string `json:"privateKey"`
}

// String names the app and installation, never the key.
func (a *GitHubApp) String() string {
	if a == nil {
		return "<nil>"
	}
	return fmt.Sprintf("GitHubApp{AppID: %d, InstallationID: %d, PrivateKey: [REDACTED]}", a.AppID, a.InstallationID)
}

// GoString is String.
func (a *GitHubApp) GoString() string { return a.String() }

// validate checks the app credentials' form.
func (a *GitHubApp) validate(c Config) error {
	bad := func(format string, args ...any) error {
		return Errorf(c.Kind, "Config", ErrInvalidConfig, format, args...)
	}
	switch {
	case c.Kind != KindGitHub:
		return bad("GitHub App credentials are for kind github, not %q", c.Kind)
	case c.Token != "" || c.TokenSource != nil:
		return bad("give either a token or GitHub App credentials, not both")
	case a.AppID <= 0:
		return bad("GitHub App ID must be a positive number (the app's settings page, \"App ID\")")
	case a.InstallationID <= 0:
		return bad("GitHub App installation ID must be a positive number (the last part of the installation's settings URL)")
	case a.PrivateKeyPEM == "":
		return bad("GitHub App private key is empty; paste the .pem file the app's settings page generated")
	}
	return nil
}
