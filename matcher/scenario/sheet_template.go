package scenario

import (
	"strings"

	"github.com/allymatch/allymatch/matcher/bundle"
)

// sheetExamples are the template's example rows, one per operation, on the
// Banan sample: the cells by column key.
var sheetExamples = map[string]map[string]any{
	OpAddUnit: {"unit": "bn-volunteer", "unit_name": "巴南区志愿者协会", "unit_kind": "社会组织", "party_org": "是", "lat": 29.3801, "lon": 106.5203,
		"alliances": "bn-district"},
	OpSetUnit:          {"unit": "bn-redcross", "alliances": "bn-water"},
	OpRemoveUnit:       {"unit": "lh-bakery"},
	OpJoinAlliance:     {"unit": "bn-cdc", "alliance": "bn-water"},
	OpDropFromAlliance: {"unit": "bn-library", "alliance": "bn-district"},
	OpAddItem: {"unit": "lh-school", "item": "LH-D90", "item_kind": "需求", "category": "课业辅导", "title": "周末作业辅导志愿者",
		"quantity": 6, "measure": "人次", "windows": "2026-12-05 09:00~11:30；2026-12-12 09:00~11:30", "priority": "较高", "level": "社区"},
	OpSetItem:          {"item": "LH-R12", "title": "楼层党员中心户志愿者（含在职党员）", "tags": "志愿者、护学、排查", "quantity": 50},
	OpRemoveItem:       {"item": "LH-D03"},
	OpSetQuantity:      {"item": "BN-R10", "quantity": 100},
	OpSetRadius:        {"item": "LH-R12", "radius_km": 5},
	OpSetWindow:        {"item": "LH-D01", "windows": "2026-12-01 21:00~2027-01-20 22:30"},
	OpAddProject:       {"unit": "lh-committee", "project": "LH-P09", "project_name": "龙华社区寒假托管班", "description": "寒假期间为双职工家庭看护、辅导孩子", "status": "筹备中"},
	OpSetProject:       {"project": "LH-P01", "project_name": "龙华社区四点半课堂（春季）"},
	OpSetProjectStatus: {"project": "LH-P01", "status": "进行中"},
	OpRemoveProject:    {"project": "LH-P01"},
	OpSetMode:          {"mode": "优先满足更多需求"},
	OpSetWeights:       {"weights": "距离=30、内容相似=30、优先级=20"},
}

// columnNotes say how a column's cells are written, by cell kind.
var columnNotes = map[cellKind]string{
	cellText:     "照原样填写；编号列填编号（如 bn-redcross、BN-R10）",
	cellList:     "多个用、或；分隔",
	cellInt:      "整数（可用全角数字）",
	cellFloat:    "数字（可带小数）",
	cellWindows:  "开始~结束，如 2026-12-01 18:00~21:00；多个时间段用；分隔；“不限”表示任何时间",
	cellStatus:   "项目：筹备中/进行中/已完成/已取消；条目：开放/暂停/关闭",
	cellMode:     "总体得分最高 / 优先满足更多需求 / 双向稳定匹配",
	cellWeights:  "项=权重，用、分隔，如 距离=30、内容相似=30；项：距离、内容相似、类别、优先级、时间、联盟关系、合作历史（0–100），未写的项保持默认",
	cellUnitKind: "机关/学校/企业/银行/商铺/社会组织/医院/群团组织/驻区部队…，也可写新的类型",
	cellItemKind: "需求 或 资源",
	cellBool:     "是 或 否",
	cellPriority: "1–5，或 低/较低/一般/较高/紧急",
	cellLevel:    "社区 / 街道 / 区",
}

// SheetTemplate returns the template of the sheet of edits: a sheet
// 修改清单 with the headers (after a 序号 column) and one example row per
// operation, Chinese first (its 序号 says 示例: it is read past, not
// taken as an edit), a drop-down list of the operations, and a sheet 说明
// saying, for each column, what it holds, its English and JSON names and
// which operations read it.
func SheetTemplate() []bundle.Sheet {
	l := layout()
	sh := bundle.Sheet{Name: "修改清单", Header: []string{"序号"}, Choices: map[int][]string{}}
	var labels []string
	for _, name := range Ops() {
		labels = append(labels, registry[name].Spec().Label[0])
	}
	for _, c := range l.cols {
		if c.key == "op" {
			sh.Choices[len(sh.Header)] = labels
		}
		sh.Header = append(sh.Header, c.label[0])
	}
	for _, name := range Ops() {
		ex := sheetExamples[name]
		row := []any{"示例"}
		for _, c := range l.cols {
			if c.key == "op" {
				row = append(row, registry[name].Spec().Label[0])
				continue
			}
			row = append(row, ex[c.key])
		}
		sh.Rows = append(sh.Rows, row)
	}
	notes := bundle.Sheet{Name: "说明", Header: []string{"列", "English / JSON", "哪些操作填写", "怎么填"}}
	notes.Rows = append(notes.Rows,
		[]any{"（通用）", "", "", "一行一项修改；第一行是表头（其上可有一行标题）；“序号”列写“示例”的行不读取；每项操作只填它用到的列，其余留空；编号可在各清单页面查到"},
	)
	for _, c := range l.cols {
		var by []string
		for _, name := range Ops() {
			if _, ok := l.reads[name][c.key]; ok && c.key != "op" {
				by = append(by, registry[name].Spec().Label[0])
			}
		}
		how := columnNotes[c.kind]
		if c.key == "op" {
			how = "必填：" + strings.Join(labels, "、") + "（也可写英文名或 " + strings.Join(Ops(), ", ") + "）"
		}
		notes.Rows = append(notes.Rows, []any{c.label[0], c.label[1] + " / " + c.key, strings.Join(by, "、"), how})
	}
	return []bundle.Sheet{sh, notes}
}
