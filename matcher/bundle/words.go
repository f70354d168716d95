package bundle

import (
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/width"

	"github.com/allymatch/allymatch/matcher"
)

// The words of a list's cells, for every reader of planners' sheets (the
// lists here, the what-if edit sheet of package scenario): one reading of
// 是/否, 需求/资源, 社区/街道/区, 进行中, 紧急, full-width digits and dates.

// Text returns a file's bytes as UTF-8: a UTF-8 BOM is dropped; bytes that
// are not valid UTF-8 are read as GBK/GB18030, as Excel on a Chinese
// Windows saves a CSV file.
func Text(data []byte) ([]byte, error) { return toUTF8(data) }

// Number returns a number cell's text with full-width digits and signs
// (４０, －３) as ASCII.
func Number(s string) string { return width.Fold.String(strings.TrimSpace(s)) }

// List splits a cell on ; ； 、 , ， and |, dropping empty parts.
func List(s string) []string {
	f := strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(";；、,，|", r) })
	out := f[:0]
	for _, x := range f {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// Bool reads yes/no: 是/否, 有/无, yes/no, 1/0, true/false ("" is no).
func Bool(s string) (v, ok bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "0", "false", "no", "n", "否", "无":
		return false, true
	case "1", "true", "yes", "y", "是", "有":
		return true, true
	}
	return false, false
}

// Time reads a time cell (2026-12-01 18:00, 2026-12-01, 2026/1/2 …) in
// China Standard Time; a date alone is midnight, or with end the end of
// that day (结束 2026-12-31 includes the 31st).
func Time(s string, end bool) (time.Time, bool) {
	s = Number(s)
	for _, l := range timeLayouts {
		if t, err := time.ParseInLocation(l, s, CST); err == nil {
			if end && !strings.Contains(l, "15") {
				t = t.AddDate(0, 0, 1)
			}
			return t, true
		}
	}
	return time.Time{}, false
}

// ItemKindOf reads demand/resource or 需求/资源.
func ItemKindOf(s string) (matcher.ItemKind, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "demand", "需求":
		return matcher.Demand, true
	case "resource", "资源":
		return matcher.Resource, true
	}
	return "", false
}

// LevelOf reads a level: community/street/district or its Chinese name
// (社区, 街道, 镇, 区 …); other words as they are (the item's check says
// what is wrong).
func LevelOf(s string) matcher.Level {
	s = strings.TrimSpace(s)
	if l, ok := levelNames[s]; ok {
		return l
	}
	return matcher.Level(strings.ToLower(s))
}

// ItemStatusOf reads an item's status: open/paused/closed or 开放, 暂停,
// 关闭 ….
func ItemStatusOf(s string) matcher.ItemStatus {
	s = strings.TrimSpace(s)
	if st, ok := statusNames[s]; ok {
		return st
	}
	return matcher.ItemStatus(strings.ToLower(s))
}

// ProjectStatusOf reads a project's status: planned/running/done/dropped
// or 筹备中, 进行中, 已完成, 已取消 ….
func ProjectStatusOf(s string) matcher.ProjectStatus {
	s = strings.TrimSpace(s)
	if st, ok := projectStatusNames[s]; ok {
		return st
	}
	return matcher.ProjectStatus(strings.ToLower(s))
}

// PriorityOf reads 1..5 or 低/较低/一般/中/较高/高/紧急 (false for
// anything else; "" is 0).
func PriorityOf(s string) (int, bool) {
	s = Number(s)
	if p, ok := priorityNames[s]; ok {
		return p, true
	}
	if s == "" {
		return 0, true
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > matcher.MaxPriority {
		return 0, false
	}
	return n, true
}

// UnitKindOf reads a unit's kind: a kind of the vocabulary by its English
// or Chinese name (学校, school), else the word as it is (餐饮, 物业 are
// kinds too).
func UnitKindOf(s string) matcher.UnitKind {
	s = strings.TrimSpace(s)
	if k, ok := unitKindNames[s]; ok {
		return k
	}
	if isASCII(s) {
		return matcher.UnitKind(strings.ToLower(s))
	}
	return matcher.UnitKind(s)
}
