package azuredevops

import "github.com/gitprovider/gitprovider/vcs"

var _ vcs.SignatureHeaderParser = (*Parser)(nil)

// SignatureHeaders names the header an Azure DevOps service hook proves
// itself with: the Basic credentials set on the subscription.
func (*Parser) SignatureHeaders() []string { return []string{"Authorization"} }
