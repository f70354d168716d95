package match

import (
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"unicode"
	"unicode/utf8"
)

// grams returns the sorted, distinct character bigrams of texts, hashed to
// uint64. It needs no word segmenter: Chinese text is split into runs of
// letters (Han characters included), and every two adjacent runes of a run
// form a gram; a run of one rune is a gram on its own. Latin letters are
// lower-cased.
func grams(texts ...string) []uint64 {
	var out []uint64
	for _, t := range texts {
		out = appendGrams(out, t)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// itemGrams is grams(title, tags...) without building the list of texts.
func itemGrams(title string, tags []string) []uint64 {
	n := utf8.RuneCountInString(title) // a text has at most one gram per rune
	for _, t := range tags {
		n += utf8.RuneCountInString(t)
	}
	out := appendGrams(make([]uint64, 0, n), title)
	for _, t := range tags {
		out = appendGrams(out, t)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// appendGrams appends the grams of t, unsorted. Lower-casing rune by rune
// is what strings.ToLower does (which maps every rune with
// unicode.ToLower, and an invalid byte to U+FFFD as ranging does), without
// the copy.
func appendGrams(out []uint64, t string) []uint64 {
	plain := plainRunes()
	var prev rune = -1
	for _, r := range t {
		if r >= 0x10000 || plain[r>>6]&(1<<(r&63)) == 0 {
			r = unicode.ToLower(r)
			if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
				if prev >= 0 {
					out = append(out, uint64(prev)<<32|0xFFFFFFFF) // end of run: unigram
				}
				prev = -1
				continue
			}
		}
		if prev >= 0 {
			out = append(out, uint64(prev)<<32|uint64(r))
		}
		prev = r
	}
	if prev >= 0 {
		out = append(out, uint64(prev)<<32|0xFFFFFFFF)
	}
	return out
}

// plainRunes is a bit per rune of the Basic Multilingual Plane: set for the
// letters and digits that are their own lower case, which appendGrams takes
// as they are, without looking them up in the Unicode tables (Han
// characters, most of the text, are all plain). Built on first use, from
// those tables.
var plainRunes = sync.OnceValue(func() *[0x10000 / 64]uint64 {
	var bits [0x10000 / 64]uint64
	for r := range rune(0x10000) {
		if unicode.ToLower(r) == r && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			bits[r>>6] |= 1 << (r & 63)
		}
	}
	return &bits
})

// dice returns the Dice coefficient of two sorted gram sets, scaled to
// 0..1000: 2·|a∩b| / (|a|+|b|).
func dice(a, b []uint64) int {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	common := 0
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] == b[j]:
			common++
			i++
			j++
		case a[i] < b[j]:
			i++
		default:
			j++
		}
	}
	return 2000 * common / (len(a) + len(b))
}

// Field weights of the grams of an item's text: its title and tags say
// what it is, its description says more about it; a pair of characters
// says more than one character alone (unigrams let 米 meet 大米, 油 meet 粮油).
const (
	fieldTitle       = 4 // a bigram of the title or a tag
	fieldTitleChar   = 2 // a character of the title or a tag
	fieldDescription = 2 // a bigram of the description
	fieldDescChar    = 1 // a character of the description
)

// charGram marks a gram of one character (rune<<32 | charGram); the
// bigrams of appendGrams end in a rune or in 0xFFFFFFFF.
const charGram = 0xFFFFFFFE

// appendChars appends a gram per letter or digit of t (lower-cased),
// unsorted.
func appendChars(out []uint64, t string) []uint64 {
	plain := plainRunes()
	for _, r := range t {
		if r >= 0x10000 || plain[r>>6]&(1<<(r&63)) == 0 {
			r = unicode.ToLower(r)
			if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
				continue
			}
		}
		out = append(out, uint64(r)<<32|charGram)
	}
	return out
}

// itemText returns the sorted, distinct grams (bigrams and characters) of
// an item's title, tags and description, with each gram's field weight:
// the greatest of the fields that hold it.
func itemText(title, description string, tags []string) ([]uint64, []uint8) {
	n := utf8.RuneCountInString(title)
	for _, t := range tags {
		n += utf8.RuneCountInString(t)
	}
	m := utf8.RuneCountInString(description)
	scratch := gramScratch.Get().(*[]uint64)
	defer gramScratch.Put(scratch)
	buf := (*scratch)[:0]
	if cap(buf) < 2*(n+m) {
		buf = make([]uint64, 0, 2*(n+m))
		*scratch = buf
	}
	// bigrams of the title and tags, then of the description; characters
	// likewise: four sorted, distinct runs of buf
	sorted := func(from int) []uint64 {
		run := buf[from:]
		slices.Sort(run)
		run = slices.Compact(run)
		buf = buf[:from+len(run)]
		return buf[from:len(buf):len(buf)]
	}
	buf = appendGrams(buf, title)
	for _, t := range tags {
		buf = appendGrams(buf, t)
	}
	headBi := sorted(0)
	at := len(buf)
	buf = appendGrams(buf, description)
	descBi := sorted(at)
	at = len(buf)
	buf = appendChars(buf, title)
	for _, t := range tags {
		buf = appendChars(buf, t)
	}
	headCh := sorted(at)
	at = len(buf)
	buf = appendChars(buf, description)
	descCh := sorted(at)
	// A four-way merge; a gram in several runs takes the greatest weight
	// (the runs are in decreasing weight order but for the two of weight
	// 2, which tie).
	runs := [4][]uint64{headBi, headCh, descBi, descCh}
	weights := [4]uint8{fieldTitle, fieldTitleChar, fieldDescription, fieldDescChar}
	total := len(headBi) + len(descBi) + len(headCh) + len(descCh)
	grams := make([]uint64, 0, total)
	fw := make([]uint8, 0, total)
	var pos [4]int
	for {
		g, any := uint64(0), false
		for k := range runs {
			if pos[k] < len(runs[k]) && (!any || runs[k][pos[k]] < g) {
				g, any = runs[k][pos[k]], true
			}
		}
		if !any {
			break
		}
		var w uint8
		for k := range runs {
			if pos[k] < len(runs[k]) && runs[k][pos[k]] == g {
				w = max(w, weights[k])
				pos[k]++
			}
		}
		grams, fw = append(grams, g), append(fw, w)
	}
	return grams, fw
}

// gramNumbers numbers the grams of the texts read (textOf) in the order
// they are first met, so that a party's grams are small integers: two
// gram sets meet on these numbers, and a candidate row looks its demand's
// weights up by number (see rowBuf.dense). The numbers depend on the order
// texts are read in, which differs from run to run; nothing matching
// returns does: only which grams two texts share, and integer sums over
// them, are read. gramCount is len(m), read without the lock.
var gramNumbers struct {
	mu sync.RWMutex
	m  map[uint64]uint64
}

var gramCount atomic.Int64

// numbered turns grams (distinct) and their field weights fw, as itemText
// returns them, into gram numbers (gramNumbers), sorted, with the weights
// in the same order, in place.
func numbered(grams []uint64, fw []uint8) ([]uint64, []uint8) {
	gramNumbers.mu.RLock()
	known := 0
	for _, g := range grams {
		if _, ok := gramNumbers.m[g]; !ok {
			break
		}
		known++
	}
	if known == len(grams) {
		for k, g := range grams {
			grams[k] = gramNumbers.m[g]<<8 | uint64(fw[k])
		}
		gramNumbers.mu.RUnlock()
	} else {
		gramNumbers.mu.RUnlock()
		gramNumbers.mu.Lock()
		if gramNumbers.m == nil {
			gramNumbers.m = map[uint64]uint64{}
		}
		for k, g := range grams {
			n, ok := gramNumbers.m[g]
			if !ok {
				n = uint64(len(gramNumbers.m))
				gramNumbers.m[g] = n
			}
			grams[k] = n<<8 | uint64(fw[k])
		}
		gramCount.Store(int64(len(gramNumbers.m)))
		gramNumbers.mu.Unlock()
	}
	slices.Sort(grams)
	for k, g := range grams {
		grams[k], fw[k] = g>>8, uint8(g)
	}
	return grams, fw
}

// textOfItem returns the grams of an item's texts as party holds them:
// numbered (see gramNumbers) and sorted, with their field weights.
func textOfItem(title, description string, tags []string) ([]uint64, []uint8) {
	return numbered(itemText(title, description, tags))
}

// rarityOf is the weight of a gram found in df items of the scope:
// round(100/√df), so that a gram in one item weighs 100, in 4 items 50, in
// 100 items 10 (护送 counts more than 服务).
func rarityOf(df int32) uint16 {
	if df < int32(len(rarityTable)) {
		return rarityTable[df]
	}
	return uint16(math.Round(100 / math.Sqrt(float64(df))))
}

var rarityTable = func() (t [1024]uint16) {
	t[0] = 100
	for i := 1; i < len(t); i++ {
		t[i] = uint16(math.Round(100 / math.Sqrt(float64(i))))
	}
	return t
}()

// textSim is the text similarity of two weighted gram sets, 0..1000: the
// weight W of the grams they share (each at the smaller of its two
// weights) over the weight of each side, in both directions, combined as
// the geometric mean: 1000·W/√(Wa·Wb). A text that shares all its grams
// with a longer one is covered in one direction only, and scores below
// 1000.
func textSim(ga []uint64, wa []uint16, suma int64, gb []uint64, wb []uint16, sumb int64) int {
	if suma == 0 || sumb == 0 {
		return 0
	}
	return simOf(textShared(ga, wa, gb, wb), suma, sumb)
}

// textShared is the weight two weighted gram sets share: each common gram
// at the smaller of its two weights. The merge steps without a branch on
// which side is behind (a step advances each side whose gram is not the
// greater), the comparison of two hashes being a coin flip the CPU cannot
// predict.
func textShared(ga []uint64, wa []uint16, gb []uint64, wb []uint16) int64 {
	var common int64
	if len(wa) != len(ga) || len(wb) != len(gb) {
		return textSharedBranchy(ga, wa, gb, wb)
	}
	i, j := 0, 0
	for i < len(ga) && j < len(gb) {
		a, b := ga[i], gb[j]
		x, y := wa[i], wb[j]
		if a == b {
			common += int64(min(x, y))
		}
		i += b2i(a <= b)
		j += b2i(b <= a)
	}
	return common
}

// denseShared is textShared of a demand whose weights are given by gram
// number in dense (0 for a gram it does not hold) and a resource's grams
// g (numbered) with their weights w: each gram of the resource at the
// smaller of the two weights. A gram beyond dense is not the demand's.
func denseShared(dense []uint16, g []uint64, w []uint16) int64 {
	var common int64
	w = w[:len(g)]
	for k, n := range g {
		if n < uint64(len(dense)) {
			common += int64(min(dense[n], w[k]))
		}
	}
	return common
}

// textSharedBranchy is textShared where a side's weights are not given
// for every gram (an unweighed party: no common gram, or a panic, as
// indexing the weights says).
func textSharedBranchy(ga []uint64, wa []uint16, gb []uint64, wb []uint16) int64 {
	var common int64
	for i, j := 0, 0; i < len(ga) && j < len(gb); {
		switch {
		case ga[i] == gb[j]:
			common += int64(min(wa[i], wb[j]))
			i++
			j++
		case ga[i] < gb[j]:
			i++
		default:
			j++
		}
	}
	return common
}

// b2i is 1 for true, 0 for false (compiled without a branch).
func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// simOf is the similarity of two texts of weights suma and sumb sharing
// weight common: 1000·common/√(suma·sumb), rounded (0 when any is 0).
func simOf(common, suma, sumb int64) int {
	if common <= 0 || suma <= 0 || sumb <= 0 {
		return 0
	}
	return int(math.Round(1000 * float64(common) / math.Sqrt(float64(suma)*float64(sumb))))
}

// gramScratch pools itemText's buffer of unsorted grams: only the merged
// grams and their weights are kept.
var gramScratch = sync.Pool{New: func() any { return new([]uint64) }}
