// nn.cu's fused attention with dropout (attn_fwd / attn_delta / attn_bwd_dq / attn_bwd_dkv with dropKind != 0) run on
// the host through nn_sim.h (a block's threads as std::threads, __syncthreads a barrier, shuffles through a buffer),
// against the CPU backend's kernel: NnAttentionDropoutEmulationTest writes the cases (inputs, the dropout arguments
// CudaNnKernels passes, and the CPU kernel's output, logsumexp and gradients with the same seed and offset) to a text
// file, this program launches the kernels as CudaNnKernels does and compares. Each case also checks the kernels'
// keep factor (attnDropFactor: philox.cuh and the uniform of each of the four weight types) against the factors the
// Java side computed with dev.ember.backend.Philox and AttentionDropout, for every weight of the case.
//   attn_dropout_test CASES_FILE   prints "N checks, F failures"
#include "nn_sim.h"
#include "nn.cu"
#include <cstring>
#include <fstream>
#include <string>

static long checks = 0, fails = 0;
static void check(const std::string& what, double e, double x, double tol, long i) {
    checks++;
    bool bad = std::isnan(e) ? !std::isnan(x) : !(std::fabs(e - x) <= tol);
    if (bad) {
        if (fails < 20) printf("FAIL %s [%ld]: expected %.17g got %.17g\n", what.c_str(), i, e, x);
        fails++;
    }
}

// one number as Java's Double.toString writes it (exact), or inf / -inf / nan
static double readNum(std::istream& in) {
    std::string s;
    in >> s;
    return strtod(s.c_str(), nullptr);
}

template <typename T>
static std::vector<T> readVec(std::istream& in, size_t n) {
    std::vector<T> v(n);
    for (size_t i = 0; i < n; i++) v[i] = (T) readNum(in);
    return v;
}

static double maxAbs(const std::vector<double>& v) {
    double m = 0;
    for (double x : v) if (std::isfinite(x)) m = std::max(m, std::fabs(x));
    return m;
}

template <typename T, int DMAX>
static void runCase(std::istream& in, const std::string& name, int B, int H, int Hk, int L, int S, int E, int Ev,
                    int causal, int maskType, double scale, double thr, double dscale, unsigned long long seed,
                    unsigned long long offset, int kind) {
    constexpr bool F32 = sizeof(T) == 4;
    const int TPRF = F32 ? 4 : 8;
    const int TPRB = F32 && DMAX == 64 ? 4 : 8;
    auto q = readVec<T>(in, (size_t) B * H * L * E), k = readVec<T>(in, (size_t) B * Hk * S * E),
         v = readVec<T>(in, (size_t) B * Hk * S * Ev), go = readVec<T>(in, (size_t) B * H * L * Ev);
    std::vector<float> mf;
    std::vector<double> md;
    if (maskType == 1) mf = readVec<float>(in, (size_t) L * S);
    if (maskType == 2) md = readVec<double>(in, (size_t) L * S);
    auto eo = readVec<double>(in, (size_t) B * H * L * Ev), el = readVec<double>(in, (size_t) B * H * L),
         egq = readVec<double>(in, (size_t) B * H * L * E), egk = readVec<double>(in, (size_t) B * Hk * S * E),
         egv = readVec<double>(in, (size_t) B * Hk * S * Ev);
    nnk::AttnGeo g;
    memset(&g, 0, sizeof g);
    int head[8] = {B, H, Hk, L, S, E, Ev, H / Hk};
    memcpy(&g, head, sizeof head);
    auto put = [](int* dst, int d1, int d2, int d3) { dst[0] = d1 * d2 * d3; dst[1] = d2 * d3; dst[2] = d3; dst[3] = 1; dst[4] = 0; };
    put(g.q, H, L, E); put(g.k, Hk, S, E); put(g.v, Hk, S, Ev); put(g.o, H, L, Ev);
    g.lse[0] = H * L; g.lse[1] = L; g.lse[2] = 1; g.lse[3] = 0;
    g.m[0] = 0; g.m[1] = 0; g.m[2] = S; g.m[3] = 1; g.m[4] = 0; // an [L, S] mask broadcast over batch and heads
    g.maskType = maskType;
    g.causal = causal;
    put(g.go, H, L, Ev); put(g.gq, H, L, E); put(g.gk, Hk, S, E); put(g.gv, Hk, S, Ev);
    std::vector<T> out((size_t) B * H * L * Ev), lse((size_t) B * H * L), gq((size_t) B * H * L * E),
        gk((size_t) B * Hk * S * E), gv((size_t) B * Hk * S * Ev);
    std::vector<double> delta((size_t) B * H * L);
    const void* mask = maskType == 0 ? nullptr : maskType == 1 ? (const void*) mf.data() : (const void*) md.data();
    T *pq = q.data(), *pk = k.data(), *pv = v.data(), *po = out.data(), *pl = lse.data(), *pgo = go.data();
    T *pgq = gq.data(), *pgk = gk.data(), *pgv = gv.data();
    double* pd = delta.data();
    int brF = 128 / TPRF, brB = 128 / TPRB;
    int fwdBlocks = B * H * ((L + brF - 1) / brF), dqBlocks = B * H * ((L + brB - 1) / brB),
        dkvBlocks = B * Hk * ((S + brB - 1) / brB);
#define DROP scale, thr, dscale, seed, offset, kind
    if constexpr (F32 && DMAX == 64) {
        launch(fwdBlocks, 128, [=] { attn_fwd_f32_d64(g, DROP, pq, pk, pv, mask, po, pl); });
        launch(3, 256, [=] { attn_delta_f32(g, pgo, po, pd); });
        launch(dqBlocks, 128, [=] { attn_bwd_dq_f32_d64(g, DROP, pgo, pq, pk, pv, mask, pl, pd, pgq); });
        launch(dkvBlocks, 128, [=] { attn_bwd_dkv_f32_d64(g, DROP, pgo, pq, pk, pv, mask, pl, pd, pgk, pgv); });
    } else if constexpr (F32) {
        launch(fwdBlocks, 128, [=] { attn_fwd_f32_d128(g, DROP, pq, pk, pv, mask, po, pl); });
        launch(3, 256, [=] { attn_delta_f32(g, pgo, po, pd); });
        launch(dqBlocks, 128, [=] { attn_bwd_dq_f32_d128(g, DROP, pgo, pq, pk, pv, mask, pl, pd, pgq); });
        launch(dkvBlocks, 128, [=] { attn_bwd_dkv_f32_d128(g, DROP, pgo, pq, pk, pv, mask, pl, pd, pgk, pgv); });
    } else if constexpr (DMAX == 64) {
        launch(fwdBlocks, 128, [=] { attn_fwd_f64_d64(g, DROP, pq, pk, pv, mask, po, pl); });
        launch(3, 256, [=] { attn_delta_f64(g, pgo, po, pd); });
        launch(dqBlocks, 128, [=] { attn_bwd_dq_f64_d64(g, DROP, pgo, pq, pk, pv, mask, pl, pd, pgq); });
        launch(dkvBlocks, 128, [=] { attn_bwd_dkv_f64_d64(g, DROP, pgo, pq, pk, pv, mask, pl, pd, pgk, pgv); });
    } else {
        launch(fwdBlocks, 128, [=] { attn_fwd_f64_d128(g, DROP, pq, pk, pv, mask, po, pl); });
        launch(3, 256, [=] { attn_delta_f64(g, pgo, po, pd); });
        launch(dqBlocks, 128, [=] { attn_bwd_dq_f64_d128(g, DROP, pgo, pq, pk, pv, mask, pl, pd, pgq); });
        launch(dkvBlocks, 128, [=] { attn_bwd_dkv_f64_d128(g, DROP, pgo, pq, pk, pv, mask, pl, pd, pgk, pgv); });
    }
#undef DROP
    // float64 tight; float32 relative to each tensor's largest magnitude (different summation orders)
    double rel = F32 ? 2e-5 : 1e-10;
    std::vector<std::pair<const char*, std::pair<const std::vector<double>*, const std::vector<T>*>>> all = {
        {"out", {&eo, &out}}, {"lse", {&el, &lse}}, {"grad q", {&egq, &gq}}, {"grad k", {&egk, &gk}},
        {"grad v", {&egv, &gv}}};
    for (auto& a : all) {
        const auto& e = *a.second.first;
        const auto& x = *a.second.second;
        double tol = rel * std::max(1.0, maxAbs(e));
        for (size_t i = 0; i < e.size(); i++) check(name + " " + a.first, e[i], (double) x[i], tol, (long) i);
    }
}

int main(int argc, char** argv) {
    std::ifstream in(argv[1]);
    std::string tag;
    int cases = 0;
    while (in >> tag) {
        if (tag == "factors") {
            // kind thr scale seed offset n, then n factors of weights 0 .. n - 1
            int kind; double thr, dscale; unsigned long long seed, offset; long n;
            in >> kind >> thr >> dscale >> seed >> offset >> n;
            for (long i = 0; i < n; i++) {
                double e = readNum(in);
                check("factor kind " + std::to_string(kind), e, attnDropFactor(kind, thr, dscale, seed, offset + i), 0, i);
            }
            continue;
        }
        std::string name = tag;
        int t, B, H, Hk, L, S, E, Ev, causal, maskType, kind;
        double scale, thr, dscale;
        unsigned long long seed, offset;
        in >> t >> B >> H >> Hk >> L >> S >> E >> Ev >> causal >> maskType >> scale >> thr >> dscale >> seed >> offset >> kind;
        int dmax = std::max(E, Ev) <= 64 ? 64 : 128;
        long before = fails;
        if (t == 4 && dmax == 64) runCase<float, 64>(in, name, B, H, Hk, L, S, E, Ev, causal, maskType, scale, thr, dscale, seed, offset, kind);
        else if (t == 4) runCase<float, 128>(in, name, B, H, Hk, L, S, E, Ev, causal, maskType, scale, thr, dscale, seed, offset, kind);
        else if (dmax == 64) runCase<double, 64>(in, name, B, H, Hk, L, S, E, Ev, causal, maskType, scale, thr, dscale, seed, offset, kind);
        else runCase<double, 128>(in, name, B, H, Hk, L, S, E, Ev, causal, maskType, scale, thr, dscale, seed, offset, kind);
        printf("%-60s %s\n", name.c_str(), fails == before ? "ok" : "FAILED");
        cases++;
    }
    printf("%d cases, %ld checks, %ld failures\n", cases, checks, fails);
    return 0;
}
