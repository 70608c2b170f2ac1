// Package fakegit is the in-memory Git hosting model the fake hosts share:
// repositories with branches and commits, files at refs, pull requests and
// their changed files (with exact-rename detection), comments and webhooks.
// Each fake host puts its own REST shapes, pagination and auth rules on
// top. All methods are safe for concurrent use and return copies.
package fakegit

import (
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"
	"sync"
	"time"
)

// Errors the store returns; fakes map them to the host's status codes.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("conflict")
)

// Store holds every repository of a fake host.
type Store struct {
	mu     sync.Mutex
	now    func() time.Time
	repos  map[string]*repo // by lower-cased full path
	order  []*repo
	nextID int
	seq    int
	diffs  map[[2]string][]Change // by base and head commit SHA

	snapshot []Repo // Repos' answer, until the next CreateRepo
}

// NewStore returns an empty store using now as its clock.
func NewStore(now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{now: now, repos: map[string]*repo{}, nextID: 1000}
}

// Repo describes a repository.
type Repo struct {
	ID            int       // The numeric ID.
	FullPath      string    // "owner/name" as created
	DefaultBranch string    // The default branch.
	Private       bool      // Not public.
	Created       time.Time // When created.
}

type commit struct {
	sha    string
	parent string
	merged string // a merge commit's second parent: the merged head
	files  map[string][]byte
	when   time.Time
}

type repo struct {
	Repo
	branches    map[string]string
	tags        map[string]string
	commits     map[string]*commit
	prs         []*PullRequest
	comments    map[int][]*Comment
	hooks       []*Hook
	trees       map[string][2]string // tree SHA -> commit SHA, dir
	nextComment int
	nextHook    int
	statuses    map[string][]*Status // commit SHA -> statuses, oldest first
	blobs       *blobIndex           // built by Blob
}

// PullRequest is a pull request's stored state.
type PullRequest struct {
	Number       int    // Unique in the repository.
	Title        string // The title.
	Description  string // The description.
	Author       string // The author's login.
	SourceBranch string // The branch with the changes.
	TargetBranch string // The branch merged into.
	// BaseSHA is the merge base of the source and target branches when
	// the pull request was opened.
	BaseSHA string
	// HeadSHA follows the source branch while the pull request is open.
	HeadSHA  string
	MergeSHA string    // The merge commit, once merged.
	State    string    // "open", "closed", "merged"
	Created  time.Time // When opened.
	Updated  time.Time // When last changed.
	MergedAt time.Time // When merged.
	ClosedAt time.Time // When closed or merged.
	// Draft marks a draft pull request (SetDraft).
	Draft bool
}

// Change is one file a pull request changes.
type Change struct {
	Path    string // The path after the change.
	OldPath string // The path before a rename.
	Status  string // "added", "modified", "removed", "renamed"
	BlobSHA string // of the new content ("" when removed)
	OldSHA  string // of the old content ("" when added)
	Content []byte // The new content.
	Old     []byte // The old content.
}

// Comment is a pull request comment.
type Comment struct {
	ID      int       // Unique in the repository.
	Author  string    // The author's login.
	Body    string    // The text.
	Created time.Time // When written.
	Updated time.Time // When last edited.
}

// Hook is a repository webhook. Extra holds host-specific settings.
type Hook struct {
	ID      int               // Unique in the repository.
	URL     string            // Receives the deliveries.
	Secret  string            // Signs the deliveries.
	Events  []string          // The host's event names.
	Active  bool              // False: no deliveries.
	Created time.Time         // When created.
	Extra   map[string]string // Host-specific settings.
}

// Entry is one entry of a tree listing.
type Entry struct {
	Path string // The full path.
	Name string // The last path element.
	Type string // "file" or "dir"
	Size int    // In bytes, for files.
	SHA  string // The blob or tree SHA.
}

// BlobSHA returns Git's object ID of a blob with content b.
func BlobSHA(b []byte) string {
	h := sha1.New()
	fmt.Fprintf(h, "blob %d\x00", len(b))
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))
}

func (s *Store) newSHA(salt string) string {
	s.seq++
	h := sha1.Sum([]byte(fmt.Sprintf("%d:%s:%d", s.seq, salt, s.now().UnixNano())))
	return hex.EncodeToString(h[:])
}

func (s *Store) get(full string) (*repo, error) {
	r := s.repos[strings.ToLower(full)]
	if r == nil {
		return nil, fmt.Errorf("repository %q: %w", full, ErrNotFound)
	}
	return r, nil
}

// CreateRepo adds a repository with an initial commit holding files.
func (s *Store) CreateRepo(full, defaultBranch string, private bool, files map[string]string) (Repo, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.repos[strings.ToLower(full)] != nil {
		return Repo{}, fmt.Errorf("repository %q exists: %w", full, ErrConflict)
	}
	if defaultBranch == "" {
		defaultBranch = "main"
	}
	s.nextID++
	r := &repo{
		Repo:     Repo{ID: s.nextID, FullPath: full, DefaultBranch: defaultBranch, Private: private, Created: s.now()},
		branches: map[string]string{}, tags: map[string]string{}, commits: map[string]*commit{},
		comments: map[int][]*Comment{}, trees: map[string][2]string{},
	}
	c := &commit{sha: s.newSHA(full), files: map[string][]byte{}, when: s.now()}
	for p, content := range files {
		c.files[strings.TrimPrefix(p, "/")] = []byte(content)
	}
	r.commits[c.sha] = c
	r.branches[defaultBranch] = c.sha
	s.repos[strings.ToLower(full)] = r
	s.order = append(s.order, r)
	s.snapshot = nil
	return r.Repo, nil
}

// Repos lists repositories in creation order. The slice is shared by
// every caller until the next CreateRepo (a fake listing 10,000
// repositories a page at a time copies nothing): do not modify it.
func (s *Store) Repos() []Repo {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.snapshot == nil {
		s.snapshot = make([]Repo, len(s.order))
		for i, r := range s.order {
			s.snapshot[i] = r.Repo
		}
	}
	return s.snapshot
}

// Repo returns one repository (full path matched case-insensitively).
func (s *Store) Repo(full string) (Repo, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.get(full)
	if err != nil {
		return Repo{}, err
	}
	return r.Repo, nil
}

// RepoByID returns a repository by numeric ID.
func (s *Store) RepoByID(id int) (Repo, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.order {
		if r.ID == id {
			return r.Repo, nil
		}
	}
	return Repo{}, fmt.Errorf("repository %d: %w", id, ErrNotFound)
}

// Commit writes files to branch (creating it from the default branch when
// new) and returns the new commit SHA. A nil content deletes the file.
func (s *Store) Commit(full, branch string, files map[string]*string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.get(full)
	if err != nil {
		return "", err
	}
	parentSHA, ok := r.branches[branch]
	if !ok {
		parentSHA = r.branches[r.DefaultBranch]
	}
	return s.commitOnto(r, branch, r.commits[parentSHA], files).sha, nil
}

// commitOnto commits parent's files, changed by files (nil content
// removes a file), as a child of parent, points branch at it and moves
// the open pull requests from branch to it. The caller holds s.mu.
func (s *Store) commitOnto(r *repo, branch string, parent *commit, files map[string]*string) *commit {
	c := &commit{sha: s.newSHA(branch), parent: parent.sha, files: map[string][]byte{}, when: s.now()}
	for p, b := range parent.files {
		c.files[p] = b
	}
	for p, content := range files {
		p = strings.TrimPrefix(p, "/")
		if content == nil {
			delete(c.files, p)
		} else {
			c.files[p] = []byte(*content)
		}
	}
	r.commits[c.sha] = c
	r.branches[branch] = c.sha
	for _, pr := range r.prs {
		if pr.State == "open" && pr.SourceBranch == branch {
			pr.HeadSHA = c.sha
			pr.Updated = s.now()
		}
	}
	return c
}

// Tag points tag at the head of branch.
func (s *Store) Tag(full, tag, branch string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.get(full)
	if err != nil {
		return err
	}
	sha, ok := r.branches[branch]
	if !ok {
		return fmt.Errorf("branch %q: %w", branch, ErrNotFound)
	}
	r.tags[tag] = sha
	return nil
}

// Branches returns the branch heads.
func (s *Store) Branches(full string) (map[string]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.get(full)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for k, v := range r.branches {
		out[k] = v
	}
	return out, nil
}

// resolve turns a ref (empty, branch, refs/heads/…, tag, full or ≥7-char
// abbreviated SHA) into a commit.
func (r *repo) resolve(ref string) (*commit, error) {
	if ref == "" {
		ref = r.DefaultBranch
	}
	ref = strings.TrimPrefix(strings.TrimPrefix(ref, "refs/heads/"), "refs/tags/")
	if sha, ok := r.branches[ref]; ok {
		return r.commits[sha], nil
	}
	if sha, ok := r.tags[ref]; ok {
		return r.commits[sha], nil
	}
	if c, ok := r.commits[ref]; ok {
		return c, nil
	}
	if len(ref) >= 7 {
		for sha, c := range r.commits {
			if strings.HasPrefix(sha, ref) {
				return c, nil
			}
		}
	}
	return nil, fmt.Errorf("ref %q: %w", ref, ErrNotFound)
}

// Resolve returns the commit SHA a ref points to.
func (s *Store) Resolve(full, ref string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.get(full)
	if err != nil {
		return "", err
	}
	c, err := r.resolve(ref)
	if err != nil {
		return "", err
	}
	return c.sha, nil
}

// ReadFile returns a file's content and blob SHA at ref.
func (s *Store) ReadFile(full, ref, p string) ([]byte, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.get(full)
	if err != nil {
		return nil, "", err
	}
	c, err := r.resolve(ref)
	if err != nil {
		return nil, "", err
	}
	b, ok := c.files[strings.Trim(p, "/")]
	if !ok {
		return nil, "", fmt.Errorf("file %q: %w", p, ErrNotFound)
	}
	return append([]byte(nil), b...), BlobSHA(b), nil
}

// IsDir reports whether dir is a directory at ref ("" is the root).
func (s *Store) IsDir(full, ref, dir string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.get(full)
	if err != nil {
		return false, err
	}
	c, err := r.resolve(ref)
	if err != nil {
		return false, err
	}
	dir = strings.Trim(dir, "/")
	if dir == "" {
		return true, nil
	}
	for p := range c.files {
		if strings.HasPrefix(p, dir+"/") {
			return true, nil
		}
	}
	return false, nil
}

// Tree lists the entries below dir at ref, sorted by path. Directories are
// derived from file paths. A dir that does not exist is ErrNotFound.
func (s *Store) Tree(full, ref, dir string, recursive bool) ([]Entry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.get(full)
	if err != nil {
		return nil, err
	}
	c, err := r.resolve(ref)
	if err != nil {
		return nil, err
	}
	dir = strings.Trim(dir, "/")
	prefix := ""
	if dir != "" {
		prefix = dir + "/"
	}
	seen := map[string]bool{}
	var out []Entry
	for p, b := range c.files {
		if !strings.HasPrefix(p, prefix) {
			continue
		}
		rest := strings.TrimPrefix(p, prefix)
		parts := strings.Split(rest, "/")
		// Directories on the way.
		limit := len(parts) - 1
		if !recursive {
			limit = min(limit, 1)
		}
		for i := 1; i <= limit; i++ {
			dp := prefix + strings.Join(parts[:i], "/")
			if !seen[dp] {
				seen[dp] = true
				out = append(out, Entry{Path: dp, Name: path.Base(dp), Type: "dir", SHA: r.treeSHA(c.sha, dp)})
			}
		}
		if recursive || len(parts) == 1 {
			out = append(out, Entry{Path: p, Name: path.Base(p), Type: "file", Size: len(b), SHA: BlobSHA(b)})
		}
	}
	if len(out) == 0 && dir != "" {
		if _, isFile := c.files[dir]; isFile {
			return nil, fmt.Errorf("%q is a file, not a directory: %w", dir, ErrConflict)
		}
		return nil, fmt.Errorf("directory %q: %w", dir, ErrNotFound)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// treeSHA names the tree of dir in a commit and remembers it, so that a
// fake can serve trees by SHA.
func (r *repo) treeSHA(commitSHA, dir string) string {
	h := sha1.Sum([]byte("tree:" + commitSHA + ":" + dir))
	sha := hex.EncodeToString(h[:])
	r.trees[sha] = [2]string{commitSHA, dir}
	return sha
}

// RootTree returns the SHA of the root tree at ref.
func (s *Store) RootTree(full, ref string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.get(full)
	if err != nil {
		return "", err
	}
	c, err := r.resolve(ref)
	if err != nil {
		return "", err
	}
	return r.treeSHA(c.sha, ""), nil
}

// TreeBySHA returns the commit and directory a tree SHA (from Tree or
// RootTree) stands for.
func (s *Store) TreeBySHA(full, sha string) (commitSHA, dir string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.get(full)
	if err != nil {
		return "", "", err
	}
	t, ok := r.trees[sha]
	if !ok {
		return "", "", fmt.Errorf("tree %q: %w", sha, ErrNotFound)
	}
	return t[0], t[1], nil
}
