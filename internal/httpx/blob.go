package httpx

import (
	"crypto/sha1" //nolint:gosec // Git names blobs by SHA-1; this is an integrity check against truncation, not a signature.
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/gitprovider/gitprovider/vcs"
)

// GitBlobSHA returns the Git object name of a blob with content:
// SHA-1 (or, with sha256, SHA-256) of "blob <len>\x00" + content.
func GitBlobSHA(content []byte, sha256Repo bool) string {
	header := fmt.Sprintf("blob %d\x00", len(content))
	if sha256Repo {
		h := sha256.New()
		h.Write([]byte(header))
		h.Write(content)
		return hex.EncodeToString(h.Sum(nil))
	}
	h := sha1.New() //nolint:gosec // see the import
	h.Write([]byte(header))
	h.Write(content)
	return hex.EncodeToString(h.Sum(nil))
}

// CheckBlob compares a raw file read with the blob SHA the host gave for
// it (GitHub's ETag, GitLab's X-Gitlab-Blob-Id): a body cut short, even
// with a matching Content-Length, or replaced (a sign-in page) does not
// match, and is an error matching vcs.ErrUnavailable, never a short file.
// A sha that is not a 40- or 64-digit hex object name (a weak or opaque
// ETag, no header) is not checked.
func CheckBlob(k vcs.Kind, op, path, sha string, content []byte) error {
	sha = strings.ToLower(strings.TrimSpace(sha))
	if (len(sha) != 40 && len(sha) != 64) || strings.Trim(sha, "0123456789abcdef") != "" {
		return nil
	}
	if got := GitBlobSHA(content, len(sha) == 64); got != sha {
		return &vcs.Error{Provider: k, Op: op, Kind: vcs.ErrUnavailable,
			Message: fmt.Sprintf("the %d bytes received for %s do not hash to the blob %s the host named: the answer was cut short or altered", len(content), path, sha),
			Hint:    "try again; if it persists, a proxy between the library and the host is changing answers"}
	}
	return nil
}
