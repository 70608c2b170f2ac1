package azuredevopstest_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/gitprovider/gitprovider/azuredevops/azuredevopstest"
	"github.com/gitprovider/gitprovider/internal/fakegit"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

// post sends body as JSON and returns the status, the Content-Type and
// the body.
func post(t *testing.T, s *azuredevopstest.Server, url, pat, accept string, body any) (int, string, []byte) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(b))
	req.SetBasicAuth("", pat)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-TFS-FedAuthRedirect", "Suppress")
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Type"), out
}

func TestItemsBatchAndBlobsZip(t *testing.T) {
	s := azuredevopstest.New()
	files := map[string]string{"a.sql": "SELECT 1;\n", "db/b.sql": "SELECT 2;\n"}
	if err := s.CreateRepository("P/r", vcstest.RepositoryOptions{Files: files}); err != nil {
		t.Fatal(err)
	}
	pat := s.CreatePAT("", azuredevopstest.PATOptions{Scopes: []string{azuredevopstest.ScopeCode}})
	base := s.URL() + "/P/_apis/git/repositories/r/"

	// itemsbatch: one list per descriptor, in order, with object IDs.
	status, _, b := post(t, s, base+"itemsbatch?api-version=7.1", pat, "", map[string]any{
		"itemDescriptors":        []map[string]string{{"path": "/db/b.sql", "version": "main", "versionType": "branch"}, {"path": "/a.sql"}, {"path": "/db", "recursionLevel": "oneLevel"}},
		"includeContentMetadata": true,
	})
	var items struct {
		Count int
		Value [][]struct {
			ObjectID, GitObjectType, Path string
			ContentMetadata               struct{ FileName string }
		}
	}
	if err := json.Unmarshal(b, &items); err != nil || status != 200 || items.Count != 3 || len(items.Value[2]) != 2 {
		t.Fatalf("itemsbatch = %d %s", status, b)
	}
	if it := items.Value[0][0]; it.Path != "/db/b.sql" || it.GitObjectType != "blob" || it.ObjectID != fakegit.BlobSHA([]byte(files["db/b.sql"])) || it.ContentMetadata.FileName != "b.sql" {
		t.Errorf("first item = %+v", it)
	}
	if status, _, b := post(t, s, base+"itemsbatch?api-version=7.1", pat, "", map[string]any{"itemDescriptors": []map[string]string{{"path": "/a.sql"}, {"path": "/nope.sql"}}}); status != 404 || !strings.Contains(string(b), "TF401174") {
		t.Errorf("itemsbatch with a missing path = %d %s", status, b)
	}

	// blobs: a zip whose entries are named by object ID.
	ids := []string{items.Value[0][0].ObjectID, items.Value[1][0].ObjectID}
	status, ct, b := post(t, s, base+"blobs?api-version=7.1", pat, "application/zip", ids)
	if status != 200 || ct != "application/zip" {
		t.Fatalf("blobs = %d %s", status, ct)
	}
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil || len(zr.File) != 2 {
		t.Fatalf("blobs zip: %v", err)
	}
	for _, e := range zr.File {
		rc, _ := e.Open()
		c, _ := io.ReadAll(rc)
		rc.Close()
		if fakegit.BlobSHA(c) != e.Name {
			t.Errorf("entry %s holds %q", e.Name, c)
		}
	}
	unknown := strings.Repeat("ab", 20)
	if status, _, b := post(t, s, base+"blobs?api-version=7.1", pat, "application/zip", []string{ids[0], unknown}); status != 404 || !strings.Contains(string(b), "TF401035") {
		t.Errorf("blobs with an unknown ID = %d %s", status, b)
	}
	if status, _, _ := post(t, s, base+"blobs?api-version=7.1", pat, "application/zip", []string{"HEAD"}); status != 400 {
		t.Errorf("blobs with a bad ID = %d, want 400", status)
	}

	// Both need Code (Read): a PAT without it gets the 401 of a missing
	// scope.
	other := s.CreatePAT("", azuredevopstest.PATOptions{Scopes: []string{azuredevopstest.ScopeProject}})
	if status, _, _ := post(t, s, base+"blobs?api-version=7.1", other, "application/zip", ids); status != 401 {
		t.Errorf("blobs without vso.code = %d, want 401", status)
	}
	if status, _, _ := post(t, s, base+"itemsbatch?api-version=7.1", other, "", map[string]any{"itemDescriptors": []map[string]string{{"path": "/a.sql"}}}); status != 401 {
		t.Errorf("itemsbatch without vso.code = %d, want 401", status)
	}
}
