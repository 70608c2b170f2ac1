package gitlab

import "github.com/gitprovider/gitprovider/vcs"

var _ vcs.SignatureHeaderParser = (*Parser)(nil)

// SignatureHeaders names the headers a GitLab delivery proves itself with:
// the signing token's signature (GitLab 19+) or the secret token. With
// RequireSignature only the signature counts.
func (p *Parser) SignatureHeaders() []string {
	if p.RequireSignature {
		return []string{HeaderWebhookSignature}
	}
	return []string{HeaderWebhookSignature, HeaderToken}
}
