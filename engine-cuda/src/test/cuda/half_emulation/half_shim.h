// What half_kernels.cu needs on the host beyond index_emulation/cuda_shim.h: CUDA's bit casts between float and
// unsigned (memcpy here, the same bits).
#pragma once
#include <cstring>
inline unsigned __float_as_uint(float f) { unsigned u; memcpy(&u, &f, 4); return u; }
inline float __uint_as_float(unsigned u) { float f; memcpy(&f, &u, 4); return f; }
