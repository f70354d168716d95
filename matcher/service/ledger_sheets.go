package service

import (
	"bytes"
	"maps"
	"slices"

	"github.com/allymatch/allymatch/matcher/bundle"
)

// SettlementXLSX writes a shop's month settlement as an .xlsx workbook for
// the sponsoring unit: the redemptions (given-back ones marked), the
// points owed by each sponsoring unit (the community whose cards paid) and
// the pieces by offer. Texts are written as text (bundle.WriteXLSX), so a
// title that looks like a formula stays a title.
func (s *Service) SettlementXLSX(st *Settlement) ([]byte, error) {
	sn := s.Store.Snapshot()
	unitName := func(id string) string {
		if u := sn.UnitRaw(id); u != nil {
			return u.Name
		}
		return id
	}
	var rows [][]any
	for _, r := range st.Redemptions {
		back := ""
		if r.Reversed {
			back = "已退回"
		}
		rows = append(rows, []any{r.Time.In(CST).Format("2006-01-02 15:04"), r.ID, r.Card, r.Offer, r.Title, r.Quantity, r.Points, back})
	}
	var sponsors [][]any
	for _, id := range slices.Sorted(maps.Keys(st.BySponsor)) {
		sponsors = append(sponsors, []any{id, unitName(id), st.BySponsor[id]})
	}
	sponsors = append(sponsors, []any{"合计", "", st.Points})
	var offers [][]any
	for _, id := range slices.Sorted(maps.Keys(st.ByOffer)) {
		title := id
		if o, err := sn.Offer(id); err == nil {
			title = o.Title
		}
		offers = append(offers, []any{id, title, st.ByOffer[id]})
	}
	head := [][]any{{"单位", st.Unit, unitName(st.Unit)}, {"月份", st.Month, ""}, {"兑换笔数", len(st.Redemptions), ""}, {"积分合计（不含退回）", st.Points, ""}, {"件数合计", st.Pieces, ""}}
	sheets := []bundle.Sheet{
		{Name: "结算汇总", Header: []string{"项目", "值", "说明"}, Rows: head},
		{Name: "兑换明细", Header: []string{"时间", "兑换编号", "积分卡", "兑换品编号", "兑换品", "数量", "积分", "状态"}, Rows: rows},
		{Name: "按发卡单位", Header: []string{"发卡单位编号", "发卡单位", "积分"}, Rows: sponsors},
		{Name: "按兑换品", Header: []string{"兑换品编号", "兑换品", "数量"}, Rows: offers},
	}
	var buf bytes.Buffer
	if err := bundle.WriteXLSX(&buf, sheets); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
