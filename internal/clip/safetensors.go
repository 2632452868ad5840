package clip

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"sort"
)

// Sentinel errors for checkpoint problems, so callers (and the CLI) can tell a
// broken download from a programming error.
var (
	// ErrMissingTensor means the checkpoint lacks a tensor the architecture needs.
	ErrMissingTensor = errors.New("clip: missing tensor")
	// ErrShape means a tensor exists but its shape disagrees with config.json.
	ErrShape = errors.New("clip: tensor shape mismatch")
	// ErrFormat means the safetensors file is malformed or truncated.
	ErrFormat = errors.New("clip: malformed safetensors file")
)

// maxHeaderLen bounds the JSON header so a corrupt length cannot make us
// allocate gigabytes (the real CLIP headers are a few tens of kilobytes).
const maxHeaderLen = 100 << 20

// TensorInfo describes one tensor in a safetensors header.
type TensorInfo struct {
	DType  string   `json:"dtype"`
	Shape  []int    `json:"shape"`
	Offset [2]int64 `json:"data_offsets"`
}

// SafeTensors is an open safetensors file. Tensors are read on demand, so a
// loader never holds the raw file and the float32 copy in memory at once.
type SafeTensors struct {
	f       *os.File
	path    string
	dataOff int64
	size    int64
	tensors map[string]TensorInfo
}

// OpenSafeTensors opens path and parses and validates its header.
func OpenSafeTensors(path string) (*SafeTensors, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("clip: open safetensors: %w", err)
	}
	st, err := readHeader(f, path)
	if err != nil {
		f.Close()
		return nil, err
	}
	return st, nil
}

func readHeader(f *os.File, path string) (*SafeTensors, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("clip: stat %s: %w", path, err)
	}
	var lenBuf [8]byte
	if _, err := io.ReadFull(f, lenBuf[:]); err != nil {
		return nil, fmt.Errorf("%w: %s: reading header length: %v", ErrFormat, path, err)
	}
	n := binary.LittleEndian.Uint64(lenBuf[:])
	if n > maxHeaderLen || int64(n)+8 > fi.Size() {
		return nil, fmt.Errorf("%w: %s: header length %d does not fit file of %d bytes", ErrFormat, path, n, fi.Size())
	}
	hdr := make([]byte, n)
	if _, err := io.ReadFull(f, hdr); err != nil {
		return nil, fmt.Errorf("%w: %s: reading header: %v", ErrFormat, path, err)
	}
	raw := map[string]json.RawMessage{}
	if err := json.Unmarshal(hdr, &raw); err != nil {
		return nil, fmt.Errorf("%w: %s: header JSON: %v", ErrFormat, path, err)
	}
	st := &SafeTensors{f: f, path: path, dataOff: 8 + int64(n), size: fi.Size(), tensors: map[string]TensorInfo{}}
	dataLen := fi.Size() - st.dataOff
	for name, msg := range raw {
		if name == "__metadata__" {
			continue
		}
		var ti TensorInfo
		if err := json.Unmarshal(msg, &ti); err != nil {
			return nil, fmt.Errorf("%w: %s: tensor %q: %v", ErrFormat, path, name, err)
		}
		es := dtypeSize(ti.DType)
		if es == 0 {
			// Unknown dtypes are tolerated as long as nobody asks for them
			// (e.g. int64 position_ids buffers in old checkpoints).
			es = 1
		}
		want := int64(es)
		for _, d := range ti.Shape {
			if d < 0 {
				return nil, fmt.Errorf("%w: %s: tensor %q has negative dimension", ErrFormat, path, name)
			}
			want *= int64(d)
		}
		if ti.Offset[0] < 0 || ti.Offset[1] < ti.Offset[0] {
			return nil, fmt.Errorf("%w: %s: tensor %q has bad offsets %v", ErrFormat, path, name, ti.Offset)
		}
		if ti.Offset[1] > dataLen {
			return nil, fmt.Errorf("%w: %s: tensor %q ends at %d but the file holds only %d data bytes (truncated?)", ErrFormat, path, name, ti.Offset[1], dataLen)
		}
		if dtypeSize(ti.DType) != 0 && ti.Offset[1]-ti.Offset[0] != want {
			return nil, fmt.Errorf("%w: %s: tensor %q: %d bytes for shape %v %s", ErrFormat, path, name, ti.Offset[1]-ti.Offset[0], ti.Shape, ti.DType)
		}
		st.tensors[name] = ti
	}
	return st, nil
}

func dtypeSize(dt string) int {
	switch dt {
	case "F32", "I32", "U32":
		return 4
	case "F16", "BF16", "I16", "U16":
		return 2
	case "F64", "I64", "U64":
		return 8
	case "I8", "U8", "BOOL", "F8_E4M3", "F8_E5M2":
		return 1
	}
	return 0
}

// Close releases the file.
func (s *SafeTensors) Close() error { return s.f.Close() }

// Names lists the tensor names in sorted order.
func (s *SafeTensors) Names() []string {
	names := make([]string, 0, len(s.tensors))
	for n := range s.tensors {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Info returns the header entry for name.
func (s *SafeTensors) Info(name string) (TensorInfo, bool) {
	ti, ok := s.tensors[name]
	return ti, ok
}

// Float32 reads tensor name, converting F32, F16 or BF16 storage to float32,
// and checks that its shape is exactly shape. A scalar has shape [] (no
// arguments).
func (s *SafeTensors) Float32(name string, shape ...int) ([]float32, error) {
	ti, ok := s.tensors[name]
	if !ok {
		return nil, fmt.Errorf("%w: %q in %s", ErrMissingTensor, name, s.path)
	}
	if !slices.Equal(ti.Shape, shape) {
		return nil, fmt.Errorf("%w: %q is %v, want %v", ErrShape, name, ti.Shape, shape)
	}
	n := 1
	for _, d := range shape {
		n *= d
	}
	es := dtypeSize(ti.DType)
	switch ti.DType {
	case "F32", "F16", "BF16":
	default:
		return nil, fmt.Errorf("%w: %q has unsupported dtype %s", ErrFormat, name, ti.DType)
	}
	buf := make([]byte, n*es)
	if _, err := s.f.ReadAt(buf, s.dataOff+ti.Offset[0]); err != nil {
		return nil, fmt.Errorf("%w: reading %q: %v", ErrFormat, name, err)
	}
	out := make([]float32, n)
	switch ti.DType {
	case "F32":
		for i := range out {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(buf[4*i:]))
		}
	case "F16":
		for i := range out {
			out[i] = Float16ToFloat32(binary.LittleEndian.Uint16(buf[2*i:]))
		}
	case "BF16":
		for i := range out {
			out[i] = math.Float32frombits(uint32(binary.LittleEndian.Uint16(buf[2*i:])) << 16)
		}
	}
	return out, nil
}

// Float16ToFloat32 converts an IEEE 754 half-precision value, including
// subnormals, infinities and NaN.
func Float16ToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	switch {
	case exp == 0 && mant == 0:
		return math.Float32frombits(sign)
	case exp == 0:
		// Subnormal: renormalise.
		e := uint32(127 - 15 + 1)
		for mant&0x400 == 0 {
			mant <<= 1
			e--
		}
		mant &= 0x3ff
		return math.Float32frombits(sign | e<<23 | mant<<13)
	case exp == 0x1f:
		return math.Float32frombits(sign | 0xff<<23 | mant<<13)
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | mant<<13)
}

// Float32ToFloat16 converts to IEEE half precision with round-to-nearest-even.
// It exists for writing test checkpoints in F16.
func Float32ToFloat16(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int32(b>>23&0xff) - 127 + 15
	mant := b & 0x7fffff
	if b&0x7fffffff > 0x7f800000 { // NaN
		return sign | 0x7e00
	}
	if exp >= 0x1f {
		return sign | 0x7c00
	}
	if exp <= 0 {
		if exp < -10 {
			return sign
		}
		mant |= 0x800000
		shift := uint32(14 - exp)
		half := mant >> shift
		rem := mant & (1<<shift - 1)
		mid := uint32(1) << (shift - 1)
		if rem > mid || (rem == mid && half&1 == 1) {
			half++
		}
		return sign | uint16(half)
	}
	half := uint32(exp)<<10 | mant>>13
	rem := mant & 0x1fff
	if rem > 0x1000 || (rem == 0x1000 && half&1 == 1) {
		half++
	}
	return sign | uint16(half)
}

// TensorData is one tensor to be written by WriteSafeTensors.
type TensorData struct {
	Name  string
	Shape []int
	// DType is "F32" (default), "F16" or "BF16".
	DType string
	Data  []float32
}

// WriteSafeTensors writes tensors in the safetensors format (sorted by name,
// header padded to 8 bytes as the reference writer does). It exists so tests
// and tools can produce checkpoints in the real on-disk layout.
func WriteSafeTensors(w io.Writer, tensors []TensorData) error {
	ts := slices.Clone(tensors)
	sort.Slice(ts, func(i, j int) bool { return ts[i].Name < ts[j].Name })
	hdr := map[string]any{"__metadata__": map[string]string{"format": "pt"}}
	var off int64
	for i := range ts {
		if ts[i].DType == "" {
			ts[i].DType = "F32"
		}
		n := 1
		for _, d := range ts[i].Shape {
			n *= d
		}
		if n != len(ts[i].Data) {
			return fmt.Errorf("clip: write safetensors: %q has %d values for shape %v", ts[i].Name, len(ts[i].Data), ts[i].Shape)
		}
		es := int64(dtypeSize(ts[i].DType))
		if es != 4 && es != 2 {
			return fmt.Errorf("clip: write safetensors: unsupported dtype %s", ts[i].DType)
		}
		shape := ts[i].Shape
		if shape == nil {
			shape = []int{}
		}
		hdr[ts[i].Name] = TensorInfo{DType: ts[i].DType, Shape: shape, Offset: [2]int64{off, off + es*int64(n)}}
		off += es * int64(n)
	}
	js, err := json.Marshal(hdr)
	if err != nil {
		return fmt.Errorf("clip: write safetensors: %w", err)
	}
	for len(js)%8 != 0 {
		js = append(js, ' ')
	}
	var lenBuf [8]byte
	binary.LittleEndian.PutUint64(lenBuf[:], uint64(len(js)))
	if _, err := w.Write(lenBuf[:]); err != nil {
		return fmt.Errorf("clip: write safetensors: %w", err)
	}
	if _, err := w.Write(js); err != nil {
		return fmt.Errorf("clip: write safetensors: %w", err)
	}
	for _, t := range ts {
		var buf []byte
		switch t.DType {
		case "F32":
			buf = make([]byte, 4*len(t.Data))
			for i, v := range t.Data {
				binary.LittleEndian.PutUint32(buf[4*i:], math.Float32bits(v))
			}
		case "F16":
			buf = make([]byte, 2*len(t.Data))
			for i, v := range t.Data {
				binary.LittleEndian.PutUint16(buf[2*i:], Float32ToFloat16(v))
			}
		case "BF16":
			buf = make([]byte, 2*len(t.Data))
			for i, v := range t.Data {
				// Round to nearest even on the upper 16 bits.
				b := math.Float32bits(v)
				b += 0x7fff + (b>>16)&1
				binary.LittleEndian.PutUint16(buf[2*i:], uint16(b>>16))
			}
		}
		if _, err := w.Write(buf); err != nil {
			return fmt.Errorf("clip: write safetensors: %w", err)
		}
	}
	return nil
}
