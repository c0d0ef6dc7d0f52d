// What attn_tc_kernels.cu uses beyond index_emulation/cuda_shim.h and tc_emulation/tc_shim.h: __shfl_xor_sync on
// float (the quad reductions of the online softmax) as a warp collective through per-warp slots and the warp's
// barrier (cuda_shim.h's own slots hold long long, which would truncate a float), and float atomicAdd is cuda_shim's.
#pragma once
static float g_fslots[32][32];
inline float __shfl_xor_sync(unsigned, float v, int mask) {
    const int w = threadIdx.x / 32, l = threadIdx.x % 32;
    g_fslots[w][l] = v;
    g_warp[w]->arrive_and_wait();
    const float r = g_fslots[w][l ^ mask];
    g_warp[w]->arrive_and_wait();
    return r;
}
