#ifndef GRADLAB_KERNELS_H
#define GRADLAB_KERNELS_H

// Every product and reduction of BPTT and training: the recurrences' matrix-vector products, tanh
// and its gate, ‖x‖₂, U x_t + b, Gᵀ H and Gᵀ X, the column sums, and the matrix-matrix product
// behind matrix powers and BPTT's Jacobian products; exp, log and cos 2πu for the values that feed
// a model (sigmoid, softmax, the normal draws); and ρ(W) for the rescale to a spectral radius.
//
// Each kernel has a portable C version and, on x86-64, an AVX2+FMA version (gl_matmul's is AVX
// alone), chosen at run time when the processor has AVX2 and FMA, so one build runs everywhere.
// Both versions of a kernel form every value with the same IEEE operations in the same order: the
// portable one follows the vector one's lanes and calls fma() where the vector one fuses, and no
// compiler may fuse on its own (FP_CONTRACT is off). So the two give identical bits, on every
// processor, and the choice changes the speed only. Each function's comment says its order.
// GRADLAB_KERNELS=portable in the environment forces the portable versions.
//
// Non-finite values go through as IEEE 754 says (Inf · 0 = NaN): overflow is what gradlab is about.

#include <cblas.h>  // for the bench's yardstick, cblas_dgemm: no kernel here calls BLAS

/// y = A·x + add (add may be NULL) for A rows × cols, given twice: A row-major, and Acols, its
/// columns one after another (the row-major storage of Aᵀ). Up to 64 rows each row is two chains
/// of fused multiply-adds (even and odd columns), added; above, eight chains (columns j mod 8 of
/// each block of eight, then one block of four), added as ((s₀+t₀) + (s₂+t₂)) + ((s₁+t₁) + (s₃+t₃)),
/// then the last columns fused in one at a time. add is added last.
void gl_matvec(long rows, long cols, const double *A, const double *Acols, const double *x, const double *add, double *y);

/// gl_matvec for `count` vectors one after another: Y_e = A·X_e + add_e, each exactly as alone.
void gl_matvec_batch(long count, long rows, long cols, const double *A, const double *Acols, const double *X,
                     const double *add, double *Y);

/// y[i] = tanh(x[i]); y may be x. Cephes' rational forms (within 2 ulp of the true value; a test
/// holds it to glibc's tanh), four lanes at a time on AVX2, the same operations one value at a time
/// elsewhere. NaN gives x back.
void gl_tanh(long count, const double *x, double *y);

/// tanh of one value, exactly as gl_tanh forms it.
double gl_tanh1(double x);

/// y[i] = σ(x[i]) = 1 / (1 + gl_exp(−x[i])), the same bits as that scalar form, four lanes at a time
/// on AVX2 (a block with a lane past |x| = 708, or a NaN, goes lane by lane); y may be x.
void gl_sigmoid(long count, const double *x, double *y);

/// g[i] = tanh′ · delta[i] with tanh′ = fma(−h[i], h[i], 1) (h = tanh z); returns Σ tanh′, summed
/// in four lanes (i mod 4) over the blocks of four, added as (l₀ + l₂) + (l₁ + l₃), then the rest.
double gl_tanh_gate(long count, const double *h, const double *delta, double *g);

/// C = Aᵀ·B for A K × rows and B K × cols, row-major with leading dimensions lda, ldb and ldc; each
/// entry is one chain of fused multiply-adds over k in order, so it does not depend on blocking.
/// Large products are packed and blocked for the caches.
void gl_gram(long rows, long cols, long K, const double *A, long lda, const double *B, long ldb, double *C, long ldc);

/// C = A·B for A rows × K and B K × cols, row-major with leading dimensions lda, ldb and ldc; each
/// entry summed over k in order, a rounded product then a rounded sum each time (no fused
/// multiply-add), exactly as the textbook triple loop sums it.
void gl_matmul(long rows, long cols, long K, const double *A, long lda, const double *B, long ldb, double *C, long ldc);

/// G[t·ldg + j] = b[j] + Σ_k X[t][k]·Ut[k][j] for t < T, j < n (X T × m, Ut m × n, row-major): U x_t + b
/// for every step, each sum one chain of fused multiply-adds over k in order.
void gl_input_terms(long T, long n, long m, const double *X, const double *Ut, const double *b, double *G, long ldg);

/// s[j] = Σ_t A[t·lda + j] for t < rows, j < cols: each column summed in order from t = 0.
void gl_column_sums(long rows, long cols, const double *A, long lda, double *s);

/// ‖x‖₂, without overflow or underflow: NaN when an entry is NaN, +Inf when one is infinite. The
/// squares are summed in gl_matvec's row order (eight chains of fused multiply-adds).
double gl_norm2(long count, const double *x);

/// e^x within about 1 ulp, the same bits on every processor (Cephes' form, in fixed operations).
double gl_exp(double x);

/// log x within about 1 ulp, the same bits on every processor (fdlibm's reduction, a fixed series).
double gl_log(double x);

/// cos 2πu within about 1 ulp, the same bits on every processor (for the Box–Muller transform).
double gl_cos_2pi(double u);

/// ρ(A), the largest modulus of an eigenvalue of the real n × n matrix A (row-major), into *rho, in
/// one fixed order of IEEE operations (the same bits on every processor): balancing, Hessenberg
/// reduction by elimination, Francis double-shift QR (EISPACK's hqr). Returns 0, with *rho
/// untouched, when the QR iteration does not converge or memory runs out. A must be finite.
int gl_spectral_radius(long n, const double *A, double *rho);

/// How many threads BLAS may use (1 unless changed: gradlab parallelises above BLAS).
void gl_blas_threads(int count);

/// 1 when the AVX2+FMA kernels run, 0 when the portable ones do.
int gl_kernels_vectorized(void);

/// 1 when this processor can run the AVX2+FMA kernels.
int gl_kernels_vector_available(void);

/// Runs the AVX2+FMA kernels (on ≠ 0, when the processor has them) or the portable ones, from now
/// on, in every thread; returns gl_kernels_vectorized(). For tests and the bench: the results are
/// the same either way.
int gl_kernels_use_vector(int on);

/// The kernels that run: "AVX2+FMA" or "portable C".
const char *gl_kernels_name(void);

#endif
