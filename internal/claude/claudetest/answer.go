package claudetest

import (
	"fmt"
	"image"
	"strings"
)

// describe derives a realistic, deterministic record_photo input from the
// first image: keywords carry Token(bytes) and a "tone-R-G-B" term (the
// image's mean colour, each channel quantised to 0–7), so tests can check
// that every answer was mapped back to the right photo. A few keywords come
// mixed-case and duplicated, as a model's sometimes do, to exercise
// normalisation.
func describe(images []sentImage) map[string]any {
	if len(images) == 0 {
		return map[string]any{"description": "No image was provided.", "keywords": []string{}, "objects": []string{},
			"scene": "", "text_in_image": "", "people_count": 0, "colors": []string{}}
	}
	im := images[0]
	tok := Token(im.bytes)
	r, g, b := meanColor(im.img)
	tone := fmt.Sprintf("tone-%d-%d-%d", r>>5, g>>5, b>>5)
	color := colorName(r, g, b)
	orient := "landscape orientation"
	switch {
	case im.h > im.w:
		orient = "portrait orientation"
	case im.h == im.w:
		orient = "square format"
	}
	people := int(tok[3]) % 4
	// About as long as a real answer to our prompt (~600 characters of JSON).
	keywords := []string{tok, tone, color, orient, "Golden Hour", "photo", "Photo", "outdoors", "natural light",
		"calm", "texture", "wide shot", "travel", "countryside", "evening", "quiet mood", "soft shadows", "path"}
	return map[string]any{
		"description": fmt.Sprintf("A %s photo dominated by %s tones (%s), taken outdoors in soft evening light. "+
			"%d people are visible along a path that leads through the frame. The mood is calm and quiet.",
			strings.Fields(orient)[0], color, tok, people),
		"keywords":      keywords,
		"objects":       []string{"Sky", "tree", "path", "grass", "fence", "clouds"},
		"scene":         "Outdoor " + color + " scene",
		"text_in_image": "",
		"people_count":  people,
		"colors":        []string{color, "White"},
	}
}

func meanColor(img image.Image) (r, g, b uint32) {
	bd := img.Bounds()
	var sr, sg, sb, n uint64
	step := max(1, min(bd.Dx(), bd.Dy())/64)
	for y := bd.Min.Y; y < bd.Max.Y; y += step {
		for x := bd.Min.X; x < bd.Max.X; x += step {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			sr += uint64(cr >> 8)
			sg += uint64(cg >> 8)
			sb += uint64(cb >> 8)
			n++
		}
	}
	return uint32(sr / n), uint32(sg / n), uint32(sb / n)
}

func colorName(r, g, b uint32) string {
	type named struct {
		name    string
		r, g, b int
	}
	palette := []named{{"black", 0, 0, 0}, {"white", 255, 255, 255}, {"grey", 128, 128, 128}, {"red", 200, 30, 30},
		{"green", 40, 160, 60}, {"blue", 40, 80, 200}, {"yellow", 230, 210, 40}, {"orange", 240, 140, 30},
		{"purple", 130, 50, 160}, {"brown", 120, 80, 40}, {"pink", 240, 150, 180}, {"teal", 30, 140, 140}}
	best, bestD := "grey", 1<<31
	for _, p := range palette {
		dr, dg, db := int(r)-p.r, int(g)-p.g, int(b)-p.b
		if d := dr*dr + dg*dg + db*db; d < bestD {
			best, bestD = p.name, d
		}
	}
	return best
}
