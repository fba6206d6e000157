#include "Kernels.h"

#include <float.h>
#include <immintrin.h>
#include <malloc.h>
#include <math.h>
#include <stddef.h>

// Whether the AVX2+FMA kernels run: set once by the constructor below, before any thread can ask.
static int vectorized = 0;

void openblas_set_num_threads(int num_threads);

// gradlab runs its own threads for sweeps and comparisons, and its matrix products are small: BLAS
// stays on the calling thread, so that no idle BLAS thread spins on a core the sweep needs.
//
// glibc hands large blocks back to the system as soon as they are freed, so that every BPTT pass
// over a long sequence would fault its fresh buffers in page by page (a tenth of the time of
// n = 32, T = 1000 in a profile); memory up to 256 MiB is kept for reuse instead.
__attribute__((constructor)) static void set_up(void) {
    __builtin_cpu_init();
    vectorized = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    openblas_set_num_threads(1);
    mallopt(M_MMAP_THRESHOLD, 256 << 20);
    mallopt(M_TRIM_THRESHOLD, 512 << 20);
}

void gl_blas_threads(int count) { openblas_set_num_threads(count); }

int gl_kernels_vectorized(void) { return vectorized; }

static void matvec_plain(long rows, long cols, const double *A, const double *x, const double *add, double *y) {
    for (long i = 0; i < rows; i++) {
        const double *a = A + i * cols;
        double s = 0;
        for (long j = 0; j < cols; j++) s += a[j] * x[j];
        y[i] = add ? add[i] + s : s;
    }
}

__attribute__((target("avx2,fma")))
static inline double sum4(__m256d v) {
    __m128d pair = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
    return _mm_cvtsd_f64(_mm_add_sd(pair, _mm_unpackhi_pd(pair, pair)));
}

// One row's y: its two vector accumulators summed, the columns from j on added one at a time, then
// `add` (when there is one). Every row form of the product ends its rows here, so all form a row's
// sum in the same order.
__attribute__((target("avx2,fma"), always_inline))
static inline double finish_row(__m256d s, __m256d t, const double *a, const double *x, long j, long cols, const double *add) {
    double r = sum4(_mm256_add_pd(s, t));
    for (; j < cols; j++) r += a[j] * x[j];
    return add ? r + *add : r;
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
    if (i < rows) matvec_plain(rows - i, cols, A + i * cols, x, add ? add + i : NULL, y + i);
}

// matvec_avx2 for two vectors at once, two rows at a time: each row of A is loaded once for both
// vectors (A streams from L2 at n > 64, so this halves the traffic), and each row's sum is formed
// exactly as matvec_avx2 forms it. The rows past the last block of four are matvec_plain's, as there.
__attribute__((target("avx2,fma")))
static void matvec_avx2_pair(long rows, long cols, const double *A, const double *x0, const double *x1,
                             const double *add0, const double *add1, double *y0, double *y1) {
    long c8 = cols & ~7L, c4 = cols & ~3L, blocked = rows & ~3L;
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
    if (blocked < rows) {
        matvec_plain(rows - blocked, cols, A + blocked * cols, x0, add0 ? add0 + blocked : NULL, y0 + blocked);
        matvec_plain(rows - blocked, cols, A + blocked * cols, x1, add1 ? add1 + blocked : NULL, y1 + blocked);
    }
}

// y for a block of 4·R4 rows from the columns of A (column j at Acols + j·ld): each column is
// scaled by x[j] and added, with two sets of accumulators (even and odd j) so that 2·R4 chains of
// FMAs run side by side. No horizontal sums, and each x[j] is broadcast once a block.
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

// Blocks of 16, 8 and 4 rows: each row's sum is formed the same way in any block size, so the
// block sizes change the speed only.
__attribute__((target("avx2,fma")))
static inline void matvec_columns_avx2(long rows, long cols, const double *Acols, const double *x, const double *add, double *y) {
    long i = 0;
    for (; i + 16 <= rows; i += 16) column_block(4, cols, rows, Acols + i, x, y + i);
    if (i + 8 <= rows) column_block(2, cols, rows, Acols + i, x, y + i), i += 8;
    if (i + 4 <= rows) column_block(1, cols, rows, Acols + i, x, y + i), i += 4;
    for (; i < rows; i++) {
        double s = 0;
        for (long j = 0; j < cols; j++) s += Acols[j * rows + i] * x[j];
        y[i] = s;
    }
    if (add) {
        for (i = 0; i + 4 <= rows; i += 4) _mm256_storeu_pd(y + i, _mm256_add_pd(_mm256_loadu_pd(y + i), _mm256_loadu_pd(add + i)));
        for (; i < rows; i++) y[i] += add[i];
    }
}

__attribute__((target("avx2,fma")))
static void matvec_columns_batch_avx2(long count, long rows, long cols, const double *Acols, const double *X,
                                      const double *add, double *Y) {
    for (long e = 0; e < count; e++) matvec_columns_avx2(rows, cols, Acols, X + e * cols, add ? add + e * rows : NULL, Y + e * rows);
}

// Up to 64 rows the column form wins (no horizontal sums, all of A in L1); above, the row form
// streams A once in order while the column form would stride across it, two vectors a pass.
void gl_matvec_batch(long count, long rows, long cols, const double *A, const double *Acols, const double *X,
                     const double *add, double *Y) {
    if (!vectorized) {
        for (long e = 0; e < count; e++) matvec_plain(rows, cols, A, X + e * cols, add ? add + e * rows : NULL, Y + e * rows);
    } else if (rows <= 64) {
        matvec_columns_batch_avx2(count, rows, cols, Acols, X, add, Y);
    } else {
        long e = 0;
        for (; e + 2 <= count; e += 2) {
            matvec_avx2_pair(rows, cols, A, X + e * cols, X + (e + 1) * cols, add ? add + e * rows : NULL,
                             add ? add + (e + 1) * rows : NULL, Y + e * rows, Y + (e + 1) * rows);
        }
        if (e < count) matvec_avx2(rows, cols, A, X + e * cols, add ? add + e * rows : NULL, Y + e * rows);
    }
}

void gl_matvec(long rows, long cols, const double *A, const double *Acols, const double *x, const double *add, double *y) {
    gl_matvec_batch(1, rows, cols, A, Acols, x, add, y);
}

// tanh after Cephes (Moshier): for |x| < 0.625, x + x·z·P(z)/Q(z) with z = x²; above, with
// t = exp(−2|x|), 1 − 2t/(1 + t) carrying the sign of x. exp is Cephes' too: 2ⁿ·e^r with
// r = y − n·ln 2 (ln 2 in two parts) and e^r = 1 + 2r·P(r²)/(Q(r²) − r·P(r²)). When the four lanes
// fall on both sides of 0.625, both branches are formed and one division finishes whichever
// applies to each lane; otherwise only the one branch (the same operations, so the same bits).
// |x| is capped at 350, where t < 2⁻¹⁰⁰⁰ and tanh is ±1 in double precision; NaN stays NaN.
__attribute__((target("avx2,fma"), always_inline))
static inline void tanh_large(__m256d ax, __m256d *num, __m256d *den) {
    const __m256d one = _mm256_set1_pd(1.0);
    // exp(y), y = −2|x| ≥ −700 (max keeps a NaN in its second operand)
    __m256d y = _mm256_max_pd(_mm256_set1_pd(-700.0), _mm256_mul_pd(_mm256_set1_pd(-2.0), ax));
    __m256d n = _mm256_round_pd(_mm256_mul_pd(y, _mm256_set1_pd(1.4426950408889634073599)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256d r = _mm256_fnmadd_pd(n, _mm256_set1_pd(6.93145751953125e-1), y);
    r = _mm256_fnmadd_pd(n, _mm256_set1_pd(1.42860682030941723212e-6), r);
    __m256d rr = _mm256_mul_pd(r, r);
    __m256d p = _mm256_fmadd_pd(_mm256_set1_pd(1.26177193074810590878e-4), rr, _mm256_set1_pd(3.02994407707441961300e-2));
    p = _mm256_mul_pd(r, _mm256_fmadd_pd(p, rr, _mm256_set1_pd(9.99999999999999999910e-1)));
    __m256d q = _mm256_fmadd_pd(_mm256_set1_pd(3.00198505138664455042e-6), rr, _mm256_set1_pd(2.52448340349684104192e-3));
    q = _mm256_fmadd_pd(q, rr, _mm256_set1_pd(2.27265548208155028766e-1));
    q = _mm256_fmadd_pd(q, rr, _mm256_set1_pd(2.00000000000000000009e0));
    __m256d er = _mm256_fmadd_pd(_mm256_set1_pd(2.0), _mm256_div_pd(p, _mm256_sub_pd(q, p)), one);
    // 2ⁿ for n in [−1010, 0]: the exponent bits built directly
    __m128i ni = _mm256_cvtpd_epi32(n);
    __m256i bits = _mm256_slli_epi64(_mm256_add_epi64(_mm256_cvtepi32_epi64(ni), _mm256_set1_epi64x(1023)), 52);
    __m256d t = _mm256_mul_pd(er, _mm256_castsi256_pd(bits));
    *num = _mm256_add_pd(t, t);  // tanh|x| = 1 − 2t/(1 + t)
    *den = _mm256_add_pd(one, t);
}

// |x| < 0.625: x + x·(z·P(z)/Q(z)), z = x²
__attribute__((target("avx2,fma"), always_inline))
static inline void tanh_small(__m256d x, __m256d *num, __m256d *den) {
    __m256d z = _mm256_mul_pd(x, x);
    __m256d sp = _mm256_fmadd_pd(_mm256_set1_pd(-9.64399179425052238628e-1), z, _mm256_set1_pd(-9.92877231001918586564e1));
    sp = _mm256_fmadd_pd(sp, z, _mm256_set1_pd(-1.61468768441708447952e3));
    __m256d sq = _mm256_add_pd(z, _mm256_set1_pd(1.12811678491632931402e2));
    sq = _mm256_fmadd_pd(sq, z, _mm256_set1_pd(2.23548839060100448583e3));
    sq = _mm256_fmadd_pd(sq, z, _mm256_set1_pd(4.84406305325125486048e3));
    *num = _mm256_mul_pd(z, sp);
    *den = sq;
}

__attribute__((target("avx2,fma")))
static inline __m256d tanh4(__m256d x) {
    const __m256d sign_bit = _mm256_set1_pd(-0.0), one = _mm256_set1_pd(1.0);
    __m256d ax = _mm256_andnot_pd(sign_bit, x);
    __m256d small = _mm256_cmp_pd(ax, _mm256_set1_pd(0.625), _CMP_LT_OQ);
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
    return _mm256_or_pd(magnitude, _mm256_and_pd(sign_bit, x));  // tanh is odd: the sign of x, −0 included
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

void gl_tanh(long count, const double *x, double *y) {
    if (vectorized) {
        tanh_avx2(count, x, y);
    } else {
        for (long i = 0; i < count; i++) y[i] = tanh(x[i]);
    }
}

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
    for (; i < count; i++) r += (x[i] * scale) * (x[i] * scale);
    return r;
}

static double sumsq(long count, const double *x, double scale) {
    if (vectorized) return sumsq_avx2(count, x, scale);
    double r = 0;
    for (long i = 0; i < count; i++) r += (x[i] * scale) * (x[i] * scale);
    return r;
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
        double d = 1 - h[i] * h[i];
        total += d;
        g[i] = d * delta[i];
    }
    return total;
}

double gl_tanh_gate(long count, const double *h, const double *delta, double *g) {
    if (vectorized) return tanh_gate_avx2(count, h, delta, g);
    double total = 0;
    for (long i = 0; i < count; i++) {
        double d = 1 - h[i] * h[i];
        total += d;
        g[i] = d * delta[i];
    }
    return total;
}

// C = Aᵀ·B for A K × rows and B K × cols (row-major, leading dimensions lda and ldb), each entry one
// chain of fused multiply-adds over k in order: C[i][j] = fma(A[K−1][i], B[K−1][j], … fma(A[0][i],
// B[0][j], 0)). Blocks of 4 rows by 8 or 4 columns keep their sums in registers; the columns left
// over go 4 rows at a time, the rows left over one entry at a time.
static inline __attribute__((always_inline)) double gram_entry(long K, const double *A, long lda, const double *B, long ldb) {
    double s = 0;
    for (long k = 0; k < K; k++) s = fma(A[k * lda], B[k * ldb], s);
    return s;
}

static void gram_plain(long rows, long cols, long K, const double *A, long lda, const double *B, long ldb, double *C, long ldc) {
    for (long i = 0; i < rows; i++) for (long j = 0; j < cols; j++) C[i * ldc + j] = gram_entry(K, A + i, lda, B + j, ldb);
}

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
static void gram_avx2(long rows, long cols, long K, const double *A, long lda, const double *B, long ldb, double *C, long ldc) {
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

void gl_gram(long rows, long cols, long K, const double *A, long lda, const double *B, long ldb, double *C, long ldc) {
    if (vectorized) gram_avx2(rows, cols, K, A, lda, B, ldb, C, ldc);
    else gram_plain(rows, cols, K, A, lda, B, ldb, C, ldc);
}

// C = A·B for A rows × K and B K × cols (row-major, leading dimensions lda, ldb and ldc). Each entry is
// summed as the textbook loop sums it: C[i][j] = (…((0 + A[i][0]·B[0][j]) + A[i][1]·B[1][j]) …), a
// rounded product then a rounded sum for each k in order, never a fused multiply-add. Blocks of
// 4, 2 or 1 rows by 8 or 4 columns keep their sums in registers; the columns left over go one entry
// at a time. The vector form is compiled for AVX alone, so that no fused multiply-add can be formed
// from its products and sums, and the plain one with contraction off: both give the loop's bits.
static void matmul_plain(long rows, long cols, long K, const double *A, long lda, const double *B, long ldb, double *C, long ldc) {
#pragma STDC FP_CONTRACT OFF
    for (long i = 0; i < rows; i++) {
        for (long j = 0; j < cols; j++) {
            double s = 0;
            for (long k = 0; k < K; k++) s += A[i * lda + k] * B[k * ldb + j];
            C[i * ldc + j] = s;
        }
    }
}

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
    if (j < cols) matmul_plain(R, cols - j, K, A, lda, B + j, ldb, C + j, ldc);
}

__attribute__((target("avx")))
static void matmul_avx(long rows, long cols, long K, const double *A, long lda, const double *B, long ldb, double *C, long ldc) {
    long i = 0;
    for (; i + 4 <= rows; i += 4) matmul_rows(4, cols, K, A + i * lda, lda, B, ldb, C + i * ldc, ldc);
    if (i + 2 <= rows) matmul_rows(2, cols, K, A + i * lda, lda, B, ldb, C + i * ldc, ldc), i += 2;
    if (i < rows) matmul_rows(1, cols, K, A + i * lda, lda, B, ldb, C + i * ldc, ldc);
}

void gl_matmul(long rows, long cols, long K, const double *A, long lda, const double *B, long ldb, double *C, long ldc) {
    if (vectorized) matmul_avx(rows, cols, K, A, lda, B, ldb, C, ldc);
    else matmul_plain(rows, cols, K, A, lda, B, ldb, C, ldc);
}

// G[t][j] = b[j] + (one chain of fused multiply-adds over k of X[t][k]·Ut[k][j]).
static inline __attribute__((always_inline)) double input_entry(long m, long n, const double *x, const double *Ut, double b) {
    double s = 0;
    for (long k = 0; k < m; k++) s = fma(x[k], Ut[k * n], s);
    return b + s;
}

static void input_terms_plain(long T, long n, long m, const double *X, const double *Ut, const double *b, double *G, long ldg) {
    for (long t = 0; t < T; t++) for (long j = 0; j < n; j++) G[t * ldg + j] = input_entry(m, n, X + t * m, Ut + j, b[j]);
}

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

void gl_input_terms(long T, long n, long m, const double *X, const double *Ut, const double *b, double *G, long ldg) {
    if (vectorized) input_terms_avx2(T, n, m, X, Ut, b, G, ldg);
    else input_terms_plain(T, n, m, X, Ut, b, G, ldg);
}

// s[j] = Σ_t A[t·lda + j], each column summed from t = 0 up, four columns a vector.
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
        for (long t = 0; t < rows; t++) sum += A[t * lda + j];
        s[j] = sum;
    }
}

void gl_column_sums(long rows, long cols, const double *A, long lda, double *s) {
    if (vectorized) {
        column_sums_avx2(rows, cols, A, lda, s);
        return;
    }
    for (long j = 0; j < cols; j++) {
        double sum = 0;
        for (long t = 0; t < rows; t++) sum += A[t * lda + j];
        s[j] = sum;
    }
}
