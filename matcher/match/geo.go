package match

import (
	"math"

	"github.com/allymatch/allymatch/matcher"
)

// earthRadiusKM is the mean radius of the WGS-84 ellipsoid.
const earthRadiusKM = 6371.0088

const rad = math.Pi / 180

// DistanceKM returns the great-circle (haversine) distance between a and b.
func DistanceKM(a, b matcher.GeoPoint) float64 {
	return haversineKM(a, b, cosLat(a), cosLat(b))
}

// cosLat is the cosine of p's latitude, as DistanceKM uses it.
func cosLat(p matcher.GeoPoint) float64 { return math.Cos(p.Lat * rad) }

// haversineKM is DistanceKM with the cosines of both latitudes given
// (cosLat), so that candidate rows compute them once per party: the same
// operations on the same values, so the same result to the bit.
func haversineKM(a, b matcher.GeoPoint, cosA, cosB float64) float64 {
	dlat := (b.Lat - a.Lat) * rad
	dlon := (b.Lon - a.Lon) * rad
	sinLat, sinLon := math.Sin(dlat/2), math.Sin(dlon/2)
	s := sinLat*sinLat + cosA*cosB*sinLon*sinLon
	return 2 * earthRadiusKM * math.Asin(math.Min(1, math.Sqrt(s)))
}

// unitVector returns p as a point on the unit sphere.
func unitVector(p matcher.GeoPoint) [3]float64 {
	sinLat, cosLat := math.Sincos(p.Lat * rad)
	sinLon, cosLon := math.Sincos(p.Lon * rad)
	return [3]float64{cosLat * cosLon, cosLat * sinLon, sinLat}
}

// chord2 is the squared straight-line distance between two points of the
// unit sphere. It equals 4·s of the haversine formula (s = sin²(θ/2) for
// the central angle θ), so it orders pairs as DistanceKM does.
func chord2(a, b *[3]float64) float64 {
	x, y, z := a[0]-b[0], a[1]-b[1], a[2]-b[2]
	return x*x + y*y + z*z
}

// chord2Within is the chord2 of two points km apart on the sphere (+Inf
// when km reaches half the circumference, which no two points exceed).
func chord2Within(km float64) float64 {
	half := km / (2 * earthRadiusKM)
	if !(half < math.Pi/2) {
		return math.Inf(1)
	}
	s := math.Sin(half)
	return 4 * s * s
}

// surelyFarther reports whether two points whose chord2 is c are certainly
// farther apart than a radius whose chord2Within is lim, by a margin far
// above the rounding of either computation (relative 1e-7, and 1e-14 of the
// unit sphere, about 0.6 m, for tiny radii), so that it never disagrees
// with comparing DistanceKM to the radius; near the edge it answers false
// and the caller computes DistanceKM. NaN coordinates answer false too.
func surelyFarther(c, lim float64) bool {
	return c > lim*(1+1e-7)+1e-14
}

// surelyNearer is surelyFarther's other side: whether two points whose
// chord2 is c are certainly within the radius whose chord2Within is lim,
// by the same margin, so that it never disagrees with comparing
// DistanceKM to the radius either. NaN coordinates answer false.
func surelyNearer(c, lim float64) bool {
	return c < lim*(1-1e-7)-1e-14
}

// cellDeg is the side of a spatial bucket in degrees of latitude (≈2.2 km).
const cellDeg = 0.02

type cell struct{ x, y int32 }

func cellOf(p matcher.GeoPoint) cell {
	return cell{int32(math.Floor(p.Lon / cellDeg)), int32(math.Floor(p.Lat / cellDeg))}
}

// cellRange returns the cells (x0..x1, y0..y1) that may hold a point within
// km of p.
func cellRange(p matcher.GeoPoint, km float64) (x0, x1, y0, y1 int32) {
	dlat := km / 111.0 // degrees of latitude per km, a little generous
	coslat := math.Cos(p.Lat * math.Pi / 180)
	dlon := dlat / math.Max(coslat, 0.01)
	x0 = int32(math.Floor((p.Lon - dlon) / cellDeg))
	x1 = int32(math.Floor((p.Lon + dlon) / cellDeg))
	y0 = int32(math.Floor((p.Lat - dlat) / cellDeg))
	y1 = int32(math.Floor((p.Lat + dlat) / cellDeg))
	return x0, x1, y0, y1
}
