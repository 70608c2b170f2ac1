package httpx

import (
	"net/http"

	"github.com/gitprovider/gitprovider/vcs"
)

// BaseTransport is the transport a provider's client is built on (the
// shared pooled one, cfg.HTTPClient's, with cfg.CABundle trusted), without
// credentials, retries or limits: for a provider's own credential exchange
// (a GitHub App's JWT), which must reach only the API host it names.
func BaseTransport(cfg vcs.Config) (http.RoundTripper, error) { return baseTransport(cfg) }
