package web

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/match"
	"github.com/allymatch/allymatch/matcher/notify"
)

// listsTemplates are every template of the desk.
var listsTemplates = func() []string {
	files, _ := fs.Glob(templateFS, "templates/*.html")
	var out []string
	for _, f := range files {
		out = append(out, strings.TrimSuffix(strings.TrimPrefix(f, "templates/"), ".html"))
	}
	return out
}()

// The pages' own words are all message keys: no template holds Chinese
// outside its actions (so that ?lang=en leaves none, and ?lang=zh no
// English of its own), and every key a template names exists in both
// languages.
func TestListsTemplatesWords(t *testing.T) {
	action := regexp.MustCompile(`(?s)\{\{.*?\}\}`)
	han := regexp.MustCompile(`\p{Han}`)
	key := regexp.MustCompile(`\.T "([^"]+)"`)
	for _, name := range listsTemplates {
		src, err := fs.ReadFile(templateFS, "templates/"+name+".html")
		if err != nil {
			t.Fatal(err)
		}
		// The language switch names each language in itself.
		own := strings.ReplaceAll(action.ReplaceAllString(string(src), ""), `lang="zh-CN">中文<`, "")
		if w := han.FindString(own); w != "" {
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
			case "level":
				cases = []string{"community", "street", "district"}
			case "item":
				cases = []string{"open", "paused", "closed"}
			case "project":
				cases = []string{"planned", "running", "done", "dropped"}
			case "role":
				cases = []string{"admin", "coordinator", "unit", "system"}
			case "csv":
				cases = []string{"demands", "resources", "items", "projects", "units"}
			case "term":
				cases = match.Terms
			case "whatif.field":
				cases = []string{"qty", "qty_item", "radius", "radius_item", "remove_unit", "mode", "weights"}
				for _, term := range match.Terms {
					cases = append(cases, "w_"+term)
				}
			case "login.kind":
				cases = []string{"token", "session", "code"}
			case "wh.kind":
				for _, k := range notify.Targets {
					cases = append(cases, string(k))
				}
			case "wh.event":
				for _, k := range notify.Kinds {
					cases = append(cases, string(k))
				}
			case "wh.status":
				cases = []string{string(notify.Pending), string(notify.Delivered), string(notify.Dead)}
			case "wh.field":
				// the fields a subscription's error names (notify.go)
				cases = []string{"kind", "url", "secret", "events", "alliance", "unit", "body"}
			case "lg.kind":
				for _, k := range matcher.AccountKinds {
					cases = append(cases, string(k))
				}
			case "lg.tkind":
				cases = []string{string(matcher.TransferManual), string(matcher.TransferAward), string(matcher.TransferEarn), string(matcher.TransferRedeem), string(matcher.TransferReverse)}
			case "lg.ostatus":
				cases = []string{string(matcher.OfferOpen), string(matcher.OfferClosed)}
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
