// Package jpegenc writes baseline JPEGs for the photo outputs (renditions
// and thumbnails), about four times faster than image/jpeg with the same
// quantization and Huffman tables, so files of the same size and quality.
//
// Where the time goes in image/jpeg, and what this package does instead:
// it converts every 8×8 block of a YCbCr image through per-pixel offset
// calls and averages full-resolution chroma it first replicated from the
// 4:2:0 planes; it divides every coefficient by its quantizer; it emits
// bits one code at a time through a byte writer. Here a 4:2:0 image's
// planes are read as they are (other layouts are brought to 4:2:0 once),
// the forward DCT is AAN in float32 with its scale folded into the
// quantizer, quantizing is one multiplication, and the entropy coder walks
// the non-zero coefficients by a bit mask and writes 32 bits at a time.
package jpegenc

import (
	"errors"
	"image"
	"image/color"
	"image/draw"
	"io"
	"math/bits"
)

// zigzag returns the natural (row-major) index of each position of the
// zig-zag order of section A.3.6: the anti-diagonals of the block, walked
// up and down in turn.
func zigzag() (unzig [64]int) {
	k := 0
	for d := range 15 {
		for i := range d + 1 {
			x, y := i, d-i // walking up-right
			if d%2 == 1 {
				x, y = d-i, i // walking down-left
			}
			if x < 8 && y < 8 {
				unzig[k] = 8*y + x
				k++
			}
		}
	}
	return unzig
}

// baseQuant are the quantization tables of section K.1 (luminance,
// chrominance) in zig-zag order, scaled by quality as libjpeg and
// image/jpeg scale them.
var baseQuant = [2][64]uint8{
	{
		16, 11, 12, 14, 12, 10, 16, 14, 13, 14, 18, 17, 16, 19, 24, 40,
		26, 24, 22, 22, 24, 49, 35, 37, 29, 40, 58, 51, 61, 60, 57, 51,
		56, 55, 64, 72, 92, 78, 64, 68, 87, 69, 55, 56, 80, 109, 81, 87,
		95, 98, 103, 104, 103, 62, 77, 113, 121, 112, 100, 120, 92, 101, 103, 99,
	},
	{
		17, 18, 18, 24, 21, 24, 47, 26, 26, 47, 99, 66, 56, 66, 99, 99,
		99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
		99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
		99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
	},
}

// huffSpec is a Huffman table as a DHT segment holds it: the number of
// codes of each length 1-16, and the symbols in code order.
type huffSpec struct {
	counts [16]uint8
	syms   []uint8
}

// The Huffman tables of section K.3: luminance DC and AC, chrominance DC
// and AC.
var specs = [4]huffSpec{
	{[16]uint8{0, 1, 5, 1, 1, 1, 1, 1, 1}, []uint8{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}},
	{[16]uint8{0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 125}, []uint8{
		0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07,
		0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xa1, 0x08, 0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52, 0xd1, 0xf0,
		0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0a, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x25, 0x26, 0x27, 0x28,
		0x29, 0x2a, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49,
		0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69,
		0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89,
		0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
		0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5,
		0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe1, 0xe2,
		0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8,
		0xf9, 0xfa,
	}},
	{[16]uint8{0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1}, []uint8{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}},
	{[16]uint8{0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 119}, []uint8{
		0x00, 0x01, 0x02, 0x03, 0x11, 0x04, 0x05, 0x21, 0x31, 0x06, 0x12, 0x41, 0x51, 0x07, 0x61, 0x71,
		0x13, 0x22, 0x32, 0x81, 0x08, 0x14, 0x42, 0x91, 0xa1, 0xb1, 0xc1, 0x09, 0x23, 0x33, 0x52, 0xf0,
		0x15, 0x62, 0x72, 0xd1, 0x0a, 0x16, 0x24, 0x34, 0xe1, 0x25, 0xf1, 0x17, 0x18, 0x19, 0x1a, 0x26,
		0x27, 0x28, 0x29, 0x2a, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48,
		0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68,
		0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87,
		0x88, 0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5,
		0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3,
		0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda,
		0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8,
		0xf9, 0xfa,
	}},
}

// codes maps a symbol to its code: the code's length in the top 8 bits,
// the code in the low 16.
type codes [256]uint32

func (c *codes) build(s huffSpec) {
	code, k := uint32(0), 0
	for l, n := range s.counts {
		for range n {
			c[s.syms[k]] = uint32(l+1)<<24 | code
			code++
			k++
		}
		code <<= 1
	}
}

// component is one plane being encoded with its tables.
type component struct {
	pix       []uint8
	stride    int
	w, h      int // the plane's size in samples
	div       [64]float32
	dc, ac    *codes
	pred      int32
	blocksPer int // blocks per MCU each way: 2 for 4:2:0 luma, else 1
}

// encoder holds an encoding's state.
type encoder struct {
	unzig   [64]int
	quant   [2][64]uint8
	codes   [4]codes
	out     []byte
	acc     uint64 // pending bits, in the low n bits
	n       uint
	samples [64]float32
	coefs   [64]int32
}

// Encode writes img to w as a baseline JPEG of the given quality (1-100,
// as image/jpeg's Options.Quality): greyscale for *image.Gray, else YCbCr
// 4:2:0.
func Encode(w io.Writer, img image.Image, quality int) error {
	b := img.Bounds()
	if b.Dx() >= 1<<16 || b.Dy() >= 1<<16 {
		return errors.New("jpegenc: image is too large to encode")
	}
	if b.Empty() {
		return errors.New("jpegenc: image is empty")
	}
	quality = min(max(quality, 1), 100)
	e := encoder{unzig: zigzag()}
	e.setQuality(quality)
	for i := range specs {
		e.codes[i].build(specs[i])
	}
	comps := e.planes(img)
	e.out = make([]byte, 0, 1024+b.Dx()*b.Dy()/3)
	e.header(b.Dx(), b.Dy(), len(comps))
	e.scan(comps, b.Dx(), b.Dy())
	e.out = append(e.out, 0xff, 0xd9)
	_, err := w.Write(e.out)
	return err
}

func (e *encoder) setQuality(quality int) {
	scale := 200 - quality*2
	if quality < 50 {
		scale = 5000 / quality
	}
	for i := range e.quant {
		for j, q := range baseQuant[i] {
			e.quant[i][j] = uint8(min(max((int(q)*scale+50)/100, 1), 255))
		}
	}
}

// planes returns the components to encode: the luma (or grey) plane and,
// for colour, 4:2:0 chroma planes, read in place when img already is
// 4:2:0.
func (e *encoder) planes(img image.Image) []component {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	cw, ch := (w+1)/2, (h+1)/2
	var y, cb, cr []uint8
	var ys, cs int
	switch m := img.(type) {
	case *image.Gray:
		c := component{pix: m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], stride: m.Stride, w: w, h: h, blocksPer: 1}
		c.div = divisors(&e.quant[0], &e.unzig)
		c.dc, c.ac = &e.codes[0], &e.codes[1]
		return []component{c}
	case *image.YCbCr:
		y, ys = m.Y[m.YOffset(b.Min.X, b.Min.Y):], m.YStride
		if m.SubsampleRatio == image.YCbCrSubsampleRatio420 && b.Min.X%2 == 0 && b.Min.Y%2 == 0 {
			c0 := m.COffset(b.Min.X, b.Min.Y)
			cb, cr, cs = m.Cb[c0:], m.Cr[c0:], m.CStride
		} else {
			cb, cr, cs = chroma420(m, cw, ch)
		}
	default:
		y, cb, cr = rgbTo420(img, w, h)
		ys, cs = w, cw
	}
	comps := []component{
		{pix: y, stride: ys, w: w, h: h, blocksPer: 2},
		{pix: cb, stride: cs, w: cw, h: ch, blocksPer: 1},
		{pix: cr, stride: cs, w: cw, h: ch, blocksPer: 1},
	}
	for i := range comps {
		t := min(i, 1)
		comps[i].div = divisors(&e.quant[t], &e.unzig)
		comps[i].dc, comps[i].ac = &e.codes[2*t], &e.codes[2*t+1]
	}
	return comps
}

// chroma420 averages a YCbCr image's chroma over each 2×2 square of
// pixels, whatever its subsampling.
func chroma420(m *image.YCbCr, cw, ch int) (cb, cr []uint8, stride int) {
	b := m.Bounds()
	cb, cr = make([]uint8, cw*ch), make([]uint8, cw*ch)
	for y := range ch {
		y0, y1 := b.Min.Y+2*y, min(b.Min.Y+2*y+1, b.Max.Y-1)
		for x := range cw {
			x0, x1 := b.Min.X+2*x, min(b.Min.X+2*x+1, b.Max.X-1)
			o := [4]int{m.COffset(x0, y0), m.COffset(x1, y0), m.COffset(x0, y1), m.COffset(x1, y1)}
			var sb, sr int
			for _, i := range o {
				sb += int(m.Cb[i])
				sr += int(m.Cr[i])
			}
			cb[y*cw+x], cr[y*cw+x] = uint8((sb+2)>>2), uint8((sr+2)>>2)
		}
	}
	return cb, cr, cw
}

// rgbTo420 converts any other image to YCbCr 4:2:0 planes, with the
// standard library's colour conversion (and its fast paths to RGBA).
func rgbTo420(img image.Image, w, h int) (y, cb, cr []uint8) {
	src, ok := img.(*image.RGBA)
	if !ok || src.Rect.Min != (image.Point{}) {
		src = image.NewRGBA(image.Rect(0, 0, w, h))
		draw.Draw(src, src.Rect, img, img.Bounds().Min, draw.Src)
	}
	cw, ch := (w+1)/2, (h+1)/2
	y = make([]uint8, w*h)
	cb, cr = make([]uint8, cw*ch), make([]uint8, cw*ch)
	sb, sr := make([]int, cw), make([]int, cw)
	for row := range h {
		if row%2 == 0 {
			clear(sb)
			clear(sr)
		}
		p := src.Pix[row*src.Stride : row*src.Stride+4*w]
		for x := range w {
			yy, u, v := color.RGBToYCbCr(p[4*x], p[4*x+1], p[4*x+2])
			y[row*w+x] = yy
			n := 1
			if x == w-1 && w%2 == 1 {
				n = 2 // the last column counts twice in its square
			}
			sb[x/2] += n * int(u)
			sr[x/2] += n * int(v)
		}
		if row%2 == 1 || row == h-1 {
			k := 1
			if row%2 == 0 {
				k = 2 // the last row counts twice
			}
			for x := range cw {
				cb[(row/2)*cw+x] = uint8((k*sb[x] + 2) >> 2)
				cr[(row/2)*cw+x] = uint8((k*sr[x] + 2) >> 2)
			}
		}
	}
	return y, cb, cr
}

// header writes SOI, DQT, SOF0, DHT and SOS.
func (e *encoder) header(w, h, n int) {
	nq, nt := 2, 4
	if n == 1 {
		nq, nt = 1, 2
	}
	e.out = append(e.out, 0xff, 0xd8)
	e.marker(0xdb, nq*65)
	for i := range nq {
		e.out = append(e.out, uint8(i))
		e.out = append(e.out, e.quant[i][:]...)
	}
	e.marker(0xc0, 6+3*n)
	e.out = append(e.out, 8, uint8(h>>8), uint8(h), uint8(w>>8), uint8(w), uint8(n))
	if n == 1 {
		e.out = append(e.out, 1, 0x11, 0)
	} else {
		e.out = append(e.out, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1)
	}
	dht := 0
	for _, s := range specs[:nt] {
		dht += 17 + len(s.syms)
	}
	e.marker(0xc4, dht)
	for i, s := range specs[:nt] {
		e.out = append(e.out, "\x00\x10\x01\x11"[i])
		e.out = append(e.out, s.counts[:]...)
		e.out = append(e.out, s.syms...)
	}
	e.marker(0xda, 4+2*n)
	e.out = append(e.out, uint8(n))
	for i := range n {
		e.out = append(e.out, uint8(i+1), "\x00\x11\x11"[i])
	}
	e.out = append(e.out, 0, 63, 0)
}

// marker starts a segment with n bytes after its length.
func (e *encoder) marker(m uint8, n int) {
	e.out = append(e.out, 0xff, m, uint8((n+2)>>8), uint8(n+2))
}

// scan encodes the MCUs: for colour four luma blocks and one of each
// chroma plane per 16×16 pixels, for grey one block per 8×8.
func (e *encoder) scan(comps []component, w, h int) {
	mcu := 8 * comps[0].blocksPer
	for my := 0; my < (h+mcu-1)/mcu; my++ {
		for mx := 0; mx < (w+mcu-1)/mcu; mx++ {
			for i := range comps {
				c := &comps[i]
				for by := range c.blocksPer {
					for bx := range c.blocksPer {
						e.load(c, (mx*c.blocksPer+bx)*8, (my*c.blocksPer+by)*8)
						e.block(c)
					}
				}
			}
		}
	}
	// Pad the last byte with ones.
	if e.n%8 != 0 {
		pad := 8 - e.n%8
		e.acc = e.acc<<pad | 1<<pad - 1
		e.n += pad
	}
	for e.n >= 8 {
		e.n -= 8
		e.byte(uint8(e.acc >> e.n))
	}
}

// load reads the 8×8 block at (x0, y0) of c's plane into e.samples,
// level-shifted, repeating the last column and row past the edges.
func (e *encoder) load(c *component, x0, y0 int) {
	s := &e.samples
	if x0+8 <= c.w && y0+8 <= c.h {
		for y := range 8 {
			row := (*[8]uint8)(c.pix[(y0+y)*c.stride+x0:])
			d := (*[8]float32)(s[8*y:])
			for x, v := range row {
				d[x] = float32(int32(v) - 128)
			}
		}
		return
	}
	for y := range 8 {
		row := c.pix[min(y0+y, c.h-1)*c.stride:]
		for x := range 8 {
			s[8*y+x] = float32(int32(row[min(x0+x, c.w-1)]) - 128)
		}
	}
}

// block transforms, quantizes and entropy-codes e.samples for c.
func (e *encoder) block(c *component) {
	fdct(&e.samples)
	nz := quantize(&e.coefs, &e.samples, &c.div, &e.unzig)
	acc, n := e.acc, e.n

	// DC: the difference from the previous block's, as its size category
	// and that many bits.
	dc := e.coefs[0]
	diff := dc - c.pred
	c.pred = dc
	m := magnitude(diff)
	l, v := m>>24, m&0xffff
	cd := c.dc[l]
	acc = acc<<(cd>>24+l) | uint64(cd&0xffff)<<l | uint64(v)
	n += uint(cd>>24 + l)
	if n >= 32 {
		acc, n = e.flush(acc, n)
	}

	// AC: each non-zero coefficient as (zero run, size) and its bits,
	// sixteen zeros as ZRL, and EOB unless the last coefficient is set.
	last := 0
	for nz != 0 {
		k := bits.TrailingZeros64(nz)
		nz &= nz - 1
		run := k - last - 1
		last = k
		for run >= 16 {
			zrl := c.ac[0xf0]
			acc = acc<<(zrl>>24) | uint64(zrl&0xffff)
			n += uint(zrl >> 24)
			if n >= 32 {
				acc, n = e.flush(acc, n)
			}
			run -= 16
		}
		m := magnitude(e.coefs[k&63])
		l, v := m>>24, m&0xffff
		cd := c.ac[uint32(run)<<4|l]
		acc = acc<<(cd>>24+l) | uint64(cd&0xffff)<<l | uint64(v)
		n += uint(cd>>24 + l)
		if n >= 32 {
			acc, n = e.flush(acc, n)
		}
	}
	if last != 63 {
		eob := c.ac[0]
		acc = acc<<(eob>>24) | uint64(eob&0xffff)
		n += uint(eob >> 24)
		if n >= 32 {
			acc, n = e.flush(acc, n)
		}
	}
	e.acc, e.n = acc, n
}

// magnitude returns v's size category (section F.1.2.1) in the top 8 bits
// and its low bits as coded (one's complement when negative) in the low 16.
func magnitude(v int32) uint32 {
	s := v >> 31 // -1 when negative: no branch, the sign is random
	l := uint32(bits.Len32(uint32((v ^ s) - s)))
	return l<<24 | uint32(v+s)&(1<<l-1)
}

// flush writes the oldest 32 of the n pending bits, stuffing a zero after
// every 0xFF byte.
func (e *encoder) flush(acc uint64, n uint) (uint64, uint) {
	n -= 32
	v := uint32(acc >> n)
	if (^v-0x01010101)&v&0x80808080 == 0 {
		e.out = append(e.out, uint8(v>>24), uint8(v>>16), uint8(v>>8), uint8(v))
	} else {
		e.byte(uint8(v >> 24))
		e.byte(uint8(v >> 16))
		e.byte(uint8(v >> 8))
		e.byte(uint8(v))
	}
	return acc, n
}

// byte appends one byte of entropy-coded data.
func (e *encoder) byte(b uint8) {
	e.out = append(e.out, b)
	if b == 0xff {
		e.out = append(e.out, 0)
	}
}
