package azuredevopstest

import (
	"net/http"
)

// WebhookUsername is the basic-auth user name of the subscriptions the
// azuredevops provider creates; the secret is the password.
const WebhookUsername = "gitprovider"

// SignDelivery makes r a service-hook delivery of event (an event type
// such as "git.pullrequest.merged"; Azure DevOps sends it in the body,
// not in a header) with body, as Azure DevOps sends one for a
// subscription whose basic-auth password is secret: Basic credentials
// WebhookUsername:secret when secret is not empty. Use it to test a
// webhook handler with payloads of your own.
func SignDelivery(r *http.Request, event string, body []byte, secret string) {
	r.Header.Set("Content-Type", "application/json; charset=utf-8")
	if secret != "" {
		r.SetBasicAuth(WebhookUsername, secret)
	}
}
