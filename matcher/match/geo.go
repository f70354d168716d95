package match

import (
	"math"

	"github.com/allymatch/allymatch/matcher"
)

// earthRadiusKM is the mean radius of the WGS-84 ellipsoid.
const earthRadiusKM = 6371.0088

// DistanceKM returns the great-circle (haversine) distance between a and b.
func DistanceKM(a, b matcher.GeoPoint) float64 {
	const rad = math.Pi / 180
	dlat := (b.Lat - a.Lat) * rad
	dlon := (b.Lon - a.Lon) * rad
	s := math.Sin(dlat/2)*math.Sin(dlat/2) + math.Cos(a.Lat*rad)*math.Cos(b.Lat*rad)*math.Sin(dlon/2)*math.Sin(dlon/2)
	return 2 * earthRadiusKM * math.Asin(math.Min(1, math.Sqrt(s)))
}

// cellDeg is the side of a spatial bucket in degrees of latitude (≈2.2 km).
const cellDeg = 0.02

type cell struct{ x, y int32 }

func cellOf(p matcher.GeoPoint) cell {
	return cell{int32(math.Floor(p.Lon / cellDeg)), int32(math.Floor(p.Lat / cellDeg))}
}

// cellsWithin calls fn for every cell that may hold a point within km of p.
func cellsWithin(p matcher.GeoPoint, km float64, fn func(cell)) {
	dlat := km / 111.0 // degrees of latitude per km, a little generous
	coslat := math.Cos(p.Lat * math.Pi / 180)
	dlon := dlat / math.Max(coslat, 0.01)
	x0 := int32(math.Floor((p.Lon - dlon) / cellDeg))
	x1 := int32(math.Floor((p.Lon + dlon) / cellDeg))
	y0 := int32(math.Floor((p.Lat - dlat) / cellDeg))
	y1 := int32(math.Floor((p.Lat + dlat) / cellDeg))
	for y := y0; y <= y1; y++ {
		for x := x0; x <= x1; x++ {
			fn(cell{x, y})
		}
	}
}
