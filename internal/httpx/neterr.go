package httpx

import (
	"crypto/x509"
	"errors"
	"net"
	"strings"
	"syscall"
)

// transportHint says what to do about a request that got no HTTP answer:
// a name that does not resolve, a port nobody listens on, a host that
// does not answer, a certificate for other names, of an unknown
// authority, or expired.
func transportHint(err error) string {
	var hn x509.HostnameError
	var ua x509.UnknownAuthorityError
	var ci x509.CertificateInvalidError
	var dns *net.DNSError
	var ne net.Error
	switch {
	case errors.As(err, &hn):
		names := "no DNS names"
		if hn.Certificate != nil && len(hn.Certificate.DNSNames) > 0 {
			names = strings.Join(hn.Certificate.DNSNames, ", ")
		}
		return "the server's TLS certificate is for " + names + ", not for " + hn.Host +
			": use the instance URL with a host name its certificate names (adding a CA bundle does not help)"
	case errors.As(err, &ua):
		return "the server's TLS certificate is not trusted: add the instance's CA certificate (PEM) to the provider's CA bundle"
	case errors.As(err, &ci) && ci.Reason == x509.Expired:
		return "the server's TLS certificate has expired or is not yet valid (" + ci.Detail + "): the instance's admin must renew it, or this server's clock is wrong"
	case IsTLSError(err):
		return "the server's TLS certificate is not valid for this client: check the instance URL, and add the instance's CA certificate (PEM) to the provider's CA bundle if it uses a private CA"
	case errors.As(err, &dns) && dns.IsNotFound:
		return "the host name " + dns.Name + " does not resolve: check the URL's spelling, and that this server's DNS knows internal names"
	case errors.As(err, &dns):
		return "looking up " + dns.Name + " failed (" + dns.Err + "): check this server's DNS resolver and network"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "the host refused the connection: nothing listens on that port; check the URL's port and that the instance is running"
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return "the host cannot be reached from this server: check routes, firewall rules and any proxy (HTTPS_PROXY) between them"
	case errors.As(err, &ne) && ne.Timeout():
		return "the host did not answer in time: check the URL, and the firewall or proxy between this server and the host; the host may be down"
	}
	return ""
}
