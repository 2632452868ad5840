//go:build amd64 && !purego

#include "textflag.h"

// Constants, each replicated across the eight lanes of a YMM register. The
// values are the float32 roundings of the constants in mathx.go, so these
// kernels compute bit for bit what the Go loops in activate compute.

DATA negq<>+0(SB)/4, $0xbfd9db23
DATA negq<>+4(SB)/4, $0xbfd9db23
DATA negq<>+8(SB)/4, $0xbfd9db23
DATA negq<>+12(SB)/4, $0xbfd9db23
DATA negq<>+16(SB)/4, $0xbfd9db23
DATA negq<>+20(SB)/4, $0xbfd9db23
DATA negq<>+24(SB)/4, $0xbfd9db23
DATA negq<>+28(SB)/4, $0xbfd9db23
GLOBL negq<>(SB), RODATA|NOPTR, $32

DATA lo<>+0(SB)/4, $0xc2ae999a
DATA lo<>+4(SB)/4, $0xc2ae999a
DATA lo<>+8(SB)/4, $0xc2ae999a
DATA lo<>+12(SB)/4, $0xc2ae999a
DATA lo<>+16(SB)/4, $0xc2ae999a
DATA lo<>+20(SB)/4, $0xc2ae999a
DATA lo<>+24(SB)/4, $0xc2ae999a
DATA lo<>+28(SB)/4, $0xc2ae999a
GLOBL lo<>(SB), RODATA|NOPTR, $32

DATA hi<>+0(SB)/4, $0x42b16666
DATA hi<>+4(SB)/4, $0x42b16666
DATA hi<>+8(SB)/4, $0x42b16666
DATA hi<>+12(SB)/4, $0x42b16666
DATA hi<>+16(SB)/4, $0x42b16666
DATA hi<>+20(SB)/4, $0x42b16666
DATA hi<>+24(SB)/4, $0x42b16666
DATA hi<>+28(SB)/4, $0x42b16666
GLOBL hi<>(SB), RODATA|NOPTR, $32

DATA log2e<>+0(SB)/4, $0x3fb8aa3b
DATA log2e<>+4(SB)/4, $0x3fb8aa3b
DATA log2e<>+8(SB)/4, $0x3fb8aa3b
DATA log2e<>+12(SB)/4, $0x3fb8aa3b
DATA log2e<>+16(SB)/4, $0x3fb8aa3b
DATA log2e<>+20(SB)/4, $0x3fb8aa3b
DATA log2e<>+24(SB)/4, $0x3fb8aa3b
DATA log2e<>+28(SB)/4, $0x3fb8aa3b
GLOBL log2e<>(SB), RODATA|NOPTR, $32

DATA magic<>+0(SB)/4, $0x4b400000
DATA magic<>+4(SB)/4, $0x4b400000
DATA magic<>+8(SB)/4, $0x4b400000
DATA magic<>+12(SB)/4, $0x4b400000
DATA magic<>+16(SB)/4, $0x4b400000
DATA magic<>+20(SB)/4, $0x4b400000
DATA magic<>+24(SB)/4, $0x4b400000
DATA magic<>+28(SB)/4, $0x4b400000
GLOBL magic<>(SB), RODATA|NOPTR, $32

DATA ln2hi<>+0(SB)/4, $0x3f318000
DATA ln2hi<>+4(SB)/4, $0x3f318000
DATA ln2hi<>+8(SB)/4, $0x3f318000
DATA ln2hi<>+12(SB)/4, $0x3f318000
DATA ln2hi<>+16(SB)/4, $0x3f318000
DATA ln2hi<>+20(SB)/4, $0x3f318000
DATA ln2hi<>+24(SB)/4, $0x3f318000
DATA ln2hi<>+28(SB)/4, $0x3f318000
GLOBL ln2hi<>(SB), RODATA|NOPTR, $32

DATA ln2lo<>+0(SB)/4, $0xb95e8083
DATA ln2lo<>+4(SB)/4, $0xb95e8083
DATA ln2lo<>+8(SB)/4, $0xb95e8083
DATA ln2lo<>+12(SB)/4, $0xb95e8083
DATA ln2lo<>+16(SB)/4, $0xb95e8083
DATA ln2lo<>+20(SB)/4, $0xb95e8083
DATA ln2lo<>+24(SB)/4, $0xb95e8083
DATA ln2lo<>+28(SB)/4, $0xb95e8083
GLOBL ln2lo<>(SB), RODATA|NOPTR, $32

DATA c720<>+0(SB)/4, $0x3ab60b61
DATA c720<>+4(SB)/4, $0x3ab60b61
DATA c720<>+8(SB)/4, $0x3ab60b61
DATA c720<>+12(SB)/4, $0x3ab60b61
DATA c720<>+16(SB)/4, $0x3ab60b61
DATA c720<>+20(SB)/4, $0x3ab60b61
DATA c720<>+24(SB)/4, $0x3ab60b61
DATA c720<>+28(SB)/4, $0x3ab60b61
GLOBL c720<>(SB), RODATA|NOPTR, $32

DATA c120<>+0(SB)/4, $0x3c088889
DATA c120<>+4(SB)/4, $0x3c088889
DATA c120<>+8(SB)/4, $0x3c088889
DATA c120<>+12(SB)/4, $0x3c088889
DATA c120<>+16(SB)/4, $0x3c088889
DATA c120<>+20(SB)/4, $0x3c088889
DATA c120<>+24(SB)/4, $0x3c088889
DATA c120<>+28(SB)/4, $0x3c088889
GLOBL c120<>(SB), RODATA|NOPTR, $32

DATA c24<>+0(SB)/4, $0x3d2aaaab
DATA c24<>+4(SB)/4, $0x3d2aaaab
DATA c24<>+8(SB)/4, $0x3d2aaaab
DATA c24<>+12(SB)/4, $0x3d2aaaab
DATA c24<>+16(SB)/4, $0x3d2aaaab
DATA c24<>+20(SB)/4, $0x3d2aaaab
DATA c24<>+24(SB)/4, $0x3d2aaaab
DATA c24<>+28(SB)/4, $0x3d2aaaab
GLOBL c24<>(SB), RODATA|NOPTR, $32

DATA c6<>+0(SB)/4, $0x3e2aaaab
DATA c6<>+4(SB)/4, $0x3e2aaaab
DATA c6<>+8(SB)/4, $0x3e2aaaab
DATA c6<>+12(SB)/4, $0x3e2aaaab
DATA c6<>+16(SB)/4, $0x3e2aaaab
DATA c6<>+20(SB)/4, $0x3e2aaaab
DATA c6<>+24(SB)/4, $0x3e2aaaab
DATA c6<>+28(SB)/4, $0x3e2aaaab
GLOBL c6<>(SB), RODATA|NOPTR, $32

DATA half<>+0(SB)/4, $0x3f000000
DATA half<>+4(SB)/4, $0x3f000000
DATA half<>+8(SB)/4, $0x3f000000
DATA half<>+12(SB)/4, $0x3f000000
DATA half<>+16(SB)/4, $0x3f000000
DATA half<>+20(SB)/4, $0x3f000000
DATA half<>+24(SB)/4, $0x3f000000
DATA half<>+28(SB)/4, $0x3f000000
GLOBL half<>(SB), RODATA|NOPTR, $32

DATA one<>+0(SB)/4, $0x3f800000
DATA one<>+4(SB)/4, $0x3f800000
DATA one<>+8(SB)/4, $0x3f800000
DATA one<>+12(SB)/4, $0x3f800000
DATA one<>+16(SB)/4, $0x3f800000
DATA one<>+20(SB)/4, $0x3f800000
DATA one<>+24(SB)/4, $0x3f800000
DATA one<>+28(SB)/4, $0x3f800000
GLOBL one<>(SB), RODATA|NOPTR, $32

DATA ebias<>+0(SB)/4, $0x4b3fff81
DATA ebias<>+4(SB)/4, $0x4b3fff81
DATA ebias<>+8(SB)/4, $0x4b3fff81
DATA ebias<>+12(SB)/4, $0x4b3fff81
DATA ebias<>+16(SB)/4, $0x4b3fff81
DATA ebias<>+20(SB)/4, $0x4b3fff81
DATA ebias<>+24(SB)/4, $0x4b3fff81
DATA ebias<>+28(SB)/4, $0x4b3fff81
GLOBL ebias<>(SB), RODATA|NOPTR, $32

DATA rsqrt2<>+0(SB)/4, $0x3f3504f3
DATA rsqrt2<>+4(SB)/4, $0x3f3504f3
DATA rsqrt2<>+8(SB)/4, $0x3f3504f3
DATA rsqrt2<>+12(SB)/4, $0x3f3504f3
DATA rsqrt2<>+16(SB)/4, $0x3f3504f3
DATA rsqrt2<>+20(SB)/4, $0x3f3504f3
DATA rsqrt2<>+24(SB)/4, $0x3f3504f3
DATA rsqrt2<>+28(SB)/4, $0x3f3504f3
GLOBL rsqrt2<>(SB), RODATA|NOPTR, $32

DATA erfp<>+0(SB)/4, $0x3ea7ba05
DATA erfp<>+4(SB)/4, $0x3ea7ba05
DATA erfp<>+8(SB)/4, $0x3ea7ba05
DATA erfp<>+12(SB)/4, $0x3ea7ba05
DATA erfp<>+16(SB)/4, $0x3ea7ba05
DATA erfp<>+20(SB)/4, $0x3ea7ba05
DATA erfp<>+24(SB)/4, $0x3ea7ba05
DATA erfp<>+28(SB)/4, $0x3ea7ba05
GLOBL erfp<>(SB), RODATA|NOPTR, $32

DATA a5<>+0(SB)/4, $0x3f87dc22
DATA a5<>+4(SB)/4, $0x3f87dc22
DATA a5<>+8(SB)/4, $0x3f87dc22
DATA a5<>+12(SB)/4, $0x3f87dc22
DATA a5<>+16(SB)/4, $0x3f87dc22
DATA a5<>+20(SB)/4, $0x3f87dc22
DATA a5<>+24(SB)/4, $0x3f87dc22
DATA a5<>+28(SB)/4, $0x3f87dc22
GLOBL a5<>(SB), RODATA|NOPTR, $32

DATA a4<>+0(SB)/4, $0x3fba00e3
DATA a4<>+4(SB)/4, $0x3fba00e3
DATA a4<>+8(SB)/4, $0x3fba00e3
DATA a4<>+12(SB)/4, $0x3fba00e3
DATA a4<>+16(SB)/4, $0x3fba00e3
DATA a4<>+20(SB)/4, $0x3fba00e3
DATA a4<>+24(SB)/4, $0x3fba00e3
DATA a4<>+28(SB)/4, $0x3fba00e3
GLOBL a4<>(SB), RODATA|NOPTR, $32

DATA a3<>+0(SB)/4, $0x3fb5f0e3
DATA a3<>+4(SB)/4, $0x3fb5f0e3
DATA a3<>+8(SB)/4, $0x3fb5f0e3
DATA a3<>+12(SB)/4, $0x3fb5f0e3
DATA a3<>+16(SB)/4, $0x3fb5f0e3
DATA a3<>+20(SB)/4, $0x3fb5f0e3
DATA a3<>+24(SB)/4, $0x3fb5f0e3
DATA a3<>+28(SB)/4, $0x3fb5f0e3
GLOBL a3<>(SB), RODATA|NOPTR, $32

DATA a2<>+0(SB)/4, $0x3e91a98e
DATA a2<>+4(SB)/4, $0x3e91a98e
DATA a2<>+8(SB)/4, $0x3e91a98e
DATA a2<>+12(SB)/4, $0x3e91a98e
DATA a2<>+16(SB)/4, $0x3e91a98e
DATA a2<>+20(SB)/4, $0x3e91a98e
DATA a2<>+24(SB)/4, $0x3e91a98e
DATA a2<>+28(SB)/4, $0x3e91a98e
GLOBL a2<>(SB), RODATA|NOPTR, $32

DATA a1<>+0(SB)/4, $0x3e827906
DATA a1<>+4(SB)/4, $0x3e827906
DATA a1<>+8(SB)/4, $0x3e827906
DATA a1<>+12(SB)/4, $0x3e827906
DATA a1<>+16(SB)/4, $0x3e827906
DATA a1<>+20(SB)/4, $0x3e827906
DATA a1<>+24(SB)/4, $0x3e827906
DATA a1<>+28(SB)/4, $0x3e827906
GLOBL a1<>(SB), RODATA|NOPTR, $32

DATA signmask<>+0(SB)/4, $0x80000000
DATA signmask<>+4(SB)/4, $0x80000000
DATA signmask<>+8(SB)/4, $0x80000000
DATA signmask<>+12(SB)/4, $0x80000000
DATA signmask<>+16(SB)/4, $0x80000000
DATA signmask<>+20(SB)/4, $0x80000000
DATA signmask<>+24(SB)/4, $0x80000000
DATA signmask<>+28(SB)/4, $0x80000000
GLOBL signmask<>(SB), RODATA|NOPTR, $32

DATA absmask<>+0(SB)/4, $0x7fffffff
DATA absmask<>+4(SB)/4, $0x7fffffff
DATA absmask<>+8(SB)/4, $0x7fffffff
DATA absmask<>+12(SB)/4, $0x7fffffff
DATA absmask<>+16(SB)/4, $0x7fffffff
DATA absmask<>+20(SB)/4, $0x7fffffff
DATA absmask<>+24(SB)/4, $0x7fffffff
DATA absmask<>+28(SB)/4, $0x7fffffff
GLOBL absmask<>(SB), RODATA|NOPTR, $32

// EXP computes OUT = expf(Z) per lane exactly as mathx.go's expf does,
// clobbering Z, Y2, Y3, Y4 and Y6.
#define EXP(Z, OUT) \
	VMAXPS lo<>(SB), Z, Z \
	VMINPS hi<>(SB), Z, Z \
	VMULPS log2e<>(SB), Z, Y2 \
	VADDPS magic<>(SB), Y2, Y2 \
	VSUBPS magic<>(SB), Y2, Y3 \
	VMULPS ln2hi<>(SB), Y3, Y6 \
	VSUBPS Y6, Z, Y4 \
	VMULPS ln2lo<>(SB), Y3, Y6 \
	VSUBPS Y6, Y4, Y4 \
	VMULPS c720<>(SB), Y4, OUT \
	VADDPS c120<>(SB), OUT, OUT \
	VMULPS Y4, OUT, OUT \
	VADDPS c24<>(SB), OUT, OUT \
	VMULPS Y4, OUT, OUT \
	VADDPS c6<>(SB), OUT, OUT \
	VMULPS Y4, OUT, OUT \
	VADDPS half<>(SB), OUT, OUT \
	VMULPS Y4, OUT, OUT \
	VADDPS one<>(SB), OUT, OUT \
	VMULPS Y4, OUT, OUT \
	VADDPS one<>(SB), OUT, OUT \
	VPSUBD ebias<>(SB), Y2, Y2 \
	VPSLLD $23, Y2, Y2 \
	VMULPS Y2, OUT, OUT

// func quickGELUAVX2(x, bias *float32, n int)
// x[i] = v / (1 + expf(-1.702·v)) with v = x[i] + bias[i]; n is a multiple of 8.
TEXT ·quickGELUAVX2(SB), NOSPLIT, $0-24
	MOVQ x+0(FP), DI
	MOVQ bias+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $3, CX
	JZ   qdone

qloop:
	VMOVUPS (DI), Y0
	VADDPS  (SI), Y0, Y0
	VMULPS  negq<>(SB), Y0, Y1
	EXP(Y1, Y5)
	VADDPS  one<>(SB), Y5, Y5
	VDIVPS  Y5, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	DECQ    CX
	JNZ     qloop

qdone:
	VZEROUPPER
	RET

// func geluAVX2(x, bias *float32, n int)
// x[i] = 0.5·v·(1 + erff(v/√2)) with v = x[i] + bias[i]; n is a multiple of 8.
TEXT ·geluAVX2(SB), NOSPLIT, $0-24
	MOVQ x+0(FP), DI
	MOVQ bias+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $3, CX
	JZ   gdone

gloop:
	VMOVUPS (DI), Y0
	VADDPS  (SI), Y0, Y0
	VMULPS  rsqrt2<>(SB), Y0, Y7
	VANDPS  signmask<>(SB), Y7, Y8
	VANDPS  absmask<>(SB), Y7, Y7
	VMULPS  erfp<>(SB), Y7, Y9
	VADDPS  one<>(SB), Y9, Y9
	VMOVUPS one<>(SB), Y10
	VDIVPS  Y9, Y10, Y9
	VMULPS  Y7, Y7, Y1
	VXORPS  signmask<>(SB), Y1, Y1
	EXP(Y1, Y5)
	VMULPS  a5<>(SB), Y9, Y10
	VSUBPS  a4<>(SB), Y10, Y10
	VMULPS  Y9, Y10, Y10
	VADDPS  a3<>(SB), Y10, Y10
	VMULPS  Y9, Y10, Y10
	VSUBPS  a2<>(SB), Y10, Y10
	VMULPS  Y9, Y10, Y10
	VADDPS  a1<>(SB), Y10, Y10
	VMULPS  Y9, Y10, Y10
	VMULPS  Y5, Y10, Y10
	VMOVUPS one<>(SB), Y11
	VSUBPS  Y10, Y11, Y11
	VXORPS  Y8, Y11, Y11
	VADDPS  one<>(SB), Y11, Y11
	VMULPS  half<>(SB), Y0, Y0
	VMULPS  Y11, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	DECQ    CX
	JNZ     gloop

gdone:
	VZEROUPPER
	RET
