package bitbuckettest

import (
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"

	"github.com/gitprovider/gitprovider/internal/fakegit"
	"github.com/gitprovider/gitprovider/internal/fakehttp"
)

// POST /2.0/repositories/{ws}/{slug}/src: a multipart/form-data (or
// url-encoded) commit. A field named by a path is that file's new content;
// "files" lists paths, and one without a content field is deleted;
// "message", "branch" and "parents" say where. Per Bitbucket's docs, when
// the branch exists and a parent is given, the parent must be the branch's
// head, else 409. The answer is 201 with the commit in Location. The
// metadata may also come as query parameters, as the OpenAPI description
// lists them.
func (s *Server) handleCreateCommit(w http.ResponseWriter, r *http.Request) {
	repo, p, ok := s.writer(w, r, ScopeWriteRepository)
	if !ok {
		return
	}
	fields := map[string][]string{}
	contents := map[string][]byte{}
	mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "multipart/form-data":
		mr := multipart.NewReader(io.LimitReader(r.Body, 64<<20), params["boundary"])
		for {
			part, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				writeError(w, http.StatusBadRequest, "malformed multipart body")
				return
			}
			b, _ := io.ReadAll(part)
			name := part.FormName()
			switch name {
			case "message", "branch", "parents", "author", "files":
				fields[name] = append(fields[name], string(b))
			default:
				contents[strings.TrimPrefix(name, "/")] = b
			}
		}
	case "application/x-www-form-urlencoded":
		_ = r.ParseForm()
		for k, v := range r.PostForm {
			switch k {
			case "message", "branch", "parents", "author", "files":
				fields[k] = v
			default:
				contents[strings.TrimPrefix(k, "/")] = []byte(v[0])
			}
		}
	default:
		writeError(w, http.StatusUnsupportedMediaType, "Unsupported Media Type")
		return
	}
	for k, v := range r.URL.Query() {
		if _, set := fields[k]; !set {
			fields[k] = v
		}
	}
	first := func(k string) string {
		if v := fields[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	branch := first("branch")
	if branch == "" {
		branch = repo.DefaultBranch
	}
	parent := strings.Split(first("parents"), ",")[0]
	var changes []fakegit.FileChange
	for path, b := range contents {
		changes = append(changes, fakegit.FileChange{Path: path, Content: b})
	}
	for _, list := range fields["files"] {
		for _, path := range strings.Split(list, ",") {
			path = strings.TrimPrefix(strings.TrimSpace(path), "/")
			if _, written := contents[path]; !written && path != "" {
				changes = append(changes, fakegit.FileChange{Path: path})
			}
		}
	}
	if len(changes) == 0 {
		writeError(w, http.StatusBadRequest, "No files were provided")
		return
	}
	if _, err := s.store.BranchHead(repo.FullPath, branch); err != nil {
		writeError(w, http.StatusBadRequest, "bitbuckettest: a commit creating a branch is not modelled")
		return
	}
	if parent != "" {
		if full, found := s.store.HasCommit(repo.FullPath, parent); found {
			parent = full
		}
	}
	sha, old, err := s.store.CommitChanges(repo.FullPath, branch, changes, fakegit.CommitOptions{ExpectHead: parent})
	switch {
	case isConflict(err):
		writeError(w, http.StatusConflict, "The parent commit is not the head of branch "+branch)
		return
	case err != nil:
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	s.deliverPush(repo.FullPath, branch, old, sha, false, p.actor())
	w.Header().Set("Location", APIRoot+"/repositories/"+repo.FullPath+"/commit/"+sha)
	w.WriteHeader(http.StatusCreated)
}

// POST /2.0/repositories/{ws}/{slug}/pullrequests {"title", "description",
// "source": {"branch": {"name"}}, "destination": {"branch": {"name"}},
// "draft"}: delivers pullrequest:created. A missing branch or an open pull
// request for the same branches is a 400.
func (s *Server) handleCreatePull(w http.ResponseWriter, r *http.Request) {
	repo, p, ok := s.writer(w, r, ScopeWritePullRequest)
	if !ok {
		return
	}
	type side struct {
		Branch struct {
			Name string `json:"name"`
		} `json:"branch"`
	}
	var in struct {
		Title       string `json:"title"`
		Description string `json:"description"`
		Summary     struct {
			Raw string `json:"raw"`
		} `json:"summary"`
		Source      side `json:"source"`
		Destination side `json:"destination"`
		Draft       bool `json:"draft"`
	}
	if err := fakehttp.ReadJSON(r, &in); err != nil || in.Title == "" || in.Source.Branch.Name == "" {
		writeError(w, http.StatusBadRequest, "title and source.branch.name are required")
		return
	}
	target := in.Destination.Branch.Name
	if target == "" {
		target = repo.DefaultBranch
	}
	if _, open := s.store.OpenPullRequestFor(repo.FullPath, in.Source.Branch.Name, target); open {
		writeError(w, http.StatusBadRequest, "There are no changes to be pulled or a pull request for "+in.Source.Branch.Name+" is open already")
		return
	}
	desc := in.Description
	if desc == "" {
		desc = in.Summary.Raw
	}
	actor := p.actor()
	pr, err := s.store.OpenPullRequest(repo.FullPath, in.Source.Branch.Name, target, in.Title, desc, actor.Nickname)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if in.Draft {
		_ = s.store.SetDraft(repo.FullPath, pr.Number, true)
		pr.Draft = true
	}
	s.mu.Lock()
	s.prUsers[prKey(repo.FullPath, pr.Number)] = actor
	s.mu.Unlock()
	s.deliverPull(repo.FullPath, pr.Number, "pullrequest:created")
	fakehttp.WriteJSON(w, http.StatusCreated, s.prJSON(repo, pr))
}
