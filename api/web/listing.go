package web

import (
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/allymatch/allymatch/matcher/service"
)

// Every list of the desk is searched, filtered, sorted and paged on the
// server (the service's queries): its state is in the page's URL (q,
// filters, sort, page; with a prefix when a page holds several lists), a
// GET form changes it, and the pager's links keep the rest. A filter of
// more than maxSelect choices is a search field, not a select: the
// server reads what is typed (an id, or a part of a name).

// maxSelect is the most choices a select offers; past it, a search field.
const maxSelect = 50

// list is one list's state as the request's URL has it.
type list struct {
	path   string     // the page's path
	prefix string     // the list's parameter prefix ("" or "u-")
	anchor string     // the list's fragment, without #
	vals   url.Values // the request's query
	size   int        // rows per page
	Page   int        // 1-based
	Total  int
}

// newList reads a list's state from the request.
func newList(c echo.Context, prefix, anchor string, size int) *list {
	l := &list{path: c.Request().URL.Path, prefix: prefix, anchor: anchor, vals: c.QueryParams(), size: size}
	l.Page, _ = strconv.Atoi(l.Get("page"))
	l.Page = max(l.Page, 1)
	return l
}

// Get is the value of the list's parameter name.
func (l *list) Get(name string) string { return strings.TrimSpace(l.vals.Get(l.prefix + name)) }

// Int is the list's parameter name as a number (0 when not one).
func (l *list) Int(name string) int { n, _ := strconv.Atoi(l.Get(name)); return n }

// Query is the page of the service's query the list shows.
func (l *list) Query() service.Page {
	return service.Page{Offset: (l.Page - 1) * l.size, Limit: l.size}
}

// Pages is the number of pages (at least one).
func (l *list) Pages() int { return max(1, (l.Total+l.size-1)/l.size) }

// url is the page's URL with the list's parameters set as kv says (""
// removes one), the others of the page kept.
func (l *list) url(kv ...string) string {
	q := url.Values{}
	for k, v := range l.vals {
		if k != "msg" {
			q[k] = v
		}
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			q.Del(l.prefix + kv[i])
		} else {
			q.Set(l.prefix+kv[i], kv[i+1])
		}
	}
	u := l.path
	if enc := q.Encode(); enc != "" {
		u += "?" + enc
	}
	if l.anchor != "" {
		u += "#" + l.anchor
	}
	return u
}

// pageLink is one link of a pager.
type pageLink struct {
	N       int
	URL     string
	Current bool
	Gap     bool // "…" between page numbers
}

// pager is the list's page links: previous, next and a few numbers
// around the current page, the first and the last.
type pager struct {
	Page, Pages int
	Prev, Next  string
	Links       []pageLink
}

// Pager returns the list's page links.
func (l *list) Pager() pager {
	p := pager{Page: min(l.Page, l.Pages()), Pages: l.Pages()}
	if p.Page > 1 {
		p.Prev = l.url("page", strconv.Itoa(p.Page-1))
	}
	if p.Page < p.Pages {
		p.Next = l.url("page", strconv.Itoa(p.Page+1))
	}
	if p.Pages > 1 {
		last := 0
		for n := 1; n <= p.Pages; n++ {
			if n != 1 && n != p.Pages && (n < p.Page-2 || n > p.Page+2) {
				continue
			}
			if last != 0 && n > last+1 {
				p.Links = append(p.Links, pageLink{Gap: true})
			}
			p.Links = append(p.Links, pageLink{N: n, URL: l.url("page", strconv.Itoa(n)), Current: n == p.Page})
			last = n
		}
	}
	return p
}

// filter is one control of a list's search form: a select, or a search
// field when it has more than maxSelect choices (or no list of choices).
type filter struct {
	Name, Label, Hint string
	Value             string
	Options           []choice
}

// Search reports whether the filter is typed rather than chosen.
func (f filter) Search() bool { return f.Options == nil || len(f.Options) > maxSelect }

// listBar is a list's search form and pager, as the template "listbar"
// draws it.
type listBar struct {
	ID      string // the form's id
	Action  string // the page's path (#anchor)
	Prefix  string
	Q       string // the text searched
	QHint   string
	Filters []filter
	Sort    string
	Sorts   []choice
	Keep    []choice // parameters of the page's other lists, kept as hidden fields
	Count   string   // "N items, page p of n"
	Pager   pager
	Reset   string // the list without its query
}

// listBar returns the list's form: q, the filters and sorts given, and the
// other parameters of the page kept.
func (l *list) listBar(lang *Lang, id, qHint string, filters []filter, sorts []choice) listBar {
	b := listBar{ID: id, Action: l.path, Prefix: l.prefix, Q: l.Get("q"), QHint: qHint, Filters: filters, Sort: l.Get("sort"), Sorts: sorts, Pager: l.Pager()}
	if l.anchor != "" {
		b.Action += "#" + l.anchor
	}
	own := map[string]bool{"q": true, "sort": true, "page": true}
	for _, f := range filters {
		own[f.Name] = true
	}
	for i := range b.Sorts {
		b.Sorts[i].Selected = b.Sorts[i].Value == b.Sort
	}
	for k := range l.vals {
		if name, ok := strings.CutPrefix(k, l.prefix); (!ok || !own[name]) && k != "msg" && k != "lang" {
			b.Keep = append(b.Keep, choice{Value: l.vals.Get(k), Label: k})
		}
	}
	slices.SortFunc(b.Keep, func(x, y choice) int { return strings.Compare(x.Label, y.Label) })
	b.Count = lang.T("list.count", l.Total, b.Pager.Page, b.Pager.Pages)
	reset := []string{"q", "", "sort", "", "page", ""}
	for _, f := range filters {
		reset = append(reset, f.Name, "")
	}
	b.Reset = l.url(reset...)
	return b
}

// options makes a filter's choices: "" (all) first, then each value with
// its label, the current one selected.
func options(all string, cur string, kv ...string) []choice {
	out := []choice{{Value: "", Label: all, Selected: cur == ""}}
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, choice{Value: kv[i], Label: kv[i+1], Selected: kv[i] == cur})
	}
	return out
}

// sorts makes a list's sort choices, labelled by the keys prefix+value.
func sorts(l *Lang, prefix string, values []string) []choice {
	out := make([]choice, len(values))
	for i, v := range values {
		out[i] = choice{Value: v, Label: l.T(prefix + v)}
	}
	return out
}
