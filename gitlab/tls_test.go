package gitlab_test

import (
	"encoding/pem"
	"errors"
	"io"
	"log"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gitprovider/gitprovider/gitlab/gitlabtest"
	"github.com/gitprovider/gitprovider/vcs"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

// TestSelfSignedInstance serves the fake over TLS with a self-signed
// certificate, under a relative URL root, on loopback: with the CA bundle
// the provider works, without it the error says to add the CA.
func TestSelfSignedInstance(t *testing.T) {
	srv := gitlabtest.New(gitlabtest.WithURL("https://git.example.test/gitlab"))
	srv.CreateUser("bot", "")
	if _, err := srv.CreateProject("infra/db/migrations", gitlabtest.RepoOptions{Files: map[string]string{"a.sql": "SELECT 1;\n"}}); err != nil {
		t.Fatal(err)
	}
	if err := srv.AddMember("infra", "bot", gitlabtest.Maintainer); err != nil {
		t.Fatal(err)
	}
	tok, err := srv.IssueToken("bot", vcstest.TokenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(srv)
	ts.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is expected
	ts.StartTLS()
	defer ts.Close()
	ca := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Certificate().Raw}))

	// HTTPClient stays nil: the pooled transport with the CA bundle is used.
	cfg := vcs.Config{Kind: vcs.KindGitLab, URL: ts.URL + "/gitlab", Token: tok, CABundle: ca}
	p := open(t, cfg)
	rep, err := p.CheckAccess(testCtx(t), "infra/db/migrations")
	if err != nil {
		t.Fatalf("with the CA bundle: %v", err)
	}
	if !rep.OK() || rep.APIURL != ts.URL+"/gitlab/api/v4/" {
		t.Errorf("report:\n%s", rep)
	}
	f, err := p.ReadFile(testCtx(t), "infra/db/migrations", "a.sql", "")
	if err != nil || string(f.Content) != "SELECT 1;\n" {
		t.Errorf("ReadFile = %v, %v", f, err)
	}

	cfg.CABundle = ""
	_, err = open(t, cfg).CheckAccess(testCtx(t), "infra/db/migrations")
	var ve *vcs.Error
	if !errors.As(err, &ve) {
		t.Fatalf("without the CA bundle: %T %v, want a *vcs.Error", err, err)
	}
	if !errors.Is(err, vcs.ErrUnavailable) || !strings.Contains(ve.Hint, "certificate is not trusted") || !strings.Contains(ve.Hint, "CA bundle") {
		t.Errorf("without the CA bundle: %v (hint %q)", err, ve.Hint)
	}
	t.Logf("without the CA bundle: %v", err)
	if strings.Contains(err.Error(), tok) {
		t.Errorf("error contains the token: %v", err)
	}
}
