package web

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"
)

// listsTemplates are the pages of a unit's lists and of claims by hand.
var listsTemplates = []string{"unit", "item", "project", "browse", "claimhand", "claim"}

// The pages' own words are all message keys: their templates hold no
// Chinese outside the actions (so that ?lang=en leaves none), and every
// key they name exists in both languages.
func TestListsTemplatesWords(t *testing.T) {
	action := regexp.MustCompile(`(?s)\{\{.*?\}\}`)
	han := regexp.MustCompile(`\p{Han}`)
	key := regexp.MustCompile(`\.T "([^"]+)"`)
	for _, name := range listsTemplates {
		src, err := fs.ReadFile(templateFS, "templates/"+name+".html")
		if err != nil {
			t.Fatal(err)
		}
		if w := han.FindString(action.ReplaceAllString(string(src), "")); w != "" {
			t.Errorf("%s.html has words of its own (%q): use a message key", name, w)
		}
		for _, m := range key.FindAllStringSubmatch(string(src), -1) {
			for _, l := range []*Lang{langZH, langEN} {
				if !l.Has(m[1]) {
					t.Errorf("%s.html: no %s text for %q", name, l.Code, m[1])
				}
			}
		}
		// Keys built with printf: each of their cases.
		for _, m := range regexp.MustCompile(`printf "([a-z.]+)\.%s"`).FindAllStringSubmatch(string(src), -1) {
			var cases []string
			switch m[1] {
			case "lists.edit", "lists.new", "lists.claimfor", "hc.title", "hc.mine", "hc.none", "hc.add", "browse.for", "browse.claim", "kind":
				cases = []string{"demand", "resource"}
			case "side":
				cases = []string{"demand", "resource"}
			case "origin":
				cases = []string{"proposed", "resource", "demand"}
			case "status":
				cases = []string{"proposed", "confirmed", "fulfilled", "rejected", "withdrawn", "expired"}
			default:
				t.Errorf("%s.html: printf key %s.%%s of unknown cases", name, m[1])
			}
			for _, c := range cases {
				if !langZH.Has(m[1]+"."+c) || !langEN.Has(m[1]+"."+c) {
					t.Errorf("%s.html: no text for %s.%s", name, m[1], c)
				}
			}
		}
	}
	// The English of these pages is English.
	for k, v := range en {
		if han.MatchString(v) && (strings.HasPrefix(k, "lists.") || strings.HasPrefix(k, "f.") || strings.HasPrefix(k, "fe.") ||
			strings.HasPrefix(k, "hc.") || strings.HasPrefix(k, "browse.") || strings.HasPrefix(k, "cl.") || strings.HasPrefix(k, "prio.")) {
			t.Errorf("en %s = %q", k, v)
		}
	}
}
