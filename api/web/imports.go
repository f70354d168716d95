package web

import (
	"errors"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/bundle"
	"github.com/allymatch/allymatch/matcher/i18n"
	"github.com/allymatch/allymatch/matcher/index"
	"github.com/allymatch/allymatch/matcher/store"
)

// Spreadsheet import in the desk: one or several files (.xlsx with a sheet
// per list, or .csv; a community's whole set at once) are decoded, and the
// preview lists every problem of every file in one pass: what the files
// do not read (a cell, a column), then everything the import itself would
// refuse, checked against the live store by the import's own mutation
// run and thrown away (service.PreviewImport): unknown alliance, unit or
// category, an id of another alliance, a unit name two units share. Only
// a clean preview can be imported, all or nothing.

// previewRows bounds the rows each table of a preview shows.
const previewRows = 200

type importData struct {
	Meeting   *matcher.Alliance
	Files     []string
	Problems  []bundle.Problem
	Dups      []string
	Alliances []matcher.Alliance
	Units     []matcher.Unit
	Items     []matcher.Item
	Projects  []matcher.Project
	// Counts of the records in the files (the tables show previewRows).
	NUnits, NItems, NProjects int
	Pending                   string
	Stored                    int
	N                         names
	Kinds                     []string
	Action                    string // the form's action: the meeting's import, or a new alliance's
}

// Text is a problem's message in the page's language.
func (d importData) Text(p bundle.Problem) string { return i18n.Problem(d.N.lang.Code, p) }

// FieldName is a problem's field as the page names it.
func (d importData) FieldName(p bundle.Problem) string {
	if p.Field == "" {
		return ""
	}
	return strings.TrimSuffix(fieldLabel(d.N.lang, p.Field), d.N.lang.T("fe.colon"))
}

// The records a problem names (bundle.Problem.Record): a row of a sheet
// ("row 3"), a record of a table ("items[2] (id LH-D01)", "units[0]").
var (
	rowRecord   = regexp.MustCompile(`^row (\d+)$`)
	tableRecord = regexp.MustCompile(`^(units|items|projects|alliances|categories)\[(\d+)\](?: \(id (.+)\))?$`)
)

// RecordName is the record a problem names, in the page's language: "第 3
// 行数据", "清单条目 LH-D01", "成员单位第 1 条"; a record of another form
// as it is.
func (d importData) RecordName(p bundle.Problem) string {
	l := d.N.lang
	if m := rowRecord.FindStringSubmatch(p.Record); m != nil {
		n, _ := strconv.Atoi(m[1])
		return l.T("import.rec.row", n)
	}
	if m := tableRecord.FindStringSubmatch(p.Record); m != nil {
		noun := l.T("import.table." + m[1])
		if m[3] != "" {
			return l.T("import.rec.id", noun, m[3])
		}
		i, _ := strconv.Atoi(m[2])
		return l.T("import.rec.n", noun, i+1)
	}
	return p.Record
}

// FileList is the files' names, joined.
func (d importData) FileList() string { return strings.Join(d.Files, d.N.lang.T("list.sep")) }

// Windows is an item's times in words.
func (d importData) Windows(it matcher.Item) string { return windowsText(d.N.lang, it.Windows) }

// Point is a location in words ("" for none).
func (d importData) Point(p *matcher.GeoPoint) string {
	if p == nil {
		return ""
	}
	return strconv.FormatFloat(p.Lat, 'f', -1, 64) + ", " + strconv.FormatFloat(p.Lon, 'f', -1, 64)
}

// Join joins texts as the page's language lists them.
func (d importData) Join(s []string) string { return strings.Join(s, d.N.lang.T("list.sep")) }

var csvKinds = []string{string(bundle.CSVDemands), string(bundle.CSVResources), string(bundle.CSVItems), string(bundle.CSVProjects), string(bundle.CSVUnits)}

func (s *site) importMeeting(c echo.Context) (*matcher.Alliance, store.Snapshot, error) {
	al, sn, err := s.Service().Meeting(actorOf(c), c.Param("id"))
	if err != nil {
		return nil, sn, errNotFound
	}
	return al, sn, nil
}

func (s *site) importForm(c echo.Context) error {
	al, sn, err := s.importMeeting(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "import", importPage(al, s.namesAt(c, sn)))
}

func importPage(al *matcher.Alliance, n names) importData {
	return importData{Meeting: al, N: n, Kinds: csvKinds, Action: Prefix + "/meetings/" + al.ID + "/import"}
}

// decodeUploads reads the uploaded files into one bundle, and every
// problem of every file: a file that does not read at all, and each cell
// of one that reads in part (its rows as far as they read stay in the
// bundle, for the preview to check them too).
func decodeUploads(files []upload) (*bundle.Bundle, []bundle.Problem) {
	out := &bundle.Bundle{Format: bundle.Format}
	var ps []bundle.Problem
	for _, f := range files {
		var b *bundle.Bundle
		var err error
		switch strings.ToLower(filepath.Ext(f.name)) {
		case ".xlsx":
			b, err = bundle.DecodeXLSX(f.name, f.data, bundle.DefaultXLSXLimits)
		case ".csv":
			kind := f.kind
			if kind == "" {
				k, ok := bundle.CSVKindOf(f.name)
				if !ok {
					ps = append(ps, bundle.Problem{Loc: bundle.Loc{File: f.name}, Msg: "choose what the file holds (demands, resources, ...) or name it 需求清单.csv, 资源清单.csv, 项目清单.csv, 成员单位.csv"})
					continue
				}
				kind = k
			}
			b, err = bundle.DecodeCSV(f.name, kind, f.data)
		default:
			ps = append(ps, bundle.Problem{Loc: bundle.Loc{File: f.name}, Msg: "upload an .xlsx or .csv file"})
			continue
		}
		if b != nil {
			if b.Len() == 0 && err == nil {
				ps = append(ps, bundle.Problem{Loc: bundle.Loc{File: f.name}, Msg: "the file holds no rows"})
			}
			out.Merge(b)
		}
		ps = append(ps, problemsOf(err)...)
	}
	return out, ps
}

// withAlliance adds a new alliance to an import: the units of the files
// that join no alliance join it.
func withAlliance(b *bundle.Bundle, al *matcher.Alliance) {
	if al == nil {
		return
	}
	for i := range b.Units {
		if len(b.Units[i].Alliances) == 0 && b.Units[i].ID != al.Lead {
			b.Units[i].Alliances = []string{al.ID}
		}
	}
	b.Alliances = append(b.Alliances, *al)
}

// duplicates lists likely duplicates: items with the same unit, title and
// category, in the files or already stored under another id.
func duplicates(b *bundle.Bundle, sn index.Reader, l *Lang) []string {
	key := func(it *matcher.Item) string {
		return it.Unit + "\x00" + strings.TrimSpace(it.Title) + "\x00" + it.Category
	}
	seen := map[string]int{}
	var out []string
	for i := range b.Items {
		it := &b.Items[i]
		loc, _ := b.Source("items", i)
		if j, ok := seen[key(it)]; ok {
			out = append(out, l.T("import.dup.file", loc.String(), it.ID, b.Items[j].ID, it.Title))
			continue
		}
		seen[key(it)] = i
		for old := range sn.ItemsOf(it.Unit) {
			if old.ID != it.ID && key(old) == key(it) {
				out = append(out, l.T("import.dup.stored", loc.String(), it.ID, old.ID, it.Title))
			}
		}
	}
	return out
}

// problemsOf lists an error's problems as the preview shows them (nil for
// an error that is not about the input).
func problemsOf(err error) []bundle.Problem {
	var be *bundle.Error
	if errors.As(err, &be) {
		return be.Problems
	}
	var pe *matcher.ProblemsError
	if errors.As(err, &pe) {
		var ps []bundle.Problem
		for _, e := range pe.List {
			ps = append(ps, bundle.Problem{Field: e.Field, Msg: e.Message, Code: e.Code, Format: e.Format, Args: e.Args})
		}
		return ps
	}
	var me *matcher.Error
	if errors.As(err, &me) && me.Code != matcher.EINTERNAL {
		return []bundle.Problem{{Field: me.Field, Msg: me.Message, Code: me.Code, Format: me.Format, Args: me.Args}}
	}
	return nil
}

// readUploads reads the form's files (file, one or several), bounded by
// MaxUpload in all; a problem of the upload itself is the page's
// status and problem.
func readUploads(c echo.Context, l *Lang) ([]upload, int, []bundle.Problem) {
	c.Request().Body = http.MaxBytesReader(c.Response(), c.Request().Body, MaxUpload+1<<20)
	form, err := c.MultipartForm()
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, http.StatusRequestEntityTooLarge, []bundle.Problem{{Msg: l.T("import.toolarge", MaxUpload>>20)}}
		}
		return nil, http.StatusBadRequest, []bundle.Problem{{Msg: l.T("import.nofile")}}
	}
	kind := bundle.CSVKind(c.FormValue("kind"))
	var files []upload
	total := 0
	for _, fh := range form.File["file"] {
		name := filepath.Base(fh.Filename)
		total += int(fh.Size)
		if fh.Size > MaxUpload || total > MaxUpload {
			return nil, http.StatusRequestEntityTooLarge, []bundle.Problem{{Loc: bundle.Loc{File: name}, Msg: l.T("import.toolarge", MaxUpload>>20)}}
		}
		f, err := fh.Open()
		if err != nil {
			return nil, http.StatusBadRequest, []bundle.Problem{{Loc: bundle.Loc{File: name}, Msg: l.T("import.nofile")}}
		}
		data, err := io.ReadAll(io.LimitReader(f, MaxUpload+1))
		f.Close()
		if err != nil {
			return nil, http.StatusBadRequest, []bundle.Problem{{Loc: bundle.Loc{File: name}, Msg: l.T("import.nofile")}}
		}
		files = append(files, upload{name: name, kind: kind, data: data})
	}
	if len(files) == 0 {
		return nil, http.StatusBadRequest, []bundle.Problem{{Msg: l.T("import.nofile")}}
	}
	return files, 0, nil
}

// importPreview decodes an upload and shows every problem of every file
// and what the import would refuse, and the likely duplicates; nothing is
// stored yet. A clean one is kept for the commit.
func (s *site) importPreview(c echo.Context) error {
	al, sn, err := s.importMeeting(c)
	if err != nil {
		return err
	}
	d := importPage(al, s.namesAt(c, sn))
	files, status, ps := readUploads(c, d.N.lang)
	if ps != nil {
		d.Problems = ps
		return s.render(c, status, "import", d)
	}
	return s.preview(c, &d, al, files, nil)
}

// preview checks files (with a new alliance, or none) for the meeting of
// al and shows the result: the problems, or the records and the button
// that imports them.
func (s *site) preview(c echo.Context, d *importData, al *matcher.Alliance, files []upload, newAlliance *matcher.Alliance) error {
	for _, f := range files {
		d.Files = append(d.Files, f.name)
	}
	b, ps := decodeUploads(files)
	withAlliance(b, newAlliance)
	if b.Len() > 0 {
		err := s.Service().PreviewImport(c.Request().Context(), actorOf(c), al.ID, b)
		more := problemsOf(err)
		if err != nil && more == nil {
			return err
		}
		ps = bundle.Join(ps, more)
	}
	d.Problems = ps
	d.Dups = duplicates(b, d.N.v.Reader(), d.N.lang)
	d.Alliances = b.Alliances
	d.NUnits, d.NItems, d.NProjects = len(b.Units), len(b.Items), len(b.Projects)
	d.Units = b.Units[:min(len(b.Units), previewRows)]
	d.Items = b.Items[:min(len(b.Items), previewRows)]
	d.Projects = b.Projects[:min(len(b.Projects), previewRows)]
	if len(d.Problems) > 0 {
		return s.render(c, http.StatusUnprocessableEntity, "import", d)
	}
	pi := &pendingImport{owner: c.Get("csrf").(string), actor: actorOf(c).String(), meeting: al.ID, files: files, alliance: newAlliance}
	var err error
	if d.Pending, err = s.pending.put(pi); err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "import", d)
}

// importCommit stores a previewed upload, all or nothing.
func (s *site) importCommit(c echo.Context) error {
	al, sn, err := s.importMeeting(c)
	if err != nil {
		return err
	}
	d := importPage(al, s.namesAt(c, sn))
	l := d.N.lang
	pi := s.pending.take(c.FormValue("pending"), c.Get("csrf").(string))
	if pi == nil || pi.meeting != al.ID {
		d.Problems = []bundle.Problem{{Msg: l.T("import.expired")}}
		return s.render(c, http.StatusConflict, "import", d)
	}
	for _, f := range pi.files {
		d.Files = append(d.Files, f.name)
	}
	b, ps := decodeUploads(pi.files)
	withAlliance(b, pi.alliance)
	if len(ps) == 0 {
		_, err = s.Service().ImportTo(c.Request().Context(), actorOf(c), al.ID, b)
		if ps = problemsOf(err); err != nil && ps == nil {
			return err
		}
	}
	if len(ps) > 0 {
		d.Problems = ps
		return s.render(c, http.StatusUnprocessableEntity, "import", d)
	}
	d.Stored = b.Len()
	if pi.alliance != nil {
		return c.Redirect(http.StatusSeeOther, withMsg(Prefix+"/meetings/"+pi.alliance.ID+"/members", "alliancecreated"))
	}
	return s.render(c, http.StatusOK, "import", d)
}
