package api

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/bundle"
	"github.com/allymatch/allymatch/matcher/i18n"
	"github.com/allymatch/allymatch/matcher/scenario"
)

// The sheet of edits (POST /v1/scenarios/sheet): a scenario whose edits
// come from an .xlsx or CSV file, one row per edit (package scenario,
// sheet.go). With dry_run the sheet is read and checked and the preview
// answered (the edits read, every problem by row, column and field);
// without, a sheet without problems is created exactly as POST
// /v1/scenarios creates the same edits.

// sheetTypes are the media types of a sheet sent as the body itself.
var sheetTypes = map[string]bool{
	"text/csv": true, "application/csv": true, "text/plain": true, "application/octet-stream": true,
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": true, "application/vnd.ms-excel": true,
}

// maxSheetRequest bounds a sheet's request: the file and a multipart
// envelope with the form's few fields.
const maxSheetRequest = scenario.MaxSheetBytes + 64<<10

// sheetFile returns the file of a sheet request: the multipart field
// "file", or the body when its type is a sheet's.
func sheetFile(c echo.Context) (name string, data []byte, err error) {
	req := c.Request()
	req.Body = http.MaxBytesReader(c.Response(), req.Body, maxSheetRequest)
	ct := req.Header.Get(echo.HeaderContentType)
	mt, _, perr := mime.ParseMediaType(ct)
	switch {
	case perr == nil && mt == echo.MIMEMultipartForm:
		fh, err := c.FormFile("file")
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &mbe):
			return "", nil, mbe
		case errors.Is(err, http.ErrMissingFile):
			return "", nil, matcher.FieldError("file", "is required: a .xlsx or .csv file of edits")
		case err != nil:
			return "", nil, matcher.FieldError("file", "%v", err)
		}
		f, err := fh.Open()
		if err != nil {
			return "", nil, err
		}
		defer f.Close()
		data, err := io.ReadAll(io.LimitReader(f, scenario.MaxSheetBytes+1))
		if err == nil && len(data) > scenario.MaxSheetBytes {
			err = &http.MaxBytesError{Limit: scenario.MaxSheetBytes}
		}
		return fh.Filename, data, err
	case perr == nil && sheetTypes[mt]:
		data, err := io.ReadAll(req.Body)
		if err != nil {
			return "", nil, err
		}
		if len(data) == 0 {
			return "", nil, matcher.FieldError("body", "is empty: send the sheet of edits (.xlsx or CSV)")
		}
		name := "sheet.csv"
		if strings.Contains(mt, "sheet") || strings.Contains(mt, "excel") {
			name = "sheet.xlsx"
		}
		return name, data, nil
	}
	return "", nil, &echo.HTTPError{Code: http.StatusUnsupportedMediaType, Message: fmt.Sprintf("send multipart/form-data with a file, text/csv or an .xlsx workbook, not %q", ct)}
}

// sheetRequest is what a sheet's scenario plans, from the form's values or
// the query: scope (alliance ids, comma-separated or repeated) or
// meeting, name and note.
func sheetRequest(c echo.Context) (scenario.Request, error) {
	var req scenario.Request
	values := c.QueryParams()
	if form, err := c.FormParams(); err == nil {
		values = form // the query's and the form's
	}
	for _, v := range values["scope"] {
		for _, id := range strings.Split(v, ",") {
			if id = strings.TrimSpace(id); id != "" {
				req.Scope = append(req.Scope, id)
			}
		}
	}
	req.Meeting, req.Name, req.Note = strings.TrimSpace(values.Get("meeting")), values.Get("name"), values.Get("note")
	if req.Meeting == "" && len(req.Scope) == 0 {
		return req, matcher.FieldError("scope", `is required: the alliances the scenario plans (or "meeting")`)
	}
	if req.Meeting != "" && !matcher.ValidID(req.Meeting) {
		return req, matcher.FieldError("meeting", "must be an alliance id, got %q", req.Meeting)
	}
	for i, id := range req.Scope {
		if !matcher.ValidID(id) {
			return req, matcher.FieldError(fmt.Sprintf("scope[%d]", i), "must be an alliance id, got %q", id)
		}
	}
	return req, nil
}

// sheetPreview answers a dry run.
type sheetPreview struct {
	Edits    []sheetEdit    `json:"edits"`
	Problems []sheetProblem `json:"problems"`
}

// sheetEdit is an edit the sheet holds, with its row.
type sheetEdit struct {
	Row  int           `json:"row"`
	Edit scenario.Edit `json:"edit"`
}

// sheetProblem is one problem of a sheet: where (row as a spreadsheet
// numbers it, cell, column header and letter), which field of the edit,
// what (in the language Accept-Language asks for).
type sheetProblem struct {
	Row    int    `json:"row,omitempty"`
	Cell   string `json:"cell,omitempty"`
	Column string `json:"column,omitempty"`
	Letter string `json:"letter,omitempty"`
	Field  string `json:"field,omitempty"`
	Code   string `json:"code"`
	Detail string `json:"detail"`
}

func problemsOfSheet(lang string, list []bundle.Problem) []sheetProblem {
	out := make([]sheetProblem, 0, len(list))
	for _, p := range list {
		q := sheetProblem{Row: p.Loc.Line, Column: p.Column, Field: p.Field, Code: p.Code, Detail: i18n.Problem(lang, p)}
		if q.Code == "" {
			q.Code = matcher.EINVALID
		}
		if p.Loc.Col > 0 {
			q.Cell = p.Record
			q.Letter = scenario.Letter(p.Loc.Col - 1)
		}
		out = append(out, q)
	}
	return out
}

// createSheet handles POST /v1/scenarios/sheet[?dry_run=1].
func (h *scenarios) createSheet(c echo.Context) error {
	name, data, err := sheetFile(c)
	if err != nil {
		return err
	}
	req, err := sheetRequest(c)
	if err != nil {
		return err
	}
	_, x := h.of(c)
	sheet := scenario.ReadSheet(name, data)
	if dry := c.QueryParam("dry_run"); dry == "1" || dry == "true" {
		problems, err := x.CheckSheet(c.Request().Context(), req, sheet)
		if err != nil {
			return err
		}
		out := sheetPreview{Edits: make([]sheetEdit, len(sheet.Edits)), Problems: problemsOfSheet(i18n.Accept(c.Request().Header.Get("Accept-Language")), problems)}
		for i, e := range sheet.Edits {
			out.Edits[i] = sheetEdit{Row: sheet.Rows[i], Edit: e}
		}
		c.Response().Header().Add(echo.HeaderVary, "Accept-Language")
		return c.JSON(http.StatusOK, out)
	}
	sc, problems, err := x.CreateSheet(c.Request().Context(), req, sheet)
	if err != nil {
		return err
	}
	if err := scenario.SheetError(problems); err != nil {
		return err
	}
	return h.answerCreated(c, x, sc)
}
