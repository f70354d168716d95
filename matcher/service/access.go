package service

import (
	"github.com/allymatch/allymatch/matcher"
	"github.com/allymatch/allymatch/matcher/index"
)

// The access rules live beside the domain types (matcher/access.go). These
// names forward to them for matcher/notify, which still calls them here.

func Within(r index.Reader, ancestor, alliance string) bool {
	return matcher.Within(r, ancestor, alliance)
}

func CanRunMeeting(r index.Reader, a matcher.Actor, alliance string) bool {
	return matcher.CanRunMeeting(r, a, alliance)
}

func CanSeeUnit(r index.Reader, a matcher.Actor, unit string) bool {
	return matcher.CanSeeUnit(r, a, unit)
}

func CanWriteUnit(r index.Reader, a matcher.Actor, unit string) bool {
	return matcher.CanWriteUnit(r, a, unit)
}

func CanSeeItem(r index.Reader, a matcher.Actor, it *matcher.Item) bool {
	return matcher.CanSeeItem(r, a, it)
}

func CanSeeClaim(r index.Reader, a matcher.Actor, c *matcher.Claim) bool {
	return matcher.CanSeeClaim(r, a, c)
}

func CanSeeAlliance(r index.Reader, a matcher.Actor, id string) bool {
	return matcher.CanSeeAlliance(r, a, id)
}

func CanSeeEvent(r index.Reader, a matcher.Actor, ev *matcher.Event) bool {
	return matcher.CanSeeEvent(r, a, ev)
}
