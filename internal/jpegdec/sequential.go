package jpegdec

import "encoding/binary"

// The hot path of baseline and extended sequential JPEG, which is what
// cameras and nearly every encoder write: each block's coefficients are
// decoded with the bit reader's state in local variables (registers),
// most of them with one look-up of a code and its value bits together
// (huffman.fast), dequantized as they are stored, and the block is
// transformed and stored at once.

// scanComp is one component of a scan header: its index in d.comp and
// its DC and AC table selectors.
type scanComp struct {
	compIndex uint8
	td, ta    uint8
}

// seqComp is what the sequential scan loop keeps for one component.
type seqComp struct {
	dc, ac *huffman
	// q is the quantization table in zig-zag order, zero for the
	// coefficients a reduced transform does not read: b then stays zero
	// outside the bs×bs corner that the transform uses and clears.
	q      block
	dst    []byte // the component's plane at the output scale
	stride int
	h, v   int
	index  int
	pred   int32 // the DC predictor (section F.2.1.3.1)
}

// plane returns the output plane of component i and its stride.
func (d *decoder) plane(i int) ([]byte, int, error) {
	switch {
	case d.nComp == 1:
		return d.img1.Pix, d.img1.Stride, nil
	case d.generic:
		return d.planes[i], d.planeStride[i], nil
	}
	switch i {
	case 0:
		return d.img3.Y, d.img3.YStride, nil
	case 1:
		return d.img3.Cb, d.img3.CStride, nil
	case 2:
		return d.img3.Cr, d.img3.CStride, nil
	case 3:
		return d.blackPix, d.blackStride, nil
	}
	return nil, 0, UnsupportedError("too many components")
}

// sequentialScan decodes the blocks of a sequential scan into the image.
// When the data ends early, the block it ended in and all later ones are
// grey, as libjpeg leaves them, and d.truncated is set.
func (d *decoder) sequentialScan(scan []scanComp, mxx, myy int) error {
	var cs [maxComponents]seqComp
	for i, sc := range scan {
		c := &cs[i]
		ci := int(sc.compIndex)
		c.dc, c.ac = &d.huff[dcTable][sc.td], &d.huff[acTable][sc.ta]
		if c.dc.nCodes == 0 || c.ac.nCodes == 0 {
			return FormatError("uninitialized Huffman table")
		}
		c.q = d.quant[d.comp[ci].tq]
		for k, nat := range unzig {
			if nat%8 >= d.bs || nat/8 >= d.bs {
				c.q[k] = 0
			}
		}
		c.h, c.v, c.index = d.comp[ci].h, d.comp[ci].v, ci
		var err error
		if c.dst, c.stride, err = d.plane(ci); err != nil {
			return err
		}
	}
	bs := d.bs
	nComp := len(scan)
	mcu, expectedRST := 0, uint8(rst0Marker)
	var (
		b          block // zero between blocks
		blockCount int
		short      bool
	)
	for my := 0; my < myy; my++ {
		for mx := 0; mx < mxx; mx++ {
			for i := range nComp {
				c := &cs[i]
				for j := 0; j < c.h*c.v; j++ {
					var bx, by int
					if nComp != 1 {
						bx = c.h*mx + j%c.h
						by = c.v*my + j/c.h
					} else {
						// A non-interleaved scan holds only the blocks
						// inside the image (see processSOS).
						q := mxx * c.h
						bx = blockCount % q
						by = blockCount / q
						blockCount++
						if bw, bh := d.compBlocks(c.index); bx >= bw || by >= bh {
							continue
						}
					}
					dst := c.dst[bs*(by*c.stride+bx):]
					if short {
						fillBlock(dst, c.stride, bs, 128)
						continue
					}
					dcOnly, err := d.decodeSeqBlock(&b, c)
					if err != nil {
						return err
					}
					switch {
					case d.bits.n < 0:
						// The block used bits past the end of the data.
						short, d.truncated = true, true
						fillBlock(dst, c.stride, bs, 128)
						b = block{}
					case dcOnly:
						fillBlock(dst, c.stride, bs, dcPixel(b[0], bs))
						b[0] = 0
					case bs == 4:
						idct4Store(&b, dst, c.stride)
					case bs == 3:
						idct3Store(&b, dst, c.stride)
					case bs == 5:
						idct5Store(&b, dst, c.stride, d.idctK)
					case bs == 8:
						idct(&b)
						store8(&b, dst, c.stride)
					default:
						d.transformStore(&b, dst, c.stride)
						b = block{}
					}
				}
			}
			mcu++
			if !short && d.ri > 0 && mcu%d.ri == 0 && mcu < mxx*myy {
				var err error
				if short, err = d.restart(&expectedRST); err != nil {
					return err
				}
				for i := range cs {
					cs[i].pred = 0
				}
			}
		}
	}
	return nil
}

// restart reads the RST marker expected after a restart interval and
// resets the entropy decoder; short is set when the data ended instead.
func (d *decoder) restart(expectedRST *uint8) (short bool, err error) {
	// For well-formed input, the RST[0-7] restart marker follows
	// immediately. For corrupt input, call findRST to try to
	// resynchronize.
	if err := d.readFull(d.tmp[:2]); isShort(err) {
		d.truncated = true
		return true, nil
	} else if err != nil {
		return false, err
	} else if d.tmp[0] != 0xff || d.tmp[1] != *expectedRST {
		if err := d.findRST(*expectedRST); isShort(err) {
			d.truncated = true
			return true, nil
		} else if err != nil {
			return false, err
		}
	}
	*expectedRST++
	if *expectedRST == rst7Marker+1 {
		*expectedRST = rst0Marker
	}
	// Reset the Huffman decoder and, as per section G.1.2.2, the
	// progressive decoder state; the caller resets the DC predictors
	// (section F.2.1.3.1).
	d.bits = bits{}
	d.eobRun = 0
	return false, nil
}

// decodeSeqBlock decodes one block of a sequential scan into b (zero on
// entry): dequantized, in natural order. It reports whether the block has
// only its DC coefficient, among those the output scale uses. Past the end of the data it reads zeros and
// leaves d.bits.n negative, for the caller to see.
func (d *decoder) decodeSeqBlock(b *block, c *seqComp) (dcOnly bool, err error) {
	if d.bits.n < 32 {
		d.refillFast()
	}
	acc, n, i, j := d.bits.acc, d.bits.n, d.bytes.i, d.bytes.j
	buf := d.bytes.buf[:]
	q := &c.q
	var ac int32 // the AC coefficients stored, ORed

	// The DC coefficient (section F.2.2.1).
	var diff int32
	if e := c.dc.fast[acc>>(64-fastBits)]; e != 0 {
		l := uint(e&15) + uint(e>>4&15)
		acc <<= l
		n -= int32(l)
		diff = e >> 16
	} else {
		sym, l, ok := c.dc.decode(acc)
		if !ok {
			return false, errBadCode
		}
		acc <<= uint(l)
		n -= l
		if sym > 16 {
			return false, UnsupportedError("excessive DC component")
		}
		if s := uint(sym); s > 0 {
			diff = extend(acc>>(64-s), s)
			acc <<= s
			n -= int32(s)
		}
	}
	c.pred += diff
	b[0] = c.pred * q[0]

	if d.eobRun > 0 {
		// An EOB run in a sequential scan, which image/jpeg honours.
		d.eobRun--
	} else {
		// The AC coefficients (section F.2.2.2).
		for k := uint(1); k < blockSize; k++ {
			if n < 32 {
				if w := uint64(0); i+8 <= j && n >= 0 {
					if w = binary.BigEndian.Uint64(buf[i : i+8]); noFF(w) {
						acc |= w >> uint(n)
						m := (63 - n) >> 3
						i += int(m)
						n += m << 3
					}
				}
				if n < 32 {
					d.bits.acc, d.bits.n, d.bytes.i = acc, n, i
					d.refill()
					acc, n, i, j = d.bits.acc, d.bits.n, d.bytes.i, d.bytes.j
				}
			}
			if e := c.ac.fast[acc>>(64-fastBits)]; e != 0 {
				k += uint(e>>8) & 0xff
				if k >= blockSize {
					// EOB (or a run past the block): the code alone.
					l := uint(e & 15)
					acc <<= l
					n -= int32(l)
					break
				}
				l := uint(e&15) + uint(e>>4&15)
				acc <<= l
				n -= int32(l)
				v := (e >> 16) * q[k]
				b[unzig[k]&63] = v
				ac |= v
				continue
			}
			sym, l, ok := c.ac.decode(acc)
			if !ok {
				return false, errBadCode
			}
			acc <<= uint(l)
			n -= l
			r, s := uint(sym>>4), uint(sym&15)
			if s == 0 {
				if r == 15 {
					k += 15 // ZRL: sixteen zeros
					continue
				}
				// EOB, or EOBn: image/jpeg starts an EOB run here too.
				run := uint32(1) << r
				if r > 0 {
					run |= uint32(acc >> (64 - r))
					acc <<= r
					n -= int32(r)
				}
				d.eobRun = uint16(run - 1)
				break
			}
			k += r
			if k >= blockSize {
				break
			}
			v := extend(acc>>(64-s), s) * q[k]
			acc <<= s
			n -= int32(s)
			b[unzig[k]&63] = v
			ac |= v
		}
	}
	d.bits.acc, d.bits.n, d.bytes.i = acc, n, i
	return ac == 0, nil
}

// dcPixel is the sample value of every pixel of a block with only a
// (dequantized) DC coefficient, computed as the transform for d.bs
// computes it, so the shortcut changes no pixel.
func dcPixel(dc int32, bs int) uint8 {
	var v int32
	switch bs {
	case 8:
		v = ((dc<<17 + 1<<19) >> 2) >> 18
	case 1, 2:
		v = (dc + 4) >> 3
	default:
		// idctReduced and idctN: the DC term's weight is redA for every
		// n.
		v = (redA*((redA*dc)>>redRowShift) + redRound) >> redColShift
	}
	return clampPixel(v)
}

// clampPixel level-shifts a transform output by +128 and clips it to
// [0, 255].
func clampPixel(c int32) uint8 {
	c += 128
	if uint32(c) > 255 {
		if c < 0 {
			return 0
		}
		return 255
	}
	return uint8(c)
}

// fillBlock sets a bs×bs block of dst to v.
func fillBlock(dst []byte, stride, bs int, v uint8) {
	for y := range bs {
		row := dst[y*stride : y*stride+bs]
		for x := range row {
			row[x] = v
		}
	}
}

// transformStore performs the inverse DCT of the dequantized block b at
// the output scale and stores its pixels into dst.
func (d *decoder) transformStore(b *block, dst []byte, stride int) {
	bs := d.bs
	switch bs {
	case 8:
		idct(b)
	case 1:
		// The DC coefficient is eight times the block's mean.
		b[0] = (b[0] + 4) >> 3
	case 2, 4:
		idctReduced(b, bs)
	default:
		idctN(b, bs, d.idctK)
	}
	for y := range bs {
		row := dst[y*stride : y*stride+bs]
		src := b[y*8 : y*8+bs]
		for x := range row {
			row[x] = clampPixel(src[x])
		}
	}
}

// store8 writes a transformed 8×8 block's pixels, level-shifted and
// clipped, and leaves b zero for the next block.
func store8(b *block, dst []byte, stride int) {
	for y := range 8 {
		src := (*[8]int32)(b[8*y : 8*y+8])
		row := (*[8]byte)(dst[y*stride : y*stride+8])
		for x, v := range src {
			row[x] = clampPixel(v)
		}
		*src = [8]int32{}
	}
}
