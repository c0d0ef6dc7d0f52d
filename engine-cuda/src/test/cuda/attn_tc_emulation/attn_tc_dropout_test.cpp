// attn_tc_kernels.cu with dropout on the host (the shims of attn_tc_test.cpp: a block's threads as std::threads, the
// mma as warp collectives), against the CPU backend's kernel: NnAttentionDropoutEmulationTest writes float16 and
// bfloat16 cases (inputs as exact decoded values, the dropout arguments CudaNnKernels.dropArgs makes for the half type,
// and the CPU's output, float32 logsumexp and gradients, each rounded once to the type, from the same seed and
// offset) to a text file; this program launches the four kernels as CudaAttentionTc does (contiguous operands) and
// compares within a few units of the type's last place of each tensor's largest magnitude (the kernels round P and dS
// to the type for the tensor-core products, the CPU does not), the logsumexp to 1e-4. A dropout mask off by one element
// moves the output by a probability times 1 / (1 - p), far outside that.
//   attn_tc_dropout_test CASES_FILE   prints "N cases, M checks, F failures"
#include "cuda_shim.h"
#include "tc_shim.h"
#include "attn_shim.h"
#include "prelude.h"
#include "tc_kernels.cu"
#include "philox.cuh"
#include "attn_tc_kernels.cu"
#include <fstream>
#include <string>
#include <vector>

static long checks = 0, fails = 0;
static void check(const std::string& what, double e, double x, double tol, long i) {
    checks++;
    if (!(std::fabs(e - x) <= tol)) {
        if (fails < 20) printf("FAIL %s [%ld]: expected %.9g got %.9g\n", what.c_str(), i, e, x);
        fails++;
    }
}

static double readNum(std::istream& in) {
    std::string s;
    in >> s;
    return strtod(s.c_str(), nullptr);
}

static std::vector<double> readVec(std::istream& in, size_t n) {
    std::vector<double> v(n);
    for (size_t i = 0; i < n; i++) v[i] = readNum(in);
    return v;
}

int main(int argc, char** argv) {
    std::ifstream in(argv[1]);
    std::string name;
    int cases = 0;
    while (in >> name) {
        int t, B, H, Hk, L, S, E, Ev, causal, maskType, kind;
        double scale, thr, dscale;
        unsigned long long seed, offset;
        in >> t >> B >> H >> Hk >> L >> S >> E >> Ev >> causal >> maskType >> scale >> thr >> dscale >> seed >> offset >> kind;
        const bool bf = t == 3;
        auto enc = [&](double x) { return bf ? tcToBf16((float) x) : tcToF16((float) x); };
        auto dec = [&](u16 h) { return (double) (bf ? tcBf16ToFloat(h) : tcF16ToFloat(h)); };
        auto encVec = [&](const std::vector<double>& v) { std::vector<u16> r(v.size()); for (size_t i = 0; i < v.size(); i++) r[i] = enc(v[i]); return r; };
        std::vector<u16> q = encVec(readVec(in, (size_t) B * H * L * E)), k = encVec(readVec(in, (size_t) B * Hk * S * E)),
            v = encVec(readVec(in, (size_t) B * Hk * S * Ev)), go = encVec(readVec(in, (size_t) B * H * L * Ev));
        std::vector<float> mf;
        if (maskType == 1) { auto m = readVec(in, (size_t) L * S); mf.assign(m.begin(), m.end()); }
        auto eo = readVec(in, (size_t) B * H * L * Ev), el = readVec(in, (size_t) B * H * L),
             egq = readVec(in, (size_t) B * H * L * E), egk = readVec(in, (size_t) B * Hk * S * E),
             egv = readVec(in, (size_t) B * Hk * S * Ev);
        TcAttnGeo g;
        memset(&g, 0, sizeof g);
        g.B = B; g.H = H; g.Hk = Hk; g.L = L; g.S = S; g.E = E; g.Ev = Ev; g.group = H / Hk;
        auto put = [](int* dst, int d1, int d2, int d3) { dst[0] = d1 * d2 * d3; dst[1] = d2 * d3; dst[2] = d3; dst[3] = 1; dst[4] = 0; };
        put(g.q, H, L, E); put(g.k, Hk, S, E); put(g.v, Hk, S, Ev); put(g.o, H, L, Ev);
        g.lse[0] = H * L; g.lse[1] = L; g.lse[2] = 1; g.lse[3] = 0;
        g.m[0] = 0; g.m[1] = 0; g.m[2] = S; g.m[3] = 1; g.m[4] = 0;
        g.maskType = maskType;
        g.causal = causal;
        put(g.go, H, L, Ev); put(g.gq, H, L, E); put(g.gk, Hk, S, E); put(g.gv, Hk, S, Ev);
        const void* mp = maskType == 0 ? nullptr : (const void*) mf.data();
        const int D = std::max(E, Ev) <= 64 ? 64 : 128;
        std::vector<u16> out((size_t) B * H * L * Ev), gq((size_t) B * H * L * E), gk((size_t) B * Hk * S * E),
            gv((size_t) B * Hk * S * Ev);
        std::vector<float> lse((size_t) B * H * L), delta((size_t) B * H * L), dqacc((size_t) B * H * L * E);
        tcLaunch((L + 63) / 64, H, B, 128, [&] {
            if (bf && D == 64) tcattn_fwd_bf16_d64(g, scale, thr, dscale, seed, offset, kind, q.data(), k.data(), v.data(), mp, out.data(), lse.data());
            else if (bf) tcattn_fwd_bf16_d128(g, scale, thr, dscale, seed, offset, kind, q.data(), k.data(), v.data(), mp, out.data(), lse.data());
            else if (D == 64) tcattn_fwd_f16_d64(g, scale, thr, dscale, seed, offset, kind, q.data(), k.data(), v.data(), mp, out.data(), lse.data());
            else tcattn_fwd_f16_d128(g, scale, thr, dscale, seed, offset, kind, q.data(), k.data(), v.data(), mp, out.data(), lse.data());
        });
        tcLaunch(2, 1, 1, 64, [&] {
            if (bf) tcattn_bwd_prep_bf16(g, go.data(), out.data(), delta.data(), dqacc.data());
            else tcattn_bwd_prep_f16(g, go.data(), out.data(), delta.data(), dqacc.data());
        });
        tcLaunch((S + 63) / 64, Hk, B, 128, [&] {
            if (bf && D == 64) tcattn_bwd_bf16_d64(g, scale, thr, dscale, seed, offset, kind, go.data(), q.data(), k.data(), v.data(), mp, lse.data(), delta.data(), dqacc.data(), gk.data(), gv.data());
            else if (bf) tcattn_bwd_bf16_d128(g, scale, thr, dscale, seed, offset, kind, go.data(), q.data(), k.data(), v.data(), mp, lse.data(), delta.data(), dqacc.data(), gk.data(), gv.data());
            else if (D == 64) tcattn_bwd_f16_d64(g, scale, thr, dscale, seed, offset, kind, go.data(), q.data(), k.data(), v.data(), mp, lse.data(), delta.data(), dqacc.data(), gk.data(), gv.data());
            else tcattn_bwd_f16_d128(g, scale, thr, dscale, seed, offset, kind, go.data(), q.data(), k.data(), v.data(), mp, lse.data(), delta.data(), dqacc.data(), gk.data(), gv.data());
        });
        tcLaunch(3, 1, 1, 64, [&] {
            if (bf) tcattn_bwd_dq_bf16(g, scale, dqacc.data(), gq.data());
            else tcattn_bwd_dq_f16(g, scale, dqacc.data(), gq.data());
        });
        long before = fails;
        const double ulp = bf ? std::ldexp(1.0, -8) : std::ldexp(1.0, -11);
        auto cmp = [&](const char* what, const std::vector<double>& e, const std::vector<u16>& x) {
            double m = 1;
            for (double y : e) m = std::max(m, std::fabs(y));
            for (size_t i = 0; i < e.size(); i++) check(name + " " + what, e[i], dec(x[i]), 6 * ulp * m, (long) i);
        };
        cmp("out", eo, out);
        for (size_t i = 0; i < el.size(); i++) check(name + " lse", el[i], lse[i], 1e-4 * (1 + std::fabs(el[i])), (long) i);
        cmp("grad q", egq, gq);
        cmp("grad k", egk, gk);
        cmp("grad v", egv, gv);
        printf("%-60s %s\n", name.c_str(), fails == before ? "ok" : "FAILED");
        cases++;
    }
    printf("%d cases, %ld checks, %ld failures\n", cases, checks, fails);
    return 0;
}
