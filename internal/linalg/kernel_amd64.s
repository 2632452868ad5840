//go:build amd64 && !purego

#include "textflag.h"

// Register use of tile4x4AVX512: the accumulator for A row i and B row j is
// Z(4j+i), the current 16 floats of A row i are Z(16+i) and of B row j Z(20+j).
// Rows of A are at AX, BX, CX, DX and rows of B at R8–R11, all indexed by the
// byte offset SI.

#define LOADS(op) \
	op (AX)(SI*1), Z16; \
	op (BX)(SI*1), Z17; \
	op (CX)(SI*1), Z18; \
	op (DX)(SI*1), Z19; \
	op (R8)(SI*1), Z20; \
	op (R9)(SI*1), Z21; \
	op (R10)(SI*1), Z22; \
	op (R11)(SI*1), Z23

#define MLOADS \
	VMOVUPS.Z (AX)(SI*1), K1, Z16; \
	VMOVUPS.Z (BX)(SI*1), K1, Z17; \
	VMOVUPS.Z (CX)(SI*1), K1, Z18; \
	VMOVUPS.Z (DX)(SI*1), K1, Z19; \
	VMOVUPS.Z (R8)(SI*1), K1, Z20; \
	VMOVUPS.Z (R9)(SI*1), K1, Z21; \
	VMOVUPS.Z (R10)(SI*1), K1, Z22; \
	VMOVUPS.Z (R11)(SI*1), K1, Z23

#define FMAS \
	VFMADD231PS Z20, Z16, Z0; \
	VFMADD231PS Z20, Z17, Z1; \
	VFMADD231PS Z20, Z18, Z2; \
	VFMADD231PS Z20, Z19, Z3; \
	VFMADD231PS Z21, Z16, Z4; \
	VFMADD231PS Z21, Z17, Z5; \
	VFMADD231PS Z21, Z18, Z6; \
	VFMADD231PS Z21, Z19, Z7; \
	VFMADD231PS Z22, Z16, Z8; \
	VFMADD231PS Z22, Z17, Z9; \
	VFMADD231PS Z22, Z18, Z10; \
	VFMADD231PS Z22, Z19, Z11; \
	VFMADD231PS Z23, Z16, Z12; \
	VFMADD231PS Z23, Z17, Z13; \
	VFMADD231PS Z23, Z18, Z14; \
	VFMADD231PS Z23, Z19, Z15

// Reduction steps: each folds two vectors of partial sums into one.
// HALF folds 512→256 bits per input (x in the low half of the result, y high).
#define HALF(x, y, d) \
	VSHUFF32X4 $0x44, y, x, Z24; \
	VSHUFF32X4 $0xEE, y, x, Z25; \
	VADDPS Z25, Z24, d

// QUART folds 256→128 bits: result lanes hold x.lo, x.hi, y.lo, y.hi sums.
#define QUART(x, y, d) \
	VSHUFF32X4 $0x88, y, x, Z24; \
	VSHUFF32X4 $0xDD, y, x, Z25; \
	VADDPS Z25, Z24, d

// func tile4x4AVX512(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, accumulate bool)
TEXT ·tile4x4AVX512(SB), NOSPLIT, $0-57
	MOVQ k+0(FP), R12
	MOVQ R12, CX
	ANDQ $15, CX
	MOVL $1, R13
	SHLL CX, R13
	DECL R13
	KMOVW R13, K1

	MOVQ a+8(FP), AX
	MOVQ lda+16(FP), DI
	SHLQ $2, DI
	LEAQ (AX)(DI*1), BX
	LEAQ (BX)(DI*1), CX
	LEAQ (CX)(DI*1), DX
	MOVQ b+24(FP), R8
	MOVQ ldb+32(FP), DI
	SHLQ $2, DI
	LEAQ (R8)(DI*1), R9
	LEAQ (R9)(DI*1), R10
	LEAQ (R10)(DI*1), R11

	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	VPXORD Z8, Z8, Z8
	VPXORD Z9, Z9, Z9
	VPXORD Z10, Z10, Z10
	VPXORD Z11, Z11, Z11
	VPXORD Z12, Z12, Z12
	VPXORD Z13, Z13, Z13
	VPXORD Z14, Z14, Z14
	VPXORD Z15, Z15, Z15

	XORQ SI, SI
	MOVQ R12, DI
	ANDQ $-16, DI
	SHLQ $2, DI
	JZ tail

loop:
	LOADS(VMOVUPS)
	FMAS
	ADDQ $64, SI
	CMPQ SI, DI
	JB   loop

tail:
	ANDQ $15, R12
	JZ   reduce
	MLOADS
	FMAS

reduce:
	// Fold the 16 accumulators into Z0, whose float 4i+j is the sum for
	// A row i and B row j: row i of the tile is 128-bit lane i.
	HALF(Z0, Z1, Z0)
	HALF(Z2, Z3, Z1)
	HALF(Z4, Z5, Z2)
	HALF(Z6, Z7, Z3)
	HALF(Z8, Z9, Z4)
	HALF(Z10, Z11, Z5)
	HALF(Z12, Z13, Z6)
	HALF(Z14, Z15, Z7)
	QUART(Z0, Z1, Z0)
	QUART(Z2, Z3, Z1)
	QUART(Z4, Z5, Z2)
	QUART(Z6, Z7, Z3)
	VUNPCKLPD Z1, Z0, Z24
	VUNPCKHPD Z1, Z0, Z25
	VADDPS    Z25, Z24, Z0
	VUNPCKLPD Z3, Z2, Z24
	VUNPCKHPD Z3, Z2, Z25
	VADDPS    Z25, Z24, Z1
	VSHUFPS   $0x88, Z1, Z0, Z24
	VSHUFPS   $0xDD, Z1, Z0, Z25
	VADDPS    Z25, Z24, Z0

	VEXTRACTF32X4 $1, Z0, X1
	VEXTRACTF32X4 $2, Z0, X2
	VEXTRACTF32X4 $3, Z0, X3
	MOVQ c+40(FP), DI
	MOVQ ldc+48(FP), SI
	SHLQ $2, SI
	LEAQ (DI)(SI*2), R8
	MOVBLZX accumulate+56(FP), R12
	TESTQ R12, R12
	JZ   store
	VADDPS (DI), X0, X0
	VADDPS (DI)(SI*1), X1, X1
	VADDPS (R8), X2, X2
	VADDPS (R8)(SI*1), X3, X3

store:
	VMOVUPS X0, (DI)
	VMOVUPS X1, (DI)(SI*1)
	VMOVUPS X2, (R8)
	VMOVUPS X3, (R8)(SI*1)
	VZEROUPPER
	RET

// tile2x8AVX512 is the main AVX-512 kernel: 2 rows of A (AX, BX) by 8 rows of
// B (R8–R13, CX, DX). A row's floats are in Z16–Z17 and B's in Z20–Z27. The
// accumulator for A row r and B row j is Z(4·(j%4) + 2r + j/4): that order
// makes the reduction tree leave row r of the tile in 256-bit half r of Z0.
// Against 4×4 it halves the bytes of A streamed from L2 per FMA, while the
// 8 rows of B stay in L1.

#define LOADS28 \
	VMOVUPS (AX)(SI*1), Z16; \
	VMOVUPS (BX)(SI*1), Z17; \
	VMOVUPS (R8)(SI*1), Z20; \
	VMOVUPS (R9)(SI*1), Z21; \
	VMOVUPS (R10)(SI*1), Z22; \
	VMOVUPS (R11)(SI*1), Z23; \
	VMOVUPS (R12)(SI*1), Z24; \
	VMOVUPS (R13)(SI*1), Z25; \
	VMOVUPS (CX)(SI*1), Z26; \
	VMOVUPS (DX)(SI*1), Z27

#define MLOADS28 \
	VMOVUPS.Z (AX)(SI*1), K1, Z16; \
	VMOVUPS.Z (BX)(SI*1), K1, Z17; \
	VMOVUPS.Z (R8)(SI*1), K1, Z20; \
	VMOVUPS.Z (R9)(SI*1), K1, Z21; \
	VMOVUPS.Z (R10)(SI*1), K1, Z22; \
	VMOVUPS.Z (R11)(SI*1), K1, Z23; \
	VMOVUPS.Z (R12)(SI*1), K1, Z24; \
	VMOVUPS.Z (R13)(SI*1), K1, Z25; \
	VMOVUPS.Z (CX)(SI*1), K1, Z26; \
	VMOVUPS.Z (DX)(SI*1), K1, Z27

#define FMAS28 \
	VFMADD231PS Z20, Z16, Z0; \
	VFMADD231PS Z20, Z17, Z2; \
	VFMADD231PS Z21, Z16, Z4; \
	VFMADD231PS Z21, Z17, Z6; \
	VFMADD231PS Z22, Z16, Z8; \
	VFMADD231PS Z22, Z17, Z10; \
	VFMADD231PS Z23, Z16, Z12; \
	VFMADD231PS Z23, Z17, Z14; \
	VFMADD231PS Z24, Z16, Z1; \
	VFMADD231PS Z24, Z17, Z3; \
	VFMADD231PS Z25, Z16, Z5; \
	VFMADD231PS Z25, Z17, Z7; \
	VFMADD231PS Z26, Z16, Z9; \
	VFMADD231PS Z26, Z17, Z11; \
	VFMADD231PS Z27, Z16, Z13; \
	VFMADD231PS Z27, Z17, Z15

// func tile2x8AVX512(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, accumulate bool)
TEXT ·tile2x8AVX512(SB), NOSPLIT, $0-57
	MOVQ k+0(FP), CX
	ANDQ $15, CX
	MOVL $1, DX
	SHLL CX, DX
	DECL DX
	KMOVW DX, K1

	MOVQ a+8(FP), AX
	MOVQ lda+16(FP), DI
	SHLQ $2, DI
	LEAQ (AX)(DI*1), BX
	MOVQ b+24(FP), R8
	MOVQ ldb+32(FP), DI
	SHLQ $2, DI
	LEAQ (R8)(DI*1), R9
	LEAQ (R9)(DI*1), R10
	LEAQ (R10)(DI*1), R11
	LEAQ (R11)(DI*1), R12
	LEAQ (R12)(DI*1), R13
	LEAQ (R13)(DI*1), CX
	LEAQ (CX)(DI*1), DX

	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	VPXORD Z8, Z8, Z8
	VPXORD Z9, Z9, Z9
	VPXORD Z10, Z10, Z10
	VPXORD Z11, Z11, Z11
	VPXORD Z12, Z12, Z12
	VPXORD Z13, Z13, Z13
	VPXORD Z14, Z14, Z14
	VPXORD Z15, Z15, Z15

	XORQ SI, SI
	MOVQ k+0(FP), DI
	ANDQ $-16, DI
	SHLQ $2, DI
	JZ   tail28

loop28:
	LOADS28
	FMAS28
	ADDQ $64, SI
	CMPQ SI, DI
	JB   loop28

tail28:
	MOVQ k+0(FP), DI
	ANDQ $15, DI
	JZ   reduce28
	MLOADS28
	FMAS28

reduce28:
	HALF(Z0, Z1, Z0)
	HALF(Z2, Z3, Z1)
	HALF(Z4, Z5, Z2)
	HALF(Z6, Z7, Z3)
	HALF(Z8, Z9, Z4)
	HALF(Z10, Z11, Z5)
	HALF(Z12, Z13, Z6)
	HALF(Z14, Z15, Z7)
	QUART(Z0, Z1, Z0)
	QUART(Z2, Z3, Z1)
	QUART(Z4, Z5, Z2)
	QUART(Z6, Z7, Z3)
	VUNPCKLPD Z1, Z0, Z24
	VUNPCKHPD Z1, Z0, Z25
	VADDPS    Z25, Z24, Z0
	VUNPCKLPD Z3, Z2, Z24
	VUNPCKHPD Z3, Z2, Z25
	VADDPS    Z25, Z24, Z1
	VSHUFPS   $0x88, Z1, Z0, Z24
	VSHUFPS   $0xDD, Z1, Z0, Z25
	VADDPS    Z25, Z24, Z0

	VEXTRACTF64X4 $1, Z0, Y1
	MOVQ c+40(FP), DI
	MOVQ ldc+48(FP), SI
	SHLQ $2, SI
	MOVBLZX accumulate+56(FP), R12
	TESTQ R12, R12
	JZ   store28
	VADDPS (DI), Y0, Y0
	VADDPS (DI)(SI*1), Y1, Y1

store28:
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, (DI)(SI*1)
	VZEROUPPER
	RET

// func dotAVX512(a, b *float32, n int) float32
TEXT ·dotAVX512(SB), NOSPLIT, $0-28
	MOVQ a+0(FP), AX
	MOVQ b+8(FP), BX
	MOVQ n+16(FP), CX
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	XORQ SI, SI
	MOVQ CX, DX
	ANDQ $-64, DX
	SHLQ $2, DX
	JZ   dot16

dot64:
	VMOVUPS     (AX)(SI*1), Z4
	VMOVUPS     64(AX)(SI*1), Z5
	VMOVUPS     128(AX)(SI*1), Z6
	VMOVUPS     192(AX)(SI*1), Z7
	VFMADD231PS (BX)(SI*1), Z4, Z0
	VFMADD231PS 64(BX)(SI*1), Z5, Z1
	VFMADD231PS 128(BX)(SI*1), Z6, Z2
	VFMADD231PS 192(BX)(SI*1), Z7, Z3
	ADDQ $256, SI
	CMPQ SI, DX
	JB   dot64

dot16:
	MOVQ CX, DX
	ANDQ $-16, DX
	SHLQ $2, DX
	CMPQ SI, DX
	JAE  dottail

dot16loop:
	VMOVUPS     (AX)(SI*1), Z4
	VFMADD231PS (BX)(SI*1), Z4, Z0
	ADDQ $64, SI
	CMPQ SI, DX
	JB   dot16loop

dottail:
	ANDQ $15, CX
	JZ   dotreduce
	MOVL $1, DX
	SHLL CX, DX
	DECL DX
	KMOVW DX, K1
	VMOVUPS.Z   (AX)(SI*1), K1, Z4
	VMOVUPS.Z   (BX)(SI*1), K1, Z5
	VFMADD231PS Z5, Z4, Z1

dotreduce:
	VADDPS Z1, Z0, Z0
	VADDPS Z3, Z2, Z2
	VADDPS Z2, Z0, Z0
	VEXTRACTF64X4 $1, Z0, Y1
	VADDPS Y1, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS X1, X0, X0
	VMOVHLPS X0, X0, X1
	VADDPS X1, X0, X0
	VMOVSHDUP X0, X1
	VADDSS X1, X0, X0
	VZEROUPPER
	MOVSS X0, ret+24(FP)
	RET

// func axpyAVX512(alpha float32, x, y *float32, n int)
TEXT ·axpyAVX512(SB), NOSPLIT, $0-32
	VBROADCASTSS alpha+0(FP), Z0
	MOVQ x+8(FP), AX
	MOVQ y+16(FP), BX
	MOVQ n+24(FP), CX
	XORQ SI, SI
	MOVQ CX, DX
	ANDQ $-64, DX
	SHLQ $2, DX
	JZ   axpy16

axpy64:
	VMOVUPS     (BX)(SI*1), Z1
	VMOVUPS     64(BX)(SI*1), Z2
	VMOVUPS     128(BX)(SI*1), Z3
	VMOVUPS     192(BX)(SI*1), Z4
	VFMADD231PS (AX)(SI*1), Z0, Z1
	VFMADD231PS 64(AX)(SI*1), Z0, Z2
	VFMADD231PS 128(AX)(SI*1), Z0, Z3
	VFMADD231PS 192(AX)(SI*1), Z0, Z4
	VMOVUPS     Z1, (BX)(SI*1)
	VMOVUPS     Z2, 64(BX)(SI*1)
	VMOVUPS     Z3, 128(BX)(SI*1)
	VMOVUPS     Z4, 192(BX)(SI*1)
	ADDQ $256, SI
	CMPQ SI, DX
	JB   axpy64

axpy16:
	MOVQ CX, DX
	ANDQ $-16, DX
	SHLQ $2, DX
	CMPQ SI, DX
	JAE  axpytail

axpy16loop:
	VMOVUPS     (BX)(SI*1), Z1
	VFMADD231PS (AX)(SI*1), Z0, Z1
	VMOVUPS     Z1, (BX)(SI*1)
	ADDQ $64, SI
	CMPQ SI, DX
	JB   axpy16loop

axpytail:
	ANDQ $15, CX
	JZ   axpydone
	MOVL $1, DX
	SHLL CX, DX
	DECL DX
	KMOVW DX, K1
	VMOVUPS.Z   (BX)(SI*1), K1, Z1
	VMOVUPS.Z   (AX)(SI*1), K1, Z2
	VFMADD231PS Z2, Z0, Z1
	VMOVUPS     Z1, K1, (BX)(SI*1)

axpydone:
	VZEROUPPER
	RET

// tile3x4AVX2 is the AVX2+FMA kernel for CPUs without AVX-512: 3 rows of A
// (AX, BX, CX) by 4 rows of B (R8–R11). The accumulator for A row i and B row
// j is Y(4i+j); A rows sit in Y12–Y14 and each B row passes through Y15.

#define FMAS2(op, r0, r1, r2, rb) \
	op (AX)(SI*1), r0; \
	op (BX)(SI*1), r1; \
	op (CX)(SI*1), r2; \
	op (R8)(SI*1), rb; \
	VFMADD231PS Y15, Y12, Y0; \
	VFMADD231PS Y15, Y13, Y4; \
	VFMADD231PS Y15, Y14, Y8; \
	op (R9)(SI*1), rb; \
	VFMADD231PS Y15, Y12, Y1; \
	VFMADD231PS Y15, Y13, Y5; \
	VFMADD231PS Y15, Y14, Y9; \
	op (R10)(SI*1), rb; \
	VFMADD231PS Y15, Y12, Y2; \
	VFMADD231PS Y15, Y13, Y6; \
	VFMADD231PS Y15, Y14, Y10; \
	op (R11)(SI*1), rb; \
	VFMADD231PS Y15, Y12, Y3; \
	VFMADD231PS Y15, Y13, Y7; \
	VFMADD231PS Y15, Y14, Y11

// ROW2 sums accumulators y0..y3 into the low 128 bits of y0 as 4 floats.
#define ROW2(y0, y1, y2, y3, x0, x1) \
	VHADDPS y1, y0, y0; \
	VHADDPS y3, y2, y2; \
	VHADDPS y2, y0, y0; \
	VEXTRACTF128 $1, y0, x1; \
	VADDPS x1, x0, x0

// func tile3x4AVX2(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, accumulate bool)
TEXT ·tile3x4AVX2(SB), NOSPLIT, $0-57
	MOVQ k+0(FP), R12
	MOVQ a+8(FP), AX
	MOVQ lda+16(FP), DI
	SHLQ $2, DI
	LEAQ (AX)(DI*1), BX
	LEAQ (BX)(DI*1), CX
	MOVQ b+24(FP), R8
	MOVQ ldb+32(FP), DI
	SHLQ $2, DI
	LEAQ (R8)(DI*1), R9
	LEAQ (R9)(DI*1), R10
	LEAQ (R10)(DI*1), R11

	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11

	XORQ SI, SI
	MOVQ R12, DI
	ANDQ $-8, DI
	SHLQ $2, DI
	JZ   tail2

loop2:
	FMAS2(VMOVUPS, Y12, Y13, Y14, Y15)
	ADDQ $32, SI
	CMPQ SI, DI
	JB   loop2

tail2:
	// The last k%8 elements one at a time: VMOVSS zeroes the other lanes,
	// so the same FMAs add the products to lane 0 only, reading nothing past k.
	ANDQ $7, R12
	JZ   reduce2

tailloop2:
	FMAS2(VMOVSS, X12, X13, X14, X15)
	ADDQ $4, SI
	DECQ R12
	JNZ  tailloop2

reduce2:
	ROW2(Y0, Y1, Y2, Y3, X0, X1)
	ROW2(Y4, Y5, Y6, Y7, X4, X5)
	ROW2(Y8, Y9, Y10, Y11, X8, X9)
	MOVQ c+40(FP), DI
	MOVQ ldc+48(FP), SI
	SHLQ $2, SI
	MOVBLZX accumulate+56(FP), R12
	TESTQ R12, R12
	JZ   store2
	VADDPS (DI), X0, X0
	VADDPS (DI)(SI*1), X4, X4
	VADDPS (DI)(SI*2), X8, X8

store2:
	VMOVUPS X0, (DI)
	VMOVUPS X4, (DI)(SI*1)
	VMOVUPS X8, (DI)(SI*2)
	VZEROUPPER
	RET

// func dotAVX2(a, b *float32, n int) float32
TEXT ·dotAVX2(SB), NOSPLIT, $0-28
	MOVQ a+0(FP), AX
	MOVQ b+8(FP), BX
	MOVQ n+16(FP), CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	XORQ SI, SI
	MOVQ CX, DX
	ANDQ $-32, DX
	SHLQ $2, DX
	JZ   d2_8

d2_32:
	VMOVUPS     (AX)(SI*1), Y4
	VMOVUPS     32(AX)(SI*1), Y5
	VMOVUPS     64(AX)(SI*1), Y6
	VMOVUPS     96(AX)(SI*1), Y7
	VFMADD231PS (BX)(SI*1), Y4, Y0
	VFMADD231PS 32(BX)(SI*1), Y5, Y1
	VFMADD231PS 64(BX)(SI*1), Y6, Y2
	VFMADD231PS 96(BX)(SI*1), Y7, Y3
	ADDQ $128, SI
	CMPQ SI, DX
	JB   d2_32

d2_8:
	MOVQ CX, DX
	ANDQ $-8, DX
	SHLQ $2, DX
	CMPQ SI, DX
	JAE  d2_tail

d2_8loop:
	VMOVUPS     (AX)(SI*1), Y4
	VFMADD231PS (BX)(SI*1), Y4, Y0
	ADDQ $32, SI
	CMPQ SI, DX
	JB   d2_8loop

d2_tail:
	ANDQ $7, CX
	JZ   d2_reduce

d2_tailloop:
	VMOVSS      (AX)(SI*1), X4
	VMOVSS      (BX)(SI*1), X5
	VFMADD231PS Y5, Y4, Y1
	ADDQ $4, SI
	DECQ CX
	JNZ  d2_tailloop

d2_reduce:
	VADDPS Y1, Y0, Y0
	VADDPS Y3, Y2, Y2
	VADDPS Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS X1, X0, X0
	VMOVHLPS X0, X0, X1
	VADDPS X1, X0, X0
	VMOVSHDUP X0, X1
	VADDSS X1, X0, X0
	VZEROUPPER
	MOVSS X0, ret+24(FP)
	RET

// func axpyAVX2(alpha float32, x, y *float32, n int)
TEXT ·axpyAVX2(SB), NOSPLIT, $0-32
	VBROADCASTSS alpha+0(FP), Y0
	MOVQ x+8(FP), AX
	MOVQ y+16(FP), BX
	MOVQ n+24(FP), CX
	XORQ SI, SI
	MOVQ CX, DX
	ANDQ $-32, DX
	SHLQ $2, DX
	JZ   a2_8

a2_32:
	VMOVUPS     (BX)(SI*1), Y1
	VMOVUPS     32(BX)(SI*1), Y2
	VMOVUPS     64(BX)(SI*1), Y3
	VMOVUPS     96(BX)(SI*1), Y4
	VFMADD231PS (AX)(SI*1), Y0, Y1
	VFMADD231PS 32(AX)(SI*1), Y0, Y2
	VFMADD231PS 64(AX)(SI*1), Y0, Y3
	VFMADD231PS 96(AX)(SI*1), Y0, Y4
	VMOVUPS     Y1, (BX)(SI*1)
	VMOVUPS     Y2, 32(BX)(SI*1)
	VMOVUPS     Y3, 64(BX)(SI*1)
	VMOVUPS     Y4, 96(BX)(SI*1)
	ADDQ $128, SI
	CMPQ SI, DX
	JB   a2_32

a2_8:
	MOVQ CX, DX
	ANDQ $-8, DX
	SHLQ $2, DX
	CMPQ SI, DX
	JAE  a2_tail

a2_8loop:
	VMOVUPS     (BX)(SI*1), Y1
	VFMADD231PS (AX)(SI*1), Y0, Y1
	VMOVUPS     Y1, (BX)(SI*1)
	ADDQ $32, SI
	CMPQ SI, DX
	JB   a2_8loop

a2_tail:
	ANDQ $7, CX
	JZ   a2_done

a2_tailloop:
	VMOVSS      (BX)(SI*1), X1
	VFMADD231SS (AX)(SI*1), X0, X1
	VMOVSS      X1, (BX)(SI*1)
	ADDQ $4, SI
	DECQ CX
	JNZ  a2_tailloop

a2_done:
	VZEROUPPER
	RET

// func transpose8x8AVX(dst *float32, ldd int, src *float32, lds int)
// writes the transpose of the 8×8 block at src (row stride lds floats) to dst
// (row stride ldd floats): unpack pairs of rows, shuffle quads, swap halves.
TEXT ·transpose8x8AVX(SB), NOSPLIT, $0-32
	MOVQ src+16(FP), AX
	MOVQ lds+24(FP), BX
	SHLQ $2, BX
	LEAQ (BX)(BX*2), CX
	LEAQ (AX)(BX*4), DX
	VMOVUPS (AX), Y0
	VMOVUPS (AX)(BX*1), Y1
	VMOVUPS (AX)(BX*2), Y2
	VMOVUPS (AX)(CX*1), Y3
	VMOVUPS (DX), Y4
	VMOVUPS (DX)(BX*1), Y5
	VMOVUPS (DX)(BX*2), Y6
	VMOVUPS (DX)(CX*1), Y7

	VUNPCKLPS Y1, Y0, Y8
	VUNPCKHPS Y1, Y0, Y9
	VUNPCKLPS Y3, Y2, Y10
	VUNPCKHPS Y3, Y2, Y11
	VUNPCKLPS Y5, Y4, Y12
	VUNPCKHPS Y5, Y4, Y13
	VUNPCKLPS Y7, Y6, Y14
	VUNPCKHPS Y7, Y6, Y15

	VSHUFPS $0x44, Y10, Y8, Y0
	VSHUFPS $0xEE, Y10, Y8, Y1
	VSHUFPS $0x44, Y11, Y9, Y2
	VSHUFPS $0xEE, Y11, Y9, Y3
	VSHUFPS $0x44, Y14, Y12, Y4
	VSHUFPS $0xEE, Y14, Y12, Y5
	VSHUFPS $0x44, Y15, Y13, Y6
	VSHUFPS $0xEE, Y15, Y13, Y7

	MOVQ dst+0(FP), AX
	MOVQ ldd+8(FP), BX
	SHLQ $2, BX
	LEAQ (BX)(BX*2), CX
	LEAQ (AX)(BX*4), DX
	VPERM2F128 $0x20, Y4, Y0, Y8
	VPERM2F128 $0x20, Y5, Y1, Y9
	VPERM2F128 $0x20, Y6, Y2, Y10
	VPERM2F128 $0x20, Y7, Y3, Y11
	VPERM2F128 $0x31, Y4, Y0, Y12
	VPERM2F128 $0x31, Y5, Y1, Y13
	VPERM2F128 $0x31, Y6, Y2, Y14
	VPERM2F128 $0x31, Y7, Y3, Y15
	VMOVUPS Y8, (AX)
	VMOVUPS Y9, (AX)(BX*1)
	VMOVUPS Y10, (AX)(BX*2)
	VMOVUPS Y11, (AX)(CX*1)
	VMOVUPS Y12, (DX)
	VMOVUPS Y13, (DX)(BX*1)
	VMOVUPS Y14, (DX)(BX*2)
	VMOVUPS Y15, (DX)(CX*1)
	VZEROUPPER
	RET
