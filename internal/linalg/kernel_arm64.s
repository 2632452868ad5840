//go:build arm64 && !purego

#include "textflag.h"

// func tile4x4NEON(n4 int, a *float32, lda int, b *float32, ldb int, out *[64]float32)
//
// tile4x4NEON is the arm64 (NEON) tile kernel's inner loop: for 4 rows of A
// (R0–R3) and 4 rows of B (R4–R7) it accumulates 4·n4 floats of each pair's
// dot product in the 4 lanes of V(4i+j) and stores the 16 vectors, in that
// order, to out; the Go wrapper adds the lanes and the last k%4 products.
TEXT ·tile4x4NEON(SB), NOSPLIT, $0-48
	MOVD n4+0(FP), R9
	MOVD a+8(FP), R0
	MOVD lda+16(FP), R10
	LSL  $2, R10
	ADD  R10, R0, R1
	ADD  R10, R1, R2
	ADD  R10, R2, R3
	MOVD b+24(FP), R4
	MOVD ldb+32(FP), R10
	LSL  $2, R10
	ADD  R10, R4, R5
	ADD  R10, R5, R6
	ADD  R10, R6, R7
	MOVD out+40(FP), R8

	VEOR V0.B16, V0.B16, V0.B16
	VEOR V1.B16, V1.B16, V1.B16
	VEOR V2.B16, V2.B16, V2.B16
	VEOR V3.B16, V3.B16, V3.B16
	VEOR V4.B16, V4.B16, V4.B16
	VEOR V5.B16, V5.B16, V5.B16
	VEOR V6.B16, V6.B16, V6.B16
	VEOR V7.B16, V7.B16, V7.B16
	VEOR V8.B16, V8.B16, V8.B16
	VEOR V9.B16, V9.B16, V9.B16
	VEOR V10.B16, V10.B16, V10.B16
	VEOR V11.B16, V11.B16, V11.B16
	VEOR V12.B16, V12.B16, V12.B16
	VEOR V13.B16, V13.B16, V13.B16
	VEOR V14.B16, V14.B16, V14.B16
	VEOR V15.B16, V15.B16, V15.B16

	CBZ R9, done

loop:
	VLD1.P 16(R0), [V16.S4]
	VLD1.P 16(R1), [V17.S4]
	VLD1.P 16(R2), [V18.S4]
	VLD1.P 16(R3), [V19.S4]
	VLD1.P 16(R4), [V20.S4]
	VLD1.P 16(R5), [V21.S4]
	VLD1.P 16(R6), [V22.S4]
	VLD1.P 16(R7), [V23.S4]
	VFMLA V16.S4, V20.S4, V0.S4
	VFMLA V16.S4, V21.S4, V1.S4
	VFMLA V16.S4, V22.S4, V2.S4
	VFMLA V16.S4, V23.S4, V3.S4
	VFMLA V17.S4, V20.S4, V4.S4
	VFMLA V17.S4, V21.S4, V5.S4
	VFMLA V17.S4, V22.S4, V6.S4
	VFMLA V17.S4, V23.S4, V7.S4
	VFMLA V18.S4, V20.S4, V8.S4
	VFMLA V18.S4, V21.S4, V9.S4
	VFMLA V18.S4, V22.S4, V10.S4
	VFMLA V18.S4, V23.S4, V11.S4
	VFMLA V19.S4, V20.S4, V12.S4
	VFMLA V19.S4, V21.S4, V13.S4
	VFMLA V19.S4, V22.S4, V14.S4
	VFMLA V19.S4, V23.S4, V15.S4
	SUBS $1, R9
	BNE  loop

done:
	VST1.P [V0.S4, V1.S4, V2.S4, V3.S4], 64(R8)
	VST1.P [V4.S4, V5.S4, V6.S4, V7.S4], 64(R8)
	VST1.P [V8.S4, V9.S4, V10.S4, V11.S4], 64(R8)
	VST1.P [V12.S4, V13.S4, V14.S4, V15.S4], 64(R8)
	RET

// func dotNEON(a, b *float32, n16 int, out *[16]float32)
// accumulates 16·n16 products of a and b in four vectors and stores them to
// out; the Go wrapper adds them up with the tail.
TEXT ·dotNEON(SB), NOSPLIT, $0-32
	MOVD a+0(FP), R0
	MOVD b+8(FP), R1
	MOVD n16+16(FP), R9
	MOVD out+24(FP), R8
	VEOR V16.B16, V16.B16, V16.B16
	VEOR V17.B16, V17.B16, V17.B16
	VEOR V18.B16, V18.B16, V18.B16
	VEOR V19.B16, V19.B16, V19.B16
	CBZ  R9, dotdone

dotloop:
	VLD1.P 64(R0), [V0.S4, V1.S4, V2.S4, V3.S4]
	VLD1.P 64(R1), [V4.S4, V5.S4, V6.S4, V7.S4]
	VFMLA  V0.S4, V4.S4, V16.S4
	VFMLA  V1.S4, V5.S4, V17.S4
	VFMLA  V2.S4, V6.S4, V18.S4
	VFMLA  V3.S4, V7.S4, V19.S4
	SUBS   $1, R9
	BNE    dotloop

dotdone:
	VST1 [V16.S4, V17.S4, V18.S4, V19.S4], (R8)
	RET

// func axpyNEON(alpha float32, x, y *float32, n16 int)
// computes y += alpha·x for 16·n16 elements.
TEXT ·axpyNEON(SB), NOSPLIT, $0-32
	FMOVS alpha+0(FP), F31
	VDUP  V31.S[0], V31.S4
	MOVD  x+8(FP), R0
	MOVD  y+16(FP), R1
	MOVD  n16+24(FP), R9
	CBZ   R9, axpydone

axpyloop:
	VLD1   (R1), [V0.S4, V1.S4, V2.S4, V3.S4]
	VLD1.P 64(R0), [V4.S4, V5.S4, V6.S4, V7.S4]
	VFMLA  V4.S4, V31.S4, V0.S4
	VFMLA  V5.S4, V31.S4, V1.S4
	VFMLA  V6.S4, V31.S4, V2.S4
	VFMLA  V7.S4, V31.S4, V3.S4
	VST1.P [V0.S4, V1.S4, V2.S4, V3.S4], 64(R1)
	SUBS   $1, R9
	BNE    axpyloop

axpydone:
	RET
