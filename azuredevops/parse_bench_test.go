package azuredevops_test

import (
	"encoding/json"
	"net/http"
	"os"
	"testing"

	"github.com/gitprovider/gitprovider/azuredevops"
)

// BenchmarkParse measures Parser.Parse on real Azure DevOps service-hook
// deliveries from testdata, beside two floors: one json.Unmarshal of the
// same body into map[string]any, and one into a struct holding the fields
// Parse reads.
//
//	go test -run '^$' -bench Parse -benchmem ./azuredevops
func BenchmarkParse(b *testing.B) {
	for _, file := range []string{"pr-merged.json", "push.json"} {
		body, err := os.ReadFile("testdata/" + file)
		if err != nil {
			b.Fatal(err)
		}
		p := azuredevops.NewParser()
		b.Run(file+"/Parse", func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := p.Parse(http.Header{}, body); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(file+"/floor-map", func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				var m map[string]any
				if err := json.Unmarshal(body, &m); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(file+"/floor-struct", func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				var v floorEvent
				if err := json.Unmarshal(body, &v); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

type floorIdentity struct {
	DisplayName string `json:"displayName"`
	UniqueName  string `json:"uniqueName"`
}

type floorRepository struct {
	Name    string `json:"name"`
	URL     string `json:"url"`
	WebURL  string `json:"webUrl"`
	Project struct {
		Name string `json:"name"`
	} `json:"project"`
}

// floorEvent holds the fields of a delivery that Parse reads, decoded in
// one pass: the least encoding/json can do for it.
type floorEvent struct {
	ID        string `json:"id"`
	EventType string `json:"eventType"`
	Resource  struct {
		RefUpdates []struct {
			Name        string `json:"name"`
			OldObjectID string `json:"oldObjectId"`
			NewObjectID string `json:"newObjectId"`
		} `json:"refUpdates"`
		PushedBy              floorIdentity   `json:"pushedBy"`
		Repository            floorRepository `json:"repository"`
		PullRequestID         int             `json:"pullRequestId"`
		Status                string          `json:"status"`
		MergeStatus           string          `json:"mergeStatus"`
		Title                 string          `json:"title"`
		CreatedBy             floorIdentity   `json:"createdBy"`
		SourceRefName         string          `json:"sourceRefName"`
		TargetRefName         string          `json:"targetRefName"`
		IsDraft               bool            `json:"isDraft"`
		LastMergeSourceCommit *struct {
			CommitID string `json:"commitId"`
		} `json:"lastMergeSourceCommit"`
		LastMergeCommit *struct {
			CommitID string `json:"commitId"`
		} `json:"lastMergeCommit"`
	} `json:"resource"`
}
