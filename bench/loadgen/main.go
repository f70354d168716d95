// Command loadgen sends HTTP requests at a fixed rate (open loop) to a
// server on loopback and reports latency percentiles.
//
//	loadgen -base http://127.0.0.1:8080 -targets FILE -rate 200 -duration 10s \
//	        [-token TOKEN] [-name NAME] [-timeout 5s]
//
// Unlike wrk (closed loop: each connection waits for its answer, so a slow
// server is sent less), request i is due at start + i/rate whether or not
// earlier ones have been answered, and its latency counts from when it was
// due: queueing behind a slow answer is measured, not hidden.
//
// FILE holds one request a line, "METHOD PATH [BODY]" (the body is the rest
// of the line, sent as application/json); blank lines and lines starting
// with # are skipped. Requests are sent in file order, cycling.
//
// Only loopback is allowed (localhost, 127.0.0.0/8, ::1), also after name
// resolution and redirects, and a run lasts at most 60 s. Standard library
// only.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

const (
	maxDuration = 60 * time.Second
	maxRate     = 50000
	maxInFlight = 20000
)

type target struct {
	method, path, body string
}

type result struct {
	latency time.Duration
	status  int // 0: transport error
}

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	base := fs.String("base", "", "server base URL on loopback, e.g. http://127.0.0.1:8080")
	targetsFile := fs.String("targets", "", `file of "METHOD PATH [BODY]" lines`)
	rate := fs.Float64("rate", 100, "requests per second")
	duration := fs.Duration("duration", 10*time.Second, "how long to send (at most 60s)")
	token := fs.String("token", "", "bearer token sent with every request")
	name := fs.String("name", "", "a name for the report")
	timeout := fs.Duration("timeout", 5*time.Second, "per-request timeout")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *duration <= 0 || *duration > maxDuration {
		return fmt.Errorf("-duration must be in (0, %s], got %s", maxDuration, *duration)
	}
	if *rate <= 0 || *rate > maxRate {
		return fmt.Errorf("-rate must be in (0, %d], got %v", maxRate, *rate)
	}
	u, err := url.Parse(*base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("-base must be an http URL, got %q", *base)
	}
	if !loopbackHost(u.Hostname()) {
		return fmt.Errorf("refusing %q: only localhost, 127.0.0.0/8 and ::1 are allowed", u.Hostname())
	}
	targets, err := readTargets(*targetsFile)
	if err != nil {
		return err
	}

	client := &http.Client{
		Timeout: *timeout,
		Transport: &http.Transport{
			DialContext:         loopbackDial,
			MaxIdleConns:        4096,
			MaxIdleConnsPerHost: 4096,
			IdleConnTimeout:     90 * time.Second,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return errors.New("redirects are not followed") },
	}
	base2 := strings.TrimSuffix(u.String(), "/")

	n := int(*rate * duration.Seconds())
	if n < 1 {
		n = 1
	}
	interval := time.Duration(float64(time.Second) / *rate)
	results := make([]result, n) // each request writes its own slot
	var wg sync.WaitGroup
	inflight := make(chan struct{}, maxInFlight)
	dropped := 0
	start := time.Now().Add(50 * time.Millisecond)
	for i := range n {
		due := start.Add(time.Duration(i) * interval)
		if d := time.Until(due); d > 0 {
			time.Sleep(d)
		}
		select {
		case inflight <- struct{}{}:
		default:
			dropped++ // too many outstanding: the server is far behind
			results[i] = result{latency: -1}
			continue
		}
		wg.Add(1)
		go func(i int, t target) {
			defer wg.Done()
			defer func() { <-inflight }()
			results[i] = send(client, base2, *token, t, due)
		}(i, targets[i%len(targets)])
	}
	sending := time.Since(start) + interval // the last request's share of the schedule
	wg.Wait()
	report(out, *name, *rate, n, sending, dropped, results)
	return nil
}

// send makes one request and measures from when it was due.
func send(client *http.Client, base, token string, t target, due time.Time) result {
	var body io.Reader
	if t.body != "" {
		body = strings.NewReader(t.body)
	}
	req, err := http.NewRequestWithContext(context.Background(), t.method, base+t.path, body)
	if err != nil {
		return result{latency: time.Since(due)}
	}
	if t.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return result{latency: time.Since(due)}
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return result{latency: time.Since(due), status: resp.StatusCode}
}

func report(w io.Writer, name string, rate float64, n int, sending time.Duration, dropped int, results []result) {
	var lat []time.Duration
	statuses := map[int]int{}
	ok, conflicts, errs := 0, 0, 0
	for _, r := range results {
		if r.latency < 0 {
			continue
		}
		lat = append(lat, r.latency)
		statuses[r.status]++
		switch {
		case r.status >= 200 && r.status < 300:
			ok++
		case r.status == http.StatusConflict:
			conflicts++
		default:
			errs++
		}
	}
	slices.Sort(lat)
	pct := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		i := int(p*float64(len(lat))+0.5) - 1
		return lat[max(0, min(i, len(lat)-1))]
	}
	ms := func(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond)) }
	if name != "" {
		fmt.Fprintf(w, "== %s\n", name)
	}
	fmt.Fprintf(w, "rate %.0f/s target, %.0f/s sent over %.1fs; requests %d, 2xx %d, 409 %d, errors %d, dropped %d\n",
		rate, float64(n-dropped)/sending.Seconds(), sending.Seconds(), n, ok, conflicts, errs, dropped)
	fmt.Fprintf(w, "latency p50 %s  p90 %s  p99 %s  max %s\n", ms(pct(.50)), ms(pct(.90)), ms(pct(.99)), ms(pct(1)))
	var codes []int
	for c := range statuses {
		codes = append(codes, c)
	}
	sort.Ints(codes)
	var parts []string
	for _, c := range codes {
		label := fmt.Sprint(c)
		if c == 0 {
			label = "transport-error"
		}
		parts = append(parts, fmt.Sprintf("%s:%d", label, statuses[c]))
	}
	fmt.Fprintf(w, "status %s\n", strings.Join(parts, " "))
}

func readTargets(path string) ([]target, error) {
	if path == "" {
		return nil, errors.New("-targets is required")
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var ts []target
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for ln := 1; sc.Scan(); ln++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		method, rest, _ := strings.Cut(line, " ")
		path, body, _ := strings.Cut(strings.TrimSpace(rest), " ")
		if method == "" || !strings.HasPrefix(path, "/") {
			return nil, fmt.Errorf("%s:%d: want METHOD /PATH [BODY], got %q", path, ln, line)
		}
		ts = append(ts, target{method: strings.ToUpper(method), path: path, body: strings.TrimSpace(body)})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(ts) == 0 {
		return nil, fmt.Errorf("%s: no requests", path)
	}
	return ts, nil
}

// loopbackHost reports whether host names loopback: localhost,
// 127.0.0.0/8 or ::1.
func loopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && (ip.Equal(net.IPv6loopback) || (ip.To4() != nil && ip.To4()[0] == 127))
}

// loopbackDial dials only loopback addresses, whatever a name resolves to.
func loopbackDial(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	if !loopbackHost(host) {
		return nil, fmt.Errorf("refusing to dial %s: not loopback", host)
	}
	var d net.Dialer
	if strings.EqualFold(host, "localhost") {
		ips, err := net.DefaultResolver.LookupIP(ctx, "ip", host)
		if err != nil {
			return nil, err
		}
		for _, ip := range ips {
			if loopbackHost(ip.String()) {
				return d.DialContext(ctx, network, net.JoinHostPort(ip.String(), port))
			}
		}
		return nil, errors.New("localhost does not resolve to loopback")
	}
	return d.DialContext(ctx, network, addr)
}
