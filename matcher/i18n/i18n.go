// Package i18n says the domain's messages in Chinese. A message of the
// domain is English (what the API answers unless asked otherwise) and
// keeps its format and arguments (matcher.Error.Format and Args,
// bundle.Problem's): the format is the message's key in the catalogue
// (zh.go), and the Chinese sentence is formatted with the same
// arguments, each said in Chinese where it is a word of the domain (a
// status, a level, a side, a role, an actor, a noun).
//
// One catalogue serves the desk (every page is Chinese first) and the
// API (problem+json detail follows Accept-Language). TestCatalogue walks
// the source of every package for the formats of its errors and fails on
// any without a Chinese sentence, or with one whose verbs do not fit the
// English arguments.
package i18n

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/bundle"
)

// The languages of the messages.
const (
	EN = "en" // the domain's own English
	ZH = "zh" // simplified Chinese (zh-CN)
)

// Lang returns the language of a code: ZH for any zh code, else EN.
func Lang(code string) string {
	if strings.HasPrefix(strings.ToLower(strings.TrimSpace(code)), "zh") {
		return ZH
	}
	return EN
}

// Accept returns the language an Accept-Language header prefers among
// ours: the one with the highest q (the first listed on a tie), EN when
// it names neither (the API answers English to clients that do not ask).
func Accept(header string) string {
	best, bestQ := EN, 0.0
	for part := range strings.SplitSeq(header, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		tag = strings.ToLower(strings.TrimSpace(tag))
		q := 1.0
		for p := range strings.SplitSeq(params, ";") {
			if k, v, ok := strings.Cut(strings.TrimSpace(p), "="); ok && strings.TrimSpace(k) == "q" {
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
					q = f
				}
			}
		}
		var lang string
		switch {
		case tag == "zh" || strings.HasPrefix(tag, "zh-"):
			lang = ZH
		case tag == "en" || strings.HasPrefix(tag, "en-"):
			lang = EN
		default:
			continue
		}
		if q > bestQ {
			best, bestQ = lang, q
		}
	}
	return best
}

// Has reports whether the catalogue says format in Chinese.
func Has(format string) bool { _, ok := zh[format]; return ok }

// Sprintf formats a message of the domain in lang: under EN the format
// itself, under ZH its Chinese sentence with the arguments said in
// Chinese. A format the catalogue does not know is shown in English
// behind a Chinese word, never dropped. "%s" and "%v" of one argument (a
// message passed through) are the argument's own message.
func Sprintf(lang, format string, args ...any) string {
	if lang != ZH {
		return fmt.Sprintf(format, args...)
	}
	if (format == "%s" || format == "%v") && len(args) == 1 {
		switch a := args[0].(type) {
		case *matcher.Error:
			return Error(lang, a)
		case string:
			if t, ok := zh[a]; ok {
				return t
			}
		case error:
			var me *matcher.Error
			if errors.As(a, &me) {
				return Error(lang, me)
			}
			if t, ok := zh[a.Error()]; ok {
				return t
			}
		}
	}
	t, ok := zh[format]
	if !ok {
		return fmt.Sprintf(unknown, fmt.Sprintf(format, args...))
	}
	local := make([]any, len(args))
	for i, a := range args {
		local[i] = Word(lang, a)
	}
	return fmt.Sprintf(t, local...)
}

// unknown wraps a message the catalogue does not know.
const unknown = "输入有误：%s"

// Error returns e's message in lang (EN: its Message as it is).
func Error(lang string, e *matcher.Error) string {
	if lang != ZH {
		return e.Message
	}
	format, args := e.Key()
	return Sprintf(lang, format, args...)
}

// Problem returns the message of an input's problem in lang, after the
// column's header as the file has it when the problem names one (EN: its
// Msg as it is).
func Problem(lang string, p bundle.Problem) string {
	if lang != ZH {
		return p.Msg
	}
	format, args := p.Key()
	msg := Sprintf(lang, format, args...)
	if p.Column != "" {
		msg = "“" + p.Column + "”列：" + msg
	}
	return msg
}

// Word says a message's argument in lang: a status, level, side, kind,
// role, actor or noun of the domain in Chinese; an error by its message;
// anything else as it is.
func Word(lang string, a any) any {
	if lang != ZH {
		return a
	}
	var table map[string]string
	var key string
	switch v := a.(type) {
	case matcher.ClaimStatus:
		table, key = claimStatus, string(v)
	case matcher.ItemStatus:
		table, key = itemStatus, string(v)
	case matcher.ProjectStatus:
		table, key = projectStatus, string(v)
	case matcher.ItemKind:
		table, key = itemKind, string(v)
	case matcher.Level:
		table, key = level, string(v)
	case matcher.Side:
		table, key = side, string(v)
	case matcher.Origin:
		table, key = origin, string(v)
	case matcher.Role:
		table, key = role, string(v)
	case matcher.Noun:
		table, key = noun, string(v)
	case matcher.Actor:
		r := role[string(v.Role)]
		if r == "" {
			r = string(v.Role)
		}
		if v.ID == "" {
			return r
		}
		return r + " " + v.ID
	case *matcher.Error:
		return Error(lang, v)
	case error:
		return Sprintf(lang, "%v", v)
	default:
		return a
	}
	if t, ok := table[key]; ok {
		return t
	}
	return key
}

// The domain's words in Chinese.
var (
	claimStatus   = map[string]string{"proposed": "待确认", "confirmed": "已确认", "fulfilled": "已完成", "rejected": "已拒绝", "withdrawn": "已撤回", "expired": "已过期"}
	itemStatus    = map[string]string{"open": "开放", "paused": "暂停", "closed": "关闭"}
	projectStatus = map[string]string{"planned": "筹备中", "running": "进行中", "done": "已完成", "dropped": "已取消"}
	itemKind      = map[string]string{"demand": "需求", "resource": "资源"}
	level         = map[string]string{"community": "社区", "street": "街道", "district": "区"}
	side          = map[string]string{"resource": "资源方", "demand": "需求方"}
	origin        = map[string]string{"proposed": "匹配建议", "resource": "资源方认领", "demand": "需求方认领"}
	role          = map[string]string{"admin": "管理员", "coordinator": "联席会协调人", "unit": "成员单位", "system": "系统"}
	noun          = map[string]string{
		"unit": "单位", "units": "单位", "alliance": "联盟", "alliances": "联盟", "item": "条目", "items": "条目",
		"project": "项目", "projects": "项目", "claim": "认领", "claims": "认领", "meeting": "联席会",
		"demand": "需求", "resource": "资源", "grid": "红色网格", "grids": "红色网格", "category": "类别",
		"categories": "类别", "login": "登录", "scenario": "推演", "token": "令牌", "session": "会话", "code": "登录码",
	}
)

// CodeTitle names an error code in lang, for a page or a problem that is
// titled by its kind.
func CodeTitle(lang, code string) string {
	t := codeTitles[code]
	if lang == ZH {
		return t[0]
	}
	return t[1]
}

var codeTitles = map[string][2]string{
	matcher.EINVALID:   {"输入有误", "Invalid input"},
	matcher.ENOTFOUND:  {"找不到", "Not found"},
	matcher.ECONFLICT:  {"与当前状态冲突", "Conflict with the current state"},
	matcher.EFORBIDDEN: {"无权操作", "Forbidden"},
	matcher.ENOLOGIN:   {"未登录或登录已失效", "No valid login"},
	matcher.EINTERNAL:  {"服务器内部错误", "Internal error"},
}
