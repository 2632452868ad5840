package place

import "testing"

func TestName(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name     string
		lat, lon float64
		want     string
	}{
		{"Brandenburg Gate", 52.5163, 13.3777, "Berlin, Germany"},
		{"Reykjavik harbour", 64.1500, -21.9400, "Reykjavik, Iceland"},
		{"Icelandic highlands, far from towns", 64.80, -18.00, "Iceland"},
		{"Yosemite (the shared issue-exifr-59.jpg)", 37.7468, -119.5299, "United States"},
		{"southern hemisphere, western longitude: Buenos Aires", -34.6037, -58.3816, "Buenos Aires, Argentina"},
		{"the middle of the Atlantic", 30.0, -40.0, ""},
		{"0,0 is a camera's missing fix, not the Gulf of Guinea", 0, 0, ""},
		{"not a position", 91, 10, ""},
	} {
		if got := Name(tt.lat, tt.lon); got != tt.want {
			t.Errorf("%s (%v, %v): %q, want %q", tt.name, tt.lat, tt.lon, got, tt.want)
		}
	}
}

// TestNearestMatchesAFullScan: the latitude band finds what a scan of
// every city finds.
func TestNearestMatchesAFullScan(t *testing.T) {
	t.Parallel()
	for lat := -60.0; lat <= 70; lat += 7.3 {
		for lon := -170.0; lon <= 170; lon += 11.9 {
			got, gotKm, ok := nearest(lat, lon, CountryRadiusKm)
			var want string
			bestKm := float64(CountryRadiusKm)
			for _, c := range byLat {
				if km := distanceKm(lat, lon, c.Latitude, c.Longitude); km <= bestKm {
					want, bestKm = c.City+"/"+c.Country, km
				}
			}
			if (want != "") != ok || ok && (got.City+"/"+got.Country != want || gotKm != bestKm) {
				t.Errorf("(%v, %v): band found %q %v, full scan %q", lat, lon, got.City, ok, want)
			}
		}
	}
}
