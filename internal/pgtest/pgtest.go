// Package pgtest gives tests a real PostgreSQL server: the one named by
// the GITPROVIDER_TEST_POSTGRES environment variable (a DSN), or else a
// throwaway cluster it starts itself, once per test binary, from the
// binaries of Debian's postgresql package (/usr/lib/postgresql/*/bin, or
// initdb on the PATH), listening only on a unix socket in a temporary
// directory. As root it runs the server as the postgres user, since
// PostgreSQL refuses to run as root.
//
// It never skips: with neither a DSN nor the binaries, the test fails and
// says how to provide one (.ci/run installs the postgresql package).
//
// A test package that uses it calls Main from TestMain, so the cluster is
// stopped when the tests end:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvDSN names the environment variable holding the DSN of a server to
// use instead of a throwaway cluster.
const EnvDSN = "GITPROVIDER_TEST_POSTGRES"

var (
	once    sync.Once
	dsn     string
	errBoot error
	stop    func()
)

// Main runs the tests and stops the throwaway cluster, if one was
// started, before exiting.
func Main(m *testing.M) {
	code := m.Run()
	if stop != nil {
		stop()
	}
	os.Exit(code)
}

// DSN returns the DSN of the server, starting the throwaway cluster on
// first use; it fails t when no server can be had.
func DSN(t testing.TB) string {
	t.Helper()
	once.Do(func() { dsn, errBoot = boot() })
	if errBoot != nil {
		t.Fatalf("pgtest: no PostgreSQL server for the tests: %v\n"+
			"Install Debian's postgresql package (apt-get install -y postgresql; .ci/run does) "+
			"or set %s to the DSN of a server the tests may create schemas in.", errBoot, EnvDSN)
	}
	return dsn
}

// Schema returns a new schema name, unique in this run, for one test; on
// a server given by DSN it is dropped when the test ends.
func Schema(t testing.TB) string {
	t.Helper()
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "t_" + hex.EncodeToString(b[:])
	d := DSN(t)
	if os.Getenv(EnvDSN) != "" {
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if c, err := pgx.Connect(ctx, d); err == nil {
				_, _ = c.Exec(ctx, "DROP SCHEMA IF EXISTS "+name+" CASCADE")
				_ = c.Close(ctx)
			}
		})
	}
	return name
}

func boot() (string, error) {
	if d := os.Getenv(EnvDSN); d != "" {
		return d, ping(d, 30*time.Second)
	}
	bin, err := binDir()
	if err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp("", "pgtest")
	if err != nil {
		return "", err
	}
	cred, err := credential(dir)
	if err != nil {
		_ = os.RemoveAll(dir)
		return "", err
	}
	data := filepath.Join(dir, "data")
	run := func(name string, args ...string) *exec.Cmd {
		cmd := exec.Command(filepath.Join(bin, name), args...)
		cmd.Dir = dir
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGKILL}
		return cmd
	}
	if out, err := run("initdb", "-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C").CombinedOutput(); err != nil {
		_ = os.RemoveAll(dir)
		return "", fmt.Errorf("initdb: %v: %s", err, out)
	}
	logf, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		return "", err
	}
	// A unix socket only, in dir; no durability needed for tests.
	srv := run("postgres", "-D", data, "-k", dir, "-c", "listen_addresses=", "-c", "fsync=off",
		"-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=200")
	srv.Stdout, srv.Stderr = logf, logf
	if err := srv.Start(); err != nil {
		_ = os.RemoveAll(dir)
		return "", fmt.Errorf("starting postgres: %v", err)
	}
	exited := make(chan struct{})
	go func() { _ = srv.Wait(); close(exited) }()
	stop = func() {
		_ = srv.Process.Signal(syscall.SIGQUIT) // immediate shutdown
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = srv.Process.Kill()
			<-exited
		}
		_ = logf.Close()
		_ = os.RemoveAll(dir)
	}
	d := "host=" + dir + " user=postgres dbname=postgres sslmode=disable"
	if err := ping(d, 60*time.Second); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "server.log"))
		stop()
		stop = nil
		return "", fmt.Errorf("postgres did not start: %v: %s", err, log)
	}
	return d, nil
}

// binDir finds the directory of initdb and postgres: the newest
// /usr/lib/postgresql/N/bin, else initdb's directory on the PATH.
func binDir() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		return filepath.Dir(p), nil
	}
	return "", errors.New("no initdb in /usr/lib/postgresql/*/bin nor on the PATH")
}

func version(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

// credential returns who runs the server: nobody else when not root; as
// root, the postgres user, who is given dir.
func credential(dir string) (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("running as root, and there is no postgres user to run the server as: %v", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(dir, uid, gid); err != nil {
		return nil, err
	}
	// The directories above dir must let the postgres user through.
	for p := filepath.Dir(dir); p != "/" && p != "."; p = filepath.Dir(p) {
		if fi, err := os.Stat(p); err == nil && fi.Mode().Perm()&0o001 == 0 {
			return nil, fmt.Errorf("the postgres user cannot enter %s (mode %s); set TMPDIR to a directory it can", p, fi.Mode())
		}
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

func ping(d string, within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		c, err := pgx.Connect(ctx, d)
		if err == nil {
			err = c.Ping(ctx)
			_ = c.Close(ctx)
		}
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return err // pgx leaves passwords out of its errors
		}
		time.Sleep(100 * time.Millisecond)
	}
}
