// Host emulation of the CUDA features index_kernels.cu uses: threads of a block are std::threads, __syncthreads a
// barrier, warp shuffles and ballots through per-warp slots and barriers, atomics under one mutex.
#include <cstdint>
#include <cstring>
#include <cmath>
#include <thread>
#include <barrier>
#include <mutex>
#include <vector>
#include <functional>
#include <algorithm>
using std::signbit;
using std::min;
struct Dim { unsigned x, y, z; };
thread_local Dim threadIdx, blockIdx;
Dim blockDim, gridDim;
#define __global__
#define __device__
#define __forceinline__ inline
#define __shared__ static
static std::barrier<>* g_block;
static std::barrier<>* g_warp[32];
static long long g_slots[32][32];
inline void __syncthreads() { g_block->arrive_and_wait(); }
template <class T> T __shfl_down_sync(unsigned, T v, int o) {
    int w = threadIdx.x / 32, l = threadIdx.x % 32;
    g_slots[w][l] = (long long) v;
    g_warp[w]->arrive_and_wait();
    T r = l + o < 32 ? (T) g_slots[w][l + o] : v;
    g_warp[w]->arrive_and_wait();
    return r;
}
inline unsigned __ballot_sync(unsigned, int pred) {
    int w = threadIdx.x / 32, l = threadIdx.x % 32;
    g_slots[w][l] = pred ? 1 : 0;
    g_warp[w]->arrive_and_wait();
    unsigned r = 0;
    for (int i = 0; i < 32; i++) r |= (g_slots[w][i] ? 1u : 0u) << i;
    g_warp[w]->arrive_and_wait();
    return r;
}
inline int __popc(unsigned x) { return __builtin_popcount(x); }
inline double __longlong_as_double(long long v) { double d; memcpy(&d, &v, 8); return d; }
static std::mutex g_atomic;
#define ATOM_LOCK std::lock_guard<std::mutex> lk(g_atomic)
inline float atomicAdd(float* a, float v) { ATOM_LOCK; float o = *a; *a = o + v; return o; }
inline double atomicAdd(double* a, double v) { ATOM_LOCK; double o = *a; *a = o + v; return o; }
inline int atomicAdd(int* a, int v) { ATOM_LOCK; int o = *a; *a = (int) ((unsigned) o + (unsigned) v); return o; }
inline unsigned atomicAdd(unsigned* a, unsigned v) { ATOM_LOCK; unsigned o = *a; *a = o + v; return o; }
inline unsigned long long atomicAdd(unsigned long long* a, unsigned long long v) { ATOM_LOCK; auto o = *a; *a = o + v; return o; }
inline int atomicMax(int* a, int v) { ATOM_LOCK; int o = *a; *a = std::max(o, v); return o; }
inline int atomicMin(int* a, int v) { ATOM_LOCK; int o = *a; *a = std::min(o, v); return o; }
inline long long atomicMax(long long* a, long long v) { ATOM_LOCK; auto o = *a; *a = std::max(o, v); return o; }
inline long long atomicMin(long long* a, long long v) { ATOM_LOCK; auto o = *a; *a = std::min(o, v); return o; }
inline unsigned long long atomicMin(unsigned long long* a, unsigned long long v) { ATOM_LOCK; auto o = *a; *a = std::min(o, v); return o; }
inline unsigned atomicCAS(unsigned* a, unsigned c, unsigned v) { ATOM_LOCK; auto o = *a; if (o == c) *a = v; return o; }
inline unsigned long long atomicCAS(unsigned long long* a, unsigned long long c, unsigned long long v) { ATOM_LOCK; auto o = *a; if (o == c) *a = v; return o; }

// runs f as grid blocks of block threads, block after block
inline void emuLaunch(int grid, int block, const std::function<void()>& f) {
    gridDim = {(unsigned) grid, 1, 1};
    blockDim = {(unsigned) block, 1, 1};
    for (int b = 0; b < grid; b++) {
        std::barrier<> bar(block);
        g_block = &bar;
        std::vector<std::unique_ptr<std::barrier<>>> warps;
        for (int w = 0; w < (block + 31) / 32; w++) {
            warps.emplace_back(new std::barrier<>(std::min(32, block - 32 * w)));
            g_warp[w] = warps.back().get();
        }
        std::vector<std::thread> ts;
        for (int t = 0; t < block; t++) ts.emplace_back([&, t, b] { threadIdx = {(unsigned) t, 0, 0}; blockIdx = {(unsigned) b, 0, 0}; f(); });
        for (auto& t : ts) t.join();
    }
}
