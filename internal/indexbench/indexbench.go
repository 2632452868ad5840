// Package indexbench measures what indexing full-size photos costs, beside
// libjpeg-turbo's djpeg on the same files in the same run: it generates
// realistic large JPEGs deterministically (a smooth random scene upscaled
// with Catmull-Rom, ±8 noise, quality 90, like a camera's output), then
// reports CPU milliseconds per photo for decoding alone (djpeg, Go's
// image/jpeg, internal/jpegdec at full size, 1/2 and 3/8, the scale a 24 MP
// photo's rendition is decoded at), for photo.Process (decode, EXIF, hash,
// rendition and thumbnail) and for a whole index run through the pipeline
// into a scratch SQLite store (CLIP and Claude left out).
package indexbench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	stdjpeg "image/jpeg"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"text/tabwriter"
	"time"

	"golang.org/x/image/draw"

	"github.com/targetvision/targetvision/internal/jobs"
	"github.com/targetvision/targetvision/internal/jpegdec"
	"github.com/targetvision/targetvision/internal/photo"
	"github.com/targetvision/targetvision/internal/pipeline"
	"github.com/targetvision/targetvision/internal/store"
)

// Options configure a run. Zero fields take the documented defaults.
type Options struct {
	// Photos is how many photos are generated and indexed. Default 12.
	Photos int
	// Megapixels is each photo's size, 3:2. Default 24 (6000×4000).
	Megapixels float64
	// Dir keeps the generated photos (and the scratch store) there;
	// default a temporary folder removed afterwards.
	Dir string
	// Workers is the pipeline's concurrency for the index row. Default 1,
	// so CPU per photo is not blurred by two photos competing for caches.
	Workers int
	// Out receives the table.
	Out io.Writer
}

// Row is one measured step.
type Row struct {
	Step string
	// CPUms is user+system CPU time per photo, in milliseconds.
	CPUms float64
	// Wallms is elapsed time per photo.
	Wallms float64
}

// Report is a run's result.
type Report struct {
	Photos        int
	Width, Height int
	AvgBytes      int64
	Rows          []Row
	// DjpegMissing is set when djpeg is not installed; its rows are absent.
	DjpegMissing bool
}

// Run generates the photos, measures every step and prints the table.
func Run(ctx context.Context, o Options) (Report, error) {
	if o.Photos <= 0 {
		o.Photos = 12
	}
	if o.Megapixels <= 0 {
		o.Megapixels = 24
	}
	if o.Workers <= 0 {
		o.Workers = 1
	}
	if o.Out == nil {
		o.Out = io.Discard
	}
	dir := o.Dir
	if dir == "" {
		d, err := os.MkdirTemp("", "tv-bench-index-")
		if err != nil {
			return Report{}, fmt.Errorf("indexbench: %w", err)
		}
		defer os.RemoveAll(d)
		dir = d
	}
	h := int(math.Sqrt(o.Megapixels*1e6/1.5) + 0.5)
	w := h * 3 / 2
	rep := Report{Photos: o.Photos, Width: w, Height: h}
	photos := filepath.Join(dir, fmt.Sprintf("photos-%dx%d-%d", w, h, o.Photos))
	files, err := Generate(ctx, photos, o.Photos, w, h)
	if err != nil {
		return rep, err
	}
	for _, f := range files {
		if st, err := os.Stat(f); err == nil {
			rep.AvgBytes += st.Size() / int64(len(files))
		}
	}

	add := func(step string, cpu, wall time.Duration) {
		n := float64(len(files))
		rep.Rows = append(rep.Rows, Row{Step: step, CPUms: float64(cpu.Microseconds()) / 1000 / n, Wallms: float64(wall.Microseconds()) / 1000 / n})
	}
	if _, err := exec.LookPath("djpeg"); err != nil {
		rep.DjpegMissing = true
	} else {
		for _, scale := range []string{"", "1/2", "1/4"} {
			cpu, wall, err := djpeg(ctx, files, scale)
			if err != nil {
				return rep, err
			}
			step := "djpeg (libjpeg-turbo), full decode"
			if scale != "" {
				step = "djpeg -scale " + scale
			}
			add(step, cpu, wall)
		}
	}
	steps := []struct {
		name string
		run  func(data []byte, path string) error
	}{
		{"Go image/jpeg, full decode", func(data []byte, _ string) error {
			_, err := stdjpeg.Decode(bytes.NewReader(data))
			return err
		}},
		{"jpegdec, full decode", func(data []byte, _ string) error {
			_, _, err := jpegdec.DecodeScaled(bytes.NewReader(data), 1)
			return err
		}},
		{"jpegdec, decode at 1/2", func(data []byte, _ string) error {
			_, _, err := jpegdec.DecodeScaled(bytes.NewReader(data), 2)
			return err
		}},
		{"jpegdec, decode at 3/8", func(data []byte, _ string) error {
			_, _, err := jpegdec.DecodeEighths(bytes.NewReader(data), 3)
			return err
		}},
		{"photo.Process (read, hash, EXIF, decode, rendition, thumbnail)", func(_ []byte, path string) error {
			out := filepath.Join(dir, "out")
			_, err := photo.Process(ctx, path, photo.Limits{}, photo.Outputs{
				ThumbPath: filepath.Join(out, "t.jpg"), RenditionPath: filepath.Join(out, "r.jpg")})
			return err
		}},
	}
	for _, s := range steps {
		cpu, wall, err := measure(func() error {
			for _, f := range files {
				if err := ctx.Err(); err != nil {
					return err
				}
				data, err := os.ReadFile(f)
				if err != nil {
					return err
				}
				if err := s.run(data, f); err != nil {
					return fmt.Errorf("%s: %s: %w", s.name, f, err)
				}
			}
			return nil
		})
		if err != nil {
			return rep, fmt.Errorf("indexbench: %w", err)
		}
		add(s.name, cpu, wall)
	}
	cpu, wall, err := measure(func() error { return index(ctx, dir, photos, o.Workers) })
	if err != nil {
		return rep, err
	}
	add(fmt.Sprintf("index (sync and process jobs, SQLite, %d worker)", o.Workers), cpu, wall)
	rep.print(o.Out)
	return rep, nil
}

// print writes the table, each step also as a multiple of djpeg's full
// decode.
func (r Report) print(w io.Writer) {
	fmt.Fprintf(w, "bench index: %d photos of %d×%d (%.1f MP), JPEG quality 90 4:2:0, %.1f MB on average\n",
		r.Photos, r.Width, r.Height, float64(r.Width*r.Height)/1e6, float64(r.AvgBytes)/1e6)
	if r.DjpegMissing {
		fmt.Fprintln(w, "djpeg not found (Debian: libjpeg-turbo-progs): no libjpeg reference")
	}
	var ref float64
	for _, row := range r.Rows {
		if row.Step == "djpeg (libjpeg-turbo), full decode" {
			ref = row.CPUms
		}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "step\tCPU ms/photo\twall ms/photo\t× djpeg CPU\t")
	for _, row := range r.Rows {
		x := "-"
		if ref > 0 {
			x = fmt.Sprintf("%.2f", row.CPUms/ref)
		}
		fmt.Fprintf(tw, "%s\t%.0f\t%.0f\t%s\t\n", row.Step, row.CPUms, row.Wallms, x)
	}
	tw.Flush()
}

// measure runs fn and returns the process's CPU time (user + system, all
// threads) and the wall time it took.
func measure(fn func() error) (cpu, wall time.Duration, err error) {
	before, start := cpuTime(), time.Now()
	err = fn()
	return cpuTime() - before, time.Since(start), err
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// djpeg decodes every file with libjpeg-turbo's djpeg to /dev/null and
// returns the children's CPU time.
func djpeg(ctx context.Context, files []string, scale string) (cpu, wall time.Duration, err error) {
	start := time.Now()
	for _, f := range files {
		args := []string{"-outfile", os.DevNull}
		if scale != "" {
			args = append(args, "-scale", scale)
		}
		cmd := exec.CommandContext(ctx, "djpeg", append(args, f)...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			return 0, 0, fmt.Errorf("indexbench: djpeg %s: %w: %s", f, err, stderr.String())
		}
		cpu += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	return cpu, time.Since(start), nil
}

// index runs a whole index of the folder into a scratch store in dir, as
// `targetvision index` does without CLIP and Claude.
func index(ctx context.Context, dir, photos string, workers int) error {
	data := filepath.Join(dir, "data")
	if err := os.RemoveAll(data); err != nil { // a kept --dir's last store
		return fmt.Errorf("indexbench: %w", err)
	}
	db, err := store.Open(ctx, filepath.Join(data, "bench.db"), store.Options{})
	if err != nil {
		return fmt.Errorf("indexbench: %w", err)
	}
	defer db.Close()
	u, err := db.EnsureDefaultUser(ctx)
	if err != nil {
		return fmt.Errorf("indexbench: %w", err)
	}
	src, err := db.CreateSource(ctx, store.Source{UserID: u.ID, Kind: store.SourceLocal, Name: photos, Path: photos})
	if err != nil {
		return fmt.Errorf("indexbench: %w", err)
	}
	p := pipeline.New(db, pipeline.Options{DataDir: data})
	if _, err := p.SyncSource(ctx, src, false); err != nil {
		return fmt.Errorf("indexbench: %w", err)
	}
	r := jobs.New(db, jobs.Config{Workers: workers})
	p.Register(r)
	// Only sync and process jobs have handlers here; embed and describe
	// jobs wait in the queue, as they do without a model or an API key.
	if err := r.RunUntilIdle(ctx); err != nil {
		return fmt.Errorf("indexbench: %w", err)
	}
	n, err := db.CountPhotos(ctx, u.ID)
	if err != nil {
		return fmt.Errorf("indexbench: %w", err)
	}
	if n[store.PhotoReady] == 0 || n[store.PhotoFailed] > 0 {
		return fmt.Errorf("indexbench: index left %v", n)
	}
	return nil
}

// Generate writes n deterministic w×h JPEGs (quality 90) into dir, reusing
// files already there, and returns their paths. Each is a smooth random
// scene (blobs of colour over a gradient, as a soft-focus photo) upscaled
// with Catmull-Rom from a small render, with ±8 per-channel noise: close to
// a camera JPEG in size and in how hard it is to decode.
func Generate(ctx context.Context, dir string, n, w, h int) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("indexbench: %w", err)
	}
	var files []string
	for i := range n {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		path := filepath.Join(dir, fmt.Sprintf("bench-%dx%d-%03d.jpg", w, h, i))
		files = append(files, path)
		if _, err := os.Stat(path); err == nil {
			continue
		} else if !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("indexbench: %w", err)
		}
		img := scene(uint64(i), w, h)
		var buf bytes.Buffer
		if err := stdjpeg.Encode(&buf, img, &stdjpeg.Options{Quality: 90}); err != nil {
			return nil, fmt.Errorf("indexbench: %w", err)
		}
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			return nil, fmt.Errorf("indexbench: %w", err)
		}
	}
	return files, nil
}

// scene renders photo seed's picture at w×h.
func scene(seed uint64, w, h int) *image.RGBA {
	rng := rand.New(rand.NewPCG(seed, 0x7461726765747669))
	sw, sh := max(1, w/10), max(1, h/10)
	small := image.NewRGBA(image.Rect(0, 0, sw, sh))
	type blob struct {
		x, y, r float64
		c       [3]float64
	}
	blobs := make([]blob, 40)
	for i := range blobs {
		blobs[i] = blob{rng.Float64() * float64(sw), rng.Float64() * float64(sh), (0.03 + 0.2*rng.Float64()) * float64(sw),
			[3]float64{rng.Float64() * 255, rng.Float64() * 255, rng.Float64() * 255}}
	}
	top := [3]float64{rng.Float64() * 255, rng.Float64() * 255, rng.Float64() * 255}
	bottom := [3]float64{rng.Float64() * 255, rng.Float64() * 255, rng.Float64() * 255}
	for y := range sh {
		t := float64(y) / float64(sh)
		for x := range sw {
			var c [3]float64
			for k := range c {
				c[k] = top[k]*(1-t) + bottom[k]*t
			}
			for _, b := range blobs {
				dx, dy := float64(x)-b.x, float64(y)-b.y
				if d2 := dx*dx + dy*dy; d2 < b.r*b.r {
					a := 1 - d2/(b.r*b.r)
					for k := range c {
						c[k] = c[k]*(1-a) + b.c[k]*a
					}
				}
			}
			// Fine texture, as foliage or fabric gives a real photo.
			tex := (rng.Float64() - 0.5) * 40
			small.SetRGBA(x, y, color.RGBA{clamp(c[0] + tex), clamp(c[1] + tex), clamp(c[2] + tex), 255})
		}
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.CatmullRom.Scale(img, img.Rect, small, small.Rect, draw.Src, nil)
	for i := 0; i < len(img.Pix); i += 4 {
		r := rng.Uint64()
		for k := range 3 {
			img.Pix[i+k] = clamp(float64(img.Pix[i+k]) + float64(int(r>>(8*k)&15)-8))
		}
	}
	return img
}

func clamp(v float64) uint8 {
	switch {
	case v < 0:
		return 0
	case v > 255:
		return 255
	}
	return uint8(v + 0.5)
}
