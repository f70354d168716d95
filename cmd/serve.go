package cmd

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/allymatch/allymatch/api"
	"github.com/allymatch/allymatch/fixtures"
	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/notify"
	"github.com/allymatch/allymatch/matcher/service"
	"github.com/allymatch/allymatch/matcher/store"
)

func init() {
	register(command{name: "serve", summary: "serve the HTTP API (a new install starts with the Banan sample)", run: runServe})
}

// ServeConfig configures the server.
type ServeConfig struct {
	Addr            string        // listen address, host:port
	Data            string        // data folder, or a PostgreSQL URL (postgres://…)
	ShutdownTimeout time.Duration // grace period for requests in flight
	Seed            bool          // seed a new store (a new install) with the embedded Banan sample
	// AdminToken is the admin's bearer token (default: $ALLYMATCH_ADMIN_TOKEN).
	// When empty, Run generates one for this run and logs it.
	AdminToken string
	// TrustedProxies are the reverse proxies (addresses or networks,
	// comma-separated) whose X-Forwarded-Proto is believed: the desk's
	// cookies are Secure when such a proxy says the request came over
	// https (default: $ALLYMATCH_TRUSTED_PROXIES; none).
	TrustedProxies string
	// AllowPrivateWebhooks lets webhook URLs point at loopback,
	// link-local and private addresses (intranet robots; tests). Off, such
	// addresses are refused when a subscription is made and at every send.
	AllowPrivateWebhooks bool
	// PublicURL is the desk's address in the links of messages, e.g.
	// https://allymatch.example.org (default: $ALLYMATCH_PUBLIC_URL; when
	// empty, the address of the request that made the subscription).
	PublicURL string
	// Notify configures the dispatcher (zero: notify.DefaultConfig, with
	// the two fields above).
	Notify notify.Config
}

// DefaultServeConfig returns the defaults: 127.0.0.1:8080, ./data.
func DefaultServeConfig() ServeConfig {
	return ServeConfig{Addr: "127.0.0.1:8080", Data: "./data", ShutdownTimeout: 10 * time.Second, Seed: true, Notify: notify.DefaultConfig()}
}

// Server is the running "serve" command: an HTTP listener that answers
// /healthz at once and the rest once the store is loaded.
type Server struct {
	Config ServeConfig
	log    *slog.Logger
	ln     net.Listener
	http   *http.Server
	api    *api.Server
	store  *store.Store
	notify *notify.Notifier
	// created: the store is a new install (its first coordinator gets a
	// login link in the log).
	created bool
	ready   chan struct{} // closed once listening (or failed to)
	once    sync.Once
	loaded  chan struct{} // closed once the store is open and served
}

// NewServer returns a server with cfg, logging to log.
func NewServer(cfg ServeConfig, log *slog.Logger) *Server {
	return &Server{Config: cfg, log: log, ready: make(chan struct{}), loaded: make(chan struct{})}
}

// ParseFlags reads the serve flags into s.Config.
func (s *Server) ParseFlags(std Stdio, args []string) error {
	fs := newFlagSet("serve", "[--addr HOST:PORT] [--data DIR|URL] [--admin-token TOKEN] [--trusted-proxies LIST] [--public-url URL] [--allow-private-webhooks]", std)
	if s.Config.AdminToken == "" {
		s.Config.AdminToken = os.Getenv("ALLYMATCH_ADMIN_TOKEN")
	}
	if s.Config.TrustedProxies == "" {
		s.Config.TrustedProxies = os.Getenv("ALLYMATCH_TRUSTED_PROXIES")
	}
	if s.Config.PublicURL == "" {
		s.Config.PublicURL = os.Getenv("ALLYMATCH_PUBLIC_URL")
	}
	fs.StringVar(&s.Config.PublicURL, "public-url", s.Config.PublicURL, "the desk's address in the links of webhook messages, e.g. https://allymatch.example.org (default $ALLYMATCH_PUBLIC_URL; else the address the subscription was made at)")
	fs.BoolVar(&s.Config.AllowPrivateWebhooks, "allow-private-webhooks", s.Config.AllowPrivateWebhooks, "let webhook URLs point at loopback, link-local and private addresses (intranet group robots); refused by default")
	fs.StringVar(&s.Config.TrustedProxies, "trusted-proxies", s.Config.TrustedProxies, "reverse proxies (addresses or networks, comma-separated) whose X-Forwarded-Proto: https makes the desk's cookies Secure (default $ALLYMATCH_TRUSTED_PROXIES)")
	fs.StringVar(&s.Config.AdminToken, "admin-token", s.Config.AdminToken, "the admin's bearer token (default $ALLYMATCH_ADMIN_TOKEN; generated and logged when empty)")
	fs.StringVar(&s.Config.Addr, "addr", s.Config.Addr, "listen address")
	storeFlags(fs, &s.Config.Data, s.Config.Data, "data folder, or a PostgreSQL database as postgres://USER:PASSWORD@HOST:PORT/DB (a missing or empty folder, or an empty database, is a new install: a new store seeded with the Banan sample)")
	fs.DurationVar(&s.Config.ShutdownTimeout, "shutdown-timeout", s.Config.ShutdownTimeout, "grace period for requests in flight on SIGINT/SIGTERM")
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	if _, err := api.ParseProxies(s.Config.TrustedProxies); err != nil {
		return usageErrorf("--trusted-proxies: %v", err)
	}
	u, err := checkPublicURL(s.Config.PublicURL)
	if err != nil {
		return usageErrorf("--public-url: %v", err)
	}
	s.Config.PublicURL = u
	return nil
}

// checkPublicURL checks the desk's public address: http or https with a
// host, no query or fragment; the trailing slash goes.
func checkPublicURL(raw string) (string, error) {
	if raw == "" {
		return "", nil
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return "", fmt.Errorf("%q is not a URL", raw)
	case u.Scheme != "http" && u.Scheme != "https", u.Host == "":
		return "", fmt.Errorf("%q is not an http or https address with a host", raw)
	case u.RawQuery != "" || u.Fragment != "" || u.User != nil:
		return "", fmt.Errorf("%q has a query, a fragment or a user name", raw)
	}
	return strings.TrimRight(raw, "/"), nil
}

// Addr returns the address the server listens on, once Run has started.
func (s *Server) Addr() string {
	<-s.ready
	if s.ln == nil {
		return ""
	}
	return s.ln.Addr().String()
}

// Loaded is closed once the store is loaded and served.
func (s *Server) Loaded() <-chan struct{} { return s.loaded }

// Run listens, loads the store (seeding a new one), serves until ctx is
// done, then shuts down gracefully.
func (s *Server) Run(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.Config.Addr)
	s.ln = ln
	s.once.Do(func() { close(s.ready) })
	if err != nil {
		return err
	}
	// The store opens while the API is built: a restart waits for the
	// longer of the two, not for their sum.
	opened := make(chan error, 1)
	go func() { opened <- s.open(ctx) }()
	s.api = api.New(s.log)
	admin, generated := s.Config.AdminToken, false
	if admin == "" {
		admin, generated = service.NewSecret(), true
	}
	s.api.SetAdminToken(admin)
	proxies, err := api.ParseProxies(s.Config.TrustedProxies)
	if err != nil {
		if <-opened == nil {
			s.store.Close()
		}
		return err
	}
	s.api.SetTrustedProxies(proxies)
	s.http = &http.Server{
		Handler:           s.api.Handler(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- s.http.Serve(ln) }()
	s.log.Info("listening", "addr", ln.Addr().String())

	if err := <-opened; err != nil {
		s.http.Close()
		<-served
		return err
	}
	// The outbox hook before the first request may write: no mutation
	// goes untold.
	ncfg := s.Config.Notify
	ncfg.AllowPrivate, ncfg.PublicURL, ncfg.Log = s.Config.AllowPrivateWebhooks, s.Config.PublicURL, s.log
	n, err := notify.New(s.store, ncfg)
	if err != nil {
		s.http.Close()
		<-served
		return fmt.Errorf("starting the notifications: %w", err)
	}
	s.notify = n
	s.api.SetNotifier(n)
	s.api.SetStore(s.store)
	n.Start()
	s.http.RegisterOnShutdown(s.api.StopStreams)
	close(s.loaded)
	s.log.Info("ready", "addr", ln.Addr().String(), "seq", s.store.Seq())
	s.logTokenHelp(ln.Addr().String(), admin, generated)
	// Ready first, then the roll-up counted in the background (and again
	// after each change), so that a planner's first view is a kept one.
	wctx, stopWarm := context.WithCancel(ctx)
	warmed := make(chan struct{})
	go func() {
		defer close(warmed)
		start := time.Now()
		s.api.KeepRollupWarm(wctx, func() { s.log.Info("district roll-up counted", "took", time.Since(start).Round(time.Millisecond)) })
	}()
	defer func() { stopWarm(); <-warmed }()

	select {
	case err := <-served:
		return fmt.Errorf("serving: %w", err)
	case <-ctx.Done():
	}
	s.log.Info("shutting down", "grace", s.Config.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), s.Config.ShutdownTimeout)
	defer cancel()
	err = s.http.Shutdown(sctx)
	if e := <-served; !errors.Is(e, http.ErrServerClosed) && err == nil {
		err = e
	}
	// After the last request: what the dispatcher has not sent is in the
	// outbox, and goes at the next start.
	if e := s.notify.Close(); e != nil && err == nil {
		err = e
	}
	return err
}

func (s *Server) open(ctx context.Context) error {
	opts := storeAt(s.Config.Data)
	opts.Logger = s.log
	if s.Config.Seed {
		// Only a new install is seeded: OnCreate runs before the new file
		// takes its name, so a failed seed leaves no store behind.
		opts.OnCreate = func(ctx context.Context, st *store.Store) error {
			b, err := fixtures.BananWithPoints() // with its points bank (道德积分银行)
			if err != nil {
				return fmt.Errorf("reading the embedded Banan sample: %w", err)
			}
			ev, err := st.Import(ctx, b, "system")
			if err != nil {
				return fmt.Errorf("seeding %s with the Banan sample: %w", st.Path(), err)
			}
			s.log.Info("seeded the new store with the embedded Banan sample", "records", ev.Count)
			return nil
		}
	}
	st, stats, err := openStore(ctx, opts)
	if err != nil {
		return err
	}
	s.store, s.created = st, stats.Created
	return nil
}

// storeFlags defines --data (a folder or a PostgreSQL URL) and --store, its
// other name, on fs.
func storeFlags(fs *flag.FlagSet, p *string, value, usage string) {
	fs.StringVar(p, "data", value, usage)
	fs.StringVar(p, "store", value, "the same as --data")
}

// storeAt returns the options of the store that a --data value names: a
// PostgreSQL database (postgres://… or postgresql://…) or a folder.
func storeAt(data string) store.Options {
	if store.IsURL(data) {
		return store.Options{URL: data}
	}
	return store.Options{Dir: data}
}

// openStore opens the store of a command. A refusal carries, on a line of
// its own, the advice that fits its kind.
func openStore(ctx context.Context, opts store.Options) (*store.Store, store.Stats, error) {
	st, stats, err := store.Open(ctx, opts)
	if err != nil {
		if a := openAdvice(err); a != "" {
			err = fmt.Errorf("%w\n%s", err, a)
		}
		return nil, stats, err
	}
	return st, stats, nil
}

// openAdvice says what to do about an error of store.Open ("" when it is
// not an *store.OpenError).
func openAdvice(err error) string {
	oe, ok := errors.AsType[*store.OpenError](err)
	if !ok {
		return ""
	}
	if store.IsURL(oe.Path) {
		return databaseAdvice(oe)
	}
	switch oe.Kind {
	case store.KindPermission:
		return fmt.Sprintf("allymatch needs permission to read and write %s (and to create files in its folder for a new store): run it as the user who owns the data, or change the owner or mode (ls -ld %s).", oe.Path, oe.Path)
	case store.KindReadOnly:
		return fmt.Sprintf("%s is on a file system mounted read-only: remount it read-write, or name a writable folder with --data.", oe.Path)
	case store.KindInUse:
		return "Another allymatch (or another program) has the store open: stop it first, or name another folder with --data."
	case store.KindDamaged:
		return fmt.Sprintf("Nothing was written to the file. Restore %s from a backup, and keep the damaged copy for analysis. "+
			"Moving it out of its folder makes the next start a new install, with an empty store that serve seeds with the Banan sample: do that only on purpose.", oe.Path)
	case store.KindNewer:
		return "A newer allymatch wrote it: run that version, or restore a backup that this version wrote."
	case store.KindNotStore:
		return fmt.Sprintf("If the store was moved or renamed, put it back as %s; to start a new store, name a missing or empty folder with --data.", filepath.Join(oe.Path, store.FileName))
	case store.KindMissing:
		return "Name the folder of an existing store with --data (serve and load create a store in a missing or empty folder)."
	default:
		return fmt.Sprintf("Check the disk that holds %s (free space, errors in the system log).", oe.Path)
	}
}

// databaseAdvice is openAdvice for a PostgreSQL database.
func databaseAdvice(oe *store.OpenError) string {
	switch oe.Kind {
	case store.KindUnreachable:
		return "Check the URL given with --data (host, port, database, user, password; ?sslmode=...), that the PostgreSQL server runs and accepts this user from this machine (pg_hba.conf), and that the user may create tables in the database for a new store."
	case store.KindNotStore:
		return "A new store is made only in an empty database: create one (createdb allymatch), or give allymatch a schema of its own with ?search_path=allymatch in the URL (CREATE SCHEMA allymatch)."
	case store.KindNewer:
		return "A newer allymatch migrated this database: run that version, or restore a backup (pg_dump) that this version wrote."
	case store.KindDamaged:
		return "Nothing was written. Restore the database from a backup (pg_restore), and keep the damaged one for analysis."
	case store.KindMissing:
		return "Name the database of an existing store with --data (serve and load create a store in an empty database)."
	default:
		return "Check the database server's log."
	}
}

// logTokenHelp says how to get tokens: the generated admin token (when
// none was configured) and a curl line for POST /v1/tokens, naming an
// alliance and a unit of the data (the Banan sample's lh when present).
func (s *Server) logTokenHelp(addr, admin string, generated bool) {
	shown := "$ALLYMATCH_ADMIN_TOKEN"
	if generated {
		shown = admin
		s.log.Warn("no admin token configured (--admin-token or ALLYMATCH_ADMIN_TOKEN); generated one for this run", "admin_token", admin)
	}
	sn := s.store.Snapshot()
	alliance, unit := "", ""
	if a, err := sn.Alliance("lh"); err == nil {
		alliance, unit = a.ID, a.Lead
	} else {
		for a := range sn.Alliances() {
			alliance, unit = a.ID, a.Lead
			break
		}
	}
	if alliance == "" {
		return
	}
	curl := func(body string) string {
		return fmt.Sprintf("curl -s -H 'Content-Type: application/json' -H 'Authorization: Bearer %s' -d '%s' http://%s/v1/tokens", shown, body, addr)
	}
	s.log.Info("demo tokens",
		"coordinator", curl(fmt.Sprintf(`{"role":"coordinator","alliance":%q}`, alliance)),
		"unit", curl(fmt.Sprintf(`{"role":"unit","unit":%q}`, unit)))
	if !s.created {
		return
	}
	// A new install: a one-time login link for the coordinator, so that
	// the first login needs no curl either.
	code, _, err := service.New(s.store).NewLoginCode(matcher.System, service.LoginCodeRequest{Alliance: alliance})
	if err != nil {
		s.log.Warn("making the first coordinator's login code", "err", err)
		return
	}
	a, _ := sn.Alliance(alliance)
	s.log.Info("open this link once to log in to the desk as the coordinator of "+a.Name+" (valid 72 hours)",
		"link", "http://"+addr+"/ui/login?code="+service.FormatCode(code))
}

// Close stops the notifications and releases the store.
func (s *Server) Close() error {
	if s.notify != nil {
		s.notify.Close()
	}
	if s.store != nil {
		return s.store.Close()
	}
	return nil
}

func runServe(ctx context.Context, std Stdio, args []string) error {
	s := NewServer(DefaultServeConfig(), logger(std))
	if err := s.ParseFlags(std, args); err != nil {
		return err
	}
	defer s.Close()
	return s.Run(ctx)
}
