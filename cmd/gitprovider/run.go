package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/gitprovider/gitprovider"
	"github.com/gitprovider/gitprovider/gitlab"
	"github.com/gitprovider/gitprovider/vcs"
)

// Exit codes.
const (
	exitOK      = 0 // all granted, delivery verified
	exitMissing = 1 // a permission missing, a delivery that does not verify
	exitError   = 2 // bad flags, an error talking to the host
)

// env is what a run reads and writes besides its arguments; tests give
// it a fake host's HTTP client and clock.
type env struct {
	stdout, stderr io.Writer
	getenv         func(string) string
	// client and clock, when set, go into the provider's config (tests).
	client *http.Client
	clock  func() time.Time
}

const usage = `usage: gitprovider <command> [flags]

commands:
  check   check a token: who, kind, scopes, expiry, and each permission
  hooks   list a repository's webhooks
  verify  check a saved webhook delivery against a secret

Run "gitprovider <command> -h" for a command's flags.
`

func run(args []string, e env) int {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, usage)
		return exitError
	}
	switch args[0] {
	case "check":
		return check(args[1:], e)
	case "hooks":
		return hooks(args[1:], e)
	case "verify":
		return verify(args[1:], e)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(e.stdout, usage)
		return exitOK
	}
	fmt.Fprintf(e.stderr, "gitprovider: unknown command %q\n\n%s", args[0], usage)
	return exitError
}

// conn holds the flags that describe a connection.
type conn struct {
	kind, url, repo, tokenEnv, username, caFile string
}

func (c *conn) register(fs *flag.FlagSet) {
	fs.StringVar(&c.kind, "kind", "", "provider kind: github, gitlab, bitbucket or azuredevops (required)")
	fs.StringVar(&c.url, "url", "", "instance URL; empty for the cloud service (required for Azure DevOps: https://dev.azure.com/ORG)")
	fs.StringVar(&c.repo, "repo", "", "repository full path, e.g. acme/db (required)")
	fs.StringVar(&c.tokenEnv, "token-env", "GITPROVIDER_TOKEN", "environment variable holding the token")
	fs.StringVar(&c.username, "username", "", "Atlassian account email, for a Bitbucket API token")
	fs.StringVar(&c.caFile, "ca-file", "", "PEM file of CA certificates to trust, for an instance with a private CA")
}

// config checks the flags and builds the provider's config, before any
// request.
func (c *conn) config(e env) (vcs.Config, error) {
	if c.kind == "" {
		return vcs.Config{}, errors.New("-kind is required: github, gitlab, bitbucket or azuredevops")
	}
	if c.repo == "" {
		return vcs.Config{}, errors.New("-repo is required, e.g. -repo acme/db")
	}
	if err := vcs.CheckRepository(vcs.Kind(c.kind), "check", c.repo); err != nil {
		return vcs.Config{}, err
	}
	token := e.getenv(c.tokenEnv)
	if token == "" {
		return vcs.Config{}, fmt.Errorf("the environment variable %s is empty: export the token there (it is never taken from a flag)", c.tokenEnv)
	}
	cfg := vcs.Config{Kind: vcs.Kind(c.kind), URL: c.url, Token: token, Username: c.username,
		HTTPClient: e.client, Clock: e.clock, UserAgent: "gitprovider-cli"}
	if c.caFile != "" {
		pem, err := os.ReadFile(c.caFile)
		if err != nil {
			return vcs.Config{}, fmt.Errorf("-ca-file: %v", err)
		}
		cfg.CABundle = string(pem)
	}
	if err := cfg.Validate(); err != nil {
		return vcs.Config{}, err
	}
	return cfg, nil
}

func newFlags(name string, e env) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	return fs
}

// fail prints err (with its hint) and returns exitError.
func fail(e env, err error) int {
	fmt.Fprintf(e.stderr, "gitprovider: %v\n", err)
	var ve *vcs.Error
	if errors.As(err, &ve) && ve.Hint != "" && !strings.Contains(err.Error(), ve.Hint) {
		fmt.Fprintf(e.stderr, "  what to do: %s\n", ve.Hint)
	}
	return exitError
}

func open(args []string, name string, e env) (vcs.Provider, *conn, int) {
	var c conn
	fs := newFlags(name, e)
	c.register(fs)
	if err := fs.Parse(args); err != nil {
		return nil, nil, exitError
	}
	if fs.NArg() > 0 {
		return nil, nil, fail(e, fmt.Errorf("unexpected argument %q", fs.Arg(0)))
	}
	cfg, err := c.config(e)
	if err != nil {
		return nil, nil, fail(e, err)
	}
	p, err := gitprovider.Open(cfg)
	if err != nil {
		return nil, nil, fail(e, err)
	}
	return p, &c, exitOK
}

func check(args []string, e env) int {
	p, c, code := open(args, "check", e)
	if p == nil {
		return code
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rep, err := p.CheckAccess(ctx, c.repo)
	if err != nil {
		return fail(e, err)
	}
	now := time.Now()
	if e.clock != nil {
		now = e.clock()
	}
	w := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(w, "provider:\t%s (%s)\n", rep.Provider, rep.APIURL)
	fmt.Fprintf(w, "user:\t%s\n", orNone(rep.User, "unknown"))
	fmt.Fprintf(w, "token:\t%s\n", orNone(rep.TokenKind, "unknown kind"))
	scopes := "not told by the host"
	if rep.Scopes != nil {
		scopes = orNone(strings.Join(rep.Scopes, ", "), "none")
	}
	fmt.Fprintf(w, "scopes:\t%s\n", scopes)
	expires := "never, or not told by the host"
	if rep.ExpiresAt != nil {
		expires = rep.ExpiresAt.UTC().Format(time.RFC3339) + " (" + relative(rep.ExpiresAt.Sub(now)) + ")"
	}
	fmt.Fprintf(w, "expires:\t%s\n", expires)
	fmt.Fprintf(w, "repository:\t%s\n", rep.Repository)
	w.Flush()
	fmt.Fprintln(e.stdout)
	for _, pc := range rep.Checks {
		line := fmt.Sprintf("%-16s %-8s", pc.Permission, pc.Grant)
		if pc.Detail != "" {
			line += " " + pc.Detail
		}
		fmt.Fprintln(e.stdout, strings.TrimRight(line, " "))
		if pc.Grant != vcs.Granted && pc.Remediation != "" {
			fmt.Fprintf(e.stdout, "  what to do: %s\n", pc.Remediation)
		}
	}
	for _, n := range rep.Notes {
		fmt.Fprintf(e.stdout, "note: %s\n", n)
	}
	if !rep.OK() {
		return exitMissing
	}
	return exitOK
}

func relative(d time.Duration) string {
	switch {
	case d <= 0:
		return "expired " + roughly(-d) + " ago"
	default:
		return "in " + roughly(d)
	}
}

func roughly(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%d days", int(d.Hours()/24))
	case d >= 2*time.Hour:
		return fmt.Sprintf("%d hours", int(d.Hours()))
	default:
		return fmt.Sprintf("%d minutes", int(d.Minutes()))
	}
}

func orNone(s, none string) string {
	if s == "" {
		return none
	}
	return s
}

func hooks(args []string, e env) int {
	p, c, code := open(args, "hooks", e)
	if p == nil {
		return code
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	list, err := p.ListWebhooks(ctx, c.repo)
	if err != nil {
		return fail(e, err)
	}
	if len(list) == 0 {
		fmt.Fprintf(e.stdout, "%s has no webhooks\n", c.repo)
		return exitOK
	}
	w := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tURL\tEVENTS\tACTIVE")
	for _, h := range list {
		events := make([]string, len(h.Events))
		for i, ev := range h.Events {
			events[i] = string(ev)
		}
		sort.Strings(events)
		fmt.Fprintf(w, "%s\t%s\t%s\t%t\n", h.ID, h.URL, strings.Join(events, ","), h.Active)
	}
	w.Flush()
	return exitOK
}

func verify(args []string, e env) int {
	fs := newFlags("verify", e)
	kind := fs.String("kind", "", "provider kind that sent the delivery (required)")
	file := fs.String("request", "", "file holding the delivery as an HTTP request: request line, headers, blank line, body (required; - reads standard input)")
	secretEnv := fs.String("secret-env", "GITPROVIDER_WEBHOOK_SECRET", "environment variable holding the webhook's secret")
	if err := fs.Parse(args); err != nil {
		return exitError
	}
	if *kind == "" || *file == "" {
		return fail(e, errors.New("-kind and -request are required"))
	}
	parser, err := vcs.NewWebhookParser(vcs.Kind(*kind))
	if err != nil {
		return fail(e, err)
	}
	if _, ok := parser.(*gitlab.Parser); ok {
		// A saved delivery is old by the time it is checked: GitLab's
		// replay window (webhook-timestamp within five minutes) would
		// refuse it whatever its signature. Check the signature alone.
		parser = &gitlab.Parser{Tolerance: 100 * 365 * 24 * time.Hour}
	}
	secret := e.getenv(*secretEnv)
	if secret == "" {
		return fail(e, fmt.Errorf("the environment variable %s is empty: export the webhook's secret there", *secretEnv))
	}
	var raw []byte
	if *file == "-" {
		raw, err = io.ReadAll(os.Stdin)
	} else {
		raw, err = os.ReadFile(*file)
	}
	if err != nil {
		return fail(e, err)
	}
	req, err := readDelivery(raw)
	if err != nil {
		return fail(e, fmt.Errorf("%s: %v", *file, err))
	}
	h := &vcs.WebhookHandler{Parser: parser, Secret: secret}
	ev, err := h.Read(req)
	if err != nil {
		fmt.Fprintf(e.stdout, "delivery does not verify: %v\n", err)
		var ve *vcs.Error
		if errors.As(err, &ve) && ve.Hint != "" {
			fmt.Fprintf(e.stdout, "  what to do: %s\n", ve.Hint)
		}
		if errors.Is(err, vcs.ErrInvalidSignature) {
			return exitMissing
		}
		return exitError
	}
	fmt.Fprintln(e.stdout, "signature: valid")
	w := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(w, "event:\t%s %s\n", ev.Kind, ev.Action)
	fmt.Fprintf(w, "delivery:\t%s\n", orNone(ev.DeliveryID, "no ID"))
	fmt.Fprintf(w, "repository:\t%s\n", ev.Repository)
	if ev.Number > 0 {
		fmt.Fprintf(w, "pull request:\t#%d %s -> %s, merged %t\n", ev.Number, ev.SourceBranch, ev.TargetBranch, ev.Merged)
	}
	if ev.HeadSHA != "" {
		fmt.Fprintf(w, "head:\t%s\n", ev.HeadSHA)
	}
	w.Flush()
	return exitOK
}

// readDelivery parses a saved delivery: an HTTP/1.1 request as text. Line
// ends may be \n (a file saved by hand) or \r\n.
func readDelivery(raw []byte) (*http.Request, error) {
	head, body, ok := bytes.Cut(raw, []byte("\r\n\r\n"))
	if !ok {
		head, body, ok = bytes.Cut(raw, []byte("\n\n"))
	}
	if !ok {
		return nil, errors.New("no blank line between the headers and the body")
	}
	head = bytes.ReplaceAll(head, []byte("\r\n"), []byte("\n"))
	head = bytes.ReplaceAll(head, []byte("\n"), []byte("\r\n"))
	req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(append(head, "\r\n\r\n"...))))
	if err != nil {
		return nil, fmt.Errorf("not an HTTP request (request line, headers, blank line, body): %v", err)
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	req.ContentLength = int64(len(body))
	return req, nil
}
