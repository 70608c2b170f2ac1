package vcs_test

import (
	"testing"

	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

// FuzzConfig: go test ./vcs -run '^$' -fuzz FuzzConfig -fuzztime 20s
func FuzzConfig(f *testing.F) { vcstest.FuzzConfig(f) }
