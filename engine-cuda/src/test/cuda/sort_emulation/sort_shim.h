// What sort_kernels.cu uses beyond index_emulation/cuda_shim.h: __host__ and the correctly rounded arithmetic
// intrinsics (on the host, plain IEEE operations: build without contraction, -ffp-contract=off).
#include <cmath>
#define __host__
inline double __dadd_rn(double a, double b) { return a + b; }
inline double __dsub_rn(double a, double b) { return a - b; }
inline double __dmul_rn(double a, double b) { return a * b; }
inline double __ddiv_rn(double a, double b) { return a / b; }
inline float __fsub_rn(float a, float b) { return a - b; }
inline float __fmul_rn(float a, float b) { return a * b; }
inline float __fdiv_rn(float a, float b) { return a / b; }
using std::log1p;
using std::exp;
using std::fabs;
