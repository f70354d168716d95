package notify

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// The messages people read: Chinese, short, names and not ids, a link into
// the desk. A target's notes of one window are folded into digests: in a
// meeting's group, one message per unit that has new proposals waiting for
// its answer (at most maxDigests; the rest are counted in the next one) and
// one message with everything else; for a unit, one message.

const (
	maxDigests = 20 // per-unit digests of one fold for a group
	maxLines   = 20 // lines of one message, then "…另有 N 条"
)

// textLimit is the most bytes of text a target's message holds: 企业微信
// markdown content is at most 4096 bytes; 钉钉 and 飞书 take a request body
// of about 20 KB; generic receivers get the structured lines as well.
func textLimit(t Target) int {
	switch t {
	case WeCom:
		return 4096
	case DingTalk, Feishu:
		return 16 << 10
	}
	return 32 << 10
}

// china is China Standard Time (no daylight saving time), without tzdata.
var china = time.FixedZone("CST", 8*3600)

// MeetingName is the name of an alliance's joint meeting as people say
// it: 龙华社区“1+X”党建联盟 → 龙华社区联席会; a name that already says
// 联席会 stays as it is.
func MeetingName(alliance string) string {
	if strings.HasSuffix(alliance, "联席会") {
		return alliance
	}
	n := alliance
	for _, suffix := range []string{"党建联盟", "联盟"} {
		if s, ok := strings.CutSuffix(n, suffix); ok {
			n = s
			break
		}
	}
	for _, x := range []string{"“1+X”", "\"1+X\"", "1+X"} {
		n = strings.TrimSuffix(n, x)
	}
	if n == "" {
		n = alliance
	}
	return n + "联席会"
}

// day formats a deadline: 12月5日, with the time when it is not midnight.
func day(t time.Time) string {
	c := t.In(china)
	s := fmt.Sprintf("%d月%d日", int(c.Month()), c.Day())
	if c.Hour() != 0 || c.Minute() != 0 {
		s += c.Format(" 15:04")
	}
	return s
}

// plain makes a name safe in the robots' markdown: characters that would
// start markup become their full-width forms, line breaks spaces.
var plainer = strings.NewReplacer("[", "［", "]", "］", "<", "＜", ">", "＞", "*", "＊", "`", "｀", "#", "＃", "\r\n", " ", "\n", " ", "\r", " ", "\t", " ")

func plain(s string) string { return plainer.Replace(s) }

func qty(n int64, measure string) string {
	if measure == "" {
		return fmt.Sprint(n)
	}
	return fmt.Sprintf("%d %s", n, plain(measure))
}

// pair is a claim as a line says it: 龙华社区党委「楼层党员中心户志愿者」→
// 龙洲湾中学「晚自习放学护送学生回家」2 人/晚.
func pair(c *ClaimRef) string {
	return fmt.Sprintf("%s「%s」→ %s「%s」%s", plain(c.ResourceUnitName), plain(c.ResourceTitle),
		plain(c.DemandUnitName), plain(c.DemandTitle), qty(c.Quantity, c.Measure))
}

// sentence is one line as a message says it; meeting is the message's own
// meeting (a line of another one names it).
func sentence(l *Line, meeting string) string {
	where := ""
	if l.MeetingName != "" && l.Meeting != meeting {
		where = "（" + plain(l.MeetingName) + "）"
	}
	switch l.Kind {
	case Proposed:
		s := "新的匹配建议" + where + "：" + pair(l.Claim)
		if !l.AnswerBy.IsZero() {
			s += "，请于 " + day(l.AnswerBy) + " 前答复"
		}
		return s
	case Answered:
		who := l.Claim.ResourceUnitName
		if l.Side == "demand" {
			who = l.Claim.DemandUnitName
		}
		verb := map[string]string{"accept": "同意了", "reject": "拒绝了", "withdraw": "撤回了"}[l.Answer]
		if verb == "" {
			verb = "答复了"
		}
		s := plain(who) + " " + verb + "匹配建议" + where + "：" + pair(l.Claim)
		if l.Reason != "" {
			s += "（理由：" + plain(l.Reason) + "）"
		}
		return s
	case Confirmed:
		return "认领已确认，双方都已同意" + where + "：" + pair(l.Claim)
	case Fulfilled:
		s := "认领已完成" + where + "：" + pair(l.Claim)
		if l.Claim.Agreed > l.Claim.Quantity {
			s += fmt.Sprintf("，已交付 %d / %s，其余重新匹配", l.Claim.Quantity, qty(l.Claim.Agreed, l.Claim.Measure))
		}
		return s
	case Escalated:
		to := "上级联席会"
		if l.Item.ToName != "" {
			to = plain(l.Item.ToName)
		}
		return fmt.Sprintf("未满足的需求已提交%s%s：%s「%s」缺 %s", to, where, plain(l.Item.UnitName), plain(l.Item.Title), qty(l.Item.Quantity, l.Item.Measure))
	case Reminder:
		return fmt.Sprintf("提醒%s：%s 还有 %d 条匹配建议未答复，答复截止 %s", where, plain(l.UnitName), l.Count, day(l.AnswerBy))
	case Overdue:
		return fmt.Sprintf("已逾期%s：%s 有 %d 条匹配建议已过答复截止时间（%s），请尽快答复", where, plain(l.UnitName), l.Count, day(l.AnswerBy))
	case Test:
		return "测试消息：通知已接通" + where + "。"
	}
	return string(l.Kind)
}

// draft is a message before it has its key and id.
type draft struct {
	unit  string // whose digest ("" for a group's other lines)
	title string
	lines []string
	link  string
	src   []*Line
}

// digestOf returns the per-unit digest of proposed lines for unit:
// 【龙华社区联席会】新的匹配建议：… (one) or 龙洲湾中学 有 3 条新的匹配建议待答复 (more).
func digestOf(head, meeting, unitName string, lines []*Line) (title string, text []string) {
	var due time.Time
	for _, l := range lines {
		if !l.AnswerBy.IsZero() && (due.IsZero() || l.AnswerBy.Before(due)) {
			due = l.AnswerBy
		}
	}
	if len(lines) == 1 {
		return "新的匹配建议", []string{head + sentence(lines[0], meeting)}
	}
	first := fmt.Sprintf("%s%s 有 %d 条新的匹配建议待答复", head, plain(unitName), len(lines))
	if !due.IsZero() {
		first += "，请于 " + day(due) + " 前答复"
	}
	text = []string{first + "："}
	for i, l := range lines[:min(len(lines), maxLines)] {
		text = append(text, fmt.Sprintf("%d. %s", i+1, pair(l.Claim)))
	}
	return fmt.Sprintf("%s 有 %d 条新的匹配建议", unitName, len(lines)), more(text, len(lines))
}

// listOf returns a message of several kinds of lines.
func listOf(head, meeting string, lines []*Line) (title string, text []string) {
	if len(lines) == 1 {
		return titleOf(lines[0]), []string{head + sentence(lines[0], meeting)}
	}
	text = []string{fmt.Sprintf("%s%d 条新动态：", head, len(lines))}
	for i, l := range lines[:min(len(lines), maxLines)] {
		text = append(text, fmt.Sprintf("%d. %s", i+1, sentence(l, meeting)))
	}
	return fmt.Sprintf("%d 条新动态", len(lines)), more(text, len(lines))
}

// more ends a list of the first maxLines of n lines (after its heading)
// with the count of the others.
func more(text []string, n int) []string {
	if rest := n - (len(text) - 1); rest > 0 {
		text = append(text, fmt.Sprintf("……另有 %d 条，请打开链接查看。", rest))
	}
	return text
}

func titleOf(l *Line) string {
	return map[Kind]string{Proposed: "新的匹配建议", Answered: "认领有了答复", Confirmed: "认领已确认", Fulfilled: "认领已完成",
		Escalated: "需求已提交上级", Reminder: "答复提醒", Overdue: "答复已逾期", Test: "测试消息"}[l.Kind]
}

// fold returns the messages of a target's lines of one window (in the
// order they happened), with links on base; name is the name of the
// subscription's subject (its meeting's or its unit's).
func fold(sub *Subscription, name string, lines []*Line, base string) []draft {
	meeting := sub.Alliance
	head := "【" + plain(name) + "】"
	if sub.Unit != "" {
		// A unit's own target: one message, about its own claims.
		first := lines[0]
		meeting = first.Meeting
		if first.MeetingName != "" {
			head = "【" + plain(first.MeetingName) + "】"
		} else {
			head = "【联盟清单匹配】"
		}
		link := base + "/ui/units/" + sub.Unit
		if !slices.ContainsFunc(lines, func(l *Line) bool { return l.Kind != Proposed }) {
			t, text := digestOf(head, meeting, name, lines)
			return []draft{{unit: sub.Unit, title: t, lines: text, link: link, src: lines}}
		}
		t, text := listOf(head, meeting, lines)
		return []draft{{unit: sub.Unit, title: t, lines: text, link: link, src: lines}}
	}
	var out []draft
	byUnit := map[string][]*Line{}
	unitNames := map[string]string{}
	var units []string
	var rest []*Line
	for _, l := range lines {
		if l.Kind != Proposed || len(l.Claim.Waiting) == 0 {
			rest = append(rest, l)
			continue
		}
		for _, u := range l.Claim.Waiting {
			if byUnit[u] == nil {
				units = append(units, u)
			}
			byUnit[u] = append(byUnit[u], l)
			unitNames[u] = l.Claim.ResourceUnitName
			if u == l.Claim.DemandUnit {
				unitNames[u] = l.Claim.DemandUnitName
			}
		}
	}
	var spill []string
	spilled := 0
	for i, u := range units {
		if i >= maxDigests {
			spill = append(spill, u)
			spilled += len(byUnit[u])
			continue
		}
		t, text := digestOf(head, meeting, unitNames[u], byUnit[u])
		out = append(out, draft{unit: u, title: t, lines: text, link: base + "/ui/units/" + u, src: byUnit[u]})
	}
	if len(rest) > 0 || len(spill) > 0 {
		t, text := "", []string(nil)
		if len(rest) > 0 {
			t, text = listOf(head, meeting, rest)
		} else {
			t, text = "新的匹配建议", []string{head + "新的匹配建议"}
		}
		if len(spill) > 0 {
			text = append(text, fmt.Sprintf("另有 %d 个单位的 %d 条新的匹配建议待答复，请打开会议页查看。", len(spill), spilled))
		}
		var src []*Line
		src = append(src, rest...)
		for _, u := range spill {
			src = append(src, byUnit[u]...)
		}
		out = append(out, draft{title: t, lines: text, link: base + "/ui/meetings/" + sub.Alliance, src: src})
	}
	return out
}

// fit cuts a message's lines (the first line, the heading, stays) so that
// at most maxLines are listed and its text in the target's format is at
// most limit bytes; what is cut is counted in a last line.
func fit(t Target, title string, lines []string, link string, limit int) []string {
	if len(lines) > maxLines+2 {
		cut := len(lines) - maxLines - 1
		lines = append(slices.Clone(lines[:maxLines+1]), fmt.Sprintf("……另有 %d 条，请打开链接查看。", cut))
	}
	for len(lines) > 1 && len(markdown(t, title, lines, link)) > limit {
		n := len(lines) - 1
		cut := 1
		if strings.HasPrefix(lines[n], "……另有 ") {
			fmt.Sscanf(strings.TrimPrefix(lines[n], "……另有 "), "%d", &cut)
			cut++
			n--
		}
		if n < 1 {
			break
		}
		lines = append(slices.Clone(lines[:n]), fmt.Sprintf("……另有 %d 条，请打开链接查看。", cut))
	}
	if len(lines) == 1 && len(markdown(t, title, lines, link)) > limit {
		lines = []string{truncateBytes(lines[0], limit/2)}
	}
	return lines
}

func truncateBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "……"
}

// markdown is a message's text as a robot's markdown shows it (the
// generic payload's "text" too).
func markdown(t Target, title string, lines []string, link string) string {
	var b strings.Builder
	switch t {
	case DingTalk:
		// 钉钉 markdown: a heading, paragraphs separated by blank lines.
		b.WriteString("#### " + plain(title) + "\n\n")
		b.WriteString(strings.Join(lines, "\n\n"))
		if link != "" {
			b.WriteString("\n\n[打开联盟清单匹配](" + link + ")")
		}
	default:
		b.WriteString(strings.Join(lines, "\n"))
		if link != "" {
			if t == Generic || t == Feishu {
				b.WriteString("\n" + link)
			} else {
				b.WriteString("\n[打开联盟清单匹配](" + link + ")")
			}
		}
	}
	return b.String()
}
