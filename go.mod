module github.com/gitprovider/gitprovider

go 1.24.0

require (
	github.com/hashicorp/go-cleanhttp v0.5.2 // indirect
	github.com/jarcoal/httpmock v1.4.2 // indirect
	golang.org/x/oauth2 v0.35.0 // indirect
)
