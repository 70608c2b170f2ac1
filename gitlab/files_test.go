package gitlab_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/gitprovider/gitprovider/gitlab"
	"github.com/gitprovider/gitprovider/vcs"
)

// TestReadFileTooLarge: a file over the cap is ErrTooLarge, never a
// truncated read; one of exactly the cap is read whole.
func TestReadFileTooLarge(t *testing.T) {
	s := newSeeded(t)
	gitlab.SetMaxFileSize(t, 64)
	exact, over := strings.Repeat("a", 64), strings.Repeat("b", 65)
	empty := ""
	if _, _, err := s.srv.Push(s.repo, "main", map[string]*string{"exact.sql": &exact, "over.sql": &over, "empty.sql": &empty}); err != nil {
		t.Fatal(err)
	}
	p := s.provider(t, s.tok)
	f, err := p.ReadFile(testCtx(t), s.repo, "exact.sql", "")
	if err != nil || string(f.Content) != exact {
		t.Errorf("ReadFile of exactly the cap = %v, %v", f, err)
	}
	f, err = p.ReadFile(testCtx(t), s.repo, "over.sql", "")
	var ve *vcs.Error
	if !errors.Is(err, vcs.ErrTooLarge) || !errors.As(err, &ve) || f != nil {
		t.Errorf("ReadFile over the cap = %v, %v; want ErrTooLarge and no file", f, err)
	}
	f, err = p.ReadFile(testCtx(t), s.repo, "empty.sql", "")
	if err != nil || f.Content == nil || len(f.Content) != 0 {
		t.Errorf("ReadFile of an empty file = %+v, %v; want empty, non-nil content", f, err)
	}
}
