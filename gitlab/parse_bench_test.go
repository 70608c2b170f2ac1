package gitlab_test

import (
	"encoding/json"
	"net/http"
	"os"
	"testing"

	"github.com/gitprovider/gitprovider/gitlab"
)

// BenchmarkParse measures Parser.Parse on real GitLab deliveries from
// testdata, beside two floors: one json.Unmarshal of the same body into
// map[string]any, and one into a struct holding the fields Parse reads.
//
//	go test -run '^$' -bench Parse -benchmem ./gitlab
func BenchmarkParse(b *testing.B) {
	for _, tc := range []struct{ file, event string }{
		{"mr-merge.json", "Merge Request Hook"},
		{"push.json", "Push Hook"},
	} {
		body, err := os.ReadFile("testdata/" + tc.file)
		if err != nil {
			b.Fatal(err)
		}
		h := http.Header{}
		h.Set(gitlab.HeaderEvent, tc.event)
		p := gitlab.NewParser()
		b.Run(tc.file+"/Parse", func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := p.Parse(h, body); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(tc.file+"/floor-map", func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				var m map[string]any
				if err := json.Unmarshal(body, &m); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(tc.file+"/floor-struct", func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				var v floorPayload
				if err := json.Unmarshal(body, &v); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// floorPayload holds the fields of a delivery that Parse reads, decoded in
// one pass: the least encoding/json can do for it.
type floorPayload struct {
	ObjectKind string `json:"object_kind"`
	User       *struct {
		Username string `json:"username"`
	} `json:"user"`
	Project *struct {
		PathWithNamespace string `json:"path_with_namespace"`
		WebURL            string `json:"web_url"`
	} `json:"project"`
	ObjectAttributes *struct {
		IID            int    `json:"iid"`
		Title          string `json:"title"`
		State          string `json:"state"`
		Action         string `json:"action"`
		SourceBranch   string `json:"source_branch"`
		TargetBranch   string `json:"target_branch"`
		MergeCommitSHA string `json:"merge_commit_sha"`
		URL            string `json:"url"`
		Draft          bool   `json:"draft"`
		WorkInProgress bool   `json:"work_in_progress"`
		LastCommit     struct {
			ID string `json:"id"`
		} `json:"last_commit"`
	} `json:"object_attributes"`
	Ref          string `json:"ref"`
	Before       string `json:"before"`
	After        string `json:"after"`
	UserUsername string `json:"user_username"`
}
