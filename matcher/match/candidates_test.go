package match

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/store"
)

// TestChordBoundNeverDisagrees checks that the chord bounds reject a pair
// only when DistanceKM puts it beyond the radius and accept one only when
// DistanceKM puts it within, for points at, just inside and just outside
// the radius, from metres to MaxRadiusKM.
func TestChordBoundNeverDisagrees(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	rejected, accepted := 0, 0
	for range 200000 {
		a := matcher.GeoPoint{Lat: rng.Float64()*170 - 85, Lon: rng.Float64()*360 - 180}
		radius := math.Exp(rng.Float64()*math.Log(matcher.MaxRadiusKM/0.001)) * 0.001
		// b at about radius·f in a random direction
		f := []float64{0, 0.5, 1 - 1e-9, 1, 1 + 1e-12, 1 + 1e-9, 1 + 1e-7, 1 + 1e-6, 1.01, 2}[rng.IntN(10)]
		bearing := rng.Float64() * 2 * math.Pi
		dlat := radius * f / 111.195 * math.Cos(bearing)
		dlon := radius * f / 111.195 * math.Sin(bearing) / math.Cos(a.Lat*math.Pi/180)
		b := matcher.GeoPoint{Lat: a.Lat + dlat, Lon: a.Lon + dlon}
		if rng.IntN(4) == 0 { // the exact DistanceKM as the radius
			radius = DistanceKM(a, b)
		}
		va, vb := unitVector(a), unitVector(b)
		c, lim := chord2(&va, &vb), chord2Within(radius)
		if surelyFarther(c, lim) {
			rejected++
			if km := DistanceKM(a, b); !(km > radius) {
				t.Fatalf("%v–%v: bound rejects at radius %v, DistanceKM %v", a, b, radius, km)
			}
		}
		if surelyNearer(c, lim) {
			accepted++
			if km := DistanceKM(a, b); !(km <= radius) {
				t.Fatalf("%v–%v: bound accepts at radius %v, DistanceKM %v", a, b, radius, km)
			}
		}
	}
	if rejected < 10000 || accepted < 10000 {
		t.Errorf("the bounds rejected %d pairs and accepted %d: useless", rejected, accepted)
	}
	if surelyFarther(math.NaN(), chord2Within(1)) || surelyNearer(math.NaN(), chord2Within(1)) {
		t.Error("a bound decides NaN coordinates")
	}
	if !math.IsInf(chord2Within(math.Pi*earthRadiusKM), 1) {
		t.Error("a radius of half the circumference has a finite bound")
	}
}

// TestDistanceKMUnchanged compares DistanceKM, and haversineKM with the
// cosines computed apart, to the formula as first written, bit for bit.
func TestDistanceKMUnchanged(t *testing.T) {
	first := func(a, b matcher.GeoPoint) float64 {
		const rad = math.Pi / 180
		dlat := (b.Lat - a.Lat) * rad
		dlon := (b.Lon - a.Lon) * rad
		s := math.Sin(dlat/2)*math.Sin(dlat/2) + math.Cos(a.Lat*rad)*math.Cos(b.Lat*rad)*math.Sin(dlon/2)*math.Sin(dlon/2)
		return 2 * earthRadiusKM * math.Asin(math.Min(1, math.Sqrt(s)))
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range 200000 {
		a := matcher.GeoPoint{Lat: rng.Float64()*180 - 90, Lon: rng.Float64()*360 - 180}
		b := matcher.GeoPoint{Lat: rng.Float64()*180 - 90, Lon: rng.Float64()*360 - 180}
		if i%2 == 0 { // nearby, as candidate pairs are
			b = matcher.GeoPoint{Lat: a.Lat + rng.NormFloat64()*0.05, Lon: a.Lon + rng.NormFloat64()*0.05}
		}
		want := first(a, b)
		if got := DistanceKM(a, b); math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("DistanceKM(%v, %v) = %v, first written %v", a, b, got, want)
		}
		if got := haversineKM(a, b, cosLat(a), cosLat(b)); math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("haversineKM(%v, %v) = %v, first written %v", a, b, got, want)
		}
	}
}

// TestItemGramsAsToLower checks itemGrams against grams of the
// lower-cased texts (strings.ToLower), invalid UTF-8 included.
func TestItemGramsAsToLower(t *testing.T) {
	ref := func(title string, tags []string) []uint64 {
		var out []uint64
		for _, s := range append([]string{title}, tags...) {
			var prev rune = -1
			for _, r := range strings.ToLower(s) {
				if !isGramRune(r) {
					if prev >= 0 {
						out = append(out, uint64(prev)<<32|0xFFFFFFFF)
					}
					prev = -1
					continue
				}
				if prev >= 0 {
					out = append(out, uint64(prev)<<32|uint64(r))
				}
				prev = r
			}
			if prev >= 0 {
				out = append(out, uint64(prev)<<32|0xFFFFFFFF)
			}
		}
		slices.Sort(out)
		return slices.Compact(out)
	}
	texts := []string{"", "A", "晚间护送学生回家", "Flood SANDBAGS ×20", "İstanbul ΣΑΣ", "ǅungla ǈ", "a\xffb\xc3", "\xe4\xb8", "K Kelvin Å", "x-y_z 12ab"}
	rng := rand.New(rand.NewPCG(3, 4))
	alphabet := []byte("aZ\xc3\x84\xe6\x8a\xa4 \xff\xce\xa3")
	for range 2000 {
		b := make([]byte, rng.IntN(12))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		texts = append(texts, string(b))
	}
	for i, title := range texts {
		tags := texts[max(0, i-2):i]
		if got, want := itemGrams(title, tags), ref(title, tags); !slices.Equal(got, want) {
			t.Fatalf("itemGrams(%q, %q) = %x, want %x", title, tags, got, want)
		}
		if got, want := grams(append([]string{title}, tags...)...), ref(title, tags); !slices.Equal(got, want) {
			t.Fatalf("grams(%q, %q) = %x, want %x", title, tags, got, want)
		}
	}
}

func isGramRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// TestRowsAsRules checks every candidate row of Banan and generated
// meetings against the rules (by id and vocabulary, not by the rows'
// numbers) and terms evaluated pair by pair over every resource of a
// compatible category, not only the near ones: the same pairs, in the same
// order, with the same terms and distances.
func TestRowsAsRules(t *testing.T) {
	gst := genStore(t, 1000, 3)
	edges, history, rejectedOnly := 0, 0, 0
	for _, sn := range []store.Snapshot{bananStore(t).Snapshot(), bananWithClaims(t).Snapshot(), gst.Snapshot()} {
		for a := range sn.Alliances() {
			scope, err := ResolveScope(sn.Reader, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			in := buildInstance(sn.Reader, sn.Vocab, scope)
			in.minText = DefaultRelevance
			c := in.generate()
			// and without the table of affinities (too many alliance sets)
			noTable := buildInstance(sn.Reader, sn.Vocab, scope)
			noTable.minText = DefaultRelevance
			noTable.prepared().affinity = nil
			if c2 := noTable.generate(); !slices.Equal(c.Terms, c2.Terms) {
				t.Fatalf("%s: terms differ without the affinity table", a.ID)
			}
			var want candidates
			for di := range in.demands {
				d := &in.demands[di]
				from := len(want.R)
				check := in.checker(d)
				for ri := range in.resources {
					r := &in.resources[ri]
					if !slices.Contains(in.vocab.MetBy(d.item.Category), r.item.Category) {
						continue
					}
					if broken := check.with(r, -1).brokenRules(placement); slices.Equal(broken, []string{RuleRejected}) {
						rejectedOnly++
					}
					if broken := check.with(r, -1).brokenRules(nil); len(broken) == 0 {
						km := check.distance()
						if termsByRule(in, d, r, km)[termHistory] > 0 {
							history++
						}
						want.R = append(want.R, int32(ri))
						want.D = append(want.D, int32(di))
						want.Terms = append(want.Terms, termsByRule(in, d, r, km))
						want.KM = append(want.KM, float32(km))
					}
				}
				// the relative bar of the relevance rule, on the demand's
				// candidates
				var ctx keepScratch
				var texts []int
				var shared []int64
				for k, tv := range want.Terms[from:] {
					r := &in.resources[want.R[from+k]]
					texts = append(texts, int(tv[termText]))
					shared = append(shared, textShared(d.grams, d.gw, r.grams, r.gw))
				}
				keep := in.relativeKeep(d, want.R[from:], texts, shared, nil, &ctx)
				n := from
				for k, ok := range keep {
					if ok {
						want.R[n], want.D[n], want.Terms[n], want.KM[n] = want.R[from+k], want.D[from+k], want.Terms[from+k], want.KM[from+k]
						n++
					}
				}
				want.R, want.D, want.Terms, want.KM = want.R[:n], want.D[:n], want.Terms[:n], want.KM[:n]
			}
			if !slices.Equal(c.R, want.R) || !slices.Equal(c.D, want.D) || !slices.Equal(c.Terms, want.Terms) || !slices.Equal(c.KM, want.KM) {
				t.Fatalf("%s: generate gives %d edges, pair by pair %d, or different terms", a.ID, len(c.R), len(want.R))
			}
			edges += len(c.R)
		}
	}
	if edges == 0 || history == 0 || rejectedOnly == 0 {
		t.Fatalf("%d edges, %d with history, %d pairs rejected only by a rejected claim: not a test", edges, history, rejectedOnly)
	}
}

// bananWithClaims is Banan where the proposals of every meeting alternate
// between fulfilled (history between the units) and rejected claims.
func bananWithClaims(t *testing.T) *store.Store {
	st := bananStore(t)
	sn := st.Snapshot()
	var claims []matcher.Claim
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	for a := range sn.Alliances() {
		for i, p := range mustRun(t, sn, a.ID, Welfare).Proposals {
			c := matcher.Claim{ID: fmt.Sprintf("T-%d", len(claims)+1), Resource: p.Resource, Demand: p.Demand,
				ResourceUnit: p.ResourceUnit, DemandUnit: p.DemandUnit, Quantity: 1, Score: p.Score,
				Origin: matcher.OriginSolver, Meeting: a.ID, Created: now, Updated: now}
			if i%2 == 0 {
				c.Status, c.AcceptedBy = matcher.ClaimFulfilled, []matcher.Side{matcher.DemandSide, matcher.ResourceSide}
			} else {
				c.Status, c.RejectedBy = matcher.ClaimRejected, matcher.DemandSide
			}
			claims = append(claims, c)
		}
	}
	_, err := st.Update(ctx, "test", "answer", nil, func(tx *Tx) error {
		for _, c := range claims {
			if err := tx.PutClaim(c); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// termsByRule is the score terms as the rules define them, on the
// instance's maps.
func termsByRule(in *instance, d, r *party, km float64) termValues {
	var v termValues
	if km >= 0 && d.radial() && r.radial() {
		v[0] = uint16(max(0, 1000-int(1000*km/min(d.item.RadiusKM, r.item.RadiusKM))))
	} else if same, _ := in.gridNeighbours(d.grid, r.grid); same {
		v[0] = 1000
	} else {
		v[0] = 600
	}
	v[termText] = uint16(textSim(d.grams, d.gw, d.wsum, r.grams, r.gw, r.wsum))
	v[termCategory] = uint16(in.vocab.Strength(r.item.Category, d.item.Category))
	v[termPriority] = uint16((d.item.Priority - 1) * 1000 / (matcher.MaxPriority - 1))
	v[termTime] = uint16(timeShare(d.item.Windows, r.item.Windows))
	v[termAffinity] = uint16(in.affinity(d.unit.ID, r.unit.ID))
	v[termHistory] = uint16(min(1000, 200*in.history[orderedPair(d.unit.ID, r.unit.ID)]))
	return v
}

// TestItemText checks itemText against its definition: every bigram and
// character of the title, tags and description, sorted and distinct, with
// the greatest field weight of the fields holding it.
func TestItemText(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []rune("护送学生回家志愿服务米油包子、，AbC 12龍")
	text := func(n int) string {
		var b []rune
		for range n {
			b = append(b, alphabet[r.IntN(len(alphabet))])
		}
		return string(b)
	}
	for range 500 {
		title, desc := text(1+r.IntN(12)), text(r.IntN(40))
		var tags []string
		for range r.IntN(4) {
			tags = append(tags, text(1+r.IntN(5)))
		}
		want := map[uint64]uint8{}
		put := func(gs []uint64, w uint8) {
			for _, g := range gs {
				want[g] = max(want[g], w)
			}
		}
		head := append([]string{title}, tags...)
		for _, s := range head {
			put(appendGrams(nil, s), fieldTitle)
			put(appendChars(nil, s), fieldTitleChar)
		}
		put(appendGrams(nil, desc), fieldDescription)
		put(appendChars(nil, desc), fieldDescChar)
		grams, fw := itemText(title, desc, tags)
		if len(grams) != len(want) || !slices.IsSorted(grams) {
			t.Fatalf("itemText(%q, %q, %q): %d grams (sorted %v), want %d", title, desc, tags, len(grams), slices.IsSorted(grams), len(want))
		}
		for k, g := range grams {
			if fw[k] != want[g] {
				t.Fatalf("itemText(%q, %q, %q): gram %x weighs %d, want %d", title, desc, tags, g, fw[k], want[g])
			}
		}
	}
}

// TestSortIndexes compares sortIndexes, by bitset or by comparison, with
// slices.Sort, on lists of distinct indexes short and long against n.
func TestSortIndexes(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var set []uint64
	for range 2000 {
		n := 1 + rng.IntN(5000)
		found := make([]int32, 0, n)
		for _, i := range rng.Perm(n)[:rng.IntN(n+1)] {
			found = append(found, int32(i))
		}
		want := slices.Clone(found)
		slices.Sort(want)
		set = sortIndexes(found, n, set)
		if !slices.Equal(found, want) {
			t.Fatalf("n %d, %d indexes: sorted %v, want %v", n, len(want), found, want)
		}
		if slices.ContainsFunc(set, func(w uint64) bool { return w != 0 }) {
			t.Fatalf("n %d: the bitset is not cleared", n)
		}
	}
}

// TestSpansAsWindows compares spansOverlap and spanShare with
// windowsOverlap and timeShare on random windows, open ends, windows that
// end before they start and empty lists included, and checks that a time
// outside the spans' range keeps the windows as they are.
func TestSpansAsWindows(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	base := time.Date(2026, 3, 1, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))
	at := func() time.Time {
		return base.Add(time.Duration(rng.IntN(200))*time.Hour + time.Duration(rng.IntN(3600))*time.Second)
	}
	windows := func() []matcher.Window {
		ws := make([]matcher.Window, rng.IntN(4))
		for i := range ws {
			ws[i].From = at()
			if rng.IntN(4) > 0 {
				ws[i].To = ws[i].From.Add(time.Duration(rng.IntN(48)-4) * time.Hour) // some end before they start
			}
		}
		return ws
	}
	for range 20000 {
		a, b := windows(), windows()
		sa, oka := spansOf(a)
		sb, okb := spansOf(b)
		if !oka || !okb {
			t.Fatalf("windows in 2026 do not convert: %v %v", a, b)
		}
		if got, want := spansOverlap(sa, sb), windowsOverlap(a, b); got != want {
			t.Fatalf("%v and %v: spans overlap %v, windows %v", a, b, got, want)
		}
		if got, want := spanShare(sa, sb), timeShare(a, b); got != want {
			t.Fatalf("%v and %v: spans share %v, windows %v", a, b, got, want)
		}
	}
	if _, ok := spansOf([]matcher.Window{{From: time.Time{}}}); ok {
		t.Error("a zero start converts to a span")
	}
}

// TestDenseShared checks denseShared against the merge of textShared on
// random weighted gram sets, overlapping in part, the demand's weights
// spread by number.
func TestDenseShared(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	set := func(n int) ([]uint64, []uint16) {
		var g []uint64
		for range n {
			g = append(g, uint64(rng.IntN(300)))
		}
		slices.Sort(g)
		g = slices.Compact(g)
		w := make([]uint16, len(g))
		for k := range w {
			w[k] = uint16(1 + rng.IntN(400))
		}
		return g, w
	}
	dense := make([]uint16, 250) // grams 250..299 of a resource are beyond it
	for range 2000 {
		gd, wd := set(rng.IntN(60))
		gr, wr := set(rng.IntN(60))
		gd = slices.DeleteFunc(gd, func(g uint64) bool { return g >= 250 })
		wd = wd[:len(gd)]
		for k, g := range gd {
			dense[g] = wd[k]
		}
		if got, want := denseShared(dense, gr, wr), textShared(gd, wd, gr, wr); got != want {
			t.Fatalf("denseShared = %d, textShared = %d", got, want)
		}
		for _, g := range gd {
			dense[g] = 0
		}
	}
}
