package vcs

import (
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The checks in this file run before any request: an argument that would
// leave the repository's API path ("..", "."), split a header or a query
// (control characters) or end a C string (NUL) in a proxy is refused as
// ErrInvalidArgument, with the token never sent. Every driver calls them
// from its argument checks, so the rule is the same on every host.

// CheckRepository refuses a repository ID with an empty, "." or ".."
// segment, a control character, a NUL or invalid UTF-8. The host-specific
// shape (OWNER/NAME, group/sub/project, workspace/slug, project/repo) is
// the driver's to check.
func CheckRepository(k Kind, op, repo string) error {
	if repo == "" {
		return Errorf(k, op, ErrInvalidArgument, "repository is empty")
	}
	if why := badSegments(repo, false); why != "" {
		return Errorf(k, op, ErrInvalidArgument, "repository %s %s", quoteArg(repo), why)
	}
	return nil
}

// CheckPath refuses a file or directory path with a "." or ".." segment,
// a control character, a NUL or invalid UTF-8. Leading, trailing and
// doubled slashes are allowed (drivers trim them); an empty path is the
// caller's to judge.
func CheckPath(k Kind, op, what, p string) error {
	if why := badSegments(p, true); why != "" {
		return Errorf(k, op, ErrInvalidArgument, "%s %s %s", what, quoteArg(p), why)
	}
	return nil
}

// CheckRef refuses a branch, tag or commit name that Git itself refuses
// in a way that could change the request: a "." or ".." segment, a
// control character, a NUL or invalid UTF-8 (git check-ref-format forbids
// all of them). Empty means the default branch and is allowed.
func CheckRef(k Kind, op, ref string) error {
	if ref == "" {
		return nil
	}
	if why := badSegments(ref, false); why != "" {
		return Errorf(k, op, ErrInvalidArgument, "ref %s %s", quoteArg(ref), why)
	}
	return nil
}

// CheckID refuses a comment or webhook ID that is empty or holds a "/",
// a "." or ".." value, a control character or a NUL: IDs become one path
// segment.
func CheckID(k Kind, op, what, id string) error {
	switch {
	case id == "":
		return Errorf(k, op, ErrInvalidArgument, "%s is empty", what)
	case strings.ContainsAny(id, `/\`):
		return Errorf(k, op, ErrInvalidArgument, "%s %s must not contain a slash", what, quoteArg(id))
	}
	if why := badSegments(id, false); why != "" {
		return Errorf(k, op, ErrInvalidArgument, "%s %s %s", what, quoteArg(id), why)
	}
	return nil
}

// CheckCreated returns an ErrUnavailable error when a write the host
// answered with success gave back no ID for the object it says it
// created (an empty ID, or "0" from a numeric field absent in the
// answer): nothing may have been created, and callers must not record it.
func CheckCreated(k Kind, op, what, id string) error {
	if id == "" || id == "0" {
		return &Error{Provider: k, Op: op, Kind: ErrUnavailable,
			Message: "the host answered without the new " + what + "'s ID",
			Hint:    "the answer did not come from the API (a proxy or the wrong instance URL?); nothing may have been created: check the instance URL, then list before trying again"}
	}
	return nil
}

// badSegments says what is wrong with s as "/"-separated segments, or "".
// With emptyOK, empty segments (leading, trailing, doubled slashes) pass.
func badSegments(s string, emptyOK bool) string {
	if !utf8.ValidString(s) {
		return "is not valid UTF-8"
	}
	for _, r := range s {
		if r == 0 {
			return "contains a NUL character"
		}
		if unicode.IsControl(r) {
			return "contains a control character"
		}
	}
	// A backslash is a path separator to some servers and proxies.
	for _, seg := range strings.FieldsFunc(s, func(r rune) bool { return r == '/' || r == '\\' }) {
		if seg == "." || seg == ".." {
			return "has a \".\" or \"..\" segment"
		}
		// Percent-encoded dots are decoded by some servers before
		// routing ("%2e%2e").
		if dec, err := url.PathUnescape(seg); err == nil && dec != seg && (dec == "." || dec == "..") {
			return "has an encoded \".\" or \"..\" segment"
		}
	}
	if !emptyOK {
		trimmed := strings.Trim(s, "/")
		if trimmed == "" || strings.Contains(trimmed, "//") {
			return "has an empty segment"
		}
	}
	return ""
}

// quoteArg quotes an argument for an error message, cut to a readable
// length.
func quoteArg(s string) string {
	if len(s) > 200 {
		cut := 200
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return strconv.Quote(s)
}

// CheckFileArgs is CheckPath for a file or directory path and CheckRef
// for its ref, the arguments of ReadFile and ListDirectory.
func CheckFileArgs(k Kind, op, p, ref string) error {
	if err := CheckPath(k, op, "path", p); err != nil {
		return err
	}
	return CheckRef(k, op, ref)
}
