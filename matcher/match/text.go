package match

import (
	"slices"
	"sync"
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
