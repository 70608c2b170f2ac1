module github.com/gitprovider/gitprovider

go 1.26.0

require (
	github.com/google/go-github/v93 v93.0.0
	github.com/hashicorp/go-cleanhttp v0.5.2
	github.com/jarcoal/httpmock v1.4.2
	gitlab.com/gitlab-org/api/client-go v1.46.0
	golang.org/x/oauth2 v0.35.0
)

require (
	github.com/google/go-querystring v1.2.0 // indirect
	github.com/hashicorp/go-retryablehttp v0.7.8 // indirect
	golang.org/x/time v0.14.0 // indirect
)
