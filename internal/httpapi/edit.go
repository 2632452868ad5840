package httpapi

import (
	"net/http"
	"slices"
	"strings"

	"github.com/targetvision/targetvision/internal/plaintext"
	"github.com/targetvision/targetvision/internal/store"
)

// photoPatch is the body of PATCH /api/v1/photos/{id}: the fields given
// change, the others stay.
type photoPatch struct {
	Caption  *string   `json:"caption,omitempty" maxLength:"2000" description:"Your caption; it replaces the file's or SmugMug's."`
	Keywords *[]string `json:"keywords,omitempty" maxItems:"200" description:"Your keywords; they replace the file's and Claude's, so one you remove stays removed when the photo is described again."`
	Rating   *int      `json:"rating,omitempty" minimum:"-1" maximum:"5" description:"Stars 0-5, -1 rejected; replaces the file's rating."`
	Favorite *bool     `json:"favorite,omitempty"`
	Reset    bool      `json:"reset,omitempty" description:"Drop your caption, keywords and rating first: back to the file's and Claude's words."`
}

// editedJSON says which of a photo's words are the person's own.
type editedJSON struct {
	Caption  bool `json:"caption"`
	Keywords bool `json:"keywords"`
	Rating   bool `json:"rating"`
}

func (s *Server) patchPhoto(w http.ResponseWriter, r *http.Request) error {
	var pp photoParams
	if err := bindParams(r, &pp); err != nil {
		return err
	}
	var in photoPatch
	if err := decode(r, &in); err != nil {
		return err
	}
	e := store.PhotoEdit{Favorite: in.Favorite, Reset: in.Reset}
	if in.Caption != nil {
		c := strings.TrimSpace(*in.Caption)
		if len(c) > 2000 {
			return errBadRequest("caption is longer than 2000 characters")
		}
		e.Caption = &c
	}
	if in.Keywords != nil {
		kws, err := cleanKeywords(*in.Keywords)
		if err != nil {
			return err
		}
		e.Keywords = &kws
	}
	if in.Rating != nil {
		if *in.Rating < -1 || *in.Rating > 5 {
			return errBadRequest("rating must be -1 (rejected) to 5")
		}
		e.Rating = in.Rating
	}
	if err := s.d.DB.SetPhotoEdits(r.Context(), userID(r), pp.ID, e); err != nil {
		return err
	}
	return s.getPhoto(w, r)
}

// cleanKeywords trims keywords, drops empty ones and repeats
// (case-insensitive) and checks the bounds: at most 200, each at most 100
// bytes. The photo edit and the bulk edit share it.
func cleanKeywords(in []string) ([]string, error) {
	if len(in) > 200 {
		return nil, errBadRequest("at most 200 keywords")
	}
	kws := []string{}
	for _, k := range in {
		k = plaintext.Line(strings.TrimSpace(k))
		if len(k) > 100 {
			return nil, errBadRequest("a keyword is longer than 100 characters")
		}
		if k != "" && !slices.ContainsFunc(kws, func(x string) bool { return strings.EqualFold(x, k) }) {
			kws = append(kws, k)
		}
	}
	return kws, nil
}
