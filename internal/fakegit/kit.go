package fakegit

import (
	"maps"
	"strconv"

	"github.com/gitprovider/gitprovider/vcs"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

// VCSComments converts stored comments to the portable form the fakes'
// Comments returns.
func VCSComments(cs []Comment, err error) ([]vcs.Comment, error) {
	if err != nil {
		return nil, err
	}
	out := make([]vcs.Comment, len(cs))
	for i, c := range cs {
		out[i] = vcs.Comment{ID: strconv.Itoa(c.ID), Body: c.Body, Author: c.Author, CreatedAt: c.Created, UpdatedAt: c.Updated}
	}
	return out, nil
}

// Webhooks converts stored hooks to the portable form the fakes'
// Webhooks returns.
func Webhooks(hs []Hook, err error) ([]vcstest.Webhook, error) {
	if err != nil {
		return nil, err
	}
	out := make([]vcstest.Webhook, len(hs))
	for i, h := range hs {
		out[i] = vcstest.Webhook{ID: strconv.Itoa(h.ID), URL: h.URL, Secret: h.Secret, Events: append([]string(nil), h.Events...), Active: h.Active, Settings: maps.Clone(h.Extra)}
	}
	return out, nil
}
