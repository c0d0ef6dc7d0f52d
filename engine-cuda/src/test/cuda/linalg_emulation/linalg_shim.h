// What linalg_kernels.cu uses beyond index_emulation/cuda_shim.h: the correctly rounded arithmetic intrinsics, which on
// the device keep nvcc from contracting a product and a difference into a fused multiply-add. The host build uses
// -ffp-contract=off, so plain IEEE operations round the same way.
#include <cmath>
inline float __fmul_rn(float a, float b) { return a * b; }
inline double __dmul_rn(double a, double b) { return a * b; }
inline float __fadd_rn(float a, float b) { return a + b; }
inline double __dadd_rn(double a, double b) { return a + b; }
inline float __fsub_rn(float a, float b) { return a - b; }
inline double __dsub_rn(double a, double b) { return a - b; }
inline float __fdiv_rn(float a, float b) { return a / b; }
inline double __ddiv_rn(double a, double b) { return a / b; }
inline float __fsqrt_rn(float a) { return std::sqrt(a); }
inline double __dsqrt_rn(double a) { return std::sqrt(a); }
using std::fabs;
inline long long __double_as_longlong(double d) { long long v; memcpy(&v, &d, 8); return v; }
