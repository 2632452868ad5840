// Copyright 2012 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package jpegdec

import (
	"image"
	"io"
)

// outSize is the decoded image's size: bs/8 of the full size, rounded up.
func (d *decoder) outSize() (w, h int) {
	return (d.width*d.bs + 7) / 8, (d.height*d.bs + 7) / 8
}

// makeImg allocates and initializes the destination image, at d.bs/8 of
// the full size.
func (d *decoder) makeImg(mxx, myy int) {
	bs := d.bs
	w, h := d.outSize()
	if d.nComp == 1 {
		m := image.NewGray(image.Rect(0, 0, bs*mxx, bs*myy))
		d.img1 = m.SubImage(image.Rect(0, 0, w, h)).(*image.Gray)
		return
	}

	h0 := d.comp[0].h
	v0 := d.comp[0].v
	var subsampleRatio image.YCbCrSubsampleRatio
	standard := h0 == d.hmax && v0 == d.vmax && d.comp[1].h == d.comp[2].h && d.comp[1].v == d.comp[2].v &&
		h0%d.comp[1].h == 0 && v0%d.comp[1].v == 0
	if standard {
		switch (h0/d.comp[1].h)<<4 | (v0 / d.comp[1].v) {
		case 0x11:
			subsampleRatio = image.YCbCrSubsampleRatio444
		case 0x12:
			subsampleRatio = image.YCbCrSubsampleRatio440
		case 0x21:
			subsampleRatio = image.YCbCrSubsampleRatio422
		case 0x22:
			subsampleRatio = image.YCbCrSubsampleRatio420
		case 0x41:
			subsampleRatio = image.YCbCrSubsampleRatio411
		case 0x42:
			subsampleRatio = image.YCbCrSubsampleRatio410
		default:
			standard = false
		}
	}
	if !standard {
		// Any other legal combination: one plane per component at its own
		// resolution, upsampled to 4:4:4 once decoded (upsamplePlanes).
		d.generic = true
		for i := 0; i < d.nComp; i++ {
			d.planeStride[i] = bs * d.comp[i].h * mxx
			d.planes[i] = make([]byte, d.planeStride[i]*bs*d.comp[i].v*myy)
		}
		return
	}
	m := image.NewYCbCr(image.Rect(0, 0, bs*h0*mxx, bs*v0*myy), subsampleRatio)
	d.img3 = m.SubImage(image.Rect(0, 0, w, h)).(*image.YCbCr)

	if d.nComp == 4 {
		h3, v3 := d.comp[3].h, d.comp[3].v
		d.blackPix = make([]byte, bs*h3*mxx*bs*v3*myy)
		d.blackStride = bs * h3 * mxx
	}
}

// upsamplePlanes turns the per-component planes of a generic image into a
// 4:4:4 d.img3, replicating each component's samples over the pixels they
// cover (libjpeg's default "fancy" upsampling smooths where this copies;
// both are within what the sampling factors allow).
func (d *decoder) upsamplePlanes() {
	w, h := d.outSize()
	m := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio444)
	dst := [3][]byte{m.Y, m.Cb, m.Cr}
	for i := 0; i < 3; i++ {
		hi, vi := d.comp[i].h, d.comp[i].v
		xs := make([]int, w)
		for x := range xs {
			xs[x] = x * hi / d.hmax
		}
		for y := 0; y < h; y++ {
			src := d.planes[i][(y*vi/d.vmax)*d.planeStride[i]:]
			row := dst[i][y*m.YStride : y*m.YStride+w]
			for x, sx := range xs {
				row[x] = src[sx]
			}
		}
		d.planes[i] = nil
	}
	d.img3 = m
}

// compBlocks is how many 8×8 blocks component i has across and down:
// section A.1.1's ceil(ceil(X*H_i/H_max)/8).
func (d *decoder) compBlocks(i int) (int, int) {
	cw := (d.width*d.comp[i].h + d.hmax - 1) / d.hmax
	ch := (d.height*d.comp[i].v + d.vmax - 1) / d.vmax
	return (cw + 7) / 8, (ch + 7) / 8
}

// isShort reports whether a scan's error means the data ran out.
func isShort(err error) bool {
	return err == errShortHuffmanData || err == io.ErrUnexpectedEOF
}

// Specified in section B.2.3.
func (d *decoder) processSOS(n int) error {
	if d.nComp == 0 {
		return FormatError("missing SOF marker")
	}
	if n < 6 || 4+2*d.nComp < n || n%2 != 0 {
		return FormatError("SOS has wrong length")
	}
	if err := d.readFull(d.tmp[:n]); err != nil {
		return err
	}
	nComp := int(d.tmp[0])
	if n != 4+2*nComp {
		return FormatError("SOS length inconsistent with number of components")
	}
	var scan [maxComponents]scanComp
	totalHV := 0
	for i := 0; i < nComp; i++ {
		cs := d.tmp[1+2*i] // Component selector.
		compIndex := -1
		for j, comp := range d.comp[:d.nComp] {
			if cs == comp.c {
				compIndex = j
			}
		}
		if compIndex < 0 {
			return FormatError("unknown component selector")
		}
		scan[i].compIndex = uint8(compIndex)
		// Section B.2.3 states that "the value of Cs_j shall be different from
		// the values of Cs_1 through Cs_(j-1)". Since we have previously
		// verified that a frame's component identifiers (C_i values in section
		// B.2.2) are unique, it suffices to check that the implicit indexes
		// into d.comp are unique.
		for j := 0; j < i; j++ {
			if scan[i].compIndex == scan[j].compIndex {
				return FormatError("repeated component selector")
			}
		}
		totalHV += d.comp[compIndex].h * d.comp[compIndex].v

		// The baseline t <= 1 restriction is specified in table B.3.
		scan[i].td = d.tmp[2+2*i] >> 4
		if t := scan[i].td; t > maxTh || (d.baseline && t > 1) {
			return FormatError("bad Td value")
		}
		scan[i].ta = d.tmp[2+2*i] & 0x0f
		if t := scan[i].ta; t > maxTh || (d.baseline && t > 1) {
			return FormatError("bad Ta value")
		}
	}
	// Section B.2.3 states that if there is more than one component then the
	// total H*V values in a scan must be <= 10.
	if d.nComp > 1 && totalHV > 10 {
		return FormatError("total sampling factors too large")
	}

	// zigStart and zigEnd are the spectral selection bounds.
	// ah and al are the successive approximation high and low values.
	// The spec calls these values Ss, Se, Ah and Al.
	//
	// For progressive JPEGs, these are the two more-or-less independent
	// aspects of progression. Spectral selection progression is when not
	// all of a block's 64 DCT coefficients are transmitted in one pass.
	// For example, three passes could transmit coefficient 0 (the DC
	// component), coefficients 1-5, and coefficients 6-63, in zig-zag
	// order. Successive approximation is when not all of the bits of a
	// band of coefficients are transmitted in one pass. For example,
	// three passes could transmit the 6 most significant bits, followed
	// by the second-least significant bit, followed by the least
	// significant bit.
	//
	// For sequential JPEGs, these parameters are hard-coded to 0/63/0/0, as
	// per table B.3.
	zigStart, zigEnd, ah, al := int32(0), int32(blockSize-1), uint32(0), uint32(0)
	if d.progressive {
		zigStart = int32(d.tmp[1+2*nComp])
		zigEnd = int32(d.tmp[2+2*nComp])
		ah = uint32(d.tmp[3+2*nComp] >> 4)
		al = uint32(d.tmp[3+2*nComp] & 0x0f)
		if (zigStart == 0 && zigEnd != 0) || zigStart > zigEnd || blockSize <= zigEnd {
			return FormatError("bad spectral selection bounds")
		}
		if zigStart != 0 && nComp != 1 {
			return FormatError("progressive AC coefficients for more than one component")
		}
		if ah != 0 && ah != al+1 {
			return FormatError("bad successive approximation values")
		}
	}

	// mxx and myy are the number of MCUs (Minimum Coded Units) in the image.
	h0, v0 := d.hmax, d.vmax // The largest sampling factors.
	mxx := (d.width + 8*h0 - 1) / (8 * h0)
	myy := (d.height + 8*v0 - 1) / (8 * v0)
	if d.img1 == nil && d.img3 == nil && !d.generic {
		d.makeImg(mxx, myy)
	}
	d.scanned = true
	if d.progressive {
		for i := 0; i < nComp; i++ {
			compIndex := scan[i].compIndex
			if d.progCoeffs[compIndex] == nil {
				d.progCoeffs[compIndex] = make([]block, mxx*myy*d.comp[compIndex].h*d.comp[compIndex].v)
			}
		}
	}

	d.bits = bits{}
	if !d.progressive {
		return d.sequentialScan(scan[:nComp], mxx, myy)
	}
	mcu, expectedRST := 0, uint8(rst0Marker)
	var (
		dc [maxComponents]int32
		// bx and by are the location of the current block, in units of 8x8
		// blocks: the third block in the first row has (bx, by) = (2, 0).
		bx, by     int
		blockCount int
		// short is set once the data ran out: the rest of the scan's
		// blocks are left as they are (grey, or a progressive image's
		// earlier scans).
		short bool
	)
	for my := 0; my < myy; my++ {
		for mx := 0; mx < mxx; mx++ {
			for i := 0; i < nComp; i++ {
				compIndex := scan[i].compIndex
				hi := d.comp[compIndex].h
				vi := d.comp[compIndex].v
				for j := 0; j < hi*vi; j++ {
					// The blocks are traversed one MCU at a time. For 4:2:0 chroma
					// subsampling, there are four Y 8x8 blocks in every 16x16 MCU.
					//
					// For a sequential 32x16 pixel image, the Y blocks visiting order is:
					//	0 1 4 5
					//	2 3 6 7
					//
					// For progressive images, the interleaved scans (those with nComp > 1)
					// are traversed as above, but non-interleaved scans are traversed left
					// to right, top to bottom:
					//	0 1 2 3
					//	4 5 6 7
					// Only DC scans (zigStart == 0) can be interleaved. AC scans must have
					// only one component.
					//
					// To further complicate matters, for non-interleaved scans, there is no
					// data for any blocks that are inside the image at the MCU level but
					// outside the image at the pixel level. For example, a 24x16 pixel 4:2:0
					// progressive image consists of two 16x16 MCUs. The interleaved scans
					// will process 8 Y blocks:
					//	0 1 4 5
					//	2 3 6 7
					// The non-interleaved scans will process only 6 Y blocks:
					//	0 1 2
					//	3 4 5
					if nComp != 1 {
						bx = hi*mx + j%hi
						by = vi*my + j/hi
					} else {
						q := mxx * hi
						bx = blockCount % q
						by = blockCount / q
						blockCount++
						if bw, bh := d.compBlocks(int(compIndex)); bx >= bw || by >= bh {
							continue
						}
					}

					if short {
						continue // keep what earlier scans gave this block
					}
					// Refine the coefficients earlier scans gave the block;
					// reconstructProgressiveImage transforms them all once
					// every scan is read.
					b := &d.progCoeffs[compIndex][by*mxx*hi+bx]
					err := d.decodeBlock(b, &dc, compIndex, scan[i].td, scan[i].ta, zigStart, zigEnd, ah, al)
					if isShort(err) {
						short, d.truncated = true, true
					} else if err != nil {
						return err
					}
				} // for j
			} // for i
			mcu++
			if !short && d.ri > 0 && mcu%d.ri == 0 && mcu < mxx*myy {
				var err error
				if short, err = d.restart(&expectedRST); err != nil {
					return err
				}
				dc = [maxComponents]int32{}
			}
		} // for mx
	} // for my

	return nil
}

// decodeBlock decodes one block's coefficients of a scan into b (section
// F.2.2 for sequential, G.1.2 for progressive data).
func (d *decoder) decodeBlock(b *block, dc *[maxComponents]int32, compIndex uint8, td, ta uint8, zigStart, zigEnd int32, ah, al uint32) error {
	if ah != 0 {
		if err := d.refine(b, &d.huff[acTable][ta], zigStart, zigEnd, 1<<al); err != nil {
			return err
		}
	} else {
		zig := zigStart
		if zig == 0 {
			zig++
			// Decode the DC coefficient, as specified in section F.2.2.1.
			value, err := d.decodeHuffman(&d.huff[dcTable][td])
			if err != nil {
				return err
			}
			if value > 16 {
				return UnsupportedError("excessive DC component")
			}
			dcDelta, err := d.receiveExtend(value)
			if err != nil {
				return err
			}
			dc[compIndex] += dcDelta
			b[0] = dc[compIndex] << al
		}

		if zig <= zigEnd && d.eobRun > 0 {
			d.eobRun--
		} else {
			// Decode the AC coefficients, as specified in section F.2.2.2.
			huff := &d.huff[acTable][ta]
			for ; zig <= zigEnd; zig++ {
				value, err := d.decodeHuffman(huff)
				if err != nil {
					return err
				}
				val0 := value >> 4
				val1 := value & 0x0f
				if val1 != 0 {
					zig += int32(val0)
					if zig > zigEnd {
						break
					}
					ac, err := d.receiveExtend(val1)
					if err != nil {
						return err
					}
					b[unzig[zig]] = ac << al
				} else {
					if val0 != 0x0f {
						d.eobRun = uint16(1 << val0)
						if val0 != 0 {
							bits, err := d.decodeBits(int32(val0))
							if err != nil {
								return err
							}
							d.eobRun |= uint16(bits)
						}
						d.eobRun--
						break
					}
					zig += 0x0f
				}
			}
		}
	}
	return nil
}

// refine decodes a successive approximation refinement block, as specified in
// section G.1.2.
func (d *decoder) refine(b *block, h *huffman, zigStart, zigEnd, delta int32) error {
	// Refining a DC component is trivial.
	if zigStart == 0 {
		if zigEnd != 0 {
			panic("unreachable")
		}
		bit, err := d.decodeBit()
		if err != nil {
			return err
		}
		if bit {
			b[0] |= delta
		}
		return nil
	}

	// Refining AC components is more complicated; see sections G.1.2.2 and G.1.2.3.
	zig := zigStart
	if d.eobRun == 0 {
	loop:
		for ; zig <= zigEnd; zig++ {
			z := int32(0)
			value, err := d.decodeHuffman(h)
			if err != nil {
				return err
			}
			val0 := value >> 4
			val1 := value & 0x0f

			switch val1 {
			case 0:
				if val0 != 0x0f {
					d.eobRun = uint16(1 << val0)
					if val0 != 0 {
						bits, err := d.decodeBits(int32(val0))
						if err != nil {
							return err
						}
						d.eobRun |= uint16(bits)
					}
					break loop
				}
			case 1:
				z = delta
				bit, err := d.decodeBit()
				if err != nil {
					return err
				}
				if !bit {
					z = -z
				}
			default:
				return FormatError("unexpected Huffman code")
			}

			zig, err = d.refineNonZeroes(b, zig, zigEnd, int32(val0), delta)
			if err != nil {
				return err
			}
			if zig > zigEnd {
				return FormatError("too many coefficients")
			}
			if z != 0 {
				b[unzig[zig]] = z
			}
		}
	}
	if d.eobRun > 0 {
		d.eobRun--
		if _, err := d.refineNonZeroes(b, zig, zigEnd, -1, delta); err != nil {
			return err
		}
	}
	return nil
}

// refineNonZeroes refines non-zero entries of b in zig-zag order. If nz >= 0,
// the first nz zero entries are skipped over.
func (d *decoder) refineNonZeroes(b *block, zig, zigEnd, nz, delta int32) (int32, error) {
	for ; zig <= zigEnd; zig++ {
		u := unzig[zig]
		if b[u] == 0 {
			if nz == 0 {
				break
			}
			nz--
			continue
		}
		bit, err := d.decodeBit()
		if err != nil {
			return 0, err
		}
		if !bit {
			continue
		}
		if b[u] >= 0 {
			b[u] += delta
		} else {
			b[u] -= delta
		}
	}
	return zig, nil
}

func (d *decoder) reconstructProgressiveImage() error {
	// The mxx variable has the same meaning as in the processSOS method.
	mxx := (d.width + 8*d.hmax - 1) / (8 * d.hmax)
	for i := 0; i < d.nComp; i++ {
		if d.progCoeffs[i] == nil {
			continue
		}
		stride := mxx * d.comp[i].h
		bw, bh := d.compBlocks(i)
		for by := 0; by < bh; by++ {
			for bx := 0; bx < bw; bx++ {
				if err := d.reconstructBlock(&d.progCoeffs[i][by*stride+bx], bx, by, i); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// reconstructBlock dequantizes a progressive image's block, performs the
// inverse DCT and stores the block to the image.
func (d *decoder) reconstructBlock(b *block, bx, by, compIndex int) error {
	bs := d.bs
	if bs == 8 {
		qt := &d.quant[d.comp[compIndex].tq]
		for zig := 0; zig < blockSize; zig++ {
			b[unzig[zig]] *= qt[zig]
		}
	} else {
		// A reduced transform reads only the low bs×bs coefficients.
		qn := &d.quantNat[d.comp[compIndex].tq]
		for y := 0; y < bs; y++ {
			for x := 0; x < bs; x++ {
				b[y*8+x] *= qn[y*8+x]
			}
		}
	}
	dst, stride, err := d.plane(compIndex)
	if err != nil {
		return err
	}
	d.transformStore(b, dst[bs*(by*stride+bx):], stride)
	return nil
}

// findRST advances past the next RST restart marker that matches expectedRST.
// Other than I/O errors, it is also an error if we encounter an {0xFF, M}
// two-byte marker sequence where M is not 0x00, 0xFF or the expectedRST.
//
// This is similar to libjpeg's jdmarker.c's next_marker function.
// https://github.com/libjpeg-turbo/libjpeg-turbo/blob/2dfe6c0fe9e18671105e94f7cbf044d4a1d157e6/jdmarker.c#L892-L935
//
// Precondition: d.tmp[:2] holds the next two bytes of JPEG-encoded input
// (input in the d.readFull sense).
func (d *decoder) findRST(expectedRST uint8) error {
	for {
		// i is the index such that, at the bottom of the loop, we read 2-i
		// bytes into d.tmp[i:2], maintaining the invariant that d.tmp[:2]
		// holds the next two bytes of JPEG-encoded input. It is either 0 or 1,
		// so that each iteration advances by 1 or 2 bytes (or returns).
		i := 0

		if d.tmp[0] == 0xff {
			if d.tmp[1] == expectedRST {
				return nil
			} else if d.tmp[1] == 0xff {
				i = 1
			} else if d.tmp[1] != 0x00 {
				// libjpeg's jdmarker.c's jpeg_resync_to_restart does something
				// fancy here, treating RST markers within two (modulo 8) of
				// expectedRST differently from RST markers that are 'more
				// distant'. Until we see evidence that recovering from such
				// cases is frequent enough to be worth the complexity, we take
				// a simpler approach for now. Any marker that's not 0x00, 0xff
				// or expectedRST is a fatal FormatError.
				return FormatError("bad RST marker")
			}

		} else if d.tmp[1] == 0xff {
			d.tmp[0] = 0xff
			i = 1
		}

		if err := d.readFull(d.tmp[i:2]); err != nil {
			return err
		}
	}
}
