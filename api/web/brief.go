package web

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/allymatch/allymatch/matcher/scenario"
)

// The printed brief of a scenario for the joint meeting (A4, printed or
// saved as PDF from the browser, like the agenda): what the scenario
// changes, who gains and who loses (demands and units by name), what it
// costs in welfare, and which meetings it touches. It is drawn from the
// same diff as the scenario's page and its .xlsx.

// briefDemand is a demand that gains or loses in a brief.
type briefDemand struct {
	Unit, Title, Measure, Meeting string
	Before, After                 int64
}

// briefUnit is a unit's claims gained or lost in a brief (quantities
// stay with their items: unlike measures are never added).
type briefUnit struct {
	Unit   string
	Claims int
	Lines  string
}

// briefMeasure is the quantity met of the changed demands of one
// measure, before and after.
type briefMeasure struct {
	Measure       string
	Demands       int
	Before, After int64
}

// briefData is a scenario's brief as printed.
type briefData struct {
	*scenarioData
	Changes              []string // the edits in words, with the alliances a unit joins
	Gain, Lose           []briefDemand
	UnitsGain, UnitsLose []briefUnit
	Measures             []briefMeasure
}

// scenarioBrief prints a scenario's diff as a short brief.
func (s *site) scenarioBrief(c echo.Context) error {
	d, err := s.scenarioState(c)
	if err != nil {
		return err
	}
	b := &briefData{scenarioData: d}
	l := d.N.lang
	for i, e := range d.S.Edits {
		words := d.Edits[i]
		// The words of set_unit and add_unit name the unit only: the
		// meeting wants to read which alliances it joins.
		if op, ok := scenario.Lookup(e.Op); ok && (e.Op == scenario.OpSetUnit || e.Op == scenario.OpAddUnit) {
			if j, ok := op.(scenario.Joiner); ok && len(j.Memberships(&e)) > 0 {
				words += l.T("brief.joins", alliancesWords(d.N, j.Memberships(&e)))
			}
		}
		b.Changes = append(b.Changes, words)
	}
	measures := map[string]int{}
	for _, dc := range d.Demands {
		k, ok := measures[dc.Demand.Measure]
		if !ok {
			k = len(b.Measures)
			measures[dc.Demand.Measure] = k
			b.Measures = append(b.Measures, briefMeasure{Measure: dc.Demand.Measure})
		}
		m := &b.Measures[k]
		m.Demands++
		m.Before += dc.C.MetBefore
		m.After += dc.C.MetAfter

		bd := briefDemand{Unit: dc.Unit, Title: dc.Demand.Title, Measure: dc.Demand.Measure, Meeting: dc.Meeting, Before: dc.C.MetBefore, After: dc.C.MetAfter}
		switch {
		case dc.C.MetAfter > dc.C.MetBefore:
			b.Gain = append(b.Gain, bd)
		case dc.C.MetAfter < dc.C.MetBefore:
			b.Lose = append(b.Lose, bd)
		}
	}
	unit := func(name string, list []claimChangeView) briefUnit {
		bu := briefUnit{Unit: name, Claims: len(list)}
		for i, cl := range list {
			if i > 0 {
				bu.Lines += l.T("list.sep")
			}
			bu.Lines += fmt.Sprintf("%s → %s ×%d%s", cl.Resource.Title, cl.Demand.Title, cl.Quantity, cl.Demand.Measure)
		}
		return bu
	}
	for _, u := range d.Units {
		if len(u.Gained) > 0 {
			b.UnitsGain = append(b.UnitsGain, unit(u.Unit, u.Gained))
		}
		if len(u.Lost) > 0 {
			b.UnitsLose = append(b.UnitsLose, unit(u.Unit, u.Lost))
		}
	}
	return s.render(c, http.StatusOK, "brief", b)
}
