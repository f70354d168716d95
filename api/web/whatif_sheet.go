package web

import (
	"bytes"
	"maps"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/bundle"
	"github.com/allymatch/allymatch/matcher/i18n"
	"github.com/allymatch/allymatch/matcher/scenario"
)

// A sheet of edits on the desk: the what-if section of a meeting's page
// takes an .xlsx or CSV file of edits (one row per edit, the template's
// columns) with the scenario's scope, name and note; the preview lists the
// edits in words and every problem by row, column and field (checked as
// the scenario would be made: scenario.Manager.CheckSheet); a preview
// without problems has the button that creates the scenario.
//
// Between the preview and the button the file is kept on the server
// (s.sheets, the import's pendingImports: 30 minutes, bound to the session
// that uploaded it, two per actor) rather than carried in the form: a
// sheet may be 16 MiB, which a page should not carry back and forth, and
// what is created is then the very file that was checked, not one the
// browser sends again. The scope, name and note are the form's (small,
// and checked again on creation).

// sheetRow is an edit of a sheet in words, with its row.
type sheetRow struct {
	Row   int
	Words string
}

// sheetProblemRow is a problem of a sheet as the preview lists it.
type sheetProblemRow struct {
	Row                  int
	Cell, Column, Letter string
	Field                string
	Text                 string
}

// sheetData is the upload form and the preview.
type sheetData struct {
	Meeting           *matcher.Alliance
	N                 names
	File              string
	Checked           bool
	Edits             []sheetRow
	Problems          []sheetProblemRow
	Error             string // the request's own problem (no file, a scope refused)
	Pending           string
	Below, Name, Note string
}

// ScopeWords names what the scenario will plan, as the form's choice says.
func (d sheetData) ScopeWords() string {
	switch d.Below {
	case "1":
		return d.N.lang.T("whatif.below")
	case "all":
		return d.N.lang.T("whatif.scope.all")
	}
	return d.N.lang.T("whatif.scope.one")
}

func (s *site) sheetPage(c echo.Context, al *matcher.Alliance, n names) sheetData {
	return sheetData{Meeting: al, N: n, Below: c.FormValue("below"), Name: strings.TrimSpace(c.FormValue("name")), Note: c.FormValue("note")}
}

// sheetForm shows the upload form on a page of its own.
func (s *site) sheetForm(c echo.Context) error {
	al, n, err := s.meetingOf(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "whatifsheet", s.sheetPage(c, al, n))
}

// sheetRequest is what the form plans, as the what-if form's scope says:
// the meeting, with those below, or the whole district.
func (s *site) sheetRequest(c echo.Context, al *matcher.Alliance, d sheetData) scenario.Request {
	req := scenario.Request{Meeting: al.ID, Name: d.Name, Note: d.Note}
	switch d.Below {
	case "1":
		req.Meeting, req.Scope = "", []string{al.ID}
	case "all":
		req.Meeting, req.Scope = "", s.roots(actorOf(c), al.ID)
	}
	return req
}

// sheetPreview reads an uploaded sheet and shows its edits and problems.
func (s *site) sheetPreview(c echo.Context) error {
	al, n, err := s.meetingOf(c)
	if err != nil {
		return err
	}
	l := n.lang
	files, status, ps := readUploads(c, l)
	d := s.sheetPage(c, al, n)
	switch {
	case ps != nil:
		d.Error = ps[0].Msg
		return s.render(c, status, "whatifsheet", d)
	case len(files) != 1:
		d.Error = l.T("sheet.onefile")
		return s.render(c, http.StatusBadRequest, "whatifsheet", d)
	}
	return s.checkSheet(c, al, &d, files[0])
}

// checkSheet checks f and shows the preview; a clean one is kept for the
// button.
func (s *site) checkSheet(c echo.Context, al *matcher.Alliance, d *sheetData, f upload) error {
	l := d.N.lang
	d.File, d.Checked = f.name, true
	sheet := scenario.ReadSheet(f.name, f.data)
	_, x := s.scenarios(c)
	problems, err := x.CheckSheet(c.Request().Context(), s.sheetRequest(c, al, *d), sheet)
	if err != nil {
		code := matcher.ErrorCode(err)
		if code != matcher.EINVALID && code != matcher.EFORBIDDEN && code != matcher.ENOTFOUND {
			return err
		}
		d.Error = errText(l, err)
		return s.render(c, statusOf[code], "whatifsheet", d)
	}
	bad := map[int]bool{}
	for _, p := range problems {
		bad[p.Loc.Line] = true
	}
	for i, e := range sheet.Edits {
		r := sheetRow{Row: sheet.Rows[i]}
		if bad[r.Row] {
			// Its ids were not all found in the caller's scope: the
			// words would name what it may not see.
			r.Words = opLabel(l, e.Op)
		} else {
			r.Words = editWords(d.N, e)
		}
		d.Edits = append(d.Edits, r)
	}
	for _, p := range problems {
		r := sheetProblemRow{Row: p.Loc.Line, Column: p.Column, Field: p.Field, Text: i18n.Problem(l.Code, p)}
		if p.Format != "" {
			r.Text = i18n.Sprintf(l.Code, p.Format, p.Args...) // the column has a cell of its own
		}
		if p.Loc.Col > 0 {
			r.Cell, r.Letter = p.Record, scenario.Letter(p.Loc.Col-1)
		}
		d.Problems = append(d.Problems, r)
	}
	if len(d.Problems) > 0 || len(d.Edits) == 0 {
		if len(d.Edits) == 0 && len(d.Problems) == 0 {
			d.Error = l.T("sheet.empty")
		}
		return s.render(c, http.StatusUnprocessableEntity, "whatifsheet", d)
	}
	pi := &pendingImport{owner: c.Get("csrf").(string), actor: actorOf(c).String(), meeting: al.ID, files: []upload{f}}
	if d.Pending, err = s.sheets.put(pi); err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "whatifsheet", d)
}

// sheetCreate creates the scenario of a previewed sheet, as the what-if
// form creates one; if the state moved so that it no longer applies, the
// preview again with the problems.
func (s *site) sheetCreate(c echo.Context) error {
	al, n, err := s.meetingOf(c)
	if err != nil {
		return err
	}
	d := s.sheetPage(c, al, n)
	pi := s.sheets.take(c.FormValue("pending"), c.Get("csrf").(string))
	if pi == nil || pi.meeting != al.ID || len(pi.files) != 1 {
		d.Error = n.lang.T("sheet.expired")
		return s.render(c, http.StatusConflict, "whatifsheet", d)
	}
	f := pi.files[0]
	sheet := scenario.ReadSheet(f.name, f.data)
	req := s.sheetRequest(c, al, d)
	req.Edits = sheet.Edits
	if len(sheet.Problems) == 0 {
		_, x := s.scenarios(c)
		sc, err := x.Create(c.Request().Context(), req)
		if err == nil {
			return c.Redirect(http.StatusSeeOther, Prefix+"/scenarios/"+sc.ID)
		}
		if code := matcher.ErrorCode(err); code == matcher.ECONFLICT {
			d.File, d.Error = f.name, errText(n.lang, err) // a quota: the preview has nothing to add
			return s.render(c, http.StatusConflict, "whatifsheet", d)
		}
	}
	return s.checkSheet(c, al, &d, f)
}

// sheetTemplate sends the template of the sheet of edits (.xlsx, or
// .csv: its first sheet).
func (s *site) sheetTemplate(c echo.Context) error {
	sheets := scenario.SheetTemplate()
	var buf bytes.Buffer
	if strings.HasSuffix(c.Request().URL.Path, ".csv") {
		if err := bundle.WriteCSV(&buf, sheets[0]); err != nil {
			return err
		}
		return sendFile(c, "推演修改清单模板.csv", buf.Bytes())
	}
	if err := bundle.WriteXLSX(&buf, sheets); err != nil {
		return err
	}
	return sendFile(c, "推演修改清单模板.xlsx", buf.Bytes())
}

// The pages' texts, joined to both languages at start.
var _ = func() bool {
	maps.Copy(zh, sheetZH)
	maps.Copy(en, sheetEN)
	return true
}()

var sheetZH = map[string]string{
	"sheet.title": "上传修改清单", "sheet.link": "用表格一次提交多项修改（上传修改清单）",
	"sheet.hint":     "在 Excel 或 WPS 中按模板填写：一行一项修改，“操作”列写修改的种类（如 修改数量、修改成员单位），其余列只填这项操作用到的；上传后先检查，列出每个问题所在的行、列和字段，没有问题才能创建推演。",
	"sheet.template": "下载模板（.xlsx）", "sheet.template.csv": "下载模板（.csv）",
	"sheet.file": "修改清单文件（.xlsx 或 .csv）", "sheet.note": "备注", "sheet.check": "检查修改清单",
	"sheet.edits": "读到 %d 项修改", "sheet.problems": "发现 %d 个问题，未创建推演：请在表格中改正后重新上传。",
	"sheet.ok": "没有问题。", "sheet.create": "创建推演", "sheet.row": "行", "sheet.cell": "单元格", "sheet.column": "列",
	"sheet.field": "字段", "sheet.problem": "问题", "sheet.file.row": "（整个文件）",
	"sheet.onefile": "请上传一个修改清单文件。", "sheet.empty": "表格中没有读到修改：每行一项，“操作”列不能为空（“序号”写“示例”的行不读取）。",
	"sheet.expired": "检查结果已过期（超过 30 分钟，或已用过）：请重新上传修改清单。",
}

var sheetEN = map[string]string{
	"sheet.title": "Upload a sheet of edits", "sheet.link": "Several edits at once from a spreadsheet (upload a sheet of edits)",
	"sheet.hint":     "Fill in the template in Excel or WPS: one edit per row, the kind of edit in the Operation (操作) column (修改数量, 修改成员单位, …) and only the columns that edit reads; the upload is checked first, listing every problem by row, column and field, and the scenario can be created only when there is none.",
	"sheet.template": "Download the template (.xlsx)", "sheet.template.csv": "Download the template (.csv)",
	"sheet.file": "Sheet of edits (.xlsx or .csv)", "sheet.note": "Note", "sheet.check": "Check the sheet",
	"sheet.edits": "%d edits read", "sheet.problems": "%d problems; no scenario was created: correct the sheet and upload it again.",
	"sheet.ok": "No problem.", "sheet.create": "Create the scenario", "sheet.row": "Row", "sheet.cell": "Cell", "sheet.column": "Column",
	"sheet.field": "Field", "sheet.problem": "Problem", "sheet.file.row": "(the file)",
	"sheet.onefile": "Upload one sheet of edits.", "sheet.empty": "No edit was read: one per row, with the Operation (操作) column filled (rows whose 序号 says 示例 are read past).",
	"sheet.expired": "The check has expired (after 30 minutes, or it was used): upload the sheet again.",
}
