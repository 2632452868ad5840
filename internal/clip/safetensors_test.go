package clip

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func writeST(t *testing.T, ts []TensorData) string {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteSafeTensors(&buf, ts); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "model.safetensors")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSafeTensorsRoundTrip(t *testing.T) {
	t.Parallel()
	vals := []float32{0, 1, -2, 0.5, 65504, 1e-3, -3.25, 6.1035156e-05}
	p := writeST(t, []TensorData{
		{Name: "a.f32", Shape: []int{2, 4}, Data: vals},
		{Name: "b.f16", Shape: []int{8}, DType: "F16", Data: vals},
		{Name: "c.bf16", Shape: []int{4, 2}, DType: "BF16", Data: vals},
		{Name: "scalar", Shape: nil, Data: []float32{4.6052}},
	})
	st, err := OpenSafeTensors(p)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if got := st.Names(); !slices.Equal(got, []string{"a.f32", "b.f16", "c.bf16", "scalar"}) {
		t.Errorf("names %v", got)
	}
	tests := []struct {
		name  string
		shape []int
		tol   float64 // relative
	}{
		{"a.f32", []int{2, 4}, 0},
		{"b.f16", []int{8}, 1.0 / 2048},
		{"c.bf16", []int{4, 2}, 1.0 / 256},
	}
	for _, tc := range tests {
		got, err := st.Float32(tc.name, tc.shape...)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		for i, v := range vals {
			if math.Abs(float64(got[i]-v)) > tc.tol*math.Abs(float64(v)) {
				t.Errorf("%s[%d] = %v, want %v", tc.name, i, got[i], v)
			}
		}
	}
	s, err := st.Float32("scalar")
	if err != nil || s[0] != 4.6052 {
		t.Errorf("scalar = %v, %v", s, err)
	}
}

func TestFloat16Conversion(t *testing.T) {
	t.Parallel()
	tests := []struct {
		h uint16
		f float32
	}{
		{0x3C00, 1}, {0xC000, -2}, {0x7BFF, 65504}, {0x0001, 5.9604645e-08},
		{0x0400, 6.1035156e-05}, {0x3555, 0.33325195}, {0x8000, float32(math.Copysign(0, -1))},
		{0x7C00, float32(math.Inf(1))}, {0xFC00, float32(math.Inf(-1))},
	}
	for _, tc := range tests {
		if got := Float16ToFloat32(tc.h); got != tc.f || math.Signbit(float64(got)) != math.Signbit(float64(tc.f)) {
			t.Errorf("Float16ToFloat32(%#04x) = %v, want %v", tc.h, got, tc.f)
		}
		if got := Float32ToFloat16(tc.f); got != tc.h {
			t.Errorf("Float32ToFloat16(%v) = %#04x, want %#04x", tc.f, got, tc.h)
		}
	}
	if !math.IsNaN(float64(Float16ToFloat32(0x7E00))) {
		t.Error("NaN not preserved")
	}
	// Round to nearest even: 1 + 2^-11 is halfway between 1 and 1+2^-10.
	if got := Float32ToFloat16(1 + 1.0/2048); got != 0x3C00 {
		t.Errorf("tie rounding gave %#04x", got)
	}
}

func TestSafeTensorsErrors(t *testing.T) {
	t.Parallel()
	good := writeST(t, []TensorData{{Name: "w", Shape: []int{2, 3}, Data: make([]float32, 6)}})
	raw, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	file := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	hugeLen := make([]byte, 8)
	binary.LittleEndian.PutUint64(hugeLen, 1<<40)
	badJSON := append(binary.LittleEndian.AppendUint64(nil, 4), []byte("{{{{")...)
	openErrs := []struct {
		name string
		path string
	}{
		{"truncated data", file("trunc", raw[:len(raw)-5])},
		{"short header length", file("short", raw[:5])},
		{"huge header length", file("huge", hugeLen)},
		{"bad json", file("json", badJSON)},
	}
	for _, tc := range openErrs {
		if _, err := OpenSafeTensors(tc.path); !errors.Is(err, ErrFormat) {
			t.Errorf("%s: err = %v, want ErrFormat", tc.name, err)
		}
	}
	if _, err := OpenSafeTensors(filepath.Join(dir, "absent")); err == nil || errors.Is(err, ErrFormat) {
		t.Errorf("missing file: err = %v", err)
	}
	st, err := OpenSafeTensors(good)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Float32("nope", 2, 3); !errors.Is(err, ErrMissingTensor) {
		t.Errorf("missing tensor: %v", err)
	}
	if _, err := st.Float32("w", 3, 2); !errors.Is(err, ErrShape) {
		t.Errorf("wrong shape: %v", err)
	}
}

func TestSafeTensorsToleratesInt64Buffers(t *testing.T) {
	t.Parallel()
	// Old checkpoints carry int64 position_ids; they must not break loading.
	hdr := []byte(`{"text_model.embeddings.position_ids":{"dtype":"I64","shape":[1,2],"data_offsets":[0,16]},"w":{"dtype":"F32","shape":[1],"data_offsets":[16,20]}}`)
	var b []byte
	b = binary.LittleEndian.AppendUint64(b, uint64(len(hdr)))
	b = append(b, hdr...)
	b = append(b, make([]byte, 16)...)
	b = binary.LittleEndian.AppendUint32(b, math.Float32bits(2.5))
	p := filepath.Join(t.TempDir(), "m.safetensors")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := OpenSafeTensors(p)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if w, err := st.Float32("w", 1); err != nil || w[0] != 2.5 {
		t.Errorf("w = %v, %v", w, err)
	}
	if _, err := st.Float32("text_model.embeddings.position_ids", 1, 2); !errors.Is(err, ErrFormat) {
		t.Errorf("reading I64 as float: %v", err)
	}
}
