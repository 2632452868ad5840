// Package place names where a photo was taken from its GPS position,
// offline: the nearest of ~10,000 cities of github.com/tidwall/cities (a
// Go package that carries its own data, public domain; there is no network
// look-up), so "Berlin" and "Iceland" find photos and the photo page says
// where it was taken.
//
// The name is "City, Country" when a city is within CityRadiusKm, just
// "Country" when the nearest city is within CountryRadiusKm (the highlands
// between towns), and nothing farther out (the open sea). The country is
// the nearest city's, which can be the neighbour's close to a border: a
// photo is found by the places around it, not surveyed.
package place

import (
	"math"
	"sort"

	"github.com/tidwall/cities"
)

const (
	// CityRadiusKm is how near a city must be to name the photo's place.
	CityRadiusKm = 40
	// CountryRadiusKm is how near the nearest city must be for its country
	// to name the place when no city is near enough.
	CountryRadiusKm = 250
	earthKm         = 6371.0
)

// byLat is the cities sorted by latitude, so a look-up scans only the
// band of latitudes that can be near enough.
var byLat = func() []cities.City {
	cs := append([]cities.City(nil), cities.Cities...)
	sort.Slice(cs, func(i, j int) bool { return cs[i].Latitude < cs[j].Latitude })
	return cs
}()

// Name is the place of a position (decimal degrees): "City, Country",
// "Country", or "" when nothing is near (or the position is not one).
func Name(lat, lon float64) string {
	if math.IsNaN(lat) || math.IsNaN(lon) || lat < -90 || lat > 90 || lon < -180 || lon > 180 || (lat == 0 && lon == 0) {
		return ""
	}
	c, km, ok := nearest(lat, lon, CountryRadiusKm)
	switch {
	case !ok:
		return ""
	case km <= CityRadiusKm:
		return c.City + ", " + c.Country
	}
	return c.Country
}

// nearest finds the city nearest to the position within maxKm.
func nearest(lat, lon, maxKm float64) (cities.City, float64, bool) {
	band := maxKm / earthKm * 180 / math.Pi // degrees of latitude in maxKm
	lo := sort.Search(len(byLat), func(i int) bool { return byLat[i].Latitude >= lat-band })
	var best cities.City
	bestKm, found := maxKm, false
	for _, c := range byLat[lo:] {
		if c.Latitude > lat+band {
			break
		}
		if km := distanceKm(lat, lon, c.Latitude, c.Longitude); km <= bestKm {
			best, bestKm, found = c, km, true
		}
	}
	return best, bestKm, found
}

// distanceKm is the great-circle distance (haversine).
func distanceKm(lat1, lon1, lat2, lon2 float64) float64 {
	rad := math.Pi / 180
	dLat, dLon := (lat2-lat1)*rad, (lon2-lon1)*rad
	a := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * earthKm * math.Asin(math.Min(1, math.Sqrt(a)))
}
