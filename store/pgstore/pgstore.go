// Package pgstore is a vcs.Store in PostgreSQL, for servers that run
// several replicas: every replica's webhook handler records into the same
// tables and every replica's workers claim from them, with
// SELECT … FOR UPDATE SKIP LOCKED and a lease that only the claim holding
// it (its token) can renew, complete, fail or release.
//
// The tables live in a schema the user chooses (default "gitprovider"),
// each name starting with an optional prefix. Create them with the
// migration step, once per deployment or at every start (it is
// idempotent and safe for replicas starting at once):
//
//	s, err := pgstore.Open(ctx, dsn, pgstore.Options{Schema: "bytebase"})
//	if err != nil { … }
//	if err := s.Migrate(ctx); err != nil { … }
//
// or run the SQL of Migrations with your own migration tool.
//
// Tables: PREFIXdeliveries (one row per recorded event), PREFIXdelivery_keys
// (the identities seen: an event's DedupeKey and, for a merge, its
// delivery's; the primary key is what makes a second recording of the
// same event a no-op, across replicas), PREFIXcheckpoints (the
// reconciliation sweeper's) and PREFIXschema_migrations.
//
// Done rows are kept, for their identities; delete old ones with
// DeleteDone.
package pgstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gitprovider/gitprovider/vcs"
)

// Options configure a Store.
type Options struct {
	// Schema holds the tables; default "gitprovider". Lower-case letters,
	// digits and underscores.
	Schema string
	// Prefix starts every table name, e.g. "vcs_"; default none.
	// Lower-case letters, digits and underscores.
	Prefix string
}

// Store is a vcs.Store in PostgreSQL. It is safe for concurrent use.
type Store struct {
	pool   *pgxpool.Pool
	owned  bool
	schema string
	prefix string
	t      tables
	q      queries
}

type tables struct{ deliveries, keys, checkpoints, migrations string }

var identRE = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,39}$`)

func (o Options) validate() (schema string, t tables, err error) {
	schema = o.Schema
	if schema == "" {
		schema = "gitprovider"
	}
	if !identRE.MatchString(schema) {
		return "", t, vcs.Errorf("", "pgstore", vcs.ErrInvalidConfig, "schema %q must be 1 to 40 lower-case letters, digits or underscores, not starting with a digit", schema)
	}
	if o.Prefix != "" && !identRE.MatchString(o.Prefix) {
		return "", t, vcs.Errorf("", "pgstore", vcs.ErrInvalidConfig, "table prefix %q must be lower-case letters, digits or underscores, not starting with a digit", o.Prefix)
	}
	q := func(name string) string { return `"` + schema + `"."` + o.Prefix + name + `"` }
	return schema, tables{q("deliveries"), q("delivery_keys"), q("checkpoints"), q("schema_migrations")}, nil
}

// New returns a store on pool, which stays the caller's (Close does not
// close it). It does not create the tables: see Migrate.
func New(pool *pgxpool.Pool, opts Options) (*Store, error) {
	if pool == nil {
		return nil, vcs.Errorf("", "pgstore.New", vcs.ErrInvalidConfig, "nil pool")
	}
	schema, t, err := opts.validate()
	if err != nil {
		return nil, err
	}
	return &Store{pool: pool, schema: schema, prefix: opts.Prefix, t: t, q: buildQueries(t)}, nil
}

// Open connects to the database named by dsn (a PostgreSQL URL or
// key=value string) and returns a store that closes the pool on Close.
// It does not create the tables: see Migrate.
func Open(ctx context.Context, dsn string, opts Options) (*Store, error) {
	if _, _, err := opts.validate(); err != nil {
		return nil, err
	}
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		return nil, &vcs.Error{Op: "pgstore.Open", Kind: vcs.ErrInvalidConfig, Message: "the DSN cannot be used", Err: err}
	}
	s, err := New(pool, opts)
	if err != nil {
		pool.Close()
		return nil, err
	}
	s.owned = true
	return s, nil
}

var _ vcs.Store = (*Store)(nil)

// migrations are applied in order; their index + 1 is their version.
func migrations(t tables, prefix string) []string {
	return []string{
		fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %[1]s (
	id           bigserial PRIMARY KEY,
	identity     text NOT NULL DEFAULT '',
	data         bytea NOT NULL,
	state        text NOT NULL DEFAULT 'pending',
	attempts     integer NOT NULL DEFAULT 0,
	last_error   text NOT NULL DEFAULT '',
	recorded_at  timestamptz NOT NULL DEFAULT now(),
	next_attempt timestamptz NOT NULL DEFAULT now(),
	lease_until  timestamptz,
	lease_token  text,
	owner        text NOT NULL DEFAULT '',
	set_aside_at timestamptz
);
CREATE INDEX IF NOT EXISTS "%[3]sdeliveries_due" ON %[1]s (next_attempt, id) WHERE state = 'pending';
CREATE INDEX IF NOT EXISTS "%[3]sdeliveries_leased" ON %[1]s (lease_until) WHERE state = 'running';
CREATE INDEX IF NOT EXISTS "%[3]sdeliveries_set_aside" ON %[1]s (set_aside_at, id) WHERE state = 'set_aside';
CREATE TABLE IF NOT EXISTS %[2]s (
	key         text PRIMARY KEY,
	delivery_id bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS %[4]s (
	key text PRIMARY KEY,
	at  timestamptz NOT NULL
);`, t.deliveries, t.keys, prefix, t.checkpoints),
	}
}

// Migrations returns the SQL that creates the store's schema and tables
// for opts, one string per version, for users who apply migrations with
// their own tool (Migrate applies them and records the version).
func Migrations(opts Options) ([]string, error) {
	schema, t, err := opts.validate()
	if err != nil {
		return nil, err
	}
	return append([]string{`CREATE SCHEMA IF NOT EXISTS "` + schema + `"`}, migrations(t, opts.Prefix)...), nil
}

// Migrate creates the schema and the tables, or brings them to this
// version. Replicas may call it at the same time: a transaction-scoped
// advisory lock lets one at a time through.
func (s *Store) Migrate(ctx context.Context) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return unavailable("Migrate", err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext($1))`, "gitprovider/pgstore/"+s.t.migrations); err != nil {
		return unavailable("Migrate", err)
	}
	if _, err := tx.Exec(ctx, `CREATE SCHEMA IF NOT EXISTS "`+s.schema+`"`); err != nil {
		return unavailable("Migrate", err)
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS `+s.t.migrations+` (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return unavailable("Migrate", err)
	}
	var have int
	if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM `+s.t.migrations).Scan(&have); err != nil {
		return unavailable("Migrate", err)
	}
	ms := migrations(s.t, s.prefix)
	if have > len(ms) {
		return vcs.Errorf("", "Migrate", vcs.ErrInvalidConfig, "the tables are at version %d, newer than this library's %d: upgrade the library", have, len(ms))
	}
	for v := have + 1; v <= len(ms); v++ {
		if _, err := tx.Exec(ctx, ms[v-1]); err != nil {
			return unavailable("Migrate", err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO `+s.t.migrations+` (version) VALUES ($1)`, v); err != nil {
			return unavailable("Migrate", err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return unavailable("Migrate", err)
	}
	return nil
}

type queries struct {
	record, claim, extend, complete, fail, release, setAside, retry, checkpoint, setCheckpoint, deleteDone string
}

// deliveryCols are the columns scanDelivery reads, of the table named
// (or aliased) t.
func deliveryCols(t string) string {
	return strings.NewReplacer("T.", t).Replace(`T.id, T.identity, T.data, T.state, T.attempts, T.last_error, T.recorded_at, T.next_attempt,
	coalesce(T.lease_until, 'epoch'), coalesce(T.lease_token, ''), T.owner`)
}

func buildQueries(t tables) queries {
	held := `id = $1 AND lease_token = $2 AND state = 'running' AND lease_until > now()`
	return queries{
		// One statement: take every identity key; the row is inserted
		// only when all of them were new. A key already taken (by an
		// earlier recording, or a concurrent one, which the primary key
		// makes this statement wait for) records nothing.
		record: `WITH n AS (SELECT nextval(pg_get_serial_sequence('` + unquote(t.deliveries) + `', 'id')) AS id),
k AS (INSERT INTO ` + t.keys + ` (key, delivery_id) SELECT key, n.id FROM n, unnest($3::text[]) AS key ON CONFLICT DO NOTHING RETURNING 1),
d AS (INSERT INTO ` + t.deliveries + ` (id, identity, data) SELECT n.id, $1, $2 FROM n WHERE (SELECT count(*) FROM k) = cardinality($3::text[]) RETURNING 1)
SELECT count(*) FROM d`,
		claim: `UPDATE ` + t.deliveries + ` AS d SET state = 'running', attempts = d.attempts + 1,
	lease_until = now() + $3 * interval '1 microsecond', lease_token = gen_random_uuid()::text, owner = $1
FROM (SELECT id FROM ` + t.deliveries + `
	WHERE (state = 'pending' AND next_attempt <= now()) OR (state = 'running' AND lease_until <= now())
	ORDER BY next_attempt, id LIMIT $2 FOR UPDATE SKIP LOCKED) AS due
WHERE d.id = due.id
RETURNING ` + deliveryCols("d."),
		extend:   `UPDATE ` + t.deliveries + ` SET lease_until = now() + $3 * interval '1 microsecond' WHERE ` + held,
		complete: `UPDATE ` + t.deliveries + ` SET state = 'done', lease_until = NULL, lease_token = NULL WHERE ` + held,
		fail: `UPDATE ` + t.deliveries + ` SET last_error = $3, lease_until = NULL, lease_token = NULL,
	state = CASE WHEN $4::timestamptz IS NULL THEN 'set_aside' ELSE 'pending' END,
	next_attempt = coalesce($4::timestamptz, next_attempt),
	set_aside_at = CASE WHEN $4::timestamptz IS NULL THEN now() END
WHERE ` + held,
		release: `UPDATE ` + t.deliveries + ` SET state = 'pending', attempts = greatest(attempts - 1, 0), next_attempt = now(),
	lease_until = NULL, lease_token = NULL WHERE ` + held,
		setAside:      `SELECT ` + deliveryCols(t.deliveries+".") + ` FROM ` + t.deliveries + ` WHERE state = 'set_aside' ORDER BY set_aside_at, id LIMIT $1`,
		retry:         `UPDATE ` + t.deliveries + ` SET state = 'pending', attempts = 0, next_attempt = now(), set_aside_at = NULL WHERE id = $1 AND state = 'set_aside'`,
		checkpoint:    `SELECT at FROM ` + t.checkpoints + ` WHERE key = $1`,
		setCheckpoint: `INSERT INTO ` + t.checkpoints + ` (key, at) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET at = EXCLUDED.at`,
		deleteDone: `WITH gone AS (DELETE FROM ` + t.deliveries + ` WHERE state = 'done' AND recorded_at < $1 RETURNING id)
DELETE FROM ` + t.keys + ` WHERE delivery_id IN (SELECT id FROM gone)`,
	}
}

// unquote turns "schema"."table" into schema.table for regclass input.
func unquote(q string) string { return strings.ReplaceAll(q, `"`, "") }

func unavailable(op string, err error) error {
	var ve *vcs.Error
	if errors.As(err, &ve) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &vcs.Error{Op: op, Kind: vcs.ErrUnavailable, Message: "PostgreSQL did not answer in time", Err: err}
	}
	return &vcs.Error{Op: op, Kind: vcs.ErrUnavailable, Message: "PostgreSQL failed", Hint: "check the database is up and the store's tables exist (Store.Migrate)", Err: err}
}

// Record implements vcs.EventRecorder.
func (s *Store) Record(ctx context.Context, ev *vcs.Event) (bool, error) {
	data, err := vcs.EncodeEvent(ev)
	if err != nil {
		return false, err
	}
	identity, _ := vcs.DedupeKey(ev)
	keys := []string{}
	if identity != "" {
		keys = append(keys, identity)
	}
	if k := vcs.DeliveryIdentity(ev); k != "" && k != identity {
		keys = append(keys, k)
	}
	var n int
	// Again on a lost connection: the keys make a second recording of
	// one that did commit record nothing (false: already recorded).
	err = s.again(ctx, func() error { return s.pool.QueryRow(ctx, s.q.record, identity, data, keys).Scan(&n) })
	if err != nil {
		return false, unavailable("Record", err)
	}
	return n == 1, nil
}

// again runs one statement, and runs it again while it failed because
// the server ended its connection: PostgreSQL ends every connection at a
// restart or failover, and pg_terminate_backend ends one (SQLSTATE class
// 57, "operator intervention"), and the pool only finds out when the
// connection is next used, so each idle connection fails one statement
// and is then discarded. A statement that failed so did not complete
// (PostgreSQL aborts it), and every statement again runs is safe to
// repeat: recordings are keyed, and settling is fenced by the lease
// token. Without it, a worker that processed an event could fail to mark
// it done on every idle connection in turn and see it processed again
// once its lease ran out.
func (s *Store) again(ctx context.Context, stmt func() error) error {
	tries := int(s.pool.Config().MaxConns) + 1 // one per idle connection, then a new one
	for {
		err := stmt()
		tries--
		if err == nil || tries == 0 || ctx.Err() != nil || !connectionLost(err) {
			return err
		}
	}
}

// connectionLost reports whether err says the server ended the
// connection or the connection broke, rather than that the statement
// failed on a live connection.
func connectionLost(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return strings.HasPrefix(pgErr.Code, "57") // admin_shutdown, crash_shutdown, cannot_connect_now, …
	}
	var netErr net.Error
	return pgconn.SafeToRetry(err) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.As(err, &netErr)
}

func scanDelivery(row pgx.Row, d *vcs.Delivery, token *string) error {
	var id int64
	var state string
	err := row.Scan(&id, &d.Identity, &d.Data, &state, &d.Attempts, &d.LastError, &d.RecordedAt, &d.NextAttempt, &d.LeaseUntil, token, new(string))
	d.ID = strconv.FormatInt(id, 10)
	d.State = vcs.DeliveryState(state)
	if d.LeaseUntil.Unix() == 0 {
		d.LeaseUntil = time.Time{}
	}
	return err
}

// Claim implements vcs.Store.
func (s *Store) Claim(ctx context.Context, owner string, max int, lease time.Duration) ([]*vcs.Claim, error) {
	if err := vcs.CheckClaimArgs(owner, max, lease); err != nil {
		return nil, err
	}
	var out []*vcs.Claim
	err := s.again(ctx, func() error {
		out = nil
		rows, err := s.pool.Query(ctx, s.q.claim, owner, max, lease.Microseconds())
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			c := &vcs.Claim{Owner: owner}
			if err := scanDelivery(rows, &c.Delivery, &c.Token); err != nil {
				return err
			}
			out = append(out, c)
		}
		// On an error here the claims made are lost to this worker;
		// their leases run out.
		return rows.Err()
	})
	if err != nil {
		return nil, unavailable("Claim", err)
	}
	return out, nil
}

// settle runs one of the statements that need the lease.
func (s *Store) settle(ctx context.Context, op, q string, c *vcs.Claim, args ...any) error {
	if c == nil {
		return vcs.Errorf("", op, vcs.ErrInvalidArgument, "nil claim")
	}
	id, err := strconv.ParseInt(c.ID, 10, 64)
	if err != nil {
		return vcs.LeaseLost(op, c)
	}
	var tag pgconn.CommandTag
	err = s.again(ctx, func() (err error) {
		tag, err = s.pool.Exec(ctx, q, append([]any{id, c.Token}, args...)...)
		return err
	})
	if err != nil {
		return unavailable(op, err)
	}
	if tag.RowsAffected() == 0 {
		return vcs.LeaseLost(op, c)
	}
	return nil
}

// Extend implements vcs.Store.
func (s *Store) Extend(ctx context.Context, c *vcs.Claim, lease time.Duration) error {
	return s.settle(ctx, "Extend", s.q.extend, c, lease.Microseconds())
}

// Complete implements vcs.Store.
func (s *Store) Complete(ctx context.Context, c *vcs.Claim) error {
	return s.settle(ctx, "Complete", s.q.complete, c)
}

// Fail implements vcs.Store.
func (s *Store) Fail(ctx context.Context, c *vcs.Claim, cause string, retryAt time.Time) error {
	var at *time.Time
	if !retryAt.IsZero() {
		at = &retryAt
	}
	return s.settle(ctx, "Fail", s.q.fail, c, cause, at)
}

// Release implements vcs.Store.
func (s *Store) Release(ctx context.Context, c *vcs.Claim) error {
	return s.settle(ctx, "Release", s.q.release, c)
}

// SetAside implements vcs.Store.
func (s *Store) SetAside(ctx context.Context, limit int) ([]*vcs.Delivery, error) {
	var lim any
	if limit > 0 {
		lim = limit
	}
	rows, err := s.pool.Query(ctx, s.q.setAside, lim)
	if err != nil {
		return nil, unavailable("SetAside", err)
	}
	defer rows.Close()
	var out []*vcs.Delivery
	for rows.Next() {
		d := &vcs.Delivery{}
		if err := scanDelivery(rows, d, new(string)); err != nil {
			return nil, unavailable("SetAside", err)
		}
		d.LeaseUntil = time.Time{}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, unavailable("SetAside", err)
	}
	return out, nil
}

// Retry implements vcs.Store.
func (s *Store) Retry(ctx context.Context, id string) error {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return vcs.Errorf("", "Retry", vcs.ErrNotFound, "no set-aside event %q", id)
	}
	tag, err := s.pool.Exec(ctx, s.q.retry, n)
	if err != nil {
		return unavailable("Retry", err)
	}
	if tag.RowsAffected() == 0 {
		return vcs.Errorf("", "Retry", vcs.ErrNotFound, "no set-aside event %q", id)
	}
	return nil
}

// Checkpoint implements vcs.CheckpointStore.
func (s *Store) Checkpoint(ctx context.Context, key string) (time.Time, error) {
	var at time.Time
	err := s.pool.QueryRow(ctx, s.q.checkpoint, key).Scan(&at)
	if errors.Is(err, pgx.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, unavailable("Checkpoint", err)
	}
	return at, nil
}

// SetCheckpoint implements vcs.CheckpointStore.
func (s *Store) SetCheckpoint(ctx context.Context, key string, t time.Time) error {
	if _, err := s.pool.Exec(ctx, s.q.setCheckpoint, key, t); err != nil {
		return unavailable("SetCheckpoint", err)
	}
	return nil
}

// DeleteDone deletes the done events recorded before t, and their
// identities: a delivery of one of them arriving later is recorded anew,
// so keep them longer than any host or sweep may bring them again.
func (s *Store) DeleteDone(ctx context.Context, before time.Time) error {
	if _, err := s.pool.Exec(ctx, s.q.deleteDone, before); err != nil {
		return unavailable("DeleteDone", err)
	}
	return nil
}

// Close closes the pool when Open made it.
func (s *Store) Close() error {
	if s.owned {
		s.pool.Close()
	}
	return nil
}
