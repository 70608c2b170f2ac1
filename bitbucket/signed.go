package bitbucket

import "github.com/gitprovider/gitprovider/vcs"

var _ vcs.SignatureHeaderParser = (*Parser)(nil)

// SignatureHeaders names the header a signed Bitbucket delivery carries, so
// that vcs.WebhookHandler refuses an unsigned one before reading its body.
func (*Parser) SignatureHeaders() []string { return []string{HeaderSignature} }
