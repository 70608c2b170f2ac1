package githubtest

import (
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gitprovider/gitprovider/internal/fakegit"
	"github.com/gitprovider/gitprovider/internal/fakehttp"
)

// objectStore keeps the trees and blobs made through the Git Data API
// until a commit refers to them.
type objectStore struct {
	mu    sync.Mutex
	trees map[string]map[string][]byte // tree SHA -> every file of the tree
	blobs map[string][]byte
}

func (o *objectStore) putTree(files map[string][]byte) string {
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	h := sha1.New()
	for _, p := range paths {
		fmt.Fprintf(h, "%s\x00%s\n", p, fakegit.BlobSHA(files[p]))
	}
	sha := hex.EncodeToString(h.Sum(nil))
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.trees == nil {
		o.trees = map[string]map[string][]byte{}
	}
	o.trees[sha] = files
	return sha
}

func (o *objectStore) tree(sha string) (map[string][]byte, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	t, ok := o.trees[sha]
	return t, ok
}

func (o *objectStore) putBlob(b []byte) string {
	sha := fakegit.BlobSHA(b)
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.blobs == nil {
		o.blobs = map[string][]byte{}
	}
	o.blobs[sha] = b
	return sha
}

func (o *objectStore) blob(sha string) ([]byte, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	b, ok := o.blobs[sha]
	return b, ok
}

// treeOf returns the tree SHA of a stored commit, remembering its files.
func (s *Server) treeOf(repo, sha string) (string, map[string][]byte, error) {
	files, err := s.store.Files(repo, sha)
	if err != nil {
		return "", nil, err
	}
	return s.objects.putTree(files), files, nil
}

// gitCommitJSON is the git-commit object (GET/POST …/git/commits): its
// parents and time from the store. The store keeps no author for a
// commit: author and committer are the repository's owner, as in every
// commit object the fake builds (commitJSON).
func (s *Server) gitCommitJSON(repo, sha, tree, message string) map[string]any {
	info, _ := s.store.CommitInfo(repo, sha)
	base := s.api.String() + "repos/" + repo
	parents := make([]any, 0, len(info.Parents))
	for _, p := range info.Parents {
		parents = append(parents, map[string]string{"sha": p, "url": base + "/git/commits/" + p, "html_url": s.web.String() + repo + "/commit/" + p})
	}
	return map[string]any{
		"sha": sha, "node_id": "C_" + sha[:min(12, len(sha))], "url": base + "/git/commits/" + sha,
		"html_url": s.web.String() + repo + "/commit/" + sha, "message": message,
		"author": s.gitUserJSON(repo, info.When), "committer": s.gitUserJSON(repo, info.When),
		"tree":         map[string]string{"sha": tree, "url": base + "/git/trees/" + tree},
		"parents":      parents,
		"verification": map[string]any{"verified": false, "reason": "unsigned", "payload": nil, "signature": nil, "verified_at": nil},
	}
}

// gitUserJSON is a commit's git author/committer ({name, email, date}):
// the repository's owner, at the commit's time (the fake clock's when
// the store has none).
func (s *Server) gitUserJSON(repo string, when time.Time) map[string]any {
	if when.IsZero() {
		when = s.Now()
	}
	owner, _, _ := strings.Cut(repo, "/")
	return map[string]any{"name": owner, "email": owner + "@users.noreply." + s.web.Hostname(), "date": when.UTC().Format(time.RFC3339)}
}

// commitJSON is the REST commit object (GET …/commits, a branch's
// commit): sha, links, the git commit, parents and time from the store,
// and the owner as author and committer (see gitCommitJSON).
func (s *Server) commitJSON(repo, sha, tree string) map[string]any {
	info, _ := s.store.CommitInfo(repo, sha)
	owner, _, _ := strings.Cut(repo, "/")
	base := s.api.String() + "repos/" + repo
	parents := make([]any, 0, len(info.Parents))
	for _, p := range info.Parents {
		parents = append(parents, map[string]string{"sha": p, "url": base + "/commits/" + p, "html_url": s.web.String() + repo + "/commit/" + p})
	}
	return map[string]any{
		"sha":          sha,
		"node_id":      "C_" + sha[:min(12, len(sha))],
		"url":          base + "/commits/" + sha,
		"html_url":     s.web.String() + repo + "/commit/" + sha,
		"comments_url": base + "/commits/" + sha + "/comments",
		"commit": map[string]any{
			"url":           base + "/git/commits/" + sha,
			"author":        s.gitUserJSON(repo, info.When),
			"committer":     s.gitUserJSON(repo, info.When),
			"message":       "",
			"comment_count": 0,
			"tree":          map[string]string{"sha": tree, "url": base + "/git/trees/" + tree},
		},
		"author":    s.userJSON(owner),
		"committer": s.userJSON(owner),
		"parents":   parents,
	}
}

// handleGitCommit answers GET /repos/{owner}/{repo}/git/commits/{sha}.
func (s *Server) handleGitCommit(w http.ResponseWriter, r *http.Request, c *call) {
	repo, ok := s.repo(w, r, c, needContents)
	if !ok {
		return
	}
	sha, found := s.store.HasCommit(repo.FullPath, r.PathValue("sha"))
	if !found {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	tree, _, err := s.treeOf(repo.FullPath, sha)
	if err != nil {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	fakehttp.WriteJSON(w, http.StatusOK, s.gitCommitJSON(repo.FullPath, sha, tree, ""))
}

// handleCreateBlob answers POST /repos/{owner}/{repo}/git/blobs
// {content, encoding: utf-8|base64}.
func (s *Server) handleCreateBlob(w http.ResponseWriter, r *http.Request, c *call) {
	repo, ok := s.repo(w, r, c, needContentsWrite)
	if !ok {
		return
	}
	var in struct{ Content, Encoding string }
	if err := fakehttp.ReadJSON(r, &in); err != nil {
		writeError(w, http.StatusBadRequest, "Problems parsing JSON")
		return
	}
	b := []byte(in.Content)
	if in.Encoding == "base64" {
		var err error
		if b, err = base64.StdEncoding.DecodeString(in.Content); err != nil {
			writeError(w, http.StatusUnprocessableEntity, "Invalid base64 content")
			return
		}
	}
	sha := s.objects.putBlob(b)
	fakehttp.WriteJSON(w, http.StatusCreated, map[string]string{"sha": sha, "url": s.api.String() + "repos/" + repo.FullPath + "/git/blobs/" + sha})
}

// handleCreateTree answers POST /repos/{owner}/{repo}/git/trees
// {base_tree, tree: [{path, mode, type, sha|content}]}: an entry with
// "sha": null deletes its path. Deleting a path the base tree does not
// hold is answered 422 (GitHub's behaviour there is unconfirmed).
func (s *Server) handleCreateTree(w http.ResponseWriter, r *http.Request, c *call) {
	repo, ok := s.repo(w, r, c, needContentsWrite)
	if !ok {
		return
	}
	var in struct {
		BaseTree string `json:"base_tree"`
		Tree     []struct {
			Path    string  `json:"path"`
			Mode    string  `json:"mode"`
			Type    string  `json:"type"`
			SHA     *string `json:"sha"`
			Content *string `json:"content"`
		} `json:"tree"`
	}
	if err := fakehttp.ReadJSON(r, &in); err != nil {
		writeError(w, http.StatusBadRequest, "Problems parsing JSON")
		return
	}
	files := map[string][]byte{}
	if in.BaseTree != "" {
		base, found := s.objects.tree(in.BaseTree)
		if !found {
			writeError(w, http.StatusUnprocessableEntity, "base_tree is not a valid tree oid")
			return
		}
		for p, b := range base {
			files[p] = b
		}
	}
	for _, e := range in.Tree {
		if e.Path == "" || strings.HasPrefix(e.Path, "/") || e.Mode == "" || e.Type != "blob" {
			writeErrors(w, http.StatusUnprocessableEntity, "Invalid tree info", fieldError{Resource: "Tree", Field: "tree", Code: "invalid"})
			return
		}
		switch {
		case e.Content != nil:
			files[e.Path] = []byte(*e.Content)
		case e.SHA != nil:
			b, found := s.objects.blob(*e.SHA)
			if !found {
				writeError(w, http.StatusUnprocessableEntity, "tree.sha "+*e.SHA+" is not a valid blob")
				return
			}
			files[e.Path] = b
		default:
			if _, found := files[e.Path]; !found {
				writeError(w, http.StatusUnprocessableEntity, "GitRPC::BadObjectState")
				return
			}
			delete(files, e.Path)
		}
	}
	sha := s.objects.putTree(files)
	fakehttp.WriteJSON(w, http.StatusCreated, map[string]any{"sha": sha, "url": s.api.String() + "repos/" + repo.FullPath + "/git/trees/" + sha, "tree": []any{}, "truncated": false})
}

// handleCreateCommit answers POST /repos/{owner}/{repo}/git/commits
// {message, tree, parents}: the commit is on no branch until a ref moves
// to it.
func (s *Server) handleCreateCommit(w http.ResponseWriter, r *http.Request, c *call) {
	repo, ok := s.repo(w, r, c, needContentsWrite)
	if !ok {
		return
	}
	var in struct {
		Message string   `json:"message"`
		Tree    string   `json:"tree"`
		Parents []string `json:"parents"`
	}
	if err := fakehttp.ReadJSON(r, &in); err != nil {
		writeError(w, http.StatusBadRequest, "Problems parsing JSON")
		return
	}
	files, found := s.objects.tree(in.Tree)
	if !found || in.Message == "" || len(in.Parents) != 1 {
		writeError(w, http.StatusUnprocessableEntity, "Tree SHA does not exist, or the message or the one parent is missing")
		return
	}
	sha, err := s.store.NewCommit(repo.FullPath, in.Parents[0], files)
	if err != nil {
		writeError(w, http.StatusUnprocessableEntity, "Parent SHA does not exist or is not a commit object")
		return
	}
	fakehttp.WriteJSON(w, http.StatusCreated, s.gitCommitJSON(repo.FullPath, sha, in.Tree, in.Message))
}

// handleCreatePull answers POST /repos/{owner}/{repo}/pulls {title, head,
// base, body, draft} and delivers "opened". GitHub answers 422 when one is
// open for the branches ("A pull request already exists for OWNER:HEAD.")
// or when they do not differ ("No commits between BASE and HEAD").
func (s *Server) handleCreatePull(w http.ResponseWriter, r *http.Request, c *call) {
	repo, ok := s.repo(w, r, c, needPullsWrite)
	if !ok {
		return
	}
	var in struct {
		Title string `json:"title"`
		Head  string `json:"head"`
		Base  string `json:"base"`
		Body  string `json:"body"`
		Draft bool   `json:"draft"`
	}
	if err := fakehttp.ReadJSON(r, &in); err != nil {
		writeError(w, http.StatusBadRequest, "Problems parsing JSON")
		return
	}
	owner, _, _ := strings.Cut(repo.FullPath, "/")
	head := strings.TrimPrefix(in.Head, owner+":")
	if in.Title == "" {
		writeErrors(w, http.StatusUnprocessableEntity, "Validation Failed", fieldError{Resource: "PullRequest", Field: "title", Code: "missing_field"})
		return
	}
	headSHA, err1 := s.store.BranchHead(repo.FullPath, head)
	baseSHA, err2 := s.store.BranchHead(repo.FullPath, in.Base)
	if err1 != nil || err2 != nil {
		field := "head"
		if err1 == nil {
			field = "base"
		}
		writeErrors(w, http.StatusUnprocessableEntity, "Validation Failed", fieldError{Resource: "PullRequest", Field: field, Code: "invalid"})
		return
	}
	if _, open := s.store.OpenPullRequestFor(repo.FullPath, head, in.Base); open {
		writeErrors(w, http.StatusUnprocessableEntity, "Validation Failed", fieldError{Resource: "PullRequest", Code: "custom", Message: "A pull request already exists for " + owner + ":" + head + "."})
		return
	}
	if headSHA == baseSHA {
		writeErrors(w, http.StatusUnprocessableEntity, "Validation Failed", fieldError{Resource: "PullRequest", Code: "custom", Message: "No commits between " + in.Base + " and " + head})
		return
	}
	pr, err := s.store.OpenPullRequest(repo.FullPath, head, in.Base, in.Title, in.Body, c.user)
	if err != nil {
		writeError(w, storeStatus(err), err.Error())
		return
	}
	if in.Draft {
		_ = s.store.SetDraft(repo.FullPath, pr.Number, true)
		pr.Draft = true
	}
	s.deliverPullRequest(repo.FullPath, pr, "opened", c.user)
	fakehttp.WriteJSON(w, http.StatusCreated, s.pullJSON(repo.FullPath, pr))
}
