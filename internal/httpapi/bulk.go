package httpapi

import (
	"net/http"
	"strings"

	"github.com/targetvision/targetvision/internal/plaintext"
	"github.com/targetvision/targetvision/internal/store"
)

// Bulk work on a selection of photos: keywords added or removed as the
// person's own edits, and the person's own albums (collections), plain or
// saved searches. Every id must be the caller's, or nothing happens (404).

// maxBulkPhotos bounds one bulk request's selection.
const maxBulkPhotos = 1000

// keywordEdit is POST /api/v1/photos/keywords's body.
type keywordEdit struct {
	PhotoIDs []int64  `json:"photo_ids" minItems:"1" maxItems:"1000" description:"Your photos to change."`
	Add      []string `json:"add,omitempty" maxItems:"50" description:"Keywords to add to each (after its own)."`
	Remove   []string `json:"remove,omitempty" maxItems:"50" description:"Keywords to take off each, the file's and Claude's too (case-insensitive)."`
}

// keywordEditResult says how many photos changed.
type keywordEditResult struct {
	Updated int `json:"updated" description:"Photos whose keywords changed."`
}

func checkSelection(ids []int64) error {
	if len(ids) == 0 {
		return errBadRequest("photo_ids names no photo")
	}
	if len(ids) > maxBulkPhotos {
		return errBadRequest("at most %d photos at once, not %d", maxBulkPhotos, len(ids))
	}
	for _, id := range ids {
		if id < 1 {
			return errBadRequest("photo_ids must be photo ids")
		}
	}
	return nil
}

func (s *Server) editKeywords(w http.ResponseWriter, r *http.Request) error {
	var in keywordEdit
	if err := decode(r, &in); err != nil {
		return err
	}
	if err := checkSelection(in.PhotoIDs); err != nil {
		return err
	}
	if len(in.Add) > 50 || len(in.Remove) > 50 {
		return errBadRequest("at most 50 keywords to add and 50 to remove")
	}
	add, err := cleanKeywords(in.Add)
	if err != nil {
		return err
	}
	remove, err := cleanKeywords(in.Remove)
	if err != nil {
		return err
	}
	if len(add) == 0 && len(remove) == 0 {
		return errBadRequest("give keywords to add or to remove")
	}
	n, err := s.d.DB.EditKeywords(r.Context(), userID(r), in.PhotoIDs, add, remove)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, keywordEditResult{Updated: n})
	return nil
}

// collectionJSON is one of the person's own albums.
type collectionJSON struct {
	ID         int64  `json:"id"`
	Name       string `json:"name"`
	Query      string `json:"query" description:"A saved search's query (a smart album: its photos are the search's); empty for a plain collection."`
	PhotoCount int    `json:"photo_count" description:"A plain collection's photos; 0 for a saved search."`
}

type collectionList struct {
	Collections []collectionJSON `json:"collections" nullable:"false"`
}

func toCollectionJSON(c store.Collection) collectionJSON {
	return collectionJSON{ID: c.ID, Name: plaintext.Line(c.Name), Query: plaintext.Line(c.Query), PhotoCount: c.PhotoCount}
}

func (s *Server) listCollections(w http.ResponseWriter, r *http.Request) error {
	cs, err := s.d.DB.Collections(r.Context(), userID(r))
	if err != nil {
		return err
	}
	out := collectionList{Collections: make([]collectionJSON, len(cs))}
	for i, c := range cs {
		out.Collections[i] = toCollectionJSON(c)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// newCollection is POST /api/v1/collections's body.
type newCollection struct {
	Name     string  `json:"name" minLength:"1" maxLength:"200"`
	Query    string  `json:"query,omitempty" maxLength:"500" description:"Makes it a saved search (a smart album) of this query."`
	PhotoIDs []int64 `json:"photo_ids,omitempty" maxItems:"1000" description:"Your photos to put in it at once (not for a saved search)."`
}

func (s *Server) createCollection(w http.ResponseWriter, r *http.Request) error {
	var in newCollection
	if err := decode(r, &in); err != nil {
		return err
	}
	name, query := strings.TrimSpace(plaintext.Line(in.Name)), strings.TrimSpace(in.Query)
	if name == "" || len(name) > 200 || len(query) > 500 {
		return errBadRequest("a collection needs a name of at most 200 characters (and a query of at most 500)")
	}
	if query != "" && len(in.PhotoIDs) > 0 {
		return errBadRequest("a saved search holds no photos: give a query or photo_ids, not both")
	}
	if len(in.PhotoIDs) > 0 {
		if err := checkSelection(in.PhotoIDs); err != nil {
			return err
		}
		// The photos first: a request naming another user's photo makes
		// nothing.
		if _, err := s.ownPhotos(r.Context(), userID(r), uniqueIDs(in.PhotoIDs)); err != nil {
			return err
		}
	}
	uid := userID(r)
	c, err := s.d.DB.CreateCollection(r.Context(), uid, name, query)
	if err != nil {
		return err
	}
	if len(in.PhotoIDs) > 0 {
		if err := s.d.DB.ChangeCollection(r.Context(), uid, c.ID, in.PhotoIDs, nil); err != nil {
			return err
		}
	}
	if c, err = s.d.DB.CollectionByID(r.Context(), uid, c.ID); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, toCollectionJSON(c))
	return nil
}

// collectionParams name one collection.
type collectionParams struct {
	ID int64 `path:"id" minimum:"1" description:"Collection id."`
}

// collectionChange is POST /api/v1/collections/{id}/photos's body.
type collectionChange struct {
	Add    []int64 `json:"add,omitempty" maxItems:"1000" description:"Your photos to put in the collection."`
	Remove []int64 `json:"remove,omitempty" maxItems:"1000" description:"Photos to take out of it (they stay in the library)."`
}

func (s *Server) changeCollection(w http.ResponseWriter, r *http.Request) error {
	var p collectionParams
	if err := bindParams(r, &p); err != nil {
		return err
	}
	var in collectionChange
	if err := decode(r, &in); err != nil {
		return err
	}
	if err := checkSelection(append(append([]int64{}, in.Add...), in.Remove...)); err != nil {
		return err
	}
	uid := userID(r)
	c, err := s.d.DB.CollectionByID(r.Context(), uid, p.ID)
	if err != nil {
		return err
	}
	if c.Query != "" && len(in.Add) > 0 {
		return &apiError{status: http.StatusConflict, code: "saved_search", msg: "this collection is a saved search: its photos are its search's, so none can be put in it"}
	}
	if err := s.d.DB.ChangeCollection(r.Context(), uid, p.ID, in.Add, in.Remove); err != nil {
		return err
	}
	if c, err = s.d.DB.CollectionByID(r.Context(), uid, p.ID); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toCollectionJSON(c))
	return nil
}

func (s *Server) deleteCollection(w http.ResponseWriter, r *http.Request) error {
	var p collectionParams
	if err := bindParams(r, &p); err != nil {
		return err
	}
	if err := s.d.DB.DeleteCollection(r.Context(), userID(r), p.ID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// uniqueIDs is ids without repeats, in their first order.
func uniqueIDs(ids []int64) []int64 {
	out := make([]int64, 0, len(ids))
	seen := make(map[int64]bool, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
