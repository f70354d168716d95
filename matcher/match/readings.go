package match

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/allymatch/allymatch/matcher"
)

// Two things a coordinator reads in an item's text before anything else,
// and refuses a pair on when they do not meet, however alike the rest of
// the texts: who it is for (audience), and on which days (days). Each is
// read only where the text says it; an item that says nothing meets
// everything.

// Audience groups, by age: a word of the text names one or more of them.
const (
	audInfant    uint8 = 1 << iota // 0–3
	audPreschool                   // 3–6
	audPrimary                     // 6–12
	audSecondary                   // 12–18
	audElderly                     // 60 and over
)

// audienceWords maps the words that name who an item is for to their
// groups (0: a word that only looks like one, read first so that 大学生 is
// not 学生 and 幼儿园, the place, is not 幼儿). Longest first at each
// position.
var audienceWords = []struct {
	word  string
	group uint8
}{
	{"大学生", 0}, {"幼儿园", 0}, {"老年大学", audElderly},
	{"婴幼儿", audInfant | audPreschool}, {"婴儿", audInfant},
	{"学龄前", audPreschool}, {"幼儿", audPreschool},
	{"小学生", audPrimary}, {"中学生", audSecondary}, {"初中生", audSecondary}, {"高中生", audSecondary},
	{"儿童", audInfant | audPreschool | audPrimary}, {"少儿", audPreschool | audPrimary},
	{"青少年", audPrimary | audSecondary}, {"未成年", audInfant | audPreschool | audPrimary | audSecondary},
	{"学生", audPrimary | audSecondary},
	{"老年", audElderly}, {"老人", audElderly}, {"长者", audElderly}, {"高龄", audElderly}, {"银发", audElderly},
}

// audienceOf reads the groups an item is for from its title and tags (a
// description names the unit and its people too often: 花溪小学's
// classroom is not for pupils). A group word followed by 志愿 names who
// gives (中学生志愿者), not who receives, and is skipped.
func audienceOf(title string, tags []string) uint8 {
	g := readAudience(title)
	for _, t := range tags {
		g |= readAudience(t)
	}
	return g
}

func readAudience(t string) uint8 {
	var g uint8
	for i := 0; i < len(t); {
		r, n := utf8.DecodeRuneInString(t[i:])
		if !strings.ContainsRune(audienceFirst, r) {
			i += n
			continue
		}
		best := -1
		for k, w := range audienceWords {
			if strings.HasPrefix(t[i:], w.word) && (best < 0 || len(w.word) > len(audienceWords[best].word)) {
				best = k
			}
		}
		if best < 0 {
			i += n
			continue
		}
		i += len(audienceWords[best].word)
		if !strings.HasPrefix(t[i:], "志愿") {
			g |= audienceWords[best].group
		}
	}
	return g
}

// audienceFirst holds the first characters of audienceWords.
var audienceFirst = func() string {
	var b strings.Builder
	for _, w := range audienceWords {
		r, _ := utf8.DecodeRuneInString(w.word)
		if !strings.ContainsRune(b.String(), r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}()

// audiencesMeet: either item names no group, or they share one; and a
// resource offered for points (pointsOffer) meets only a demand that
// redeems them (redeems).
func audiencesMeet(d, r *party) bool {
	if r.points && !d.points {
		return false
	}
	return d.audience == 0 || r.audience == 0 || d.audience&r.audience != 0
}

// pointsOffer reports whether a resource's title and tags offer it for
// points (道德积分兑换小面: 积分 and 兑换): it is for the residents who redeem
// the points they earned, not a gift to any demand of its kind (a
// canteen's rice and oil, a class's tea). A team that earns points (志愿积分)
// offers nothing for them.
func pointsOffer(title string, tags []string) bool {
	points := strings.Contains(title, "积分")
	exchange := strings.Contains(title, "兑换")
	for _, t := range tags {
		points = points || strings.Contains(t, "积分")
		exchange = exchange || strings.Contains(t, "兑换")
	}
	return points && exchange
}

// redeems reports whether a demand's texts speak of redeeming points:
// 积分, 兑换, or 爱心超市 (a charity supermarket, where residents take
// goods for points and love cards).
func redeems(title, description string, tags []string) bool {
	has := func(t string) bool {
		return strings.Contains(t, "积分") || strings.Contains(t, "兑换") || strings.Contains(t, "爱心超市")
	}
	if has(title) || has(description) {
		return true
	}
	for _, t := range tags {
		if has(t) {
			return true
		}
	}
	return false
}

// Days: bit k (0 Monday … 6 Sunday) for a day of the week the text names,
// and whether it names the school holidays (寒暑假, 假期 …: any day then).
const (
	weekdays uint8 = 0b0011111
	weekend  uint8 = 0b1100000
)

// dayOf returns the day of the week (0 Monday … 6 Sunday) a character
// names after 周, 星期 or 礼拜.
func dayOf(r rune) (int, bool) {
	switch r {
	case '一':
		return 0, true
	case '二':
		return 1, true
	case '三':
		return 2, true
	case '四':
		return 3, true
	case '五':
		return 4, true
	case '六':
		return 5, true
	case '日', '天':
		return 6, true
	}
	return 0, false
}

// daysOf reads the days of the week and the school holidays the texts of
// an item name: 周三, 星期六, 周一至周五, 周六日, 周一、三, 工作日, 周末,
// 双休日, 每天; 寒暑假, 寒假, 暑假, 暑期, 假期, 节假日 (the weekend and the
// holidays). 每周三次 (three times a week) names no day.
func daysOf(title, description string, tags []string) (days uint8, holidays bool) {
	read := func(t string) {
		for i := 0; i < len(t); {
			r, n := utf8.DecodeRuneInString(t[i:])
			if !strings.ContainsRune("工双周节每天寒暑假星礼", r) {
				i += n
				continue
			}
			rest := t[i:]
			switch {
			case strings.HasPrefix(rest, "工作日"):
				if strings.HasSuffix(t[:i], "非") {
					days |= weekend // 非工作日
				} else {
					days |= weekdays
				}
			case strings.HasPrefix(rest, "双休"), strings.HasPrefix(rest, "周末"):
				days |= weekend
			case strings.HasPrefix(rest, "节假日"):
				days |= weekend
				holidays = true
			case strings.HasPrefix(rest, "每天"), strings.HasPrefix(rest, "每日"), strings.HasPrefix(rest, "天天"):
				days |= weekdays | weekend
			case strings.HasPrefix(rest, "寒暑假"), strings.HasPrefix(rest, "寒假"), strings.HasPrefix(rest, "暑假"),
				strings.HasPrefix(rest, "暑期"), strings.HasPrefix(rest, "假期"):
				holidays = true
			}
			j := weekWord(t, i)
			if j < 0 {
				i += n
				continue
			}
			// 周/星期/礼拜 and then days: 三, 六日, 一至五, 一、三, 一到周五
			prev := -1
			for j < len(t) {
				r, m := utf8.DecodeRuneInString(t[j:])
				k, ok := dayOf(r)
				if !ok {
					break
				}
				if next, _ := utf8.DecodeRuneInString(t[j+m:]); k != 6 && strings.ContainsRune("次回遍趟天节", next) {
					break // 每周三次: a frequency
				}
				if prev >= 0 {
					for x := prev; x != k; x = (x + 1) % 7 {
						days |= 1 << x
					}
				}
				days |= 1 << k
				prev = -1
				j += m
				if next, m := utf8.DecodeRuneInString(t[j:]); strings.ContainsRune("至到-~－—", next) {
					prev = k
					j += m
				} else if strings.ContainsRune("、和及与/", next) {
					j += m
				}
				if w := weekWord(t, j); w > 0 {
					j = w
				}
			}
			i = max(i+n, j)
		}
	}
	read(title)
	read(description)
	for _, t := range tags {
		read(t)
	}
	return days, holidays
}

// weekWord returns the index after 周, 星期 or 礼拜 at t[i:] when a day
// follows (周末 is read on its own), or -1.
func weekWord(t string, i int) int {
	for _, w := range [...]string{"星期", "礼拜", "周"} {
		if strings.HasPrefix(t[i:], w) {
			if r, _ := utf8.DecodeRuneInString(t[i+len(w):]); r != utf8.RuneError {
				if _, ok := dayOf(r); ok {
					return i + len(w)
				}
			}
		}
	}
	return -1
}

// daysMeet: either item names no day, or they name a common day of the
// week, or one names the school holidays and the other's windows reach
// into them.
func daysMeet(d, r *party) bool {
	if (d.days == 0 && !d.holidays) || (r.days == 0 && !r.holidays) {
		return true
	}
	if d.days&r.days != 0 || (d.holidays && r.holidays) {
		return true
	}
	return (r.holidays && inHolidays(d.item.Windows)) || (d.holidays && inHolidays(r.item.Windows))
}

// inHolidays reports whether some window reaches into the school holidays
// (winter, 15 January to the end of February; summer, July and August, in
// China time); no windows, or an open end, reach them.
func inHolidays(ws []matcher.Window) bool {
	if len(ws) == 0 {
		return true
	}
	for _, w := range ws {
		if w.To.IsZero() {
			return true
		}
		from, to := w.From.In(chinaTime), w.To.In(chinaTime)
		for y := from.Year() - 1; y <= to.Year(); y++ {
			for _, h := range [][2]time.Time{
				{time.Date(y, 1, 15, 0, 0, 0, 0, chinaTime), time.Date(y, 3, 1, 0, 0, 0, 0, chinaTime)},
				{time.Date(y, 7, 1, 0, 0, 0, 0, chinaTime), time.Date(y, 9, 1, 0, 0, 0, 0, chinaTime)},
			} {
				if from.Before(h[1]) && to.After(h[0]) {
					return true
				}
			}
		}
	}
	return false
}

// chinaTime is UTC+8, the time of the holidays.
var chinaTime = time.FixedZone("CST", 8*3600)
