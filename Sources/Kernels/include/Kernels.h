#ifndef GRADLAB_KERNELS_H
#define GRADLAB_KERNELS_H

// The inner loops of BPTT that pay for SIMD; the small products Gᵀ H and Gᵀ X, where a BLAS call costs
// more than its arithmetic (BLAS does the large ones); and the matrix-matrix product behind matrix powers
// and BPTT's Jacobian products, summed in the textbook loop's order so that its bits do not depend
// on the processor.
//
// Each kernel has a plain C version and an AVX2+FMA version (gl_matmul's is AVX alone); the second
// is chosen at run time when the processor has AVX2 and FMA, so one build runs everywhere.
// Non-finite values go through as IEEE 754 says (Inf · 0 = NaN): overflow is what gradlab is about.
// The vector forms of the matrix-vector products, the norm and the tanh gate add in another order
// than a plain loop, so the last bits can differ, and with them the exact step where a sum that is
// about to overflow first does; gl_gram, gl_input_terms, gl_column_sums and gl_matmul fix the
// order of every sum, so both their versions give the same bits.

#include <cblas.h>

/// y = A·x + add (add may be NULL) for A rows × cols, given twice: A row-major, and Acols, its
/// columns one after another (the row-major storage of Aᵀ). Small matrices go column by column,
/// large ones row by row.
void gl_matvec(long rows, long cols, const double *A, const double *Acols, const double *x, const double *add, double *y);

/// gl_matvec for `count` vectors one after another: Y_e = A·X_e + add_e, each exactly as alone.
void gl_matvec_batch(long count, long rows, long cols, const double *A, const double *Acols, const double *X,
                     const double *add, double *Y);

/// y[i] = tanh(x[i]); y may be x. Cephes' rational forms, four lanes at a time where AVX2 is there
/// (within 2 ulp of the true value; a test holds it to glibc's tanh), tanh() elsewhere.
void gl_tanh(long count, const double *x, double *y);

/// g[i] = tanh′ · delta[i] with tanh′ = 1 − h[i]² (h = tanh z); returns Σ tanh′.
double gl_tanh_gate(long count, const double *h, const double *delta, double *g);

/// C = Aᵀ·B for A K × rows and B K × cols, row-major with leading dimensions lda, ldb and ldc; each
/// entry is one chain of fused multiply-adds over k in order, so it does not depend on blocking.
void gl_gram(long rows, long cols, long K, const double *A, long lda, const double *B, long ldb, double *C, long ldc);

/// C = A·B for A rows × K and B K × cols, row-major with leading dimensions lda, ldb and ldc; each
/// entry summed over k in order, a rounded product then a rounded sum each time (no fused
/// multiply-add), exactly as the textbook triple loop sums it, on every processor.
void gl_matmul(long rows, long cols, long K, const double *A, long lda, const double *B, long ldb, double *C, long ldc);

/// G[t·ldg + j] = b[j] + Σ_k X[t][k]·Ut[k][j] for t < T, j < n (X T × m, Ut m × n, row-major): U x_t + b
/// for every step, each sum one chain of fused multiply-adds over k in order.
void gl_input_terms(long T, long n, long m, const double *X, const double *Ut, const double *b, double *G, long ldg);

/// s[j] = Σ_t A[t·lda + j] for t < rows, j < cols: each column summed in order from t = 0.
void gl_column_sums(long rows, long cols, const double *A, long lda, double *s);

/// ‖x‖₂, without overflow or underflow: NaN when an entry is NaN, +Inf when one is infinite.
double gl_norm2(long count, const double *x);

/// How many threads BLAS may use (1 unless changed: gradlab parallelises above BLAS).
void gl_blas_threads(int count);

/// 1 when the AVX2+FMA kernels run, 0 when the plain ones do.
int gl_kernels_vectorized(void);

#endif
