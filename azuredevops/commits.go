package azuredevops

import (
	"context"
	"encoding/base64"
	"net/http"

	"github.com/gitprovider/gitprovider/internal/httpx"
	"github.com/gitprovider/gitprovider/vcs"
)

// gitPush is the part of Azure DevOps' GitPush this package reads.
type gitPush struct {
	Commits []struct {
		CommitID string `json:"commitId"`
		URL      string `json:"url"`
	} `json:"commits"`
	RefUpdates []struct {
		Name        string `json:"name"`
		NewObjectID string `json:"newObjectId"`
	} `json:"refUpdates"`
	Repository gitRepository `json:"repository"`
}

// changeTypes are Azure DevOps' VersionControlChangeType names.
var changeTypes = map[vcs.FileAction]string{vcs.FileCreate: "add", vcs.FileUpdate: "edit", vcs.FileDelete: "delete"}

// CommitFiles writes several files to a branch in one commit, in one round
// trip: a push of one commit whose ref update names oldObjectId =
// opts.BaseSHA. Azure DevOps refuses the push when the branch no longer
// points there (409, TF401028 "The reference has already been updated by
// another client"): ErrConflict, nothing written. An "add" of an existing
// path or an "edit" or "delete" of a missing one is refused too (400):
// ErrConflict. Content goes base64-encoded.
//
// Azure DevOps API docs: POST {org}/{project}/_apis/git/repositories/{repo}/pushes
func (p *Provider) CommitFiles(ctx context.Context, repo string, opts vcs.CommitOptions) (*vcs.Commit, error) {
	const op = "CommitFiles"
	r, err := parseRepo(op, repo)
	if err != nil {
		return nil, err
	}
	if err := vcs.CheckCommitOptions(vcs.KindAzureDevOps, op, opts); err != nil {
		return nil, err
	}
	changes := make([]map[string]any, 0, len(opts.Files))
	for _, f := range opts.Files {
		c := map[string]any{"changeType": changeTypes[f.Action], "item": map[string]string{"path": "/" + f.Path}}
		if f.Action != vcs.FileDelete {
			c["newContent"] = map[string]string{"content": base64.StdEncoding.EncodeToString(f.Content), "contentType": "base64encoded"}
		}
		changes = append(changes, c)
	}
	body := map[string]any{
		"refUpdates": []map[string]string{{"name": "refs/heads/" + opts.Branch, "oldObjectId": opts.BaseSHA}},
		"commits":    []map[string]any{{"comment": opts.Message, "changes": changes}},
	}
	var push gitPush
	if _, err := p.do(ctx, call{Op: op, Method: http.MethodPost, URL: r.gitPath("pushes"), Body: body, Scope: scopeCodeWrite,
		Permission: "the service user needs Contribute on the repository (Project settings > Repositories > Security)"}, &push); err != nil {
		if ve := httpx.AsError(err); ve != nil && (ve.StatusCode == http.StatusConflict || ve.StatusCode == http.StatusBadRequest) {
			ve.Kind = vcs.ErrConflict
			ve.Hint = "the branch moved since " + opts.BaseSHA[:12] + ", a file to add exists or a file to edit or delete does not: read the branch again (GetBranch) and retry"
		}
		return nil, err
	}
	if len(push.Commits) == 0 {
		return nil, &vcs.Error{Provider: vcs.KindAzureDevOps, Op: op, Kind: vcs.ErrUnavailable,
			Message: "the push was accepted but names no commit", Hint: "read the branch (GetBranch) to find the new commit"}
	}
	sha := push.Commits[0].CommitID
	out := &vcs.Commit{SHA: sha, Branch: opts.Branch, ParentSHA: opts.BaseSHA}
	if push.Repository.WebURL != "" {
		out.WebURL = push.Repository.WebURL + "/commit/" + sha
	}
	return out, nil
}
