package smugmug

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Suggestion is generated text offered for write-back.
type Suggestion struct {
	Keywords []string
	Caption  string
}

// ImageText is the owner-visible text of an image.
type ImageText struct {
	Caption  string
	Keywords []string
}

// WriteRecord is the plan, and after a write the outcome, of one
// write-back; callers store it (before/after) as the audit trail.
type WriteRecord struct {
	ImageKey string
	URI      string
	Before   ImageText
	After    ImageText         // planned (dry run) or as SmugMug stored it
	Fields   map[string]string // the PATCH body; empty when nothing changes
	DryRun   bool
	Written  bool // a PATCH succeeded
	// LastUpdated is the image's LastUpdated after the write; store it so
	// the next sync does not take our edit for the owner's.
	LastUpdated time.Time
}

// Changed reports whether the write-back changes (or would change) anything.
func (r WriteRecord) Changed() bool { return len(r.Fields) > 0 }

// PlanWriteBack merges s into the image's text without ever removing or
// replacing the owner's: keywords are the owner's (order and spelling kept)
// followed by the new generated ones, de-duplicated case-insensitively and
// written in SmugMug's "a; b; c" format; the caption is set only when the
// image has none. Fields is empty when nothing would change.
func PlanWriteBack(im Image, s Suggestion) WriteRecord {
	rec := WriteRecord{
		ImageKey: im.ImageKey, URI: im.URI,
		Before:      ImageText{Caption: im.Caption, Keywords: slices.Clone(im.Keywords)},
		Fields:      map[string]string{},
		LastUpdated: im.LastUpdated,
	}
	rec.After = rec.Before
	merged := normalizeKeywords(append(slices.Clone(im.Keywords), s.Keywords...))
	if len(merged) > len(normalizeKeywords(im.Keywords)) {
		rec.After.Keywords = merged
		rec.Fields["Keywords"] = JoinKeywords(merged)
	}
	if caption := strings.TrimSpace(s.Caption); caption != "" && strings.TrimSpace(im.Caption) == "" {
		rec.After.Caption = caption
		rec.Fields["Caption"] = caption
	}
	return rec
}

// WriteBack re-reads the image (so the owner's latest text is what is
// merged into), plans with PlanWriteBack and, unless dryRun or there is
// nothing to change, PATCHes only the changed fields. The token needs
// Modify permission; without it SmugMug answers 401 (ErrUnauthorized).
func (c *Client) WriteBack(ctx context.Context, imageURI string, s Suggestion, dryRun bool) (WriteRecord, error) {
	im, err := c.Image(ctx, imageURI)
	if err != nil {
		return WriteRecord{}, fmt.Errorf("smugmug: write-back: %w", err)
	}
	rec := PlanWriteBack(im, s)
	rec.DryRun = dryRun
	if dryRun || !rec.Changed() {
		return rec, nil
	}
	after, err := c.PatchImage(ctx, im.URI, rec.Fields)
	if err != nil {
		return rec, fmt.Errorf("smugmug: write-back: %w", err)
	}
	rec.Written = true
	rec.After = ImageText{Caption: after.Caption, Keywords: after.Keywords}
	rec.LastUpdated = after.LastUpdated
	c.log.InfoContext(ctx, "smugmug write-back", "image_key", im.ImageKey, "fields", len(rec.Fields))
	return rec, nil
}
