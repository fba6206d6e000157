#include "Kernels.h"

#include <float.h>
#include <malloc.h>
#include <math.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#define GL_X86 1
#else
#define GL_X86 0
#endif

// Every sum, product and fused multiply-add below is written out: the compiler may not fuse a
// product and a sum on its own (it would do so in the vector code, where FMA is enabled, and not in
// the portable code), so that both paths and every compiler form the same operations.
#pragma STDC FP_CONTRACT OFF

// ---------------------------------------------------------------------------------------------
// The path: the AVX2+FMA kernels or the portable ones. Both form every value with the same
// operations in the same order, so the choice changes the speed, never a bit of a result.

// Whether this processor has AVX2 and FMA, and whether their kernels run; set by the constructor
// below, before any thread can ask, and afterwards only by gl_kernels_use_vector (tests, bench).
static int vector_available = 0;
static _Atomic int vectorized = 0;

static inline int use_vector(void) { return atomic_load_explicit(&vectorized, memory_order_relaxed); }

void openblas_set_num_threads(int num_threads);
int blas_thread_shutdown_(void);

// gradlab runs its own threads for sweeps and comparisons: BLAS (behind LAPACK's eigenvalues and
// singular values, and the bench's yardstick) stays on the calling thread, so that no idle BLAS
// thread spins on a core the sweep needs. OpenBLAS starts its threads in its own constructor, and
// each spins for about 0.1 s before it sleeps (a third of the processor during start-up on two
// cores), so they are stopped here; OpenBLAS starts them again if the bench asks for threads.
//
// glibc hands large blocks back to the system as soon as they are freed, so that every BPTT pass
// over a long sequence would fault its fresh buffers in page by page (a tenth of the time of
// n = 32, T = 1000 in a profile); memory up to 256 MiB is kept for reuse instead.
//
// GRADLAB_KERNELS=portable runs the portable kernels on any processor.
__attribute__((constructor)) static void set_up(void) {
#if GL_X86
    __builtin_cpu_init();
    vector_available = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
    const char *choice = getenv("GRADLAB_KERNELS");
    int portable = choice != NULL && strcmp(choice, "portable") == 0;
    atomic_store(&vectorized, vector_available && !portable);
    openblas_set_num_threads(1);
    blas_thread_shutdown_();
    mallopt(M_MMAP_THRESHOLD, 256 << 20);
    mallopt(M_TRIM_THRESHOLD, 512 << 20);
}

void gl_blas_threads(int count) { openblas_set_num_threads(count); }

int gl_kernels_vectorized(void) { return use_vector(); }

int gl_kernels_vector_available(void) { return vector_available; }

int gl_kernels_use_vector(int on) {
    atomic_store(&vectorized, on != 0 && vector_available);
    return use_vector();
}

const char *gl_kernels_name(void) { return use_vector() ? "AVX2+FMA" : "portable C"; }

// ---------------------------------------------------------------------------------------------
// y = A·x + add. Two orders, one for each form of the vector kernel:
//
// - up to 64 rows, the column order: each row's sum is two chains of fused multiply-adds, one over
//   the even columns and one over the odd ones (the last column, when cols is odd, ends the even
//   chain); y = even + odd, then y + add.
// - above 64 rows, the row order: eight chains, s₀…s₃ and t₀…t₃, where column j of each block of
//   eight goes to s_(j mod 4) (the first four) or t_(j mod 4) (the last four), then one block of
//   four into s when four or more columns remain; the lanes are added as
//   ((s₀+t₀) + (s₂+t₂)) + ((s₁+t₁) + (s₃+t₃)), the columns left (fewer than four) are fused into
//   that sum one at a time, and add is added last.
//
// The vector kernels keep each chain in one lane of a register; the portable ones in a variable.

// One row in the column order: a holds row i of A, its columns `stride` apart.
static inline __attribute__((always_inline)) double column_order_row(long cols, const double *a, long stride, const double *x) {
    double even = 0, odd = 0;
    long j = 0;
    for (; j + 2 <= cols; j += 2) {
        even = fma(a[j * stride], x[j], even);
        odd = fma(a[(j + 1) * stride], x[j + 1], odd);
    }
    if (j < cols) even = fma(a[j * stride], x[j], even);
    return even + odd;
}

// One row in the row order (a: the row, contiguous).
static inline __attribute__((always_inline)) double row_order_row(long cols, const double *a, const double *x) {
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0, t0 = 0, t1 = 0, t2 = 0, t3 = 0;
    long j = 0;
    for (; j + 8 <= cols; j += 8) {
        s0 = fma(a[j], x[j], s0);
        s1 = fma(a[j + 1], x[j + 1], s1);
        s2 = fma(a[j + 2], x[j + 2], s2);
        s3 = fma(a[j + 3], x[j + 3], s3);
        t0 = fma(a[j + 4], x[j + 4], t0);
        t1 = fma(a[j + 5], x[j + 5], t1);
        t2 = fma(a[j + 6], x[j + 6], t2);
        t3 = fma(a[j + 7], x[j + 7], t3);
    }
    if (j + 4 <= cols) {
        s0 = fma(a[j], x[j], s0);
        s1 = fma(a[j + 1], x[j + 1], s1);
        s2 = fma(a[j + 2], x[j + 2], s2);
        s3 = fma(a[j + 3], x[j + 3], s3);
        j += 4;
    }
    double r = ((s0 + t0) + (s2 + t2)) + ((s1 + t1) + (s3 + t3));
    for (; j < cols; j++) r = fma(a[j], x[j], r);
    return r;
}

static void matvec_portable(long rows, long cols, const double *A, const double *x, const double *add, double *y) {
    if (rows <= 64) {
        for (long i = 0; i < rows; i++) {
            double s = column_order_row(cols, A + i * cols, 1, x);
            y[i] = add ? s + add[i] : s;
        }
    } else {
        for (long i = 0; i < rows; i++) {
            double s = row_order_row(cols, A + i * cols, x);
            y[i] = add ? s + add[i] : s;
        }
    }
}

#if GL_X86
// ((v₀ + v₂) + (v₁ + v₃)), as the row order adds its lanes.
__attribute__((target("avx2,fma")))
static inline double sum4(__m256d v) {
    __m128d pair = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
    return _mm_cvtsd_f64(_mm_add_sd(pair, _mm_unpackhi_pd(pair, pair)));
}

// One row's y from its two vector accumulators: the lanes added, the columns from j on fused in
// one at a time, then `add` (when there is one).
__attribute__((target("avx2,fma"), always_inline))
static inline double finish_row(__m256d s, __m256d t, const double *a, const double *x, long j, long cols, const double *add) {
    double r = sum4(_mm256_add_pd(s, t));
    for (; j < cols; j++) r = fma(a[j], x[j], r);
    return add ? r + *add : r;
}

// Rows past the last block of four, in the row order.
__attribute__((target("avx2,fma")))
static void row_order_rows(long first, long rows, long cols, const double *A, const double *x, const double *add, double *y) {
    for (long i = first; i < rows; i++) {
        double s = row_order_row(cols, A + i * cols, x);
        y[i] = add ? s + add[i] : s;
    }
}

// Four rows at a time, two accumulators a row: eight independent FMA chains, and each load of x
// serves four rows.
__attribute__((target("avx2,fma")))
static void matvec_avx2(long rows, long cols, const double *A, const double *x, const double *add, double *y) {
    long i = 0;
    long c8 = cols & ~7L, c4 = cols & ~3L;
    for (; i + 4 <= rows; i += 4) {
        const double *a0 = A + i * cols, *a1 = a0 + cols, *a2 = a1 + cols, *a3 = a2 + cols;
        __m256d s0 = _mm256_setzero_pd(), s1 = s0, s2 = s0, s3 = s0, t0 = s0, t1 = s0, t2 = s0, t3 = s0;
        long j = 0;
        for (; j < c8; j += 8) {
            __m256d xa = _mm256_loadu_pd(x + j), xb = _mm256_loadu_pd(x + j + 4);
            s0 = _mm256_fmadd_pd(_mm256_loadu_pd(a0 + j), xa, s0);
            s1 = _mm256_fmadd_pd(_mm256_loadu_pd(a1 + j), xa, s1);
            s2 = _mm256_fmadd_pd(_mm256_loadu_pd(a2 + j), xa, s2);
            s3 = _mm256_fmadd_pd(_mm256_loadu_pd(a3 + j), xa, s3);
            t0 = _mm256_fmadd_pd(_mm256_loadu_pd(a0 + j + 4), xb, t0);
            t1 = _mm256_fmadd_pd(_mm256_loadu_pd(a1 + j + 4), xb, t1);
            t2 = _mm256_fmadd_pd(_mm256_loadu_pd(a2 + j + 4), xb, t2);
            t3 = _mm256_fmadd_pd(_mm256_loadu_pd(a3 + j + 4), xb, t3);
        }
        for (; j < c4; j += 4) {
            __m256d xa = _mm256_loadu_pd(x + j);
            s0 = _mm256_fmadd_pd(_mm256_loadu_pd(a0 + j), xa, s0);
            s1 = _mm256_fmadd_pd(_mm256_loadu_pd(a1 + j), xa, s1);
            s2 = _mm256_fmadd_pd(_mm256_loadu_pd(a2 + j), xa, s2);
            s3 = _mm256_fmadd_pd(_mm256_loadu_pd(a3 + j), xa, s3);
        }
        y[i] = finish_row(s0, t0, a0, x, j, cols, add ? add + i : NULL);
        y[i + 1] = finish_row(s1, t1, a1, x, j, cols, add ? add + i + 1 : NULL);
        y[i + 2] = finish_row(s2, t2, a2, x, j, cols, add ? add + i + 2 : NULL);
        y[i + 3] = finish_row(s3, t3, a3, x, j, cols, add ? add + i + 3 : NULL);
    }
    row_order_rows(i, rows, cols, A, x, add, y);
}

// matvec_avx2 for two vectors at once, two rows at a time: each row of A is loaded once for both
// vectors (A streams from L2 at n > 64, so this halves the traffic), and each row's sum is formed
// exactly as matvec_avx2 forms it.
__attribute__((target("avx2,fma")))
static void matvec_avx2_pair(long rows, long cols, const double *A, const double *x0, const double *x1,
                             const double *add0, const double *add1, double *y0, double *y1) {
    long c8 = cols & ~7L, c4 = cols & ~3L, blocked = rows & ~1L;
    for (long i = 0; i < blocked; i += 2) {
        const double *a0 = A + i * cols, *a1 = a0 + cols;
        __m256d s00 = _mm256_setzero_pd(), t00 = s00, s01 = s00, t01 = s00;  // s<row><vector>
        __m256d s10 = s00, t10 = s00, s11 = s00, t11 = s00;
        long j = 0;
        for (; j < c8; j += 8) {
            __m256d p = _mm256_loadu_pd(a0 + j), q = _mm256_loadu_pd(a0 + j + 4);
            __m256d u = _mm256_loadu_pd(a1 + j), v = _mm256_loadu_pd(a1 + j + 4);
            __m256d xa = _mm256_loadu_pd(x0 + j), xb = _mm256_loadu_pd(x0 + j + 4);
            s00 = _mm256_fmadd_pd(p, xa, s00);
            t00 = _mm256_fmadd_pd(q, xb, t00);
            s10 = _mm256_fmadd_pd(u, xa, s10);
            t10 = _mm256_fmadd_pd(v, xb, t10);
            xa = _mm256_loadu_pd(x1 + j), xb = _mm256_loadu_pd(x1 + j + 4);
            s01 = _mm256_fmadd_pd(p, xa, s01);
            t01 = _mm256_fmadd_pd(q, xb, t01);
            s11 = _mm256_fmadd_pd(u, xa, s11);
            t11 = _mm256_fmadd_pd(v, xb, t11);
        }
        for (; j < c4; j += 4) {
            __m256d p = _mm256_loadu_pd(a0 + j), u = _mm256_loadu_pd(a1 + j);
            __m256d xa = _mm256_loadu_pd(x0 + j), xb = _mm256_loadu_pd(x1 + j);
            s00 = _mm256_fmadd_pd(p, xa, s00);
            s10 = _mm256_fmadd_pd(u, xa, s10);
            s01 = _mm256_fmadd_pd(p, xb, s01);
            s11 = _mm256_fmadd_pd(u, xb, s11);
        }
        y0[i] = finish_row(s00, t00, a0, x0, j, cols, add0 ? add0 + i : NULL);
        y0[i + 1] = finish_row(s10, t10, a1, x0, j, cols, add0 ? add0 + i + 1 : NULL);
        y1[i] = finish_row(s01, t01, a0, x1, j, cols, add1 ? add1 + i : NULL);
        y1[i + 1] = finish_row(s11, t11, a1, x1, j, cols, add1 ? add1 + i + 1 : NULL);
    }
    row_order_rows(blocked, rows, cols, A, x0, add0, y0);
    row_order_rows(blocked, rows, cols, A, x1, add1, y1);
}

// y for a block of 4·R4 rows from the columns of A (column j at Acols + j·ld): each column is
// scaled by x[j] and added, into the even accumulators a for even j and the odd ones b for odd j,
// so that 2·R4 chains of FMAs run side by side. No horizontal sums, and each x[j] is broadcast
// once a block.
__attribute__((target("avx2,fma"), always_inline))
static inline void column_block(const int R4, long cols, long ld, const double *Acols, const double *x, double *y) {
    __m256d a[4], b[4];
    for (int k = 0; k < R4; k++) a[k] = b[k] = _mm256_setzero_pd();
    long j = 0;
    for (; j + 2 <= cols; j += 2) {
        __m256d x0 = _mm256_broadcast_sd(x + j), x1 = _mm256_broadcast_sd(x + j + 1);
        const double *c0 = Acols + j * ld, *c1 = c0 + ld;
        for (int k = 0; k < R4; k++) {
            a[k] = _mm256_fmadd_pd(_mm256_loadu_pd(c0 + 4 * k), x0, a[k]);
            b[k] = _mm256_fmadd_pd(_mm256_loadu_pd(c1 + 4 * k), x1, b[k]);
        }
    }
    if (j < cols) {
        __m256d x0 = _mm256_broadcast_sd(x + j);
        for (int k = 0; k < R4; k++) a[k] = _mm256_fmadd_pd(_mm256_loadu_pd(Acols + j * ld + 4 * k), x0, a[k]);
    }
    for (int k = 0; k < R4; k++) _mm256_storeu_pd(y + 4 * k, _mm256_add_pd(a[k], b[k]));
}

// Blocks of 16, 8 and 4 rows, then the rows left one at a time: each row's sum is formed the same
// way in any block, so the block sizes change the speed only.
__attribute__((target("avx2,fma")))
static inline void matvec_columns_avx2(long rows, long cols, const double *Acols, const double *x, const double *add, double *y) {
    long i = 0;
    for (; i + 16 <= rows; i += 16) column_block(4, cols, rows, Acols + i, x, y + i);
    if (i + 8 <= rows) column_block(2, cols, rows, Acols + i, x, y + i), i += 8;
    if (i + 4 <= rows) column_block(1, cols, rows, Acols + i, x, y + i), i += 4;
    for (; i < rows; i++) y[i] = column_order_row(cols, Acols + i, rows, x);
    if (add) {
        for (i = 0; i + 4 <= rows; i += 4) _mm256_storeu_pd(y + i, _mm256_add_pd(_mm256_loadu_pd(y + i), _mm256_loadu_pd(add + i)));
        for (; i < rows; i++) y[i] = y[i] + add[i];
    }
}

__attribute__((target("avx2,fma")))
static void matvec_columns_batch_avx2(long count, long rows, long cols, const double *Acols, const double *X,
                                      const double *add, double *Y) {
    for (long e = 0; e < count; e++) matvec_columns_avx2(rows, cols, Acols, X + e * cols, add ? add + e * rows : NULL, Y + e * rows);
}
#endif

// Up to 64 rows the column form wins (no horizontal sums, all of A in L1); above, the row form
// streams A once in order while the column form would stride across it, two vectors a pass.
void gl_matvec_batch(long count, long rows, long cols, const double *A, const double *Acols, const double *X,
                     const double *add, double *Y) {
#if GL_X86
    if (use_vector()) {
        if (rows <= 64) {
            matvec_columns_batch_avx2(count, rows, cols, Acols, X, add, Y);
        } else {
            long e = 0;
            for (; e + 2 <= count; e += 2) {
                matvec_avx2_pair(rows, cols, A, X + e * cols, X + (e + 1) * cols, add ? add + e * rows : NULL,
                                 add ? add + (e + 1) * rows : NULL, Y + e * rows, Y + (e + 1) * rows);
            }
            if (e < count) matvec_avx2(rows, cols, A, X + e * cols, add ? add + e * rows : NULL, Y + e * rows);
        }
        return;
    }
#endif
    (void)Acols;
    for (long e = 0; e < count; e++) matvec_portable(rows, cols, A, X + e * cols, add ? add + e * rows : NULL, Y + e * rows);
}

void gl_matvec(long rows, long cols, const double *A, const double *Acols, const double *x, const double *add, double *y) {
    gl_matvec_batch(1, rows, cols, A, Acols, x, add, y);
}

// ---------------------------------------------------------------------------------------------
// tanh after Cephes (Moshier): for |x| < 0.625, |x| + |x|·(z·P(z)/Q(z)) with z = x²; above, with
// t = exp(−2|x|), 1 − 2t/(1 + t). exp is Cephes' too: 2ⁿ·e^r with r = y − n·ln 2 (ln 2 in two
// parts) and e^r = 1 + 2r·P(r²)/(Q(r²) − r·P(r²)). |x| is capped at 350 (y ≥ −700), where
// t < 2⁻¹⁰⁰⁰ and tanh is ±1 in double precision. The result takes the sign of x (−0 included);
// NaN gives x back. Every step is one IEEE operation, and the vector form does the same ones
// lane by lane.

#define TANH_SMALL 0.625
#define LOG2E 1.4426950408889634073599
#define LN2_C1 6.93145751953125e-1
#define LN2_C2 1.42860682030941723212e-6
#define EXP_P0 1.26177193074810590878e-4
#define EXP_P1 3.02994407707441961300e-2
#define EXP_P2 9.99999999999999999910e-1
#define EXP_Q0 3.00198505138664455042e-6
#define EXP_Q1 2.52448340349684104192e-3
#define EXP_Q2 2.27265548208155028766e-1
#define EXP_Q3 2.00000000000000000009e0
#define TANH_P0 (-9.64399179425052238628e-1)
#define TANH_P1 (-9.92877231001918586564e1)
#define TANH_P2 (-1.61468768441708447952e3)
#define TANH_Q0 1.12811678491632931402e2
#define TANH_Q1 2.23548839060100448583e3
#define TANH_Q2 4.84406305325125486048e3

static inline double from_bits(uint64_t bits) {
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

static inline uint64_t to_bits(double d) {
    uint64_t bits;
    memcpy(&bits, &d, sizeof bits);
    return bits;
}

// e^r for |r| ≤ ln 2 / 2, Cephes' rational form.
static inline __attribute__((always_inline)) double exp_reduced(double r) {
    double rr = r * r;
    double p = fma(EXP_P0, rr, EXP_P1);
    p = r * fma(p, rr, EXP_P2);
    double q = fma(EXP_Q0, rr, EXP_Q1);
    q = fma(q, rr, EXP_Q2);
    q = fma(q, rr, EXP_Q3);
    return fma(2.0, p / (q - p), 1.0);
}

static inline __attribute__((always_inline)) double tanh1(double x) {
    if (x != x) return x;
    double ax = fabs(x), magnitude;
    if (ax < TANH_SMALL) {
        double z = x * x;
        double sp = fma(TANH_P0, z, TANH_P1);
        sp = fma(sp, z, TANH_P2);
        double sq = z + TANH_Q0;
        sq = fma(sq, z, TANH_Q1);
        sq = fma(sq, z, TANH_Q2);
        magnitude = fma(ax, (z * sp) / sq, ax);
    } else {
        double m = -2.0 * ax;
        double y = -700.0 > m ? -700.0 : m;
        double n = nearbyint(y * LOG2E);
        double r = fma(-n, LN2_C1, y);
        r = fma(-n, LN2_C2, r);
        double t = exp_reduced(r) * from_bits((uint64_t)((long)n + 1023) << 52);  // n in [−1010, 0]
        magnitude = 1.0 - (t + t) / (1.0 + t);
    }
    return from_bits(to_bits(magnitude) | (to_bits(x) & 0x8000000000000000ULL));
}

#if GL_X86
// e^y in four lanes for y where 2ⁿ (n = round(y/ln 2)) is a normal number, n in [−1022, 1023]:
// gl_exp's operations (r in two parts, Cephes' e^r, times 2ⁿ built in the exponent bits), lane by lane.
__attribute__((target("avx2,fma"), always_inline))
static inline __m256d exp4_normal(__m256d y) {
    __m256d n = _mm256_round_pd(_mm256_mul_pd(y, _mm256_set1_pd(LOG2E)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256d r = _mm256_fnmadd_pd(n, _mm256_set1_pd(LN2_C1), y);
    r = _mm256_fnmadd_pd(n, _mm256_set1_pd(LN2_C2), r);
    __m256d rr = _mm256_mul_pd(r, r);
    __m256d p = _mm256_fmadd_pd(_mm256_set1_pd(EXP_P0), rr, _mm256_set1_pd(EXP_P1));
    p = _mm256_mul_pd(r, _mm256_fmadd_pd(p, rr, _mm256_set1_pd(EXP_P2)));
    __m256d q = _mm256_fmadd_pd(_mm256_set1_pd(EXP_Q0), rr, _mm256_set1_pd(EXP_Q1));
    q = _mm256_fmadd_pd(q, rr, _mm256_set1_pd(EXP_Q2));
    q = _mm256_fmadd_pd(q, rr, _mm256_set1_pd(EXP_Q3));
    __m256d er = _mm256_fmadd_pd(_mm256_set1_pd(2.0), _mm256_div_pd(p, _mm256_sub_pd(q, p)), _mm256_set1_pd(1.0));
    __m128i ni = _mm256_cvtpd_epi32(n);
    __m256i bits = _mm256_slli_epi64(_mm256_add_epi64(_mm256_cvtepi32_epi64(ni), _mm256_set1_epi64x(1023)), 52);
    return _mm256_mul_pd(er, _mm256_castsi256_pd(bits));
}

__attribute__((target("avx2,fma"), always_inline))
static inline void tanh_large(__m256d ax, __m256d *num, __m256d *den) {
    // t = e^y with y = max(−700, −2|x|), as the scalar form's comparison picks it (n in [−1010, 0])
    __m256d t = exp4_normal(_mm256_max_pd(_mm256_set1_pd(-700.0), _mm256_mul_pd(_mm256_set1_pd(-2.0), ax)));
    *num = _mm256_add_pd(t, t);  // tanh|x| = 1 − 2t/(1 + t)
    *den = _mm256_add_pd(_mm256_set1_pd(1.0), t);
}

// |x| < 0.625: |x| + |x|·(z·P(z)/Q(z)), z = x²
__attribute__((target("avx2,fma"), always_inline))
static inline void tanh_small(__m256d x, __m256d *num, __m256d *den) {
    __m256d z = _mm256_mul_pd(x, x);
    __m256d sp = _mm256_fmadd_pd(_mm256_set1_pd(TANH_P0), z, _mm256_set1_pd(TANH_P1));
    sp = _mm256_fmadd_pd(sp, z, _mm256_set1_pd(TANH_P2));
    __m256d sq = _mm256_add_pd(z, _mm256_set1_pd(TANH_Q0));
    sq = _mm256_fmadd_pd(sq, z, _mm256_set1_pd(TANH_Q1));
    sq = _mm256_fmadd_pd(sq, z, _mm256_set1_pd(TANH_Q2));
    *num = _mm256_mul_pd(z, sp);
    *den = sq;
}

// When the four lanes fall on both sides of 0.625, both branches are formed and one division
// finishes whichever applies to each lane; otherwise only the one branch (the same operations, so
// the same bits).
__attribute__((target("avx2,fma")))
static inline __m256d tanh4(__m256d x) {
    const __m256d sign_bit = _mm256_set1_pd(-0.0), one = _mm256_set1_pd(1.0);
    __m256d ax = _mm256_andnot_pd(sign_bit, x);
    __m256d small = _mm256_cmp_pd(ax, _mm256_set1_pd(TANH_SMALL), _CMP_LT_OQ);
    int lanes = _mm256_movemask_pd(small);
    __m256d num, den, magnitude;
    if (lanes == 0xF) {
        tanh_small(x, &num, &den);
        magnitude = _mm256_fmadd_pd(ax, _mm256_div_pd(num, den), ax);
    } else if (lanes == 0) {
        tanh_large(ax, &num, &den);
        magnitude = _mm256_sub_pd(one, _mm256_div_pd(num, den));
    } else {
        __m256d small_num, small_den;
        tanh_large(ax, &num, &den);
        tanh_small(x, &small_num, &small_den);
        __m256d quotient = _mm256_div_pd(_mm256_blendv_pd(num, small_num, small), _mm256_blendv_pd(den, small_den, small));
        magnitude = _mm256_blendv_pd(_mm256_sub_pd(one, quotient), _mm256_fmadd_pd(ax, quotient, ax), small);
    }
    __m256d signed_magnitude = _mm256_or_pd(magnitude, _mm256_and_pd(sign_bit, x));  // tanh is odd
    return _mm256_blendv_pd(signed_magnitude, x, _mm256_cmp_pd(x, x, _CMP_UNORD_Q));  // NaN gives x back
}

__attribute__((target("avx2,fma")))
static void tanh_avx2(long count, const double *x, double *y) {
    long i = 0;
    for (; i + 4 <= count; i += 4) _mm256_storeu_pd(y + i, tanh4(_mm256_loadu_pd(x + i)));
    if (i < count) {
        double in[4] = {0, 0, 0, 0}, out[4];
        for (long k = i; k < count; k++) in[k - i] = x[k];
        _mm256_storeu_pd(out, tanh4(_mm256_loadu_pd(in)));
        for (long k = i; k < count; k++) y[k] = out[k - i];
    }
}
#endif

void gl_tanh(long count, const double *x, double *y) {
#if GL_X86
    if (use_vector()) {
        tanh_avx2(count, x, y);
        return;
    }
#endif
    for (long i = 0; i < count; i++) y[i] = tanh1(x[i]);
}

double gl_tanh1(double x) { return tanh1(x); }

// ---------------------------------------------------------------------------------------------
// σ(x) = 1 / (1 + e^−x), with e^−x exactly as gl_exp forms it. The vector form computes four
// lanes of gl_exp's normal range (−x in [−708, 709]: n = round(−x/ln 2), r in two parts, Cephes'
// e^r, times 2ⁿ built in the exponent bits) with the same operations; a block with a lane outside
// it (NaN, or |x| past 708, where e^−x overflows or is subnormal) takes gl_exp lane by lane.

#if GL_X86
__attribute__((target("avx2,fma")))
static inline __m256d sigmoid4(__m256d x) {
    const __m256d one = _mm256_set1_pd(1.0);
    __m256d e = exp4_normal(_mm256_xor_pd(x, _mm256_set1_pd(-0.0)));  // e^−x: the sign flipped, as the scalar form negates it
    return _mm256_div_pd(one, _mm256_add_pd(one, e));
}

__attribute__((target("avx2,fma")))
static void sigmoid_avx2(long count, const double *x, double *out) {
    const __m256d low = _mm256_set1_pd(-709.0), high = _mm256_set1_pd(708.0);
    long i = 0;
    for (; i + 4 <= count; i += 4) {
        __m256d v = _mm256_loadu_pd(x + i);
        // ordered comparisons: a NaN lane is outside
        __m256d inside = _mm256_and_pd(_mm256_cmp_pd(v, low, _CMP_GE_OQ), _mm256_cmp_pd(v, high, _CMP_LE_OQ));
        if (_mm256_movemask_pd(inside) == 0xF) {
            _mm256_storeu_pd(out + i, sigmoid4(v));
        } else {
            for (long k = i; k < i + 4; k++) out[k] = 1.0 / (1.0 + gl_exp(-x[k]));
        }
    }
    for (; i < count; i++) out[i] = 1.0 / (1.0 + gl_exp(-x[i]));
}
#endif

void gl_sigmoid(long count, const double *x, double *y) {
#if GL_X86
    if (use_vector()) {
        sigmoid_avx2(count, x, y);
        return;
    }
#endif
    for (long i = 0; i < count; i++) y[i] = 1.0 / (1.0 + gl_exp(-x[i]));
}

// ---------------------------------------------------------------------------------------------
// ‖x‖₂: Σ (x_i·scale)² in the row order's lanes (eight chains over blocks of eight, the lanes
// added as ((s₀+t₀) + (s₂+t₂)) + ((s₁+t₁) + (s₃+t₃)), the rest fused in one at a time).

static double sumsq_portable(long count, const double *x, double scale) {
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0, t0 = 0, t1 = 0, t2 = 0, t3 = 0;
    long i = 0;
    for (; i + 8 <= count; i += 8) {
        double a0 = x[i] * scale, a1 = x[i + 1] * scale, a2 = x[i + 2] * scale, a3 = x[i + 3] * scale;
        double b0 = x[i + 4] * scale, b1 = x[i + 5] * scale, b2 = x[i + 6] * scale, b3 = x[i + 7] * scale;
        s0 = fma(a0, a0, s0);
        s1 = fma(a1, a1, s1);
        s2 = fma(a2, a2, s2);
        s3 = fma(a3, a3, s3);
        t0 = fma(b0, b0, t0);
        t1 = fma(b1, b1, t1);
        t2 = fma(b2, b2, t2);
        t3 = fma(b3, b3, t3);
    }
    double r = ((s0 + t0) + (s2 + t2)) + ((s1 + t1) + (s3 + t3));
    for (; i < count; i++) {
        double a = x[i] * scale;
        r = fma(a, a, r);
    }
    return r;
}

#if GL_X86
__attribute__((target("avx2,fma")))
static double sumsq_avx2(long count, const double *x, double scale) {
    __m256d s = _mm256_setzero_pd(), t = s, c = _mm256_set1_pd(scale);
    long i = 0;
    for (; i + 8 <= count; i += 8) {
        __m256d a = _mm256_mul_pd(_mm256_loadu_pd(x + i), c), b = _mm256_mul_pd(_mm256_loadu_pd(x + i + 4), c);
        s = _mm256_fmadd_pd(a, a, s);
        t = _mm256_fmadd_pd(b, b, t);
    }
    double r = sum4(_mm256_add_pd(s, t));
    for (; i < count; i++) {
        double a = x[i] * scale;
        r = fma(a, a, r);
    }
    return r;
}
#endif

static double sumsq(long count, const double *x, double scale) {
#if GL_X86
    if (use_vector()) return sumsq_avx2(count, x, scale);
#endif
    return sumsq_portable(count, x, scale);
}

// The plain sum of squares when it neither overflows nor underflows (nearly always); else once
// more with the entries scaled by 2⁶⁰⁰ or 2⁻⁶⁰⁰, exactly, which brings any finite vector into range.
double gl_norm2(long count, const double *x) {
    double s = sumsq(count, x, 1.0);
    if (isnan(s)) return NAN;
    if (s > 1e-280 && s <= DBL_MAX) return sqrt(s);
    if (isinf(s)) {
        for (long i = 0; i < count; i++) if (isinf(x[i])) return INFINITY;
        return sqrt(sumsq(count, x, 0x1p-600)) * 0x1p600;
    }
    return sqrt(sumsq(count, x, 0x1p600)) * 0x1p-600;
}

// ---------------------------------------------------------------------------------------------
// The tanh gate: d_i = fma(−h_i, h_i, 1) = 1 − h_i² with one rounding, g_i = d_i·δ_i, and Σ d_i
// in four lanes (d_i into lane i mod 4 over the blocks of four), the lanes added as
// (l₀ + l₂) + (l₁ + l₃), then the rest one at a time.

static double tanh_gate_portable(long count, const double *h, const double *delta, double *g) {
    double l0 = 0, l1 = 0, l2 = 0, l3 = 0;
    long i = 0;
    for (; i + 4 <= count; i += 4) {
        double d0 = fma(-h[i], h[i], 1.0), d1 = fma(-h[i + 1], h[i + 1], 1.0);
        double d2 = fma(-h[i + 2], h[i + 2], 1.0), d3 = fma(-h[i + 3], h[i + 3], 1.0);
        l0 = l0 + d0;
        l1 = l1 + d1;
        l2 = l2 + d2;
        l3 = l3 + d3;
        g[i] = d0 * delta[i];
        g[i + 1] = d1 * delta[i + 1];
        g[i + 2] = d2 * delta[i + 2];
        g[i + 3] = d3 * delta[i + 3];
    }
    double total = (l0 + l2) + (l1 + l3);
    for (; i < count; i++) {
        double d = fma(-h[i], h[i], 1.0);
        total = total + d;
        g[i] = d * delta[i];
    }
    return total;
}

#if GL_X86
__attribute__((target("avx2,fma")))
static double tanh_gate_avx2(long count, const double *h, const double *delta, double *g) {
    const __m256d one = _mm256_set1_pd(1.0);
    __m256d sum = _mm256_setzero_pd();
    long i = 0;
    for (; i + 4 <= count; i += 4) {
        __m256d hv = _mm256_loadu_pd(h + i);
        __m256d d = _mm256_fnmadd_pd(hv, hv, one);
        sum = _mm256_add_pd(sum, d);
        _mm256_storeu_pd(g + i, _mm256_mul_pd(d, _mm256_loadu_pd(delta + i)));
    }
    double total = sum4(sum);
    for (; i < count; i++) {
        double d = fma(-h[i], h[i], 1.0);
        total = total + d;
        g[i] = d * delta[i];
    }
    return total;
}
#endif

double gl_tanh_gate(long count, const double *h, const double *delta, double *g) {
#if GL_X86
    if (use_vector()) return tanh_gate_avx2(count, h, delta, g);
#endif
    return tanh_gate_portable(count, h, delta, g);
}

// ---------------------------------------------------------------------------------------------
// C = Aᵀ·B for A K × rows and B K × cols (row-major, leading dimensions lda and ldb): each entry
// one chain of fused multiply-adds over k in order, C[i][j] = fma(A[K−1][i], B[K−1][j], …
// fma(A[0][i], B[0][j], 0)). Any blocking of i, j and k that keeps each entry's chain in order
// gives the same bits: a block of k continues the chains where the block before left them in C.
//
// Small products (whose columns of A and B, 8·(rows + cols)·K bytes, fit in 128 KiB, or with fewer
// than 8 rows or columns) go straight from A and B: blocks of 4 rows by 8 or 4 columns keep their sums in registers; the columns left over go 4
// rows at a time, the rows left over one entry at a time. Large ones are packed (GotoBLAS' way):
// 256 values of k at a time, B's columns in panels of 8 and A's in panels of 6 laid out in the
// order the micro-kernel reads them, so that a panel of B stays in L1 while the panels of A stream
// from L2; the micro-kernel keeps a 6 × 8 block of C in 12 registers.

static inline __attribute__((always_inline)) double gram_entry(long K, const double *A, long lda, const double *B, long ldb) {
    double s = 0;
    for (long k = 0; k < K; k++) s = fma(A[k * lda], B[k * ldb], s);
    return s;
}

// Portable: blocks of 256 values of k, and within one, four entries of a row of C side by side.
static void gram_portable(long rows, long cols, long K, const double *A, long lda, const double *B, long ldb, double *C, long ldc) {
    for (long i = 0; i < rows; i++) for (long j = 0; j < cols; j++) C[i * ldc + j] = 0;
    for (long k0 = 0; k0 < K; k0 += 256) {
        long k1 = K - k0 < 256 ? K : k0 + 256;
        for (long i = 0; i < rows; i++) {
            double *c = C + i * ldc;
            long j = 0;
            for (; j + 4 <= cols; j += 4) {
                double s0 = c[j], s1 = c[j + 1], s2 = c[j + 2], s3 = c[j + 3];
                for (long k = k0; k < k1; k++) {
                    double a = A[k * lda + i];
                    const double *b = B + k * ldb + j;
                    s0 = fma(a, b[0], s0);
                    s1 = fma(a, b[1], s1);
                    s2 = fma(a, b[2], s2);
                    s3 = fma(a, b[3], s3);
                }
                c[j] = s0, c[j + 1] = s1, c[j + 2] = s2, c[j + 3] = s3;
            }
            for (; j < cols; j++) {
                double s = c[j];
                for (long k = k0; k < k1; k++) s = fma(A[k * lda + i], B[k * ldb + j], s);
                c[j] = s;
            }
        }
    }
}

#if GL_X86
__attribute__((target("avx2,fma"), always_inline))
static inline void gram_block(const int C4, long K, const double *A, long lda, const double *B, long ldb, double *C, long ldc) {
    __m256d s[4][2];
    for (int r = 0; r < 4; r++) for (int c = 0; c < C4; c++) s[r][c] = _mm256_setzero_pd();
    for (long k = 0; k < K; k++) {
        __m256d b[2];
        for (int c = 0; c < C4; c++) b[c] = _mm256_loadu_pd(B + k * ldb + 4 * c);
        for (int r = 0; r < 4; r++) {
            __m256d a = _mm256_broadcast_sd(A + k * lda + r);
            for (int c = 0; c < C4; c++) s[r][c] = _mm256_fmadd_pd(a, b[c], s[r][c]);
        }
    }
    for (int r = 0; r < 4; r++) for (int c = 0; c < C4; c++) _mm256_storeu_pd(C + r * ldc + 4 * c, s[r][c]);
}

__attribute__((target("avx2,fma")))
static void gram_small_avx2(long rows, long cols, long K, const double *A, long lda, const double *B, long ldb, double *C, long ldc) {
    long i = 0;
    for (; i + 4 <= rows; i += 4) {
        long j = 0;
        for (; j + 8 <= cols; j += 8) gram_block(2, K, A + i, lda, B + j, ldb, C + i * ldc + j, ldc);
        if (j + 4 <= cols) gram_block(1, K, A + i, lda, B + j, ldb, C + i * ldc + j, ldc), j += 4;
        for (; j < cols; j++) {  // one column: four rows' sums in the lanes
            __m256d s = _mm256_setzero_pd();
            for (long k = 0; k < K; k++) s = _mm256_fmadd_pd(_mm256_loadu_pd(A + k * lda + i), _mm256_broadcast_sd(B + k * ldb + j), s);
            double out[4];
            _mm256_storeu_pd(out, s);
            for (int r = 0; r < 4; r++) C[(i + r) * ldc + j] = out[r];
        }
    }
    for (; i < rows; i++) for (long j = 0; j < cols; j++) C[i * ldc + j] = gram_entry(K, A + i, lda, B + j, ldb);
}

enum { GRAM_MR = 6, GRAM_NR = 8, GRAM_KC = 256, GRAM_MC = 96 };

// C (6 × 8, rows ldc apart) continues its chains over kb values of k from the packed panels Ap
// (kb × 6) and Bp (kb × 8); `first` starts them from 0 instead.
__attribute__((target("avx2,fma")))
static void gram_micro(long kb, const double *Ap, const double *Bp, double *C, long ldc, int first) {
    __m256d c[GRAM_MR][2];
    for (int r = 0; r < GRAM_MR; r++) {
        for (int q = 0; q < 2; q++) c[r][q] = first ? _mm256_setzero_pd() : _mm256_loadu_pd(C + r * ldc + 4 * q);
    }
    for (long k = 0; k < kb; k++) {
        __m256d b0 = _mm256_load_pd(Bp + k * GRAM_NR), b1 = _mm256_load_pd(Bp + k * GRAM_NR + 4);
        for (int r = 0; r < GRAM_MR; r++) {
            __m256d a = _mm256_broadcast_sd(Ap + k * GRAM_MR + r);
            c[r][0] = _mm256_fmadd_pd(a, b0, c[r][0]);
            c[r][1] = _mm256_fmadd_pd(a, b1, c[r][1]);
        }
    }
    for (int r = 0; r < GRAM_MR; r++) for (int q = 0; q < 2; q++) _mm256_storeu_pd(C + r * ldc + 4 * q, c[r][q]);
}

// The packed product. A tile at the edge of C (fewer than 6 rows or 8 columns left) runs on a
// copy of its part of C padded with zeros, whose padding never reaches a real entry: entry (i, j)
// reads only column i of A and column j of B.
__attribute__((target("avx2,fma")))
static int gram_packed_avx2(long rows, long cols, long K, const double *A, long lda, const double *B, long ldb, double *C, long ldc) {
    long panels = (cols + GRAM_NR - 1) / GRAM_NR;
    double *Bp = aligned_alloc(64, sizeof(double) * GRAM_KC * GRAM_NR * panels);
    double *Ap = aligned_alloc(64, sizeof(double) * GRAM_KC * GRAM_MC);
    if (!Bp || !Ap) {
        free(Bp);
        free(Ap);
        return 0;
    }
    for (long k0 = 0; k0 < K; k0 += GRAM_KC) {
        long kb = K - k0 < GRAM_KC ? K - k0 : GRAM_KC;
        int first = k0 == 0;
        for (long p = 0; p < panels; p++) {  // B[k0…k0+kb)[8p…8p+8) → Bp, panel p
            double *out = Bp + p * GRAM_KC * GRAM_NR;
            long j0 = p * GRAM_NR, width = cols - j0 < GRAM_NR ? cols - j0 : GRAM_NR;
            for (long k = 0; k < kb; k++) {
                const double *b = B + (k0 + k) * ldb + j0;
                if (width == GRAM_NR) {
                    _mm256_store_pd(out + k * GRAM_NR, _mm256_loadu_pd(b));
                    _mm256_store_pd(out + k * GRAM_NR + 4, _mm256_loadu_pd(b + 4));
                } else {
                    for (long c = 0; c < GRAM_NR; c++) out[k * GRAM_NR + c] = c < width ? b[c] : 0;
                }
            }
        }
        for (long i0 = 0; i0 < rows; i0 += GRAM_MC) {
            long mc = rows - i0 < GRAM_MC ? rows - i0 : GRAM_MC;
            long strips = (mc + GRAM_MR - 1) / GRAM_MR;
            for (long k = 0; k < kb; k++) {  // A[k0…k0+kb)[i0…i0+mc) → Ap, strips of 6
                const double *a = A + (k0 + k) * lda + i0;
                for (long s = 0; s < strips; s++) {
                    double *out = Ap + s * GRAM_KC * GRAM_MR + k * GRAM_MR;
                    long r0 = s * GRAM_MR, height = mc - r0 < GRAM_MR ? mc - r0 : GRAM_MR;
                    if (height == GRAM_MR) {
                        _mm256_storeu_pd(out, _mm256_loadu_pd(a + r0));
                        _mm_storeu_pd(out + 4, _mm_loadu_pd(a + r0 + 4));
                    } else {
                        for (long r = 0; r < GRAM_MR; r++) out[r] = r < height ? a[r0 + r] : 0;
                    }
                }
            }
            for (long p = 0; p < panels; p++) {
                long j0 = p * GRAM_NR, width = cols - j0 < GRAM_NR ? cols - j0 : GRAM_NR;
                const double *bp = Bp + p * GRAM_KC * GRAM_NR;
                for (long s = 0; s < strips; s++) {
                    long r0 = s * GRAM_MR, height = mc - r0 < GRAM_MR ? mc - r0 : GRAM_MR;
                    const double *ap = Ap + s * GRAM_KC * GRAM_MR;
                    double *c = C + (i0 + r0) * ldc + j0;
                    if (height == GRAM_MR && width == GRAM_NR) {
                        gram_micro(kb, ap, bp, c, ldc, first);
                    } else {
                        double tile[GRAM_MR * GRAM_NR] = {0};
                        if (!first) for (long r = 0; r < height; r++) for (long q = 0; q < width; q++) tile[r * GRAM_NR + q] = c[r * ldc + q];
                        gram_micro(kb, ap, bp, tile, GRAM_NR, first);
                        for (long r = 0; r < height; r++) for (long q = 0; q < width; q++) c[r * ldc + q] = tile[r * GRAM_NR + q];
                    }
                }
            }
        }
    }
    free(Bp);
    free(Ap);
    return 1;
}
#endif

void gl_gram(long rows, long cols, long K, const double *A, long lda, const double *B, long ldb, double *C, long ldc) {
    if (rows <= 0 || cols <= 0) return;
#if GL_X86
    if (use_vector()) {
        int large = rows >= 8 && cols >= 8 && (rows + cols) * K > 16384;
        if (!large || !gram_packed_avx2(rows, cols, K, A, lda, B, ldb, C, ldc)) gram_small_avx2(rows, cols, K, A, lda, B, ldb, C, ldc);
        return;
    }
#endif
    gram_portable(rows, cols, K, A, lda, B, ldb, C, ldc);
}

// ---------------------------------------------------------------------------------------------
// C = A·B for A rows × K and B K × cols (row-major, leading dimensions lda, ldb and ldc). Each entry is
// summed as the textbook loop sums it: C[i][j] = (…((0 + A[i][0]·B[0][j]) + A[i][1]·B[1][j]) …), a
// rounded product then a rounded sum for each k in order, never a fused multiply-add. Blocks of
// 4, 2 or 1 rows by 8 or 4 columns keep their sums in registers; the columns left over go one entry
// at a time. The vector form is compiled for AVX alone, so that no fused multiply-add can be formed
// from its products and sums; the portable one is the loop itself.
static void matmul_portable(long rows, long cols, long K, const double *A, long lda, const double *B, long ldb, double *C, long ldc) {
    for (long i = 0; i < rows; i++) {
        for (long j = 0; j < cols; j++) {
            double s = 0;
            for (long k = 0; k < K; k++) {
                double product = A[i * lda + k] * B[k * ldb + j];
                s = s + product;
            }
            C[i * ldc + j] = s;
        }
    }
}

#if GL_X86
__attribute__((target("avx"), always_inline))
static inline void matmul_block(const int R, const int C4, long K, const double *A, long lda, const double *B, long ldb,
                                double *C, long ldc) {
    __m256d s[4][2];
    for (int r = 0; r < R; r++) for (int c = 0; c < C4; c++) s[r][c] = _mm256_setzero_pd();
    for (long k = 0; k < K; k++) {
        __m256d b[2];
        for (int c = 0; c < C4; c++) b[c] = _mm256_loadu_pd(B + k * ldb + 4 * c);
        for (int r = 0; r < R; r++) {
            __m256d a = _mm256_broadcast_sd(A + r * lda + k);
            for (int c = 0; c < C4; c++) s[r][c] = _mm256_add_pd(s[r][c], _mm256_mul_pd(a, b[c]));
        }
    }
    for (int r = 0; r < R; r++) for (int c = 0; c < C4; c++) _mm256_storeu_pd(C + r * ldc + 4 * c, s[r][c]);
}

// One block of R rows across every column.
__attribute__((target("avx"), always_inline))
static inline void matmul_rows(const int R, long cols, long K, const double *A, long lda, const double *B, long ldb,
                               double *C, long ldc) {
    long j = 0;
    for (; j + 8 <= cols; j += 8) matmul_block(R, 2, K, A, lda, B + j, ldb, C + j, ldc);
    if (j + 4 <= cols) matmul_block(R, 1, K, A, lda, B + j, ldb, C + j, ldc), j += 4;
    if (j < cols) matmul_portable(R, cols - j, K, A, lda, B + j, ldb, C + j, ldc);
}

__attribute__((target("avx")))
static void matmul_avx(long rows, long cols, long K, const double *A, long lda, const double *B, long ldb, double *C, long ldc) {
    long i = 0;
    for (; i + 4 <= rows; i += 4) matmul_rows(4, cols, K, A + i * lda, lda, B, ldb, C + i * ldc, ldc);
    if (i + 2 <= rows) matmul_rows(2, cols, K, A + i * lda, lda, B, ldb, C + i * ldc, ldc), i += 2;
    if (i < rows) matmul_rows(1, cols, K, A + i * lda, lda, B, ldb, C + i * ldc, ldc);
}
#endif

void gl_matmul(long rows, long cols, long K, const double *A, long lda, const double *B, long ldb, double *C, long ldc) {
#if GL_X86
    if (use_vector()) {
        matmul_avx(rows, cols, K, A, lda, B, ldb, C, ldc);
        return;
    }
#endif
    matmul_portable(rows, cols, K, A, lda, B, ldb, C, ldc);
}

// ---------------------------------------------------------------------------------------------
// G[t][j] = b[j] + (one chain of fused multiply-adds over k of X[t][k]·Ut[k][j]).
static inline __attribute__((always_inline)) double input_entry(long m, long n, const double *x, const double *Ut, double b) {
    double s = 0;
    for (long k = 0; k < m; k++) s = fma(x[k], Ut[k * n], s);
    return b + s;
}

static void input_terms_portable(long T, long n, long m, const double *X, const double *Ut, const double *b, double *G, long ldg) {
    for (long t = 0; t < T; t++) for (long j = 0; j < n; j++) G[t * ldg + j] = input_entry(m, n, X + t * m, Ut + j, b[j]);
}

#if GL_X86
__attribute__((target("avx2,fma")))
static void input_terms_avx2(long T, long n, long m, const double *X, const double *Ut, const double *b, double *G, long ldg) {
    if (m == 1) {  // one input channel (regress, memory): b + fma(x_t, u, 0), the same sums with no loop over k
        for (long t = 0; t < T; t++) {
            __m256d x = _mm256_broadcast_sd(X + t), zero = _mm256_setzero_pd();
            double *g = G + t * ldg;
            long j = 0;
            for (; j + 4 <= n; j += 4) {
                _mm256_storeu_pd(g + j, _mm256_add_pd(_mm256_loadu_pd(b + j), _mm256_fmadd_pd(x, _mm256_loadu_pd(Ut + j), zero)));
            }
            for (; j < n; j++) g[j] = input_entry(1, n, X + t, Ut + j, b[j]);
        }
        return;
    }
    for (long t = 0; t < T; t++) {
        const double *x = X + t * m;
        double *g = G + t * ldg;
        long j = 0;
        for (; j + 4 <= n; j += 4) {
            __m256d s = _mm256_setzero_pd();
            for (long k = 0; k < m; k++) s = _mm256_fmadd_pd(_mm256_broadcast_sd(x + k), _mm256_loadu_pd(Ut + k * n + j), s);
            _mm256_storeu_pd(g + j, _mm256_add_pd(_mm256_loadu_pd(b + j), s));
        }
        for (; j < n; j++) g[j] = input_entry(m, n, x, Ut + j, b[j]);
    }
}
#endif

void gl_input_terms(long T, long n, long m, const double *X, const double *Ut, const double *b, double *G, long ldg) {
#if GL_X86
    if (use_vector()) {
        input_terms_avx2(T, n, m, X, Ut, b, G, ldg);
        return;
    }
#endif
    input_terms_portable(T, n, m, X, Ut, b, G, ldg);
}

// ---------------------------------------------------------------------------------------------
// s[j] = Σ_t A[t·lda + j], each column summed from t = 0 up (four columns a vector on AVX2).
static void column_sums_portable(long rows, long cols, const double *A, long lda, double *s) {
    for (long j = 0; j < cols; j++) s[j] = 0;
    for (long t = 0; t < rows; t++) for (long j = 0; j < cols; j++) s[j] = s[j] + A[t * lda + j];
}

#if GL_X86
__attribute__((target("avx2")))
static void column_sums_avx2(long rows, long cols, const double *A, long lda, double *s) {
    long j = 0;
    for (; j + 16 <= cols; j += 16) {
        __m256d a = _mm256_setzero_pd(), b = a, c = a, d = a;
        for (long t = 0; t < rows; t++) {
            const double *r = A + t * lda + j;
            a = _mm256_add_pd(a, _mm256_loadu_pd(r));
            b = _mm256_add_pd(b, _mm256_loadu_pd(r + 4));
            c = _mm256_add_pd(c, _mm256_loadu_pd(r + 8));
            d = _mm256_add_pd(d, _mm256_loadu_pd(r + 12));
        }
        _mm256_storeu_pd(s + j, a);
        _mm256_storeu_pd(s + j + 4, b);
        _mm256_storeu_pd(s + j + 8, c);
        _mm256_storeu_pd(s + j + 12, d);
    }
    for (; j + 4 <= cols; j += 4) {
        __m256d a = _mm256_setzero_pd();
        for (long t = 0; t < rows; t++) a = _mm256_add_pd(a, _mm256_loadu_pd(A + t * lda + j));
        _mm256_storeu_pd(s + j, a);
    }
    for (; j < cols; j++) {
        double sum = 0;
        for (long t = 0; t < rows; t++) sum = sum + A[t * lda + j];
        s[j] = sum;
    }
}
#endif

void gl_column_sums(long rows, long cols, const double *A, long lda, double *s) {
#if GL_X86
    if (use_vector()) {
        column_sums_avx2(rows, cols, A, lda, s);
        return;
    }
#endif
    column_sums_portable(rows, cols, A, lda, s);
}

// ---------------------------------------------------------------------------------------------
// exp, log and cos(2πu) of our own, for the values that feed a model or its training (sigmoid,
// softmax, the normal draws of Box–Muller): the system's libm picks its code by processor (glibc
// has FMA variants of exp, log, cos and pow that differ in the last bit from the others on about
// 1 value in 1500), these do the same operations everywhere. Each is within about 1 ulp of the
// true value (the tests hold them to glibc).

// e^x: n = round(x/ln 2), r = x − n·ln 2 in two parts, e^r by Cephes' rational form, times 2ⁿ
// in exact steps (and one rounding for a subnormal result).
double gl_exp(double x) {
    if (x != x) return x;
    if (x > 710.0) return INFINITY;
    if (x < -746.0) return 0.0;
    double n = nearbyint(x * LOG2E);
    double r = fma(-n, LN2_C1, x);
    r = fma(-n, LN2_C2, r);
    double e = exp_reduced(r);
    long k = (long)n;  // −1076 … 1024
    if (k > 1023) return (e * 2.0) * from_bits((uint64_t)(k - 1 + 1023) << 52);
    if (k >= -1022) return e * from_bits((uint64_t)(k + 1023) << 52);
    return (e * from_bits((uint64_t)(k + 54 + 1023) << 52)) * 0x1p-54;
}

// log x after fdlibm: x = 2^k·m with m in [√2/2, √2), f = m − 1, s = f/(2 + f), and
// log(1 + f) = f − (f²/2 − s·(f²/2 + R)) with R = Σ 2s²ⁱ/(2i + 1) for i = 1…11 (the series of
// log((1 + s)/(1 − s)) − 2s, which for s² ≤ 0.0295 is exact to double precision by its eleventh term).
double gl_log(double x) {
    if (x != x) return x;
    if (x < 0) return NAN;
    if (x == 0) return -INFINITY;
    if (x == INFINITY) return x;
    int k = 0;
    if (x < DBL_MIN) {  // subnormal: scale into the normal range, exactly
        x = x * 0x1p54;
        k = -54;
    }
    uint64_t bits = to_bits(x);
    k += (int)((bits >> 52) & 0x7ff) - 1023;
    double m = from_bits((bits & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL);  // [1, 2)
    if (m > 1.4142135623730951) {
        m = m * 0.5;
        k += 1;
    }
    double f = m - 1.0, hfsq = (0.5 * f) * f, s = f / (2.0 + f), z = s * s;
    double R = fma(z, 2.0 / 23, 2.0 / 21);
    R = fma(z, R, 2.0 / 19);
    R = fma(z, R, 2.0 / 17);
    R = fma(z, R, 2.0 / 15);
    R = fma(z, R, 2.0 / 13);
    R = fma(z, R, 2.0 / 11);
    R = fma(z, R, 2.0 / 9);
    R = fma(z, R, 2.0 / 7);
    R = fma(z, R, 2.0 / 5);
    R = fma(z, R, 2.0 / 3);
    R = z * R;
    double dk = k;
    const double ln2_hi = 6.93147180369123816490e-01, ln2_lo = 1.90821492927058770002e-10;  // ln2_hi·k is exact
    return dk * ln2_hi - ((hfsq - (s * (hfsq + R) + dk * ln2_lo)) - f);
}

// cos 2πu: w = 4u = q + f with q an integer and |f| ≤ 1/2 (f exact), then cos 2πu is cos(πf/2),
// −sin(πf/2), −cos(πf/2) or sin(πf/2) as q mod 4 is 0, 1, 2 or 3; sin and cos of πf/2 by their
// Taylor series in f (π/2 folded into the coefficients), exact to double precision at |πf/2| ≤ π/4.
double gl_cos_2pi(double u) {
    if (!isfinite(u)) return NAN;
    double w = 4.0 * u;
    if (fabs(w) >= 0x1p52) return 1.0;  // u is a multiple of 1/4 … of 1 here: w is even, past 2⁵³ a multiple of 4
    double q = nearbyint(w), f = w - q, z = f * f;
    long quadrant = (long)q & 3;
    double value;
    if (quadrant == 0 || quadrant == 2) {
        double c = fma(z, -5.294400200734623e-13, 6.565963114979473e-11);
        c = fma(z, c, -6.386603083791852e-09);
        c = fma(z, c, 4.710874778818172e-07);
        c = fma(z, c, -2.5202042373060607e-05);
        c = fma(z, c, 0.0009192602748394266);
        c = fma(z, c, -0.02086348076335296);
        c = fma(z, c, 0.25366950790104803);
        c = fma(z, c, -1.2337005501361697);
        value = fma(z, c, 1.0);
    } else {
        double s = fma(z, -4.377065467313742e-14, 6.0669357311061955e-12);
        s = fma(z, s, -6.688035109811468e-10);
        s = fma(z, s, 5.692172921967927e-08);
        s = fma(z, s, -3.598843235212085e-06);
        s = fma(z, s, 0.00016044118478735983);
        s = fma(z, s, -0.004681754135318688);
        s = fma(z, s, 0.07969262624616705);
        s = fma(z, s, -0.6459640975062463);
        value = f * fma(z, s, 1.5707963267948966);
    }
    return quadrant == 0 || quadrant == 3 ? value : -value;
}

// ---------------------------------------------------------------------------------------------
// ρ(A), the largest modulus of an eigenvalue of a real n × n matrix (row-major), in one fixed
// order of IEEE operations, so that it has the same bits on every processor (LAPACK's dgeev calls
// BLAS, whose kernels and so whose last bits depend on the processor). EISPACK's way, as Numerical
// Recipes gives it: balancing by powers of 2 (exact), reduction to Hessenberg form by elimination
// with partial pivoting, then the Francis double-shift QR iteration (with exceptional shifts after
// 10 and 20 iterations) until every eigenvalue is deflated. Returns 0 and leaves *rho alone when
// the iteration does not converge in 30 steps for some eigenvalue, or when memory runs out.

#define AT(i, j) a[(i) * n + (j)]

static void balance(long n, double *a) {
    int done = 0;
    while (!done) {
        done = 1;
        for (long i = 0; i < n; i++) {
            double r = 0, c = 0;
            for (long j = 0; j < n; j++) {
                if (j != i) {
                    c = c + fabs(AT(j, i));
                    r = r + fabs(AT(i, j));
                }
            }
            if (c != 0 && r != 0) {
                double g = r / 2, f = 1, s = c + r;
                while (c < g) {
                    f = f * 2;
                    c = c * 4;
                }
                g = r * 2;
                while (c > g) {
                    f = f / 2;
                    c = c / 4;
                }
                if ((c + r) / f < 0.95 * s) {
                    done = 0;
                    g = 1 / f;
                    for (long j = 0; j < n; j++) AT(i, j) = AT(i, j) * g;
                    for (long j = 0; j < n; j++) AT(j, i) = AT(j, i) * f;
                }
            }
        }
    }
}

static void hessenberg(long n, double *a) {
    for (long m = 1; m < n - 1; m++) {
        double x = 0;
        long i = m;
        for (long j = m; j < n; j++) {
            if (fabs(AT(j, m - 1)) > fabs(x)) {
                x = AT(j, m - 1);
                i = j;
            }
        }
        if (i != m) {
            for (long j = m - 1; j < n; j++) {
                double t = AT(i, j);
                AT(i, j) = AT(m, j);
                AT(m, j) = t;
            }
            for (long j = 0; j < n; j++) {
                double t = AT(j, i);
                AT(j, i) = AT(j, m);
                AT(j, m) = t;
            }
        }
        if (x != 0) {
            // A ← L⁻¹·A·L with L = I + Σ_i y_i e_i e_mᵀ: the rows first (row i less y_i times
            // row m), then the columns (column m plus Σ_i y_i times column i, summed along each row
            // in four chains, i − m − 1 mod 4, added as (c₀ + c₁) + (c₂ + c₃), so that each row is
            // read in order).
            for (i = m + 1; i < n; i++) {
                double y = AT(i, m - 1) / x;
                AT(i, m - 1) = y;
                if (y != 0) for (long j = m; j < n; j++) AT(i, j) = AT(i, j) - y * AT(m, j);
            }
            const double *y = a + m - 1;  // y_i = y[i·n]
            for (long j = 0; j < n; j++) {
                const double *row = a + j * n;
                double c0 = 0, c1 = 0, c2 = 0, c3 = 0;
                i = m + 1;
                for (; i + 4 <= n; i += 4) {
                    c0 = c0 + y[i * n] * row[i];
                    c1 = c1 + y[(i + 1) * n] * row[i + 1];
                    c2 = c2 + y[(i + 2) * n] * row[i + 2];
                    c3 = c3 + y[(i + 3) * n] * row[i + 3];
                }
                if (i < n) c0 = c0 + y[i * n] * row[i];
                if (i + 1 < n) c1 = c1 + y[(i + 1) * n] * row[i + 1];
                if (i + 2 < n) c2 = c2 + y[(i + 2) * n] * row[i + 2];
                AT(j, m) = AT(j, m) + ((c0 + c1) + (c2 + c3));
            }
        }
    }
    for (long i = 2; i < n; i++) for (long j = 0; j < i - 1; j++) AT(i, j) = 0;  // the multipliers
}

static inline double with_sign(double magnitude, double sign) { return sign >= 0 ? fabs(magnitude) : -fabs(magnitude); }

// √(x² + y²), scaled so that it neither overflows nor underflows.
static double modulus(double x, double y) {
    double ax = fabs(x), ay = fabs(y), m = ax > ay ? ax : ay;
    if (m == 0) return 0;
    double p = ax / m, q = ay / m;
    return m * sqrt(p * p + q * q);
}

// The eigenvalues of the upper Hessenberg a (destroyed), into wr and wi; 0 if one needed more
// than 30 iterations.
static int hessenberg_eigenvalues(long n, double *a, double *wr, double *wi) {
    double anorm = 0, t = 0;
    for (long i = 0; i < n; i++) for (long j = i > 0 ? i - 1 : 0; j < n; j++) anorm = anorm + fabs(AT(i, j));
    long nn = n - 1, l;
    while (nn >= 0) {
        int its = 0;
        do {
            for (l = nn; l >= 1; l--) {
                double s = fabs(AT(l - 1, l - 1)) + fabs(AT(l, l));
                if (s == 0) s = anorm;
                if (fabs(AT(l, l - 1)) + s == s) {
                    AT(l, l - 1) = 0;
                    break;
                }
            }
            double x = AT(nn, nn);
            if (l == nn) {  // one root found
                wr[nn] = x + t;
                wi[nn] = 0;
                nn--;
            } else {
                double y = AT(nn - 1, nn - 1), w = AT(nn, nn - 1) * AT(nn - 1, nn);
                if (l == nn - 1) {  // two roots found
                    double p = 0.5 * (y - x), q = p * p + w, z = sqrt(fabs(q));
                    x = x + t;
                    if (q >= 0) {
                        z = p + with_sign(z, p);
                        wr[nn - 1] = wr[nn] = x + z;
                        if (z != 0) wr[nn] = x - w / z;
                        wi[nn - 1] = wi[nn] = 0;
                    } else {
                        wr[nn - 1] = wr[nn] = x + p;
                        wi[nn - 1] = -z;
                        wi[nn] = z;
                    }
                    nn -= 2;
                } else {  // no roots yet: a double-shift QR step on rows and columns l…nn
                    if (its == 30) return 0;
                    if (its == 10 || its == 20) {  // exceptional shift
                        t = t + x;
                        for (long i = 0; i <= nn; i++) AT(i, i) = AT(i, i) - x;
                        double s = fabs(AT(nn, nn - 1)) + fabs(AT(nn - 1, nn - 2));
                        y = x = 0.75 * s;
                        w = -0.4375 * s * s;
                    }
                    its++;
                    long m;
                    double p = 0, q = 0, r = 0, z;
                    for (m = nn - 2; m >= l; m--) {
                        z = AT(m, m);
                        r = x - z;
                        double s = y - z;
                        p = (r * s - w) / AT(m + 1, m) + AT(m, m + 1);
                        q = AT(m + 1, m + 1) - z - r - s;
                        r = AT(m + 2, m + 1);
                        s = fabs(p) + fabs(q) + fabs(r);
                        p = p / s;
                        q = q / s;
                        r = r / s;
                        if (m == l) break;
                        double u = fabs(AT(m, m - 1)) * (fabs(q) + fabs(r));
                        double v = fabs(p) * (fabs(AT(m - 1, m - 1)) + fabs(z) + fabs(AT(m + 1, m + 1)));
                        if (u + v == v) break;
                    }
                    for (long i = m + 2; i <= nn; i++) {
                        AT(i, i - 2) = 0;
                        if (i != m + 2) AT(i, i - 3) = 0;
                    }
                    for (long k = m; k <= nn - 1; k++) {
                        if (k != m) {
                            p = AT(k, k - 1);
                            q = AT(k + 1, k - 1);
                            r = 0;
                            if (k != nn - 1) r = AT(k + 2, k - 1);
                            x = fabs(p) + fabs(q) + fabs(r);
                            if (x != 0) {
                                p = p / x;
                                q = q / x;
                                r = r / x;
                            }
                        }
                        double s = with_sign(sqrt(p * p + q * q + r * r), p);
                        if (s != 0) {
                            if (k == m) {
                                if (l != m) AT(k, k - 1) = -AT(k, k - 1);
                            } else {
                                AT(k, k - 1) = -s * x;
                            }
                            p = p + s;
                            x = p / s;
                            y = q / s;
                            z = r / s;
                            q = q / p;
                            r = r / p;
                            for (long j = k; j <= nn; j++) {
                                p = AT(k, j) + q * AT(k + 1, j);
                                if (k != nn - 1) {
                                    p = p + r * AT(k + 2, j);
                                    AT(k + 2, j) = AT(k + 2, j) - p * z;
                                }
                                AT(k + 1, j) = AT(k + 1, j) - p * y;
                                AT(k, j) = AT(k, j) - p * x;
                            }
                            long last = nn < k + 3 ? nn : k + 3;
                            for (long i = l; i <= last; i++) {
                                p = x * AT(i, k) + y * AT(i, k + 1);
                                if (k != nn - 1) {
                                    p = p + z * AT(i, k + 2);
                                    AT(i, k + 2) = AT(i, k + 2) - p * r;
                                }
                                AT(i, k + 1) = AT(i, k + 1) - p * q;
                                AT(i, k) = AT(i, k) - p;
                            }
                        }
                    }
                }
            }
        } while (l < nn - 1);
    }
    return 1;
}

#undef AT

int gl_spectral_radius(long n, const double *A, double *rho) {
    if (n <= 0) {
        *rho = 0;
        return 1;
    }
    double *a = malloc(sizeof(double) * (size_t)(n * n + 2 * n));
    if (!a) return 0;
    double *wr = a + n * n, *wi = wr + n;
    memcpy(a, A, sizeof(double) * (size_t)(n * n));
    balance(n, a);
    hessenberg(n, a);
    int ok = hessenberg_eigenvalues(n, a, wr, wi);
    if (ok) {
        double largest = 0;
        for (long i = 0; i < n; i++) {
            double m = modulus(wr[i], wi[i]);
            if (!(m <= largest)) largest = m;  // a NaN wins
        }
        *rho = largest;
    }
    free(a);
    return ok;
}
