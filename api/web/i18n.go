package web

import (
	"fmt"
	"html/template"
	"io/fs"
	"maps"
	"strings"
)

// Lang is one language of the pages: every user-visible text is a message
// key looked up here. zh-CN is the default.
type Lang struct {
	Code string
	msgs map[string]string
}

// T returns the message of key in l, formatted with args (fmt verbs); an
// unknown key is returned as it is, so that a missing text shows.
func (l *Lang) T(key string, args ...any) string {
	m, ok := l.msgs[key]
	if !ok {
		return key
	}
	if len(args) > 0 {
		return fmt.Sprintf(m, args...)
	}
	return m
}

// Has reports whether l has key.
func (l *Lang) Has(key string) bool { _, ok := l.msgs[key]; return ok }

// HTMLLang is the lang attribute of the page.
func (l *Lang) HTMLLang() string {
	if l.Code == "en" {
		return "en"
	}
	return "zh-CN"
}

var (
	langZH = &Lang{Code: "zh", msgs: zh}
	langEN = &Lang{Code: "en", msgs: en}
)

// langOf returns the language of a code: "en" or else zh-CN.
func langOf(code string) *Lang {
	if strings.HasPrefix(strings.ToLower(code), "en") {
		return langEN
	}
	return langZH
}

func parseTemplates() map[string]*template.Template {
	funcs := template.FuncMap{
		"dict": func(kv ...any) map[string]any {
			m := map[string]any{}
			for i := 0; i+1 < len(kv); i += 2 {
				m[kv[i].(string)] = kv[i+1]
			}
			return m
		},
		"sub":  func(a, b int) int { return a - b },
		"addf": func(a int, b float64) float64 { return float64(a) + b },
	}
	base := template.Must(template.New("").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/claims.html"))
	pages := map[string]*template.Template{}
	files, _ := fs.Glob(templateFS, "templates/*.html")
	for _, f := range files {
		name := strings.TrimSuffix(strings.TrimPrefix(f, "templates/"), ".html")
		if name == "layout" || name == "claims" {
			continue
		}
		pages[name] = template.Must(template.Must(base.Clone()).ParseFS(templateFS, f))
	}
	return pages
}

var zh = map[string]string{
	"app.name": "联盟清单匹配", "list.sep": "、",
	"nav.home": "首页", "nav.logout": "退出", "nav.agenda": "会议议程（打印）", "nav.report": "统计报告", "nav.map": "地图",
	"nav.import": "导入表格", "nav.dashboard": "返回会议",
	"role.admin": "管理员", "role.coordinator": "联席会协调人", "role.unit": "成员单位", "role.system": "系统",
	"login.title": "登录", "login.token": "访问令牌", "login.hint": "供脚本或管理员使用的令牌（am_ 开头）。登录后浏览器只保存会话，不保存令牌。", "login.submit": "登录",
	"login.code": "登录码", "login.code.hint": "请输入联席会发给本单位的 8 位登录码（如 ABCD-EFGH），或扫描登录条上的二维码。登录码只能用一次，72 小时内有效。",
	"login.withtoken": "用访问令牌登录", "login.slowdown": "尝试次数过多，请一分钟后再试。",
	"msg.badcode":  "登录码无效、已用过或已过期，请向联席会负责人重新领取。",
	"msg.badtoken": "令牌无效，请检查后重试。", "msg.expired": "登录已失效，请重新登录。", "msg.loggedout": "已退出。",
	"msg.proposed": "已生成匹配建议。", "msg.accepted": "已同意。", "msg.rejected": "已拒绝。",
	"home.title": "联席会议", "home.none": "没有可管理的会议。",
	"level.community": "社区", "level.street": "街道", "level.district": "区",
	"meeting.parent": "上级联席会", "meeting.mode": "匹配目标", "mode.welfare": "总体得分最高", "mode.coverage": "优先满足更多需求", "mode.stable": "双向稳定匹配",
	"meeting.propose": "生成匹配建议", "meeting.propose.hint": "重新生成会替换尚未答复的建议；已确认的认领保持不变。",
	"meeting.proposed": "待确认的匹配建议", "meeting.noproposals": "暂无待确认的建议。", "meeting.confirmed": "已确认的认领", "meeting.noconfirmed": "暂无已确认的认领。",
	"meeting.unmet": "未满足的需求", "meeting.unmet.hint": "按当前清单重新匹配时仍无法满足的需求及原因。", "meeting.closed": "已拒绝或撤回",
	"export":       "导出",
	"col.resource": "资源方", "col.demand": "需求方", "col.quantity": "数量", "col.score": "得分与理由", "col.status": "状态", "col.need": "缺口",
	"col.why": "原因", "col.proposed": "已建议", "col.id": "编号", "col.title": "名称", "col.category": "类别", "col.priority": "优先级",
	"side.resource": "资源方", "side.demand": "需求方",
	"claim.accept": "同意", "claim.reject": "拒绝", "claim.reason": "拒绝理由（可选）", "claim.accepted": "已同意",
	"status.proposed": "待确认", "status.confirmed": "已确认", "status.fulfilled": "已完成", "status.rejected": "已拒绝", "status.withdrawn": "已撤回", "status.expired": "已过期",
	"item.open": "开放", "item.paused": "暂停", "item.closed": "关闭", "kind.demand": "需求", "kind.resource": "资源",
	"project.planned": "筹备中", "project.running": "进行中", "project.done": "已完成", "project.dropped": "已取消",
	"why.distance": "距离%s公里", "why.samegrid": "同一红色网格", "why.neargrid": "相邻红色网格", "why.tags.close": "标签相近", "why.tags.some": "标签部分相近",
	"why.prio.high": "优先级高", "why.prio.mid": "优先级中", "why.prio.low": "优先级低", "why.time.full": "时间完全吻合", "why.time.most": "时间大部分重叠", "why.time.part": "时间部分重叠",
	"why.aff.same": "同一联盟", "why.aff.street": "同一街道", "why.aff.far": "跨街道", "why.history": "以往合作%d次",
	"unmet.no_resource": "本级范围内没有“%s”类的开放资源", "unmet.outcompeted": "有%d个候选资源，但已分配给得分更高的需求", "unmet.project_blocked": "所属项目的必需环节“%s”无法满足，项目暂不启动",
	"unmet.no_candidate": "附近没有符合条件的资源", "unmet.no_candidate_rules": "附近资源不符合条件：%s",
	"rule.category": "%d个类别不符", "rule.same_unit": "%d个属于同一单位", "rule.quantity": "%d个已无余量", "rule.distance": "%d个超出服务半径", "rule.grid": "%d个不在相邻网格", "rule.window": "%d个时间不重叠", "rule.rejected": "%d个曾被拒绝",
	"unit.waiting": "等待本单位答复的认领", "unit.nowaiting": "没有等待答复的认领。", "unit.yourside": "本单位是", "unit.others": "本单位已同意、等待对方答复",
	"unit.demands": "需求清单", "unit.resources": "资源清单", "unit.projects": "项目清单", "grid": "红色网格", "grid.none": "未划网格",
	"report.need": "需求量", "report.met": "已满足（已确认）", "report.bycategory": "按类别", "report.bygrid": "按红色网格", "report.byunit": "按单位", "report.claims": "认领状态",
	"report.total": "合计", "report.total.line": "已满足 %d / 需求 %d（%d%%）",
	"map.unit": "成员单位", "map.grid": "红色网格", "map.confirmed": "已确认认领", "map.proposed": "待确认建议", "map.hint": "按 WGS-84 经纬度绘制的示意图，不是测绘地图。", "map.missing": "无坐标的单位",
	"agenda.title": "联席会议议程", "agenda.print": "用浏览器的“打印”可打印或存为 PDF（A4）。", "agenda.date": "日期", "agenda.place": "地点", "agenda.chair": "主持人",
	"agenda.part1": "一、待确认的匹配建议（%d项，按单位列出）", "agenda.part2": "二、未满足的需求（%d项）", "agenda.part3": "三、签字确认",
	"agenda.role": "本单位角色", "agenda.decision": "会议决定", "agenda.next": "处理", "agenda.escalate": "提交上级联席会", "agenda.keep": "下次再议",
	"agenda.unit": "单位", "agenda.signature": "签字", "agenda.signdate": "日期", "agenda.coordinator": "联席会协调人",
	"import.template": "下载导入模板（.xlsx）", "import.file": "表格文件（.xlsx 或 .csv）", "import.kind": "CSV 内容", "import.kind.auto": "按文件名判断",
	"import.check": "检查（不保存）", "import.hint": "先检查：列出每一行的问题和可能的重复，确认后才保存；保存时全部成功或全部不保存。CSV 可为 UTF-8（含或不含 BOM）或 GBK，表头中英文均可。",
	"import.problems": "发现 %d 个问题", "import.nothing": "没有保存任何数据。请修改表格后重新上传。", "import.where": "位置（文件:行:列）", "import.record": "记录", "import.field": "字段", "import.problem": "问题",
	"import.dups": "可能重复（%d）", "import.dup.file": "%s：%s 与本文件中的 %s 单位、名称、类别相同（%s）", "import.dup.stored": "%s：%s 与已有的 %s 单位、名称、类别相同（%s）",
	"import.preview": "预览：%s", "import.units": "成员单位 %d 个", "import.items": "清单条目 %d 条", "import.projects": "项目 %d 个",
	"import.commit": "确认导入", "import.allornothing": "全部成功或全部不保存。", "import.done": "已导入 %d 条记录（%s）。",
	"import.toolarge": "文件超过 %d MiB。", "import.nofile": "请选择一个文件。", "import.expired": "预览已过期，请重新上传。",
	"csv.demands": "需求清单", "csv.resources": "资源清单", "csv.items": "清单（含类型列）", "csv.projects": "项目清单", "csv.units": "成员单位",
	"export.proposals": "匹配建议", "export.claims": "认领", "export.unmet": "未满足需求", "export.report": "统计报告",
	"export.claims.header": "认领编号|资源编号|资源|资源方|需求编号|需求|需求方|类别|数量|计量单位|得分|理由|状态|已同意方",
	"export.unmet.header":  "需求编号|需求|单位|类别|缺口|本次建议|计量单位|原因",
	"export.report.header": "维度|编号|名称|需求量|已满足|满足率",
	"err.title":            "出错了", "err.notfound": "找不到该页面，或您无权查看。", "err.http": "请求无法处理。", "err.internal": "服务器内部错误，请稍后再试。",
	"err.loading": "数据正在加载，请稍候。", "err.csrf": "表单已失效，请刷新页面后重试。", "err.invalid": "输入有误。", "err.not_found": "找不到该记录。",
	"err.conflict": "操作与当前状态冲突（可能已被他人处理），请刷新后重试。", "err.forbidden": "您无权进行此操作。",
	// What-if, scenarios and why-not.
	"whatif.title": "假如……（推演，不改动现有清单）", "whatif.hint": "在清单的私有副本上试改几项，重新匹配，并与当前方案逐项比较；确认后可一键应用到现有清单。",
	"whatif.qty": "修改数量", "whatif.newqty": "新数量", "whatif.radius": "修改服务半径", "whatif.newradius": "新半径（公里）", "whatif.remove": "移除成员单位（其条目全部关闭）",
	"whatif.settings": "匹配目标与权重", "whatif.weights": "权重（0–100）", "whatif.run": "推演并比较",
	"whatif.number": "请输入数字", "whatif.whole": "请输入整数", "whatif.noedit": "请至少选择一项修改（或改变匹配目标、权重）。",
	"whatif.field.qty": "数量", "whatif.field.radius": "服务半径", "whatif.field.remove_unit": "移除单位", "whatif.field.mode": "匹配目标", "whatif.field.weights": "权重",
	"whatif.field.w_proximity": "距离权重", "whatif.field.w_tags": "标签权重", "whatif.field.w_priority": "优先级权重", "whatif.field.w_time": "时间权重", "whatif.field.w_affinity": "联盟关系权重", "whatif.field.w_history": "合作历史权重",
	"term.proximity": "距离", "term.tags": "标签", "term.priority": "优先级", "term.time": "时间", "term.affinity": "联盟关系", "term.history": "合作历史",
	"edit.set_quantity": "将 %s 的数量改为 %d", "edit.set_radius": "将 %s 的服务半径改为 %s 公里", "edit.remove_unit": "移除成员单位 %s",
	"edit.add_unit": "新增成员单位 %s", "edit.add_item": "新增条目 %s", "edit.remove_item": "关闭条目 %s", "edit.set_window": "修改 %s 的时间",
	"edit.drop_from_alliance": "%s 退出 %s", "edit.set_mode": "匹配目标改为“%s”", "edit.set_weights": "权重改为 %s",
	"edit.set_unit": "修改成员单位 %s", "edit.set_item": "修改条目 %s", "edit.add_project": "新增项目 %s",
	"edit.set_project_status": "项目 %s 状态改为 %s", "edit.remove_project": "撤销项目 %s",
	"change.newly_met": "新得到满足", "change.newly_unmet": "不再得到满足", "change.moved": "改由其他资源满足", "change.quantity_changed": "满足数量变化", "change.score_changed": "得分变化", "change.unit_moved": "（换了提供单位）",
	"scenario.title": "推演结果", "scenario.edits": "修改内容", "scenario.fork": "基于清单状态 #%d。", "scenario.stale": "此后清单已有变动，不能直接应用，请重新推演。",
	"scenario.conflict": "推演基于清单状态 #%d，现在已是 #%d：期间有以下变动，未应用任何修改。", "scenario.hidden": "另有 %d 项您无权查看的变动。", "scenario.refork": "请回到会议页面重新推演。",
	"event.seq": "序号", "event.time": "时间", "event.actor": "操作者", "event.action": "操作", "event.changes": "涉及记录",
	"scenario.totals": "总体比较", "scenario.live": "当前方案", "scenario.after": "推演方案", "scenario.delta": "变化",
	"scenario.met": "满足数量 / 需求量", "scenario.welfare": "总得分", "scenario.units": "参与单位数", "scenario.priority": "优先级 %d 满足数量",
	"scenario.demands": "需求变化", "scenario.change": "变化", "scenario.metcol": "满足数量", "scenario.nochange": "没有需求的匹配发生变化。",
	"scenario.unitchanges": "各单位得失", "scenario.gained": "新增的认领", "scenario.lost": "失去的认领",
	"scenario.apply": "应用到现有清单", "scenario.apply.hint": "仅当推演以来清单没有变动时才会应用；应用后请重新生成匹配建议。", "scenario.applied": "已应用（清单状态 #%d）。",
	"msg.applied": "推演的修改已应用到清单。",
	"whynot.link": "为什么？怎样能满足？", "whynot.title": "为什么未能满足", "whynot.meeting": "所在联席会：", "whynot.need": "缺口 %d%s，当前方案给 %d%s",
	"whynot.fixes": "可行的单项调整", "whynot.fixes.hint": "每项调整都已在清单副本上重新匹配验证，按调整幅度从小到大排列。", "whynot.nofix": "没有找到单项调整能让它得到满足。",
	"whynot.candidates": "附近的资源", "whynot.distance": "距离", "whynot.remaining": "余量", "whynot.rules": "不能匹配的原因（全部列出）", "whynot.plan": "当前方案",
	"whynot.km": "%s公里", "whynot.eligible": "符合条件", "whynot.planned": "分给本需求 %d", "whynot.elsewhere": "分给其他需求 %d", "whynot.nocandidates": "附近没有资源。", "whynot.hidden": "另有 %d 项涉及您无权查看的单位，未列出。",
	"wn.status.met": "已满足", "wn.status.partly_met": "部分满足", "wn.status.unmet": "未满足", "wn.status.held": "已由认领满足", "wn.status.not_open": "未开放",
	"wn.reason.no_candidate": "附近资源都不符合条件", "wn.reason.no_resource": "本级范围内没有同类开放资源", "wn.reason.outcompeted": "候选资源已分配给得分更高的需求", "wn.reason.project_blocked": "所属项目的必需环节无法满足",
	"wn.rule.category": "类别不符", "wn.rule.same_unit": "属于同一单位", "wn.rule.quantity": "已无余量", "wn.rule.distance": "超出服务半径", "wn.rule.grid": "不在同一或相邻红色网格",
	"wn.rule.window": "时间不重叠", "wn.rule.rejected": "此前被拒绝过", "wn.rule.scope": "不在本联席会范围内", "wn.rule.level": "属于其他层级的联席会", "wn.rule.status": "资源未开放（暂停或关闭）",
	"fix.widen_radius": "把 %s 的服务半径从 %s 公里扩大到 %s 公里（增加 %s 公里）", "fix.add_quantity": "给 %s 增加 %s（%s → %s）",
	"fix.extend_window": "把 %s 的时间延长 %s 天", "fix.escalate": "提交 %s（%s级）",
	"fix.verified": "：重新匹配 %s 后可得 %d%s（增加 %d）。",
	// logins, codes and slips
	"nav.logins":   "登录与登录码",
	"logins.title": "登录管理", "logins.who": "单位", "logins.have": "现有登录", "logins.none": "尚无登录",
	"logins.makecode": "生成登录码", "logins.revoke": "撤销", "logins.created": "创建", "logins.used": "最近使用", "logins.expires": "到期",
	"logins.new": "%s 的登录码", "logins.qr": "登录二维码", "logins.new.hint": "登录码只显示这一次，只能使用一次，%s 前有效。请抄下或打印后交给该单位。",
	"logins.slips": "打印登录条", "logins.slips.hint": "为本联盟尚无登录的每个成员单位生成登录码，打印成 A4 登录条，在联席会上分发。",
	"logins.slips.all": "为所有单位重新生成（已有的登录仍然有效）",
	"login.kind.token": "访问令牌", "login.kind.session": "已登录的浏览器", "login.kind.code": "未使用的登录码",
	"slips.title": "登录条", "slips.none": "本联盟的成员单位都已有登录，无需打印登录条。",
	"slips.how":   "用手机扫描二维码，或打开联席会网址的登录页输入登录码。登录码只能使用一次，%s 前有效。",
	"msg.revoked": "已撤销该登录。",
	// lists and hand claims: the domain's problems beside the form fields.
	"fe.required": "必填", "fe.utf8": "含有无法识别的字符", "fe.toolong": "不能超过 %s 个字", "fe.badid": "“%s”不是有效的编号（1–128 个字母、数字或 . _ : -）",
	"fe.between": "须在 %s 到 %s 之间（现为 %s）", "fe.tags": "标签不能超过 %s 个", "fe.windows": "时间段不能超过 %s 个", "fe.after": "结束须晚于开始",
	"fe.category": "没有“%s”这个类别", "fe.slotkind": "只有需求才能作为项目的环节", "fe.optional": "只有项目的环节才能设为可选", "fe.noproject": "本单位没有项目“%s”",
	"fe.status": "状态“%s”无效", "fe.kind": "清单类型“%s”无效", "fe.level": "层级“%s”无效", "fe.exists": "编号“%s”已被使用，请换一个",
	"fe.overclaimed": "“%s”已确认的认领占用了 %s，数量不能少于它（现为 %s）",
	"fe.left":        "%s 只剩 %s，不够认领 %s", "fe.ownitem": "不能认领本单位自己的条目", "fe.incompatible": "资源的类别满足不了这项需求的类别", "fe.bothopen": "双方的条目都须处于开放状态",
	"fe.rejectedpair": "这两项此前被拒绝过（认领 %s）", "fe.noitem": "没有条目“%s”，或您无权查看", "fe.wrongkind": "条目“%s”的清单类型不对", "fe.nomeeting": "没有联席会“%s”，或您无权查看",
	"fe.meetingholds": "该联席会的范围不包含条目 %s 所属的单位", "fe.sidescope": "这一方的单位不在您的管辖范围内，请由它自己或它的协调人答复", "fe.side": "请说明记录的是资源方还是需求方的答复",
	"fe.other": "输入有误：%s", "fe.colon": "：",
	"fe.field.id": "编号", "fe.field.unit": "单位", "fe.field.kind": "清单类型", "fe.field.category": "类别", "fe.field.title": "名称", "fe.field.description": "说明",
	"fe.field.tags": "标签", "fe.field.quantity": "数量", "fe.field.measure": "计量单位", "fe.field.windows": "时间段", "fe.field.location": "位置", "fe.field.radius_km": "服务半径",
	"fe.field.priority": "优先级", "fe.field.status": "状态", "fe.field.level": "层级", "fe.field.project": "所属项目", "fe.field.optional": "可选", "fe.field.name": "项目名称",
	"fe.field.resource": "资源", "fe.field.demand": "需求", "fe.field.meeting": "联席会", "fe.field.side": "答复方",
	// lists and hand claims: a unit's lists.
	"lists.tally": "共 %d%s：已确认 %d，已提议 %d，尚余 %d", "lists.anytime": "任何时间", "lists.window": "%s 至 %s", "lists.window.open": "%s 起",
	"lists.new.demand": "新增需求", "lists.new.resource": "新增资源", "lists.new.project": "新增项目", "lists.edit.demand": "编辑需求", "lists.edit.resource": "编辑资源",
	"lists.add.demand": "新增需求", "lists.add.resource": "新增资源", "lists.add.project": "新增项目",
	"lists.back.unit": "返回%s", "lists.slot.of": "项目：%s", "lists.level": "层级", "lists.windows": "时间", "lists.actions": "操作",
	"lists.pause": "暂停", "lists.reopen": "重新开放", "lists.close": "关闭", "lists.delete": "删除", "lists.delete.hint": "已有认领，不能删除，只能关闭。",
	"lists.claims": "这一项的认领", "lists.noclaims": "还没有认领。",
	"lists.nodemands": "需求清单还是空的。", "lists.noresources": "资源清单还是空的。", "lists.noprojects": "项目清单还是空的。", "lists.noslots": "还没有环节。",
	"lists.slots": "项目环节", "lists.slot": "环节", "lists.slot.required": "必需", "lists.slot.optional": "可选", "lists.addslot": "添加环节",
	"lists.slots.hint":          "每个环节是一项需求；必需环节都满足了，项目才能启动，可选环节不影响启动。",
	"lists.project.delete.hint": "有环节的项目不能删除；不再做可把状态改为“已取消”。", "lists.project.new.hint": "保存后在项目页面添加环节。",
	"lists.err.int": "请填写整数", "lists.err.number": "请填写数字", "lists.err.latlon": "纬度和经度要么都填，要么都不填", "lists.err.time": "请选择日期和时间",
	"lists.err.windows": "有时间填写有误", "lists.err.noclear": "已填的位置不能在这里清空（改用本单位的位置），请保留坐标",
	"f.errors": "请改正标出的内容后再保存。", "f.id": "编号", "f.id.hint": "字母、数字或 . _ : -，保存后不能更改；已为您拟好一个。", "f.category": "类别",
	"f.title": "名称", "f.description": "说明", "f.tags": "标签", "f.tags.hint": "多个标签用“；”或“、”分隔", "f.quantity": "数量", "f.measure": "计量单位", "f.measure.hint": "如 人次、小时、场、份",
	"f.windows": "时间段", "f.windows.hint": "北京时间；结束可不填（长期有效）；不填时间段表示任何时间；空行不保存。", "f.from": "开始", "f.to": "结束", "f.addrow": "添加一行",
	"f.location": "位置", "f.lat": "纬度", "f.lon": "经度", "f.location.unit": "不填则使用本单位的位置（纬度 %s，经度 %s）。", "f.location.nounit": "不填则使用本单位的位置（本单位没有坐标，按红色网格匹配）。",
	"f.radius": "服务半径（公里）", "f.radius.hint": "0 或不填：只在同一或相邻红色网格内匹配", "f.priority": "优先级", "f.project": "所属项目", "f.project.none": "不属于项目",
	"f.optional": "可选环节（项目没有它也能启动）", "f.save": "保存", "f.create": "添加", "f.name": "项目名称",
	"prio.1": "低", "prio.2": "较低", "prio.3": "一般", "prio.4": "较高", "prio.5": "紧急",
	"msg.itemadded": "已添加。", "msg.itemsaved": "已保存。", "msg.itempaused": "已暂停，暂不参与匹配。", "msg.itemreopened": "已重新开放。", "msg.itemclosed": "已关闭。", "msg.itemdeleted": "已删除。",
	"msg.projectadded": "项目已添加，请添加它的环节。", "msg.projectsaved": "项目已保存。", "msg.projectdeleted": "项目已删除。", "msg.slotadded": "环节已添加。",
	// lists and hand claims: claims by hand.
	"msg.claimed": "认领已提交，等待对方答复。", "lists.browse": "认领其他单位的清单", "lists.claimfor.demand": "为它申请资源", "lists.claimfor.resource": "用它认领需求", "lists.claim.details": "详情",
	"browse.title": "可认领的清单", "browse.for.demand": "为本单位的需求“%s”查找能满足它的资源。", "browse.for.resource": "为本单位的资源“%s”查找它能满足的需求。", "browse.clearfor": "查看全部",
	"browse.q": "搜索", "browse.q.hint": "名称、说明、标签或单位", "browse.cat.all": "全部类别", "browse.kind": "清单", "browse.kind.all": "需求和资源",
	"browse.kind.demand": "需求（用本单位的资源认领）", "browse.kind.resource": "资源（为本单位的需求申请）", "browse.search": "查找", "browse.count": "共 %d 项，第 %d/%d 页",
	"browse.unit": "单位", "browse.claim.demand": "认领", "browse.claim.resource": "申请", "browse.none": "没有符合条件的开放条目。", "browse.prev": "上一页", "browse.next": "下一页",
	"hc.title.demand": "认领需求", "hc.title.resource": "申请资源", "hc.option": "%s（%s，尚余 %d%s）", "hc.mine.demand": "用本单位的哪项资源认领", "hc.mine.resource": "为本单位的哪项需求申请",
	"hc.quantity": "数量", "hc.quantity.in": "数量（%s）", "hc.meeting": "在哪个联席会上", "hc.meeting.none": "不指定", "hc.meeting.hint": "选了联席会，协调人会在该会上看到这项认领。",
	"hc.submit": "提交", "hc.hint": "提交即代表本单位同意，等对方接受或拒绝；双方都同意后才算确认。",
	"hc.none.demand": "本单位没有能满足这项需求的开放资源（类别相符且有余量）。", "hc.none.resource": "本单位没有这项资源能满足的开放需求（类别相符且有余量）。",
	"hc.add.demand": "新增一项资源", "hc.add.resource": "新增一项需求", "hc.err.mine": "请从列表中选择本单位的一项",
	"origin.proposed": "匹配建议", "origin.resource": "资源方认领", "origin.demand": "需求方认领",
	"cl.title": "认领 %s", "cl.origin": "来源", "cl.meeting": "联席会", "cl.accepted": "已同意", "cl.reason": "理由",
	"cl.yours": "本单位的答复（%s）", "cl.record": "记录%s（%s）在会上的答复", "cl.nothing": "没有需要您答复的。",
	// the meeting's steps: deadlines, who has not answered, escalation, delivery
	"meeting.answerby": "答复截止（可选）", "meeting.waiting": "谁还没答复", "meeting.waiting.n": "待答复", "meeting.waiting.since": "最早的始于",
	"meeting.deadline": "答复截止", "meeting.deadline.set": "设定截止时间", "meeting.deadline.move": "修改截止时间",
	"meeting.overdue.n": "%d 条已逾期", "meeting.allanswered": "所有建议都已答复。",
	"meeting.slot.whole": "项目环节：整个项目一起上报", "meeting.escalate": "把勾选的提交%s",
	"meeting.escalate.hint": "勾选联席会决定上报的未满足需求；项目的一个环节会带着整个项目一起上报。上报后在上级会议认领前，可在该需求页面收回。",
	"unit.overdue":          "已逾期，截止", "unit.answerby": "请于此前答复：",
	"cl.agreed": "约定数量", "cl.delivered": "实际交付 %d %s", "cl.fulfil": "登记完成（交付）", "cl.fulfil.quantity": "实际交付数量（%s）",
	"cl.fulfil.hint": "交付不足 %d 时，余下的数量退回双方清单，下次匹配可再安排。",
	"cl.withdraw":    "撤回认领", "cl.withdraw.side": "代哪一方撤回", "cl.withdraw.for": "%s（%s）",
	"item.return":  "从上级收回",
	"msg.deadline": "已设定答复截止时间。", "msg.escalated": "已提交上级联席会。", "msg.escalated.projects": "已提交上级联席会（项目整体上报）。",
	"msg.fulfilled": "已登记完成。", "msg.withdrawn": "已撤回。", "msg.returned": "已收回到本级联席会。",
	"fe.esc.waiting": "建议 %s 待答复：答复后（或下次匹配替换后）才能上报 %s", "fe.esc.slotwaiting": "项目 %[2]s 的环节 %[1]s 有建议 %[3]s 待答复；项目须整体上报，请先答复",
	"fe.esc.projectover": "项目 %s 已完成或已放弃，不再匹配", "fe.esc.projectmet": "项目 %s 在本级没有未满足的环节", "fe.esc.met": "%s 已全部满足（%s / %s）",
	"fe.esc.level": "%s 不在本级联席会", "fe.esc.notopen": "%s 已暂停或关闭，只有开放的需求可以上报", "fe.esc.none": "请勾选要提交上级联席会的未满足需求",
	"fe.fulfil.quantity": "交付数量须在 1 到 %s 之间（填的是 %s）", "fe.fulfil.notconfirmed": "认领 %s 现为“%s”，只有双方都已同意的认领才能登记完成", "fe.sep": "；",
	// notifications (issue 12): a meeting's or a unit's webhooks, the live page
	"nav.webhooks": "群机器人与通知", "wh.title": "群机器人与通知", "wh.off": "本服务器未开启通知。", "wh.back.unit": "返回本单位",
	"wh.hint.meeting": "把联席会的企业微信、钉钉或飞书群机器人接进来：新的匹配建议（每个单位一条汇总）、答复、确认、完成、上报和答复截止提醒会发到群里。也可以填任何接收 HTTP POST 的地址（签名按 Standard Webhooks）。",
	"wh.hint.unit":    "本单位的群机器人或接收地址：只发与本单位有关的认领。",
	"wh.secret.new":   "签名密钥（只显示这一次）", "wh.secret.hint": "请复制保存：接收方用它验证 webhook-signature。之后不会再显示。",
	"wh.add": "接入群机器人", "wh.add.submit": "接入", "wh.field.kind": "类型", "wh.field.url": "Webhook 地址", "wh.field.secret": "签名密钥（可选）",
	"wh.field.events": "通知哪些事", "wh.field.alliance": "联席会", "wh.field.unit": "单位", "wh.field.body": "表单",
	"wh.secret.field.hint": "钉钉“加签”或飞书“签名校验”的密钥；企业微信不填；通用地址不填时自动生成。",
	"wh.kind.wecom":        "企业微信群机器人", "wh.kind.dingtalk": "钉钉群机器人", "wh.kind.feishu": "飞书群机器人", "wh.kind.generic": "通用 Webhook（签名 JSON）",
	"wh.event.proposed": "新的匹配建议", "wh.event.answered": "答复（同意、拒绝、撤回）", "wh.event.confirmed": "双方确认", "wh.event.fulfilled": "完成交付",
	"wh.event.escalated": "上报上级", "wh.event.reminder": "截止前提醒", "wh.event.overdue": "逾期提醒",
	"wh.list": "已接入", "wh.none": "还没有接入群机器人。", "wh.signed": "已设签名", "wh.created": "接入于 %s", "wh.pending": "%d 条待发送", "wh.dead.n": "%d 条发送失败",
	"wh.test": "发送测试消息", "wh.delete": "删除", "wh.retry": "重新发送", "wh.retry.all": "全部重新发送（%d 条）", "wh.nodeliveries": "还没有发送过消息。",
	"wh.col.time": "时间", "wh.col.message": "消息", "wh.col.attempts": "尝试次数",
	"wh.status.pending": "待发送", "wh.status.delivered": "已送达", "wh.status.dead": "发送失败",
	"wh.err.noevents": "请至少勾选一类通知",
	"msg.wh.added":    "已接入，可以发送一条测试消息试试。", "msg.wh.tested": "测试消息已排队发送。", "msg.wh.deleted": "已删除。", "msg.wh.retried": "已重新排队发送。",
}

var en = map[string]string{
	"app.name": "Alliance list matching", "list.sep": ", ",
	"nav.home": "Home", "nav.logout": "Log out", "nav.agenda": "Meeting agenda (print)", "nav.report": "Report", "nav.map": "Map",
	"nav.import": "Import spreadsheet", "nav.dashboard": "Back to the meeting",
	"role.admin": "Admin", "role.coordinator": "Coordinator", "role.unit": "Unit", "role.system": "System",
	"login.title": "Log in", "login.token": "Access token", "login.hint": "A token for scripts or administrators (it starts with am_). After logging in, the browser keeps only a session, not the token.", "login.submit": "Log in",
	"login.code": "Login code", "login.code.hint": "Enter the 8-letter login code the joint meeting gave your unit (like ABCD-EFGH), or scan the QR code on the login slip. A code works once, for 72 hours.",
	"login.withtoken": "Log in with an access token", "login.slowdown": "Too many attempts; try again in a minute.",
	"msg.badcode":  "That login code is not valid, was used already or has expired; ask the meeting's coordinator for a new one.",
	"msg.badtoken": "That token is not valid.", "msg.expired": "Your session has ended; log in again.", "msg.loggedout": "Logged out.",
	"msg.proposed": "Proposals made.", "msg.accepted": "Accepted.", "msg.rejected": "Rejected.",
	"home.title": "Joint meetings", "home.none": "No meeting to run.",
	"level.community": "community", "level.street": "street", "level.district": "district",
	"meeting.parent": "Meeting above", "meeting.mode": "Objective", "mode.welfare": "Highest total score", "mode.coverage": "Meet the most demand", "mode.stable": "Stable two-sided matching",
	"meeting.propose": "Make proposals", "meeting.propose.hint": "Making proposals again replaces unanswered ones; confirmed claims stay.",
	"meeting.proposed": "Proposals to confirm", "meeting.noproposals": "No proposals waiting.", "meeting.confirmed": "Confirmed claims", "meeting.noconfirmed": "No confirmed claims yet.",
	"meeting.unmet": "Unmet demands", "meeting.unmet.hint": "Demands a new match on the current lists cannot meet, and why.", "meeting.closed": "Rejected or withdrawn",
	"export":       "Export",
	"col.resource": "Resource side", "col.demand": "Demand side", "col.quantity": "Quantity", "col.score": "Score and why", "col.status": "Status", "col.need": "Still needed",
	"col.why": "Why", "col.proposed": "proposed", "col.id": "ID", "col.title": "Title", "col.category": "Category", "col.priority": "Priority",
	"side.resource": "resource side", "side.demand": "demand side",
	"claim.accept": "Accept", "claim.reject": "Reject", "claim.reason": "Reason (optional)", "claim.accepted": "accepted",
	"status.proposed": "proposed", "status.confirmed": "confirmed", "status.fulfilled": "fulfilled", "status.rejected": "rejected", "status.withdrawn": "withdrawn", "status.expired": "expired",
	"item.open": "open", "item.paused": "paused", "item.closed": "closed", "kind.demand": "demand", "kind.resource": "resource",
	"project.planned": "planned", "project.running": "running", "project.done": "done", "project.dropped": "dropped",
	"why.distance": "%s km apart", "why.samegrid": "same red grid", "why.neargrid": "neighbouring red grid", "why.tags.close": "similar tags", "why.tags.some": "some tags in common",
	"why.prio.high": "high priority", "why.prio.mid": "medium priority", "why.prio.low": "low priority", "why.time.full": "times match", "why.time.most": "times mostly overlap", "why.time.part": "times partly overlap",
	"why.aff.same": "same alliance", "why.aff.street": "same street", "why.aff.far": "different streets", "why.history": "worked together %d times",
	"unmet.no_resource": "no open %s resource at this level", "unmet.outcompeted": "%d candidate resources went to demands that score higher", "unmet.project_blocked": "its project cannot fill the required slot “%s”, so it does not start",
	"unmet.no_candidate": "no resource nearby passes the rules", "unmet.no_candidate_rules": "resources nearby fail: %s",
	"rule.category": "%d wrong category", "rule.same_unit": "%d same unit", "rule.quantity": "%d none left", "rule.distance": "%d too far", "rule.grid": "%d not a neighbouring grid", "rule.window": "%d no common time", "rule.rejected": "%d rejected before",
	"unit.waiting": "Claims waiting for your answer", "unit.nowaiting": "Nothing waits for your answer.", "unit.yourside": "You are", "unit.others": "Accepted by you, waiting for the other side",
	"unit.demands": "Demand list", "unit.resources": "Resource list", "unit.projects": "Project list", "grid": "Red grid", "grid.none": "no grid",
	"report.need": "demanded", "report.met": "met (confirmed)", "report.bycategory": "By category", "report.bygrid": "By red grid", "report.byunit": "By unit", "report.claims": "Claims by status",
	"report.total": "Total", "report.total.line": "Met %d of %d demanded (%d%%)",
	"map.unit": "member unit", "map.grid": "red grid", "map.confirmed": "confirmed claim", "map.proposed": "proposal", "map.hint": "A sketch drawn from WGS-84 coordinates, not a survey map.", "map.missing": "Units without coordinates",
	"agenda.title": "Joint meeting agenda", "agenda.print": "Use the browser's Print to print it or save it as PDF (A4).", "agenda.date": "Date", "agenda.place": "Place", "agenda.chair": "Chair",
	"agenda.part1": "1. Proposals to confirm (%d, by unit)", "agenda.part2": "2. Unmet demands (%d)", "agenda.part3": "3. Sign-off",
	"agenda.role": "Unit's role", "agenda.decision": "Decision", "agenda.next": "Next", "agenda.escalate": "to the meeting above", "agenda.keep": "next meeting",
	"agenda.unit": "Unit", "agenda.signature": "Signature", "agenda.signdate": "Date", "agenda.coordinator": "Coordinator",
	"import.template": "Download the import template (.xlsx)", "import.file": "Spreadsheet (.xlsx or .csv)", "import.kind": "CSV holds", "import.kind.auto": "from the file name",
	"import.check": "Check (nothing is stored)", "import.hint": "Check first: every row's problems and likely duplicates are listed, and nothing is stored until you confirm; then all rows are stored or none. CSV may be UTF-8 (with or without BOM) or GBK; headers in Chinese or English.",
	"import.problems": "%d problems found", "import.nothing": "Nothing was stored. Fix the spreadsheet and upload it again.", "import.where": "Where (file:row:column)", "import.record": "Record", "import.field": "Field", "import.problem": "Problem",
	"import.dups": "Likely duplicates (%d)", "import.dup.file": "%s: %s has the unit, title and category of %s in this file (%s)", "import.dup.stored": "%s: %s has the unit, title and category of stored item %s (%s)",
	"import.preview": "Preview: %s", "import.units": "%d units", "import.items": "%d list items", "import.projects": "%d projects",
	"import.commit": "Import", "import.allornothing": "All rows are stored or none.", "import.done": "Imported %d records (%s).",
	"import.toolarge": "The file is larger than %d MiB.", "import.nofile": "Choose a file.", "import.expired": "The preview has expired; upload the file again.",
	"csv.demands": "demands", "csv.resources": "resources", "csv.items": "items (with a kind column)", "csv.projects": "projects", "csv.units": "units",
	"export.proposals": "Proposals", "export.claims": "Claims", "export.unmet": "Unmet demands", "export.report": "Report",
	"export.claims.header": "Claim|Resource id|Resource|Resource unit|Demand id|Demand|Demand unit|Category|Quantity|Measure|Score|Why|Status|Accepted by",
	"export.unmet.header":  "Demand id|Demand|Unit|Category|Still needed|Proposed now|Measure|Why",
	"export.report.header": "By|ID|Name|Demanded|Met|Met %",
	"err.title":            "Something went wrong", "err.notfound": "No such page, or you may not see it.", "err.http": "The request cannot be handled.", "err.internal": "Internal error; try again later.",
	"err.loading": "The data is loading; try again shortly.", "err.csrf": "The form has expired; reload the page and try again.", "err.invalid": "Invalid input.", "err.not_found": "No such record.",
	"err.conflict": "This conflicts with the current state (someone may have answered already); reload and try again.", "err.forbidden": "You may not do this.",
	// What-if, scenarios and why-not.
	"whatif.title": "What if… (a trial; the lists do not change)", "whatif.hint": "Try a few changes on a private copy of the lists, match again and compare with today's plan demand by demand; apply them to the lists when agreed.",
	"whatif.qty": "Change a quantity", "whatif.newqty": "new quantity", "whatif.radius": "Change a service radius", "whatif.newradius": "new radius (km)", "whatif.remove": "Remove a member unit (its items close)",
	"whatif.settings": "Objective and weights", "whatif.weights": "Weights (0–100)", "whatif.run": "Try it and compare",
	"whatif.number": "enter a number", "whatif.whole": "enter a whole number", "whatif.noedit": "Choose at least one change (or another objective or weights).",
	"whatif.field.qty": "Quantity", "whatif.field.radius": "Radius", "whatif.field.remove_unit": "Unit to remove", "whatif.field.mode": "Objective", "whatif.field.weights": "Weights",
	"whatif.field.w_proximity": "Proximity weight", "whatif.field.w_tags": "Tags weight", "whatif.field.w_priority": "Priority weight", "whatif.field.w_time": "Time weight", "whatif.field.w_affinity": "Affinity weight", "whatif.field.w_history": "History weight",
	"term.proximity": "proximity", "term.tags": "tags", "term.priority": "priority", "term.time": "time", "term.affinity": "affinity", "term.history": "history",
	"edit.set_quantity": "set the quantity of %s to %d", "edit.set_radius": "set the radius of %s to %s km", "edit.remove_unit": "remove member unit %s",
	"edit.add_unit": "add member unit %s", "edit.add_item": "add item %s", "edit.remove_item": "close item %s", "edit.set_window": "change the times of %s",
	"edit.drop_from_alliance": "%s leaves %s", "edit.set_mode": "objective: %s", "edit.set_weights": "weights: %s",
	"edit.set_unit": "change member unit %s", "edit.set_item": "change item %s", "edit.add_project": "add project %s",
	"edit.set_project_status": "set the status of project %s to %s", "edit.remove_project": "drop project %s",
	"change.newly_met": "newly met", "change.newly_unmet": "no longer met", "change.moved": "met by other resources", "change.quantity_changed": "quantity changes", "change.score_changed": "score changes", "change.unit_moved": " (another unit)",
	"scenario.title": "What-if result", "scenario.edits": "Changes", "scenario.fork": "Based on list state #%d.", "scenario.stale": "The lists have changed since; it cannot be applied as it is: try again.",
	"scenario.conflict": "The trial is based on list state #%d, and the lists are now at #%d: these changes came in between, and nothing was applied.", "scenario.hidden": "%d more changes you may not see.", "scenario.refork": "Go back to the meeting and try again.",
	"event.seq": "No.", "event.time": "Time", "event.actor": "By", "event.action": "Action", "event.changes": "Records",
	"scenario.totals": "Totals", "scenario.live": "Today's plan", "scenario.after": "With the changes", "scenario.delta": "Change",
	"scenario.met": "met / demanded", "scenario.welfare": "total score", "scenario.units": "units involved", "scenario.priority": "met at priority %d",
	"scenario.demands": "Demands that change", "scenario.change": "Change", "scenario.metcol": "Met", "scenario.nochange": "No demand's match changes.",
	"scenario.unitchanges": "What each unit gains and loses", "scenario.gained": "Claims gained", "scenario.lost": "Claims lost",
	"scenario.apply": "Apply to the lists", "scenario.apply.hint": "Applied only if the lists have not changed since the trial; then make proposals again.", "scenario.applied": "Applied (list state #%d).",
	"msg.applied": "The changes were applied to the lists.",
	"whynot.link": "Why? What would fix it?", "whynot.title": "Why not met", "whynot.meeting": "Meeting:", "whynot.need": "needs %d%s, today's plan gives %d%s",
	"whynot.fixes": "Single changes that would work", "whynot.fixes.hint": "Each was checked by matching again on a copy of the lists; smallest first.", "whynot.nofix": "No single change gets it met.",
	"whynot.candidates": "Resources nearby", "whynot.distance": "Distance", "whynot.remaining": "Left", "whynot.rules": "What blocks it (every rule)", "whynot.plan": "Today's plan",
	"whynot.km": "%s km", "whynot.eligible": "eligible", "whynot.planned": "%d to this demand", "whynot.elsewhere": "%d to other demands", "whynot.nocandidates": "No resource nearby.", "whynot.hidden": "%d more involve units you may not see.",
	"wn.status.met": "met", "wn.status.partly_met": "partly met", "wn.status.unmet": "unmet", "wn.status.held": "met by claims", "wn.status.not_open": "not open",
	"wn.reason.no_candidate": "no resource nearby passes the rules", "wn.reason.no_resource": "no open resource of its kind at this level", "wn.reason.outcompeted": "its candidates went to demands that score higher", "wn.reason.project_blocked": "its project cannot fill a required slot",
	"wn.rule.category": "wrong category", "wn.rule.same_unit": "same unit", "wn.rule.quantity": "none left", "wn.rule.distance": "beyond the service radius", "wn.rule.grid": "not the same or a neighbouring red grid",
	"wn.rule.window": "no common time", "wn.rule.rejected": "rejected before", "wn.rule.scope": "outside this meeting's alliances", "wn.rule.level": "belongs to another level's meeting", "wn.rule.status": "not open (paused or closed)",
	"fix.widen_radius": "widen the radius of %s from %s km to %s km (+%s km)", "fix.add_quantity": "add %[2]s to %[1]s (%[3]s → %[4]s)",
	"fix.extend_window": "extend the times of %s by %s days", "fix.escalate": "take it to %s (%s level)",
	"fix.verified": ": matching %s again gives %d%s (%+d).",
	// logins, codes and slips
	"nav.logins":   "Logins and codes",
	"logins.title": "Logins", "logins.who": "Unit", "logins.have": "Its logins", "logins.none": "no login yet",
	"logins.makecode": "Make a login code", "logins.revoke": "Revoke", "logins.created": "made", "logins.used": "last used", "logins.expires": "expires",
	"logins.new": "Login code of %s", "logins.qr": "login QR code", "logins.new.hint": "The code is shown this once and works once, until %s. Write it down or print it for the unit.",
	"logins.slips": "Print login slips", "logins.slips.hint": "Make a login code for every unit of this alliance that has no login yet, and print them as A4 slips to hand out at the meeting.",
	"logins.slips.all": "Make new codes for every unit (existing logins keep working)",
	"login.kind.token": "access token", "login.kind.session": "a browser logged in", "login.kind.code": "an unused login code",
	"slips.title": "Login slips", "slips.none": "Every unit of this alliance has a login already: no slips to print.",
	"slips.how":   "Scan the QR code with a phone, or open the meeting's login page and type the code. The code works once, until %s.",
	"msg.revoked": "The login was revoked.",
	// lists and hand claims: the domain's problems beside the form fields.
	"fe.required": "is required", "fe.utf8": "is not valid UTF-8", "fe.toolong": "is longer than %s characters", "fe.badid": "%q is not a valid id (1-128 of A-Z a-z 0-9 . _ : -)",
	"fe.between": "must be between %s and %s, got %s", "fe.tags": "has more than %s tags", "fe.windows": "has more than %s windows", "fe.after": "must be after from",
	"fe.category": "unknown category %q", "fe.slotkind": "only a demand can be a project slot", "fe.optional": "only a project slot can be optional", "fe.noproject": "the unit has no project %q",
	"fe.status": "status %q is not valid", "fe.kind": "kind %q is not valid", "fe.level": "level %q is not valid", "fe.exists": "id %q is taken; choose another",
	"fe.overclaimed": "confirmed claims hold %[2]s of %[1]s; the quantity cannot be less (got %[3]s)",
	"fe.left":        "%s has %s left, asked for %s", "fe.ownitem": "a unit cannot claim its own item", "fe.incompatible": "the resource's category cannot meet this demand's", "fe.bothopen": "both items must be open",
	"fe.rejectedpair": "this pair was rejected before (claim %s)", "fe.noitem": "no item %q, or you may not see it", "fe.wrongkind": "item %q is on the other list", "fe.nomeeting": "no meeting %q, or you may not see it",
	"fe.meetingholds": "that meeting does not hold the unit of item %s", "fe.sidescope": "that side's unit is not in your scope: it answers for itself, or its own coordinator does", "fe.side": "say which side's answer this records",
	"fe.other": "invalid: %s", "fe.colon": ": ",
	"fe.field.id": "ID", "fe.field.unit": "Unit", "fe.field.kind": "List", "fe.field.category": "Category", "fe.field.title": "Title", "fe.field.description": "Description",
	"fe.field.tags": "Tags", "fe.field.quantity": "Quantity", "fe.field.measure": "Measure", "fe.field.windows": "Times", "fe.field.location": "Location", "fe.field.radius_km": "Radius",
	"fe.field.priority": "Priority", "fe.field.status": "Status", "fe.field.level": "Level", "fe.field.project": "Project", "fe.field.optional": "Optional", "fe.field.name": "Project name",
	"fe.field.resource": "Resource", "fe.field.demand": "Demand", "fe.field.meeting": "Meeting", "fe.field.side": "Side",
	// lists and hand claims: a unit's lists.
	"lists.tally": "%d%s in all: %d confirmed, %d proposed, %d open", "lists.anytime": "any time", "lists.window": "%s to %s", "lists.window.open": "from %s",
	"lists.new.demand": "New demand", "lists.new.resource": "New resource", "lists.new.project": "New project", "lists.edit.demand": "Edit demand", "lists.edit.resource": "Edit resource",
	"lists.add.demand": "Add a demand", "lists.add.resource": "Add a resource", "lists.add.project": "Add a project",
	"lists.back.unit": "Back to %s", "lists.slot.of": "Project: %s", "lists.level": "Level", "lists.windows": "Times", "lists.actions": "Actions",
	"lists.pause": "Pause", "lists.reopen": "Reopen", "lists.close": "Close", "lists.delete": "Delete", "lists.delete.hint": "It has claims: it cannot be deleted, only closed.",
	"lists.claims": "Claims on this item", "lists.noclaims": "No claims yet.",
	"lists.nodemands": "The demand list is empty.", "lists.noresources": "The resource list is empty.", "lists.noprojects": "The project list is empty.", "lists.noslots": "No slots yet.",
	"lists.slots": "Slots", "lists.slot": "Slot", "lists.slot.required": "required", "lists.slot.optional": "optional", "lists.addslot": "Add a slot",
	"lists.slots.hint":          "Each slot is a demand; the project starts once every required slot is met; optional ones do not hold it back.",
	"lists.project.delete.hint": "A project with slots cannot be deleted; set its status to dropped instead.", "lists.project.new.hint": "Add its slots on the project's page once it is saved.",
	"lists.err.int": "enter a whole number", "lists.err.number": "enter a number", "lists.err.latlon": "give both latitude and longitude, or neither", "lists.err.time": "choose a date and time",
	"lists.err.windows": "some times are not valid", "lists.err.noclear": "a location cannot be cleared here (to use the unit's); keep the coordinates",
	"f.errors": "Fix the marked fields and save again.", "f.id": "ID", "f.id.hint": "letters, digits or . _ : -; it cannot change once saved; one is suggested.", "f.category": "Category",
	"f.title": "Title", "f.description": "Description", "f.tags": "Tags", "f.tags.hint": "separate tags with ； or 、", "f.quantity": "Quantity", "f.measure": "Measure", "f.measure.hint": "e.g. person-times, hours, sessions, parcels",
	"f.windows": "Times", "f.windows.hint": "China Standard Time; the end may be empty (open-ended); no times means any time; empty rows are not saved.", "f.from": "From", "f.to": "To", "f.addrow": "Add a row",
	"f.location": "Location", "f.lat": "Latitude", "f.lon": "Longitude", "f.location.unit": "Empty: the unit's location (latitude %s, longitude %s).", "f.location.nounit": "Empty: the unit's location (the unit has no coordinates: matched by red grid).",
	"f.radius": "Service radius (km)", "f.radius.hint": "0 or empty: the same or a neighbouring red grid only", "f.priority": "Priority", "f.project": "Project", "f.project.none": "no project",
	"f.optional": "Optional slot (the project can start without it)", "f.save": "Save", "f.create": "Add", "f.name": "Project name",
	"prio.1": "low", "prio.2": "fairly low", "prio.3": "normal", "prio.4": "high", "prio.5": "urgent",
	"msg.itemadded": "Added.", "msg.itemsaved": "Saved.", "msg.itempaused": "Paused: not matched for now.", "msg.itemreopened": "Reopened.", "msg.itemclosed": "Closed.", "msg.itemdeleted": "Deleted.",
	"msg.projectadded": "Project added; now add its slots.", "msg.projectsaved": "Project saved.", "msg.projectdeleted": "Project deleted.", "msg.slotadded": "Slot added.",
	// lists and hand claims: claims by hand.
	"msg.claimed": "Claim made; it waits for the other side's answer.", "lists.browse": "Claim from other units' lists", "lists.claimfor.demand": "Find a resource for it", "lists.claimfor.resource": "Claim a demand with it", "lists.claim.details": "details",
	"browse.title": "Items you may claim", "browse.for.demand": "Resources that can meet your demand “%s”.", "browse.for.resource": "Demands your resource “%s” can meet.", "browse.clearfor": "show all",
	"browse.q": "Search", "browse.q.hint": "title, description, tags or unit", "browse.cat.all": "all categories", "browse.kind": "List", "browse.kind.all": "demands and resources",
	"browse.kind.demand": "demands (claim with your resources)", "browse.kind.resource": "resources (ask for your demands)", "browse.search": "Search", "browse.count": "%d items, page %d of %d",
	"browse.unit": "Unit", "browse.claim.demand": "Claim", "browse.claim.resource": "Ask for it", "browse.none": "No open item matches.", "browse.prev": "Previous page", "browse.next": "Next page",
	"hc.title.demand": "Claim a demand", "hc.title.resource": "Ask for a resource", "hc.option": "%s (%s, %d%s open)", "hc.mine.demand": "With which of your resources", "hc.mine.resource": "For which of your demands",
	"hc.quantity": "Quantity", "hc.quantity.in": "Quantity (%s)", "hc.meeting": "At which joint meeting", "hc.meeting.none": "none", "hc.meeting.hint": "With a meeting, its coordinator sees the claim there.",
	"hc.submit": "Submit", "hc.hint": "Submitting is your side's acceptance; the other side then accepts or rejects it, and it holds once both have accepted.",
	"hc.none.demand": "You have no open resource that can meet this demand (a matching category with quantity left).", "hc.none.resource": "You have no open demand this resource can meet (a matching category with quantity left).",
	"hc.add.demand": "Add a resource", "hc.add.resource": "Add a demand", "hc.err.mine": "choose one of your own items from the list",
	"origin.proposed": "proposal", "origin.resource": "claimed by the resource side", "origin.demand": "claimed by the demand side",
	"cl.title": "Claim %s", "cl.origin": "Origin", "cl.meeting": "Meeting", "cl.accepted": "Accepted by", "cl.reason": "Reason",
	"cl.yours": "Your answer (%s)", "cl.record": "Record the answer the %s (%s) gave at the meeting", "cl.nothing": "Nothing waits for your answer.",
	// the meeting's steps: deadlines, who has not answered, escalation, delivery
	"meeting.answerby": "Answer by (optional)", "meeting.waiting": "Who has not answered", "meeting.waiting.n": "Waiting", "meeting.waiting.since": "Oldest since",
	"meeting.deadline": "Answer by", "meeting.deadline.set": "Set the deadline", "meeting.deadline.move": "Move the deadline",
	"meeting.overdue.n": "%d overdue", "meeting.allanswered": "Every proposal has its answers.",
	"meeting.slot.whole": "a project's slot: the whole project goes up", "meeting.escalate": "Send the ticked ones to %s",
	"meeting.escalate.hint": "Tick the unmet demands the meeting sends up; a project's slot takes its whole project along. Until the meeting above claims one, it can be brought back from its page.",
	"unit.overdue":          "overdue since", "unit.answerby": "answer by",
	"cl.agreed": "Agreed", "cl.delivered": "delivered %d %s", "cl.fulfil": "Record the delivery", "cl.fulfil.quantity": "Quantity delivered (%s)",
	"cl.fulfil.hint": "If less than %d was delivered, the rest goes back to both lists for the next match.",
	"cl.withdraw":    "Withdraw the claim", "cl.withdraw.side": "Withdraw for", "cl.withdraw.for": "%s (%s)",
	"item.return":  "Bring back from above",
	"msg.deadline": "The answer deadline is set.", "msg.escalated": "Sent to the meeting above.", "msg.escalated.projects": "Sent to the meeting above (projects whole).",
	"msg.fulfilled": "The delivery is recorded.", "msg.withdrawn": "Withdrawn.", "msg.returned": "Brought back to this meeting.",
	"fe.esc.waiting": "claim %s waits for an answer: %s goes up once it is answered (or the next run replaces it)", "fe.esc.slotwaiting": "slot %s of project %s has claim %s waiting for an answer, and a project goes up whole: answer it first",
	"fe.esc.projectover": "project %s is done or dropped: its slots are not matched", "fe.esc.projectmet": "project %s has no unmet slot at this level", "fe.esc.met": "%s is met in full (%s of %s)",
	"fe.esc.level": "%s is not at this meeting's level", "fe.esc.notopen": "%s is paused or closed; only an open demand goes up", "fe.esc.none": "tick the unmet demands that go up to the meeting above",
	"fe.fulfil.quantity": "the delivered quantity must be between 1 and %s, got %s", "fe.fulfil.notconfirmed": "claim %s is %s; only a confirmed claim can be fulfilled", "fe.sep": "; ",
	// notifications (issue 12): a meeting's or a unit's webhooks, the live page
	"nav.webhooks": "Group robots and notifications", "wh.title": "Group robots and notifications", "wh.off": "Notifications are off on this server.", "wh.back.unit": "Back to the unit",
	"wh.hint.meeting": "Connect the meeting's 企业微信, 钉钉 or 飞书 group robot: new proposals (one digest per unit), answers, confirmations, deliveries, escalations and deadline reminders are posted to the group. Any receiver of HTTP POSTs works too (signed as Standard Webhooks).",
	"wh.hint.unit":    "The unit's own group robot or receiver: only the claims of this unit.",
	"wh.secret.new":   "Signing secret (shown this once)", "wh.secret.hint": "Copy it now: the receiver checks webhook-signature with it. It is not shown again.",
	"wh.add": "Connect a group robot", "wh.add.submit": "Connect", "wh.field.kind": "Kind", "wh.field.url": "Webhook URL", "wh.field.secret": "Signing secret (optional)",
	"wh.field.events": "Tell of", "wh.field.alliance": "Meeting", "wh.field.unit": "Unit", "wh.field.body": "Form",
	"wh.secret.field.hint": "钉钉's signing secret (加签) or 飞书's signature secret; none for 企业微信; made for you for a generic receiver.",
	"wh.kind.wecom":        "企业微信 group robot", "wh.kind.dingtalk": "钉钉 group robot", "wh.kind.feishu": "飞书 group bot", "wh.kind.generic": "Generic webhook (signed JSON)",
	"wh.event.proposed": "new proposals", "wh.event.answered": "answers (accepted, rejected, withdrawn)", "wh.event.confirmed": "confirmed by both", "wh.event.fulfilled": "delivered",
	"wh.event.escalated": "sent up", "wh.event.reminder": "before the deadline", "wh.event.overdue": "overdue",
	"wh.list": "Connected", "wh.none": "No group robot is connected yet.", "wh.signed": "signed", "wh.created": "since %s", "wh.pending": "%d waiting", "wh.dead.n": "%d failed",
	"wh.test": "Send a test message", "wh.delete": "Delete", "wh.retry": "Send again", "wh.retry.all": "Send the %d failed again", "wh.nodeliveries": "Nothing sent yet.",
	"wh.col.time": "Time", "wh.col.message": "Message", "wh.col.attempts": "Attempts",
	"wh.status.pending": "waiting", "wh.status.delivered": "delivered", "wh.status.dead": "failed",
	"wh.err.noevents": "tick at least one kind",
	"msg.wh.added":    "Connected: send a test message to try it.", "msg.wh.tested": "The test message is on its way.", "msg.wh.deleted": "Deleted.", "msg.wh.retried": "Queued to be sent again.",
}

// Messages returns copies of the Chinese and English messages (for tests
// and translators).
func Messages() (zhMsgs, enMsgs map[string]string) {
	return maps.Clone(zh), maps.Clone(en)
}

// The points bank's pages (道德积分银行: ledger.go, templates/ledger*.html),
// in one block: its texts join both languages at start.
func init() {
	maps.Copy(zh, ledgerZH)
	maps.Copy(en, ledgerEN)
}

var ledgerZH = map[string]string{
	"lg.link": "道德积分银行", "lg.earners.link": "积分：由谁获得", "lg.title": "道德积分银行", "lg.intro": "居民凭积分卡号参加志愿服务获得积分，在成员商铺、银行兑换米、油、包子等；积分卡只有卡号，不记姓名。",
	"lg.shop.open": "%s 兑换页", "lg.alliances": "积分规则与月报", "lg.rules": "积分规则", "lg.report": "积分月报", "lg.meeting": "联席会",
	"lg.accounts": "账户", "lg.find": "按卡号查找", "lg.find.go": "查找", "lg.noaccounts": "还没有可见的账户。",
	"lg.col.account": "账户", "lg.col.kind": "类型", "lg.col.unit": "单位", "lg.col.balance": "余额（分）", "lg.col.time": "时间", "lg.col.what": "事由", "lg.col.delta": "变动", "lg.col.after": "余额", "lg.col.points": "积分",
	"lg.kind.issuer": "积分发行账户", "lg.kind.unit": "单位账户", "lg.kind.team": "志愿队账户", "lg.kind.card": "居民积分卡",
	"lg.open": "开户", "lg.open.hint": "积分卡由社区（村）党委发放，编号即卡号，不填姓名；发行账户由联席会召集人开设。", "lg.open.id": "编号（卡号）", "lg.open.name": "名称", "lg.open.name.hint": "志愿队、单位账户可填名称；积分卡不填。", "lg.open.go": "开户",
	"lg.account.title": "账户 %s", "lg.balance": "余额 %d 分", "lg.credits": "累计转入", "lg.debits": "累计转出", "lg.flags": "规则", "lg.flag.holds": "转出不得超过转入（余额不为负）", "lg.flag.issuer": "发行账户：发放积分时记为负数",
	"lg.award.title": "手动奖励积分", "lg.award.to": "奖励给（卡号或账户编号）", "lg.amount": "积分", "lg.reason": "事由", "lg.award.go": "发放",
	"lg.statement": "流水（最新在前）", "lg.other": "对方 %s", "lg.reversedpart": "已冲正 %d 分", "lg.reverse": "冲正", "lg.newer": "← 较新", "lg.older": "较早 →", "lg.nolines": "还没有流水。",
	"lg.tkind.transfer": "转账", "lg.tkind.award": "奖励", "lg.tkind.earn": "志愿服务", "lg.tkind.redeem": "兑换", "lg.tkind.reverse": "冲正",
	"lg.shop.title": "%s · 积分兑换", "lg.shop.done": "兑换成功：%s × %d，扣 %d 分（积分卡 %s）", "lg.shop.givenback": "已退回", "lg.shop.offer": "兑换品", "lg.shop.price": "%d 分/%s", "lg.shop.stock": "余 %d %s",
	"lg.piece": "件", "lg.shop.nooffers": "还没有上架的兑换品，请在下方“兑换品管理”中添加。", "lg.shop.card": "积分卡号", "lg.shop.quantity": "数量", "lg.shop.go": "确认兑换",
	"lg.shop.today": "今日兑换", "lg.shop.backreason": "商铺退回", "lg.shop.giveback": "退回", "lg.shop.none": "今天还没有兑换。", "lg.shop.settlement": "下载 %s 月结算表（.xlsx）",
	"lg.shop.manage": "兑换品管理（补货、改价、下架、上新）", "lg.ostatus.open": "在售", "lg.ostatus.closed": "已下架", "lg.shop.redeemed": "已兑出 %d %s", "lg.shop.setstock": "库存", "lg.shop.setprice": "单价（分）",
	"lg.save": "保存", "lg.shop.close": "下架", "lg.shop.reopen": "重新上架", "lg.shop.newoffer": "上新兑换品", "lg.shop.otitle": "名称", "lg.shop.omeasure": "计量单位（个、袋、份）", "lg.shop.list": "上架",
	"lg.rules.title": "%s · 积分规则", "lg.rules.intro": "认领完成后，资源方指定的志愿队或积分卡按规则获得积分：每交付一个计量单位得若干分，由发行账户发放。", "lg.rule.points": "每单位积分", "lg.rule.issuer": "发行账户",
	"lg.rule.rate": "%d 分/%s", "lg.rule.anymeasure": "任意单位", "lg.rule.active": "生效中", "lg.rule.inactive": "已停用", "lg.rule.stop": "停用", "lg.rule.start": "启用", "lg.rules.none": "还没有积分规则。",
	"lg.rules.new": "新增规则", "lg.rule.measure": "计量单位", "lg.rule.measure.hint": "与需求的计量单位一致，如 小时、人次、人/晚；不填则任意单位。", "lg.rule.noissuer": "本联盟还没有发行账户：请先在积分银行首页开设。", "lg.rules.add": "添加规则",
	"lg.report.title": "%s · %s 积分月报", "lg.report.prev": "← 上月", "lg.report.next": "下月 →", "lg.report.earned": "本月获得", "lg.report.redeemed": "本月兑换", "lg.report.redemptions": "%d 笔",
	"lg.report.outstanding": "月末未兑换余额", "lg.report.issued": "累计发行", "lg.report.cards": "积分卡数", "lg.report.hint": "获得、兑换均已扣除冲正；未兑换余额为月末各积分卡、志愿队和商铺账户的余额之和。",
	"lg.report.bycategory": "按类别获得", "lg.report.noearned": "本月没有获得积分。", "lg.report.byshop": "按商铺兑换", "lg.report.settlement": "结算表", "lg.report.noredeemed": "本月没有兑换。", "lg.award": "手动奖励",
	"lg.earners.title": "认领 %s · 积分由谁获得", "lg.earners.rule": "适用规则：%s，%d 分/%s；按交付数量计，登记完成时发放。", "lg.earners.norule": "没有适用的积分规则：登记完成时不发放积分。",
	"lg.earners.earned": "已发放", "lg.earners.name": "指定获得积分的志愿队或积分卡", "lg.earners.hint": "由资源方填写；按份额分配，空行不计。", "lg.earners.row": "第 %d 位", "lg.earners.account": "账户编号或卡号", "lg.earners.share": "份额",
	"msg.lg.opened": "已开户。", "msg.lg.awarded": "积分已发放。", "msg.lg.reversed": "已冲正。", "msg.lg.offered": "兑换品已上架。", "msg.lg.saved": "已保存。", "msg.lg.ruled": "规则已添加。", "msg.lg.earners": "已保存获得积分的账户。",
	"lg.id": "编号", "lg.err.title": "未能办理", "lg.err.range": "须为 1 到 %s 之间的整数（填的是 %s）",
	"fe.field.amount": "积分", "fe.field.reason": "事由", "fe.field.card": "积分卡", "fe.field.offer": "兑换品", "fe.field.points": "每单位积分", "fe.field.price": "单价",
	"fe.field.stock": "库存", "fe.field.share": "份额", "fe.field.earners": "获得积分的账户", "fe.field.from": "转出账户", "fe.field.to": "转入账户", "fe.field.issuer": "发行账户", "fe.field.alliance": "联盟", "fe.field.account": "账户",
	"lg.err.card.balance": "积分卡 %s 余额 %s 分，兑换 %s 件 × %s 分需要 %s 分", "lg.err.balance": "账户 %s 余额 %s 分，不够 %s 分", "lg.err.stock": "兑换品 %s 只剩 %s 件，要兑换 %s 件", "lg.err.closed": "兑换品 %s 已下架",
	"lg.err.nocard": "没有积分卡 %s（卡号有误，或不是本社区发放的）", "lg.err.noaccount": "没有账户 %s", "lg.err.nooffer": "没有兑换品 %s", "lg.err.community": "积分卡或账户 %s 不属于本社区",
	"lg.err.idtaken": "编号 %s 已用于另一笔，请重新打开页面再办理", "lg.err.reversed": "流水 %s 已全部冲正", "lg.err.left": "流水 %s 还可冲正 %s 分（共 %s 分），不能冲正 %s 分",
	"lg.err.whole": "兑换只能整笔退回：%s 分，不是 %s 分", "lg.err.reversal": "流水 %s 本身是冲正，不能再冲正；请另记一笔", "lg.err.reversescope": "冲正 %s 要从账户 %s 扣回积分，应由该账户的单位或召集人办理",
	"lg.err.amount": "积分须为 1 到 %s 之间的整数", "lg.err.exists": "编号 %s 已存在", "lg.err.cardunit": "积分卡和发行账户只能开在社区（村）党委名下", "lg.err.onerule": "规则 %s 已按此类别和计量单位发放积分，请修改或停用它",
	"lg.err.earnersclosed": "认领 %s 已%s，不能再改获得积分的账户（如有错请冲正）", "lg.err.earnerkind": "账户 %s 不是志愿队或积分卡", "lg.err.earnerside": "认领 %s 的积分由资源方指定",
}

var ledgerEN = map[string]string{
	"lg.link": "Moral points bank", "lg.earners.link": "Points: who earns them", "lg.title": "Moral points bank", "lg.intro": "Residents earn points on their card (a code, no name) for volunteering and redeem them for rice, oil or buns at member shops and banks.",
	"lg.shop.open": "%s: redeem", "lg.alliances": "Earning rules and reports", "lg.rules": "Earning rules", "lg.report": "Monthly report", "lg.meeting": "Meeting",
	"lg.accounts": "Accounts", "lg.find": "Find a card", "lg.find.go": "Find", "lg.noaccounts": "No accounts you may see yet.",
	"lg.col.account": "Account", "lg.col.kind": "Kind", "lg.col.unit": "Unit", "lg.col.balance": "Balance (points)", "lg.col.time": "Time", "lg.col.what": "What", "lg.col.delta": "Change", "lg.col.after": "Balance", "lg.col.points": "Points",
	"lg.kind.issuer": "issuing account", "lg.kind.unit": "unit account", "lg.kind.team": "volunteer team", "lg.kind.card": "resident card",
	"lg.open": "Open an account", "lg.open.hint": "Cards are issued by a community (village) committee: the id is the card's code, no name. Issuing accounts are opened by the meeting's coordinator.", "lg.open.id": "ID (card code)", "lg.open.name": "Name", "lg.open.name.hint": "For a team or a unit account; a card has none.", "lg.open.go": "Open",
	"lg.account.title": "Account %s", "lg.balance": "Balance %d points", "lg.credits": "Credited in all", "lg.debits": "Debited in all", "lg.flags": "Rule", "lg.flag.holds": "debits must not exceed credits (never below zero)", "lg.flag.issuer": "issuing account: below zero by what it issued",
	"lg.award.title": "Award points", "lg.award.to": "To (card code or account)", "lg.amount": "Points", "lg.reason": "Reason", "lg.award.go": "Award",
	"lg.statement": "Statement (newest first)", "lg.other": "with %s", "lg.reversedpart": "%d points reversed", "lg.reverse": "Reverse", "lg.newer": "← newer", "lg.older": "older →", "lg.nolines": "No transfers yet.",
	"lg.tkind.transfer": "transfer", "lg.tkind.award": "award", "lg.tkind.earn": "volunteering", "lg.tkind.redeem": "redemption", "lg.tkind.reverse": "reversal",
	"lg.shop.title": "%s · redeem points", "lg.shop.done": "Redeemed: %s × %d, %d points (card %s)", "lg.shop.givenback": "given back", "lg.shop.offer": "Offer", "lg.shop.price": "%d points/%s", "lg.shop.stock": "%d %s left",
	"lg.piece": "piece", "lg.shop.nooffers": "No offers yet: add one under “Offers” below.", "lg.shop.card": "Card code", "lg.shop.quantity": "Quantity", "lg.shop.go": "Redeem",
	"lg.shop.today": "Today's redemptions", "lg.shop.backreason": "given back by the shop", "lg.shop.giveback": "Give back", "lg.shop.none": "No redemptions today.", "lg.shop.settlement": "Download the %s settlement (.xlsx)",
	"lg.shop.manage": "Offers (restock, price, close, add)", "lg.ostatus.open": "open", "lg.ostatus.closed": "closed", "lg.shop.redeemed": "%d %s redeemed", "lg.shop.setstock": "Stock", "lg.shop.setprice": "Price (points)",
	"lg.save": "Save", "lg.shop.close": "Close", "lg.shop.reopen": "Reopen", "lg.shop.newoffer": "New offer", "lg.shop.otitle": "Name", "lg.shop.omeasure": "Unit of measure (piece, bag)", "lg.shop.list": "List it",
	"lg.rules.title": "%s · earning rules", "lg.rules.intro": "When a claim is fulfilled, the teams or cards its resource side named earn points by rule: so many points per unit delivered, paid by an issuing account.", "lg.rule.points": "Points per unit", "lg.rule.issuer": "Issuing account",
	"lg.rule.rate": "%d points/%s", "lg.rule.anymeasure": "any unit", "lg.rule.active": "active", "lg.rule.inactive": "inactive", "lg.rule.stop": "Stop", "lg.rule.start": "Start", "lg.rules.none": "No earning rules yet.",
	"lg.rules.new": "New rule", "lg.rule.measure": "Unit of measure", "lg.rule.measure.hint": "As the demand measures it (小时, 人次, 人/晚); empty: any.", "lg.rule.noissuer": "This alliance has no issuing account yet: open one on the points bank's page.", "lg.rules.add": "Add the rule",
	"lg.report.title": "%s · points in %s", "lg.report.prev": "← previous month", "lg.report.next": "next month →", "lg.report.earned": "Earned", "lg.report.redeemed": "Redeemed", "lg.report.redemptions": "%d redemptions",
	"lg.report.outstanding": "Outstanding at the month's end", "lg.report.issued": "Issued in all", "lg.report.cards": "Cards", "lg.report.hint": "Earned and redeemed are net of reversals; outstanding is what the cards, teams and shops held at the month's end.",
	"lg.report.bycategory": "Earned by category", "lg.report.noearned": "Nothing earned this month.", "lg.report.byshop": "Redeemed by shop", "lg.report.settlement": "settlement", "lg.report.noredeemed": "Nothing redeemed this month.", "lg.award": "awards by hand",
	"lg.earners.title": "Claim %s · who earns its points", "lg.earners.rule": "Rule: %s, %d points/%s, for the quantity delivered, paid when the fulfilment is recorded.", "lg.earners.norule": "No earning rule applies: the fulfilment pays no points.",
	"lg.earners.earned": "Paid", "lg.earners.name": "The teams or cards that earn", "lg.earners.hint": "Filled in by the resource side; split by shares; empty rows are left out.", "lg.earners.row": "Earner %d", "lg.earners.account": "Account or card code", "lg.earners.share": "Share",
	"msg.lg.opened": "The account is open.", "msg.lg.awarded": "The points were awarded.", "msg.lg.reversed": "Reversed.", "msg.lg.offered": "The offer is listed.", "msg.lg.saved": "Saved.", "msg.lg.ruled": "The rule was added.", "msg.lg.earners": "The earners were saved.",
	"lg.id": "ID", "lg.err.title": "Not done", "lg.err.range": "must be a whole number from 1 to %s, got %s",
	"fe.field.amount": "Points", "fe.field.reason": "Reason", "fe.field.card": "Card", "fe.field.offer": "Offer", "fe.field.points": "Points per unit", "fe.field.price": "Price",
	"fe.field.stock": "Stock", "fe.field.share": "Share", "fe.field.earners": "Earners", "fe.field.from": "From", "fe.field.to": "To", "fe.field.issuer": "Issuing account", "fe.field.alliance": "Alliance", "fe.field.account": "Account",
	"lg.err.card.balance": "card %s holds %s points; %s × %s = %s are needed", "lg.err.balance": "account %s holds %s points, %s asked", "lg.err.stock": "offer %s has %s left, %s asked", "lg.err.closed": "offer %s is closed",
	"lg.err.nocard": "no card %s (a wrong code, or a card of another community)", "lg.err.noaccount": "no account %s", "lg.err.nooffer": "no offer %s", "lg.err.community": "card or account %s is of another community",
	"lg.err.idtaken": "id %s was used for another; open the page again", "lg.err.reversed": "transfer %s is reversed whole already", "lg.err.left": "transfer %s has %s of its %s points left to give back, %s asked",
	"lg.err.whole": "a redemption is given back whole: %s points, not %s", "lg.err.reversal": "transfer %s is a reversal; post a new transfer instead", "lg.err.reversescope": "reversing %s debits account %s: its unit or their coordinator does it",
	"lg.err.amount": "points are a whole number from 1 to %s", "lg.err.exists": "%s exists already", "lg.err.cardunit": "cards and issuing accounts are held by a community or village committee", "lg.err.onerule": "rule %s already pays for this category and measure: change or stop it",
	"lg.err.earnersclosed": "claim %s is %s: its earners can no longer change (reverse what it earned if it is wrong)", "lg.err.earnerkind": "account %s is not a team or a card", "lg.err.earnerside": "the resource side of claim %s names who earns",
}
