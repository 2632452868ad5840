package httpapi

import (
	"net/http"
	"time"
)

// timelineParams are GET /api/v1/timeline's parameters.
type timelineParams struct {
	By string `query:"by" enum:"month,day" default:"month" description:"Count by month or by day."`
	filterParams
}

// periodJSON is one month or day of the timeline.
type periodJSON struct {
	Period string `json:"period" description:"The month (2024-06) or day (2024-06-30), by the camera's clock."`
	From   string `json:"from" description:"Its first day: the from= of GET /api/v1/photos for its photos."`
	To     string `json:"to" description:"Its last day: the to= (inclusive) of GET /api/v1/photos for its photos."`
	Count  int    `json:"count"`
}

// timelineJSON is GET /api/v1/timeline's answer.
type timelineJSON struct {
	By      string       `json:"by" enum:"month,day"`
	Periods []periodJSON `json:"periods" nullable:"false" description:"Newest first; periods without photos are left out."`
	Undated int          `json:"undated" description:"Photos without a capture time (GET /api/v1/photos?undated=true)."`
	Total   int          `json:"total"`
}

// timeline counts the user's photos by month or day, so the timeline page
// can lay out every section and its year scrubber at once and load each
// section's photos (GET /api/v1/photos?from=&to=) only as it scrolls near.
func (s *Server) timeline(w http.ResponseWriter, r *http.Request) error {
	var p timelineParams
	if err := bindParams(r, &p); err != nil {
		return err
	}
	f, err := p.filter()
	if err != nil {
		return err
	}
	byDay := p.By == "day"
	counts, undated, err := s.d.DB.PhotoDates(r.Context(), userID(r), f, byDay)
	if err != nil {
		return err
	}
	out := timelineJSON{By: p.By, Periods: make([]periodJSON, 0, len(counts)), Undated: undated, Total: undated}
	for _, c := range counts {
		layout := "2006-01"
		if byDay {
			layout = "2006-01-02"
		}
		start, err := time.Parse(layout, c.Period)
		if err != nil {
			continue // not a date the store wrote; cannot be paged to
		}
		end := start.AddDate(0, 1, -1)
		if byDay {
			end = start
		}
		out.Periods = append(out.Periods, periodJSON{Period: c.Period, From: start.Format(time.DateOnly), To: end.Format(time.DateOnly), Count: c.Count})
		out.Total += c.Count
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
