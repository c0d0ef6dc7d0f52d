// A CPU emulation of the few CUDA features nn.cu uses: each block's threads run as std::threads with a barrier for
// __syncthreads, __shared__ becomes static (shared by the block's threads; blocks run one after another), and
// __shfl_xor_sync exchanges through a block-wide buffer between two barriers (every shuffle in nn.cu is executed by
// all threads of the block at the same point).
#include <cmath>
#include <thread>
#include <barrier>
#include <vector>
#include <cstdint>
#include <cstdio>
#include <algorithm>
using std::min; using std::max;
struct Dim3 { int x, y, z; };
thread_local Dim3 threadIdx, blockIdx;
Dim3 blockDim, gridDim;
std::barrier<>* g_bar;
#define __device__
#define __global__
#define __forceinline__ inline
#define __shared__ static
#define __launch_bounds__(x)
inline void __syncthreads() { g_bar->arrive_and_wait(); }
template <typename T> T __shfl_xor_sync(unsigned, T v, int off) {
    static T buf[1024];
    buf[threadIdx.x] = v;
    __syncthreads();
    T r = buf[threadIdx.x ^ off];
    __syncthreads();
    return r;
}
typedef long long i64;
#define GRID_STRIDE(i, n) for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < (n); i += blockDim.x * gridDim.x)
template <class F> void launch(int blocks, int threads, F f) {
    blockDim = {threads, 1, 1};
    gridDim = {blocks, 1, 1};
    for (int b = 0; b < blocks; b++) {
        std::barrier<> bar(threads);
        g_bar = &bar;
        std::vector<std::thread> ts;
        for (int t = 0; t < threads; t++) ts.emplace_back([=] { threadIdx = {t, 0, 0}; blockIdx = {b, 0, 0}; f(); });
        for (auto& th : ts) th.join();
    }
}
