package github

import "github.com/gitprovider/gitprovider/vcs"

var _ vcs.SignatureHeaderParser = (*Parser)(nil)

// SignatureHeaders names the header a signed GitHub delivery carries, so
// that vcs.WebhookHandler refuses an unsigned one before reading its body.
func (*Parser) SignatureHeaders() []string { return []string{HeaderSignature} }
