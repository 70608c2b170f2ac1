package httpx

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/gitprovider/gitprovider/vcs"
)

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

// TestTransportHints: each way a request can fail without an answer gets
// a hint that fits it.
func TestTransportHints(t *testing.T) {
	wrap := func(err error) error {
		return &url.Error{Op: "Get", URL: "https://git.example.test/api", Err: err}
	}
	dial := func(err error) error {
		return wrap(&net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", err)})
	}
	cert := &x509.Certificate{DNSNames: []string{"other.example.test"}}
	for name, c := range map[string]struct {
		err  error
		want string
	}{
		"name mismatch": {wrap(&tls.CertificateVerificationError{Err: x509.HostnameError{Certificate: cert, Host: "git.example.test"}}), "certificate is for other.example.test, not for git.example.test"},
		"unknown CA":    {wrap(&tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}), "CA bundle"},
		"expired":       {wrap(&tls.CertificateVerificationError{Err: x509.CertificateInvalidError{Reason: x509.Expired, Detail: "expired last week"}}), "renew"},
		"no such host":  {wrap(&net.OpError{Op: "dial", Err: &net.DNSError{Err: "no such host", Name: "git.example.test", IsNotFound: true}}), "does not resolve"},
		"DNS failure":   {wrap(&net.OpError{Op: "dial", Err: &net.DNSError{Err: "server misbehaving", Name: "git.example.test"}}), "DNS resolver"},
		"refused":       {dial(syscall.ECONNREFUSED), "nothing listens"},
		"unreachable":   {dial(syscall.EHOSTUNREACH), "cannot be reached"},
		"timeout":       {wrap(&net.OpError{Op: "dial", Err: timeoutErr{}}), "did not answer in time"},
	} {
		err := Errors{Kind: vcs.KindGitLab}.FromError("GetRepository", c.err)
		var ve *vcs.Error
		if !errors.As(err, &ve) || !errors.Is(err, vcs.ErrUnavailable) || !strings.Contains(ve.Hint, c.want) {
			t.Errorf("%s: %v (hint %q); want ErrUnavailable with a hint containing %q", name, err, ve.Hint, c.want)
		}
		if name == "name mismatch" && strings.Contains(ve.Hint, "add the instance's CA") {
			t.Errorf("name mismatch advises a CA bundle: %q", ve.Hint)
		}
	}
}
