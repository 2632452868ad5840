// Copyright 2009 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package jpegdec

import "encoding/binary"

// maxCodeLength is the maximum (inclusive) number of bits in a Huffman code.
const maxCodeLength = 16

// maxNCodes is the maximum (inclusive) number of codes in a Huffman tree.
const maxNCodes = 256

// lutSize is the log-2 size of the Huffman decoder's code look-up table.
const lutSize = 9

// fastBits is the log-2 size of the combined look-up table, which gives a
// code and the value bits after it in one step when both fit (libjpeg-turbo
// and stb_image decode most coefficients that way).
const fastBits = 10

// fastEOB is the run of a combined entry that ends the block.
const fastEOB = 64

// huffman is a Huffman decoder, specified in section C.
type huffman struct {
	// nCodes is the number of codes in the tree.
	nCodes int32
	// lut is the look-up table for the next lutSize bits in the bit-stream:
	// the symbol<<8 | the code length, or 0 if the code is longer.
	lut [1 << lutSize]uint16
	// fast is the combined look-up table for the next fastBits bits: a
	// code whose value bits follow within them, as value<<16 | run<<8 |
	// value bits<<4 | code length; 0 when they do not fit, or for an
	// AC symbol other than a run/size, ZRL or EOB. For DC tables the
	// run is 0 and the value is the DC difference; for AC tables EOB has
	// run fastEOB.
	fast [1 << fastBits]int32
	// vals are the decoded values, sorted by their encoding.
	vals [maxNCodes]uint8
	// maxCode[l] is the largest code of length l, or -1 if there are
	// none; a code c of that length is the symbol vals[c+valOff[l]].
	maxCode [maxCodeLength + 1]int32
	valOff  [maxCodeLength + 1]int32
}

// errShortHuffmanData means that an unexpected EOF occurred while decoding
// Huffman data.
var errShortHuffmanData = FormatError("short Huffman data")

var errBadCode = FormatError("bad Huffman code")

// noFF reports whether none of w's eight bytes is 0xFF (so they are
// entropy-coded data as they stand: no stuffing, no marker).
func noFF(w uint64) bool {
	return (^w-0x0101010101010101)&w&0x8080808080808080 == 0
}

// refill tops the bit accumulator up to more than 56 bits, a byte at a
// time, removing byte stuffing. At a marker or at the end of the data it
// stops for good (bits.eod), leaving the marker unread; the bits read past
// that are zeros, as libjpeg reads them, and bits.n goes negative once
// they are used, which the caller reports as data that ended early.
func (d *decoder) refill() {
	for d.bits.n <= 56 && !d.bits.eod {
		for d.bytes.j-d.bytes.i < 2 {
			if d.fill() != nil {
				break
			}
		}
		if left := d.bytes.j - d.bytes.i; left == 0 || left == 1 && d.bytes.buf[d.bytes.i] == 0xff {
			d.bits.eod = true // the end of the input (or a lone 0xFF there)
			return
		}
		c := d.bytes.buf[d.bytes.i]
		if c == 0xff {
			if d.bytes.buf[d.bytes.i+1] != 0x00 {
				d.bits.eod = true // a marker: the scan's data ends here
				return
			}
			d.bytes.i++
		}
		d.bytes.i++
		d.bits.acc |= uint64(c) << (56 - d.bits.n)
		d.bits.n += 8
	}
}

// refillFast is refill for the common case of eight plain bytes ahead,
// taken in one load; the load's bytes beyond those counted in bits.n are
// the stream's next bytes, so the next load ORs them in unchanged.
func (d *decoder) refillFast() {
	if i := d.bytes.i; i+8 <= d.bytes.j && d.bits.n >= 0 {
		if w := binary.BigEndian.Uint64(d.bytes.buf[i : i+8]); noFF(w) {
			d.bits.acc |= w >> uint(d.bits.n)
			k := (63 - d.bits.n) >> 3
			d.bytes.i = i + int(k)
			d.bits.n += k << 3
			return
		}
	}
	d.refill()
}

// decode returns the symbol of the code at the top of acc and the code's
// length; ok is false for a code the table does not have.
func (h *huffman) decode(acc uint64) (sym uint8, n int32, ok bool) {
	if e := h.lut[acc>>(64-lutSize)]; e != 0 {
		return uint8(e >> 8), int32(e & 0xff), true
	}
	code := int32(acc >> (64 - maxCodeLength))
	for l := lutSize + 1; l <= maxCodeLength; l++ {
		c := code >> (maxCodeLength - l)
		if c <= h.maxCode[l] {
			i := c + h.valOff[l]
			if uint32(i) >= uint32(h.nCodes) {
				return 0, 0, false
			}
			return h.vals[i], int32(l), true
		}
	}
	return 0, 0, false
}

// extend is EXTEND of section F.2.2.1: the t-bit value v (t ≥ 1) as a
// signed coefficient.
func extend(v uint64, t uint) int32 {
	x := int32(v)
	return x + ((x-int32(1)<<((t-1)&31))>>31)&(int32(-1)<<(t&31)+1)
}

// processDHT processes a Define Huffman Table marker, and initializes a huffman
// struct from its contents. Specified in section B.2.4.2.
func (d *decoder) processDHT(n int) error {
	for n > 0 {
		if n < 17 {
			return FormatError("DHT has wrong length")
		}
		if err := d.readFull(d.tmp[:17]); err != nil {
			return err
		}
		tc := d.tmp[0] >> 4
		if tc > maxTc {
			return FormatError("bad Tc value")
		}
		th := d.tmp[0] & 0x0f
		// The baseline th <= 1 restriction is specified in table B.5.
		if th > maxTh || (d.baseline && th > 1) {
			return FormatError("bad Th value")
		}
		h := &d.huff[tc][th]

		// Read nCodes and h.vals (and derive h.nCodes).
		// nCodes[i] is the number of codes with code length i+1.
		// h.nCodes is the total number of codes.
		h.nCodes = 0
		var nCodes [maxCodeLength]int32
		for i := range nCodes {
			nCodes[i] = int32(d.tmp[i+1])
			h.nCodes += nCodes[i]
		}
		if h.nCodes == 0 {
			return FormatError("Huffman table has zero length")
		}
		if h.nCodes > maxNCodes {
			return FormatError("Huffman table has excessive length")
		}
		n -= int(h.nCodes) + 17
		if n < 0 {
			return FormatError("DHT has wrong length")
		}
		if err := d.readFull(h.vals[:h.nCodes]); err != nil {
			return err
		}
		h.build(nCodes, tc == acTable)
	}
	return nil
}

// build derives the look-up tables from the code counts and h.vals.
func (h *huffman) build(nCodes [maxCodeLength]int32, ac bool) {
	clear(h.lut[:])
	clear(h.fast[:])
	var code, index int32
	for i, cnt := range nCodes {
		l := int32(i + 1)
		if cnt == 0 {
			h.maxCode[l], h.valOff[l] = -1, 0
			code <<= 1
			continue
		}
		h.maxCode[l] = code + cnt - 1
		h.valOff[l] = index - code
		for range cnt {
			sym := h.vals[index]
			if l <= lutSize && code < 1<<l {
				base := code << (lutSize - l)
				for k := range int32(1) << (lutSize - l) {
					h.lut[base+k] = uint16(sym)<<8 | uint16(l)
				}
			}
			if l <= fastBits && code < 1<<l {
				h.setFast(code, l, sym, ac)
			}
			code++
			index++
		}
		code <<= 1
	}
}

// setFast fills the combined entries of the code of length l for sym.
func (h *huffman) setFast(code, l int32, sym uint8, ac bool) {
	run, size := int32(0), int32(sym)
	if ac {
		run, size = int32(sym>>4), int32(sym&15)
		if size == 0 {
			switch run {
			case 0:
				run = fastEOB
			case 15: // ZRL: sixteen zeros, stored as fifteen and a zero
			default:
				return // EOBn, progressive only: the careful path
			}
		}
	}
	if size > 15 || l+size > fastBits {
		return
	}
	base := code << (fastBits - l)
	for k := range int32(1) << (fastBits - l) {
		var v int32
		if size > 0 {
			bits := uint64(k>>(fastBits-l-size)) & (1<<size - 1)
			v = extend(bits, uint(size))
		}
		h.fast[base+k] = v<<16 | run<<8 | size<<4 | l
	}
}

// decodeHuffman returns the next Huffman-coded value from the bit-stream,
// decoded according to h.
func (d *decoder) decodeHuffman(h *huffman) (uint8, error) {
	if h.nCodes == 0 {
		return 0, FormatError("uninitialized Huffman table")
	}
	if d.bits.n < maxCodeLength {
		d.refillFast()
	}
	sym, n, ok := h.decode(d.bits.acc)
	if !ok {
		return 0, errBadCode
	}
	if n > d.bits.n {
		return 0, errShortHuffmanData
	}
	d.bits.acc <<= uint(n)
	d.bits.n -= n
	return sym, nil
}

// receiveExtend is the composition of RECEIVE and EXTEND, specified in section
// F.2.2.1.
func (d *decoder) receiveExtend(t uint8) (int32, error) {
	if t == 0 {
		return 0, nil
	}
	v, err := d.decodeBits(int32(t))
	if err != nil {
		return 0, err
	}
	return extend(uint64(v), uint(t)), nil
}

func (d *decoder) decodeBit() (bool, error) {
	v, err := d.decodeBits(1)
	return v != 0, err
}

func (d *decoder) decodeBits(n int32) (uint32, error) {
	if n == 0 {
		return 0, nil
	}
	if d.bits.n < n {
		d.refillFast()
		if d.bits.n < n {
			return 0, errShortHuffmanData
		}
	}
	ret := uint32(d.bits.acc >> (64 - uint(n)))
	d.bits.acc <<= uint(n)
	d.bits.n -= n
	return ret, nil
}
