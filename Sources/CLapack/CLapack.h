// LAPACKE, with complex numbers as plain structs so that Swift can import every routine.
#define LAPACK_COMPLEX_STRUCTURE
#include <lapacke.h>
