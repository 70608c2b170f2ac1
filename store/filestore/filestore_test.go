package filestore_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	_ "github.com/gitprovider/gitprovider" // every provider, for vcs.Open
	"github.com/gitprovider/gitprovider/azuredevops/azuredevopstest"
	"github.com/gitprovider/gitprovider/bitbucket/bitbuckettest"
	"github.com/gitprovider/gitprovider/github/githubtest"
	"github.com/gitprovider/gitprovider/gitlab/gitlabtest"

	"github.com/gitprovider/gitprovider/store/filestore"
	"github.com/gitprovider/gitprovider/vcs"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

func open(t testing.TB, path string) *filestore.Store {
	t.Helper()
	s, err := filestore.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	vcstest.RunStore(t, func(t testing.TB) vcs.Store { return open(t, filepath.Join(t.TempDir(), "events.db")) })
}

// TestSurvivesRestart: what was recorded, leased or done before the file
// was closed (a crash or a restart) is where it was after reopening.
func TestSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "events.db")
	s := open(t, path)
	for i := 1; i <= 3; i++ {
		if _, err := s.Record(ctx, vcstest.MergedEvent(vcs.KindGitHub, "a/b", i, "")); err != nil {
			t.Fatal(err)
		}
	}
	cs, err := s.Claim(ctx, "before", 2, 200*time.Millisecond)
	if err != nil || len(cs) != 2 {
		t.Fatalf("Claim: %v %v", cs, err)
	}
	if err := s.Complete(ctx, cs[0]); err != nil {
		t.Fatal(err)
	}
	if err := s.SetCheckpoint(ctx, "k", time.Unix(1700000000, 0)); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Record(ctx, vcstest.MergedEvent(vcs.KindGitHub, "a/b", 9, "")); !errors.Is(err, vcs.ErrUnavailable) {
		t.Errorf("Record after Close: %v, want ErrUnavailable", err)
	}

	s = open(t, path)
	defer s.Close()
	if ok, _ := s.Record(ctx, vcstest.MergedEvent(vcs.KindGitHub, "a/b", 1, "again")); ok {
		t.Error("a merge recorded before the restart was recorded again")
	}
	now, err := s.Claim(ctx, "after", 10, time.Minute)
	if err != nil || len(now) != 1 {
		t.Fatalf("after the restart %d due, want 1 (the unclaimed one): %v", len(now), err)
	}
	time.Sleep(250 * time.Millisecond) // the lease of the claimed one runs out
	later, _ := s.Claim(ctx, "after", 10, time.Minute)
	if len(later) != 1 || later[0].ID != cs[1].ID {
		t.Errorf("after the lease ran out: %v, want the event leased before the restart", later)
	}
	if at, _ := s.Checkpoint(ctx, "k"); !at.Equal(time.Unix(1700000000, 0)) {
		t.Errorf("checkpoint after restart: %v", at)
	}
}

func TestOneProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.db")
	s := open(t, path)
	defer s.Close()
	if _, err := filestore.Open(path); !errors.Is(err, vcs.ErrUnavailable) {
		t.Errorf("second Open of a file in use: %v, want ErrUnavailable", err)
	}
	if _, err := filestore.Open(filepath.Join(t.TempDir(), "missing", "dir", "x.db")); !errors.Is(err, vcs.ErrUnavailable) {
		t.Errorf("Open in a missing directory: %v, want ErrUnavailable", err)
	}
}

// TestMalformedRow: a row that cannot be decoded is set aside, never a
// panic, never handed to a worker.
func TestMalformedRow(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "events.db")
	s := open(t, path)
	if _, err := s.Record(ctx, vcstest.MergedEvent(vcs.KindGitLab, "g/p", 1, "x")); err != nil {
		t.Fatal(err)
	}
	s.Close()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("deliveries")).ForEach(func(k, _ []byte) error {
			return tx.Bucket([]byte("deliveries")).Put(k, []byte("{not json"))
		})
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	s = open(t, path)
	defer s.Close()
	cs, err := s.Claim(ctx, "w", 10, time.Minute)
	if err != nil || len(cs) != 0 {
		t.Fatalf("Claim over a malformed row: %v, %v; want nothing claimed", cs, err)
	}
	aside, err := s.SetAside(ctx, 0)
	if err != nil || len(aside) != 1 || aside[0].LastError == "" {
		t.Fatalf("SetAside: %+v, %v; want the malformed row", aside, err)
	}
}

// TestReplicas runs the several-replica scenario with the three replicas
// in one process sharing one file (filestore serves one process).
func TestReplicas(t *testing.T) {
	for _, h := range []vcstest.Host{githubtest.New(), gitlabtest.New(), bitbuckettest.New(), azuredevopstest.New()} {
		t.Run(string(h.Kind()), func(t *testing.T) {
			s := open(t, filepath.Join(t.TempDir(), "events.db"))
			defer s.Close()
			vcstest.RunReplicas(t, h, vcstest.SharedStore(s))
		})
	}
}

// BenchmarkRecord: handlers record into one file (each write fsynced).
func BenchmarkRecord(b *testing.B) {
	s := open(b, filepath.Join(b.TempDir(), "events.db"))
	defer s.Close()
	vcstest.BenchmarkRecord(b, 3, vcstest.SharedStore(s))
}
