package vcs

import (
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Driver builds providers and webhook parsers for one kind of host. Each
// provider package registers its driver in init, as database/sql drivers
// do; import the package (or the root gitprovider package, which imports
// them all) to make its kind available to Open.
type Driver interface {
	// Open builds a provider from a validated config.
	Open(cfg Config) (Provider, error)
	// WebhookParser returns the host's webhook parser.
	WebhookParser() WebhookParser
}

var (
	driversMu sync.RWMutex
	drivers   = map[Kind]Driver{}
)

// Register makes a driver available under kind. It panics if kind is
// empty, the driver is nil, or kind is registered twice.
func Register(kind Kind, d Driver) {
	driversMu.Lock()
	defer driversMu.Unlock()
	if kind == "" || d == nil {
		panic("vcs: Register with empty kind or nil driver")
	}
	if _, dup := drivers[kind]; dup {
		panic("vcs: Register called twice for kind " + string(kind))
	}
	drivers[kind] = d
}

// Kinds returns the registered kinds, sorted.
func Kinds() []Kind {
	driversMu.RLock()
	defer driversMu.RUnlock()
	out := make([]Kind, 0, len(drivers))
	for k := range drivers {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func kindList() string {
	ks := Kinds()
	if len(ks) == 0 {
		return "(none registered: import a provider package, e.g. github.com/gitprovider/gitprovider/github)"
	}
	s := make([]string, len(ks))
	for i, k := range ks {
		s[i] = fmt.Sprintf("%q", k)
	}
	return strings.Join(s, ", ")
}

func driver(kind Kind) (Driver, error) {
	driversMu.RLock()
	d := drivers[kind]
	driversMu.RUnlock()
	if d == nil {
		return nil, Errorf(kind, "Open", ErrInvalidConfig, "unknown kind %q; known kinds: %s", kind, kindList())
	}
	return d, nil
}

// Open validates cfg and builds a provider with the driver registered for
// cfg.Kind.
func Open(cfg Config) (Provider, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	d, err := driver(cfg.Kind)
	if err != nil {
		return nil, err
	}
	return d.Open(cfg)
}

// NewWebhookParser returns the webhook parser registered for kind.
func NewWebhookParser(kind Kind) (WebhookParser, error) {
	d, err := driver(kind)
	if err != nil {
		return nil, err
	}
	return d.WebhookParser(), nil
}
