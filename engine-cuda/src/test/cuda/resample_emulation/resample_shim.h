// What resample_kernels.cu uses beyond index_emulation/cuda_shim.h: the rounding intrinsics, which on the device keep
// nvcc from contracting a product and a sum into a fused multiply-add. The host build uses -ffp-contract=off, so plain
// operations round the same way; __fmaf_rn/__fma_rn are the library's correctly rounded fused multiply-adds.
#include <cmath>
inline float __fmul_rn(float a, float b) { return a * b; }
inline double __dmul_rn(double a, double b) { return a * b; }
inline float __fadd_rn(float a, float b) { return a + b; }
inline double __dadd_rn(double a, double b) { return a + b; }
inline float __fsub_rn(float a, float b) { return a - b; }
inline double __dsub_rn(double a, double b) { return a - b; }
inline float __fmaf_rn(float a, float b, float c) { return std::fmaf(a, b, c); }
inline double __fma_rn(double a, double b, double c) { return std::fma(a, b, c); }
