// Runs optim_kernels.cu on the host (cuda_shim.h's launch model: a block's threads as threads) over the cases
// OptimKernelsEmulationTest wrote with the CPU backend's OptimizerKernels, and compares every parameter and state
// element bit for bit (any NaN equals any NaN). Usage: optim_kernels_test CASES_FILE
#include "cuda_shim.h"
#include "optim_shim.h"
#include <cstdio>
#include <fstream>
#include <string>
typedef long long i64;
#include "optim_kernels.cu"

template <typename T, typename W>
static void load(std::ifstream& in, std::vector<T>& v, i64 n) {
    v.resize(n);
    for (i64 i = 0; i < n; i++) {
        unsigned long long w;
        in >> std::hex >> w;
        W bits = (W) w;
        memcpy(&v[i], &bits, sizeof(T));
    }
}

template <typename T>
static bool same(T a, T b) {
    if (a != a && b != b) return true;
    return memcmp(&a, &b, sizeof(T)) == 0;
}

template <typename T, typename W>
static int runCase(std::ifstream& in, int kind, i64 n, int nstate, const OptimHyper& hp, int index) {
    std::vector<T> p, g, s[3], ep, es[3];
    load<T, W>(in, p, n);
    load<T, W>(in, g, n);
    for (int k = 0; k < nstate; k++) load<T, W>(in, s[k], n);
    load<T, W>(in, ep, n);
    for (int k = 0; k < nstate; k++) load<T, W>(in, es[k], n);
    T* sp[3] = {nullptr, nullptr, nullptr};
    for (int k = 0; k < nstate; k++) sp[k] = s[k].data();
    emuLaunch(3, 32, [&] {
        if constexpr (sizeof(T) == 4) optim_update_f32(kind, hp, n, p.data(), g.data(), sp[0], sp[1], sp[2]);
        else optim_update_f64(kind, hp, n, p.data(), g.data(), sp[0], sp[1], sp[2]);
    });
    int bad = 0;
    for (i64 i = 0; i < n; i++) {
        if (!same(p[i], ep[i])) {
            if (bad++ < 3) printf("case %d (kind %d, %d-bit): parameter element %lld is %.9g, the CPU gives %.9g\n", index,
                                  kind, (int) (8 * sizeof(T)), i, (double) p[i], (double) ep[i]);
        }
        for (int k = 0; k < nstate; k++) {
            if (!same(s[k][i], es[k][i])) {
                if (bad++ < 3) printf("case %d (kind %d, %d-bit): state %d element %lld is %.9g, the CPU gives %.9g\n",
                                      index, kind, (int) (8 * sizeof(T)), k, i, (double) s[k][i], (double) es[k][i]);
            }
        }
    }
    return bad > 0 ? 1 : 0;
}

int main(int argc, char** argv) {
    if (argc < 2) { printf("usage: optim_kernels_test CASES_FILE\n"); return 2; }
    std::ifstream in(argv[1]);
    int cases;
    in >> std::dec >> cases;
    int failures = 0;
    long long elements = 0;
    for (int c = 0; c < cases; c++) {
        int kind, bitsWide, nstate, nhyper;
        long long n;
        in >> std::dec >> kind >> bitsWide >> n >> nstate >> nhyper;
        OptimHyper hp;
        for (int i = 0; i < 16; i++) hp.h[i] = 0;
        for (int i = 0; i < nhyper; i++) {
            unsigned long long w;
            in >> std::hex >> w;
            memcpy(&hp.h[i], &w, 8);
        }
        if (!in) { printf("cannot read case %d\n", c); return 2; }
        failures += bitsWide == 32 ? runCase<float, unsigned int>(in, kind, n, nstate, hp, c)
                                   : runCase<double, unsigned long long>(in, kind, n, nstate, hp, c);
        elements += n;
    }
    printf("%d cases, %lld elements, %d failures\n", cases, elements, failures);
    return 0;
}
