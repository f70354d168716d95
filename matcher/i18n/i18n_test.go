package i18n

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/bundle"
)

// exempt are the files whose messages never reach a user of the desk or
// the API: the store's start-up refusals (for the operator's terminal and
// log, with advice in English) and the generator's configuration (the
// gen command's flags).
var exempt = []string{"matcher/store/open.go", "matcher/store/corrupt.go", "fixtures/gen/"}

// dynamic are the catalogue's keys that no call site spells out: Echo's
// own texts, and messages read from an error's text ("%v").
var dynamic = []string{"Not Found", "Method Not Allowed", "the file is neither UTF-8 nor GBK text"}

// found is a message format and where the source uses it.
type found struct {
	format string
	at     string
}

// sourceFormats walks the module's Go files (tests aside) for the
// formats of messages: the format argument of matcher.Errorf,
// FieldError and NewError, bundle.Problemf, of Problems.Add and the bundle's problem
// lists (add), the Message or Msg of an error or problem literal, and
// message constants (Msg…).
func sourceFormats(t *testing.T) []found {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	var out []found
	fset := token.NewFileSet()
	lit := func(e ast.Expr) (string, bool) {
		if c, ok := e.(*ast.CallExpr); ok {
			if sel, ok := c.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Sprintf" && len(c.Args) > 0 {
				e = c.Args[0]
			}
		}
		if b, ok := e.(*ast.BasicLit); ok && b.Kind == token.STRING {
			s, err := strconv.Unquote(b.Value)
			return s, err == nil
		}
		return "", false
	}
	fieldLike := regexp.MustCompile(`^[a-z_.\[\]0-9]*$`)
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") || slices.ContainsFunc(exempt, func(e string) bool { return strings.HasPrefix(rel, e) }) {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, 0)
		if err != nil {
			return err
		}
		add := func(s string, pos token.Pos) {
			at := fset.Position(pos)
			out = append(out, found{s, fmt.Sprintf("%s:%d", rel, at.Line)})
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.CallExpr:
				name, recv := "", ""
				switch fn := x.Fun.(type) {
				case *ast.Ident:
					name = fn.Name
				case *ast.SelectorExpr:
					name = fn.Sel.Name
					if id, ok := fn.X.(*ast.Ident); ok {
						recv = id.Name
					}
				}
				switch {
				case name == "Errorf" && (recv == "matcher" || recv == "" && strings.HasPrefix(rel, "matcher/") && !strings.Contains(rel[len("matcher/"):], "/")):
					if len(x.Args) > 1 {
						if s, ok := lit(x.Args[1]); ok {
							add(s, x.Pos())
						}
					}
				case name == "Sprintf" && recv == "i18n" && len(x.Args) > 1:
					if s, ok := lit(x.Args[1]); ok {
						add(s, x.Pos())
					}
				case name == "FieldError" && len(x.Args) > 1:
					if s, ok := lit(x.Args[1]); ok {
						add(s, x.Pos())
					}
				case name == "Problemf" && len(x.Args) > 3:
					if s, ok := lit(x.Args[3]); ok {
						add(s, x.Pos())
					}
				case name == "NewError" && len(x.Args) > 2:
					if s, ok := lit(x.Args[2]); ok {
						add(s, x.Pos())
					}
				case name == "Add" || name == "add" || name == "bad" || name == "fail":
					// Problems.Add(field, format, ...), the bundle's
					// add(loc, record, field, format, ...), the import
					// check's add(table, i, id, field, format, ...): the
					// format is the first literal that is not a field
					// (a message has a space or a verb).
					for _, a := range x.Args[min(1, len(x.Args)):] {
						b, ok := a.(*ast.BasicLit)
						if !ok || b.Kind != token.STRING {
							continue
						}
						if s, err := strconv.Unquote(b.Value); err == nil && strings.ContainsAny(s, " %") && !fieldLike.MatchString(s) {
							add(s, x.Pos())
							break
						}
					}
				}
			case *ast.ValueSpec:
				// Message constants (jsonstrict.MsgTwice, ...).
				for i, n := range x.Names {
					if strings.HasPrefix(n.Name, "Msg") && i < len(x.Values) {
						if s, ok := lit(x.Values[i]); ok {
							add(s, x.Pos())
						}
					}
				}
			case *ast.KeyValueExpr:
				if k, ok := x.Key.(*ast.Ident); ok && (k.Name == "Message" || k.Name == "Msg") {
					if s, ok := lit(x.Value); ok {
						add(s, x.Pos())
					}
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// argsFor makes arguments that fit the verbs of an English format.
func argsFor(format string) []any {
	var args []any
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		i++
		for i < len(format) && strings.IndexByte("+-# 0123456789.[]", format[i]) >= 0 {
			i++
		}
		if i >= len(format) {
			break
		}
		switch format[i] {
		case '%':
		case 'd':
			args = append(args, 7)
		case 'U':
			args = append(args, 'x')
		case 'v', 'g', 'f':
			args = append(args, 1.5)
		default:
			args = append(args, "x")
		}
	}
	return args
}

// TestCatalogue: every message format of the source has a Chinese
// sentence, whose verbs take the English arguments (none missing, none
// left over, none of a wrong kind), that is Chinese, and that uses every
// argument; and every sentence of the catalogue is used.
func TestCatalogue(t *testing.T) {
	used := map[string]bool{}
	formats := sourceFormats(t)
	if len(formats) < 200 {
		t.Fatalf("found %d message formats in the source; the walk is broken", len(formats))
	}
	for _, f := range formats {
		used[f.format] = true
		if f.format == "%s" || f.format == "%v" || f.format == "%s: %v" {
			continue // a message passed through: its own key (Sprintf)
		}
		zhText, ok := zh[f.format]
		if !ok {
			t.Errorf("%s: %q has no Chinese sentence in matcher/i18n/zh.go", f.at, f.format)
			continue
		}
		args := argsFor(f.format)
		got := fmt.Sprintf(zhText, args...)
		if strings.Contains(got, "%!") {
			t.Errorf("%s: %q → %q: its verbs do not take the English arguments (%s)", f.at, f.format, zhText, got)
		}
		if !regexp.MustCompile(`\p{Han}`).MatchString(zhText) {
			t.Errorf("%s: %q → %q is not Chinese", f.at, f.format, zhText)
		}
	}
	for _, k := range dynamic {
		used[k] = true
		if _, ok := zh[k]; !ok {
			t.Errorf("dynamic key %q has no Chinese sentence", k)
		}
	}
	for k := range zh {
		if !used[k] {
			t.Errorf("the catalogue says %q, which no message of the source uses", k)
		}
	}
	t.Logf("%d message formats in the source, %d sentences", len(formats), len(zh))
}

// Every error code has a name in both languages for pages that title an
// error by its code.
func TestCodes(t *testing.T) {
	for _, code := range []string{matcher.EINVALID, matcher.ENOTFOUND, matcher.ECONFLICT, matcher.EFORBIDDEN, matcher.ENOLOGIN, matcher.EINTERNAL} {
		for _, lang := range []string{ZH, EN} {
			if CodeTitle(lang, code) == "" || CodeTitle(lang, code) == code {
				t.Errorf("code %s has no title in %s", code, lang)
			}
		}
	}
}

func TestSprintf(t *testing.T) {
	for _, c := range []struct {
		givenLang   string
		givenFormat string
		givenArgs   []any
		expect      string
	}{
		{ZH, "claim %s is %s; only a proposed claim can be accepted", []any{"C-1", matcher.ClaimRejected}, "认领 C-1 现为“已拒绝”，只有待确认的认领才能同意"},
		{EN, "claim %s is %s; only a proposed claim can be accepted", []any{"C-1", matcher.ClaimRejected}, "claim C-1 is rejected; only a proposed claim can be accepted"},
		{ZH, "no %s %q", []any{matcher.Noun("unit"), "x"}, "没有单位“x”，或您无权查看"},
		{ZH, "%s may not add units", []any{matcher.UnitActor("lh-school")}, "成员单位 lh-school不能新增单位"},
		{ZH, "%s sits at %s level; this meeting moves %s demands up", []any{"D1", matcher.Street, matcher.Community}, "D1 在街道级，本联席会上报的是社区级的需求"},
		{ZH, "no such message %d", []any{3}, "输入有误：no such message 3"},
		{ZH, "%s", []any{"is required"}, "必填"},
		{ZH, "%v", []any{matcher.FieldError("x", "is required")}, "必填"},
	} {
		if got := Sprintf(c.givenLang, c.givenFormat, c.givenArgs...); got != c.expect {
			t.Errorf("Sprintf(%s, %q) = %q, want %q", c.givenLang, c.givenFormat, got, c.expect)
		}
	}
	p := bundle.Problem{Msg: `column "数量": must be a whole number, got "很多"`, Column: "数量", Format: "must be a whole number, got %q", Args: []any{"很多"}}
	if got, want := Problem(ZH, p), "“数量”列：须为整数（现为“很多”）"; got != want {
		t.Errorf("Problem(zh) = %q, want %q", got, want)
	}
	if got := Problem(EN, p); got != p.Msg {
		t.Errorf("Problem(en) = %q, want %q", got, p.Msg)
	}
}

func TestAccept(t *testing.T) {
	for h, want := range map[string]string{
		"":                             EN,
		"zh-CN,zh;q=0.9,en;q=0.8":      ZH,
		"en-US,en;q=0.9":               EN,
		"en;q=0.5, zh-Hans;q=0.8":      ZH,
		"fr-FR, de;q=0.9":              EN,
		"zh-TW":                        ZH,
		"en, zh":                       EN,
		"*":                            EN,
		"zh;q=0":                       EN,
		"de, zh-CN;q=0.3, en-GB;q=0.2": ZH,
	} {
		if got := Accept(h); got != want {
			t.Errorf("Accept(%q) = %s, want %s", h, got, want)
		}
	}
}
