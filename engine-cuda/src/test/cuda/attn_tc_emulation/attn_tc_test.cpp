// attn_tc_kernels.cu on the host: the tensor-core attention forward kernels run through index_emulation/cuda_shim.h (a
// block's 128 threads as std::threads, __syncthreads a barrier), tc_emulation/tc_shim.h (the mma.sync wrappers as warp
// collectives written from the PTX ISA's fragment tables) and attn_shim.h (__shfl_xor_sync on float), launched as
// CudaAttentionTc.java launches them, for bfloat16 and float16, head dimensions of both instances (64 and 128, and
// smaller ones padded), causal (L = S, L < S, L > S), masks (float32 broadcast with -inf entries and a fully masked row,
// a boolean mask as 0 / -inf of the half type, an additive half mask broadcast over the batch), grouped-query heads,
// L and S not multiples of the tiles, and operands of three layouts (contiguous, PyTorch's [B, L, H, E] heads layout,
// a last dimension of stride 2 with padded rows). Against a float64 reference of the decoded inputs, two checks:
//   PyTorch's (test_transformers.py's _check_equal for the fused kernels): the largest error of the kernel's output
//     against the float64 "golden" output is at most fudge (4, its factor for "out") times the largest error of the
//     math path computed in the low-precision type (PyTorch's _scaled_dot_product_attention_math in bf16/f16: q and k
//     scaled by sqrt(scale) and rounded, each product, sum, softmax and the final product rounded to the type);
//   a tight one per element: |out - ref| <= u A + u |ref| + (score error) A, with u the type's unit roundoff (2^-8
//     bfloat16, 2^-11 float16), A = sum_j p_j |v_j| / l (the rounding of P to the type and of the output), the
//     float32 score error (E / 16 + 2) 2^-24 scale max sum |q k|, plus float16's subnormal P (S 2^-25 max|v|); and the
//     float32 logsumexp within the score error plus S 2^-24. A wrong rescale, fragment map or mask breaks it.
// Elements of the output layout that are not the output (padding), and the lse padding, must stay untouched.
// Run with "quick" for the two cases the mutation checks (TcAttentionEmulationTest) use.
#include "cuda_shim.h"
#include "tc_shim.h"
#include "attn_shim.h"
#include "prelude.h"
#include "tc_kernels.cu"
#include "philox.cuh"
#include "attn_tc_kernels.cu"
#include <random>
#include <vector>
#include <string>

static std::mt19937_64 rng(1815);
static int fails = 0, checks = 0;
#define CHECK(c, ...) do { checks++; if (!(c)) { fails++; if (fails < 30) { printf("FAIL %s:%d ", __FILE__, __LINE__); printf(__VA_ARGS__); printf("\n"); } } } while (0)

// a [B, H, rows, cols] operand
struct T4 {
    int n[4];
    int s[4];
    int off;
    long extent() const { long e = off + 1; for (int d = 0; d < 4; d++) e += (long) (n[d] - 1) * s[d]; return e; }
    long at(int b, int h, int i, int d) const { return off + (long) b * s[0] + (long) h * s[1] + (long) i * s[2] + (long) d * s[3]; }
};
enum Form { CONTIG, HEADS, STRIDED };
static const char* formName[] = {"contiguous", "heads", "strided"};
static T4 make(int B, int H, int R, int C, Form f) {
    T4 t{{B, H, R, C}, {0, 0, 0, 0}, 0};
    switch (f) {
        case CONTIG: t.s[3] = 1; t.s[2] = C; t.s[1] = R * C; t.s[0] = H * R * C; break;
        case HEADS: t.s[3] = 1; t.s[1] = C; t.s[2] = H * C; t.s[0] = R * H * C; t.off = 3; break;
        case STRIDED: t.s[3] = 2; t.s[2] = 2 * C + 1; t.s[1] = R * t.s[2]; t.s[0] = H * t.s[1]; t.off = 1; break;
    }
    return t;
}

// independent decoders and round-to-nearest-even encoders of the half types
static double decBf16(u16 h) { unsigned u = (unsigned) h << 16; float f; memcpy(&f, &u, 4); return f; }
static double decF16(u16 h) {
    int s = h >> 15, e = (h >> 10) & 31, m = h & 1023;
    double v = e == 31 ? (m ? NAN : INFINITY) : e == 0 ? m * std::pow(2.0, -24) : (m + 1024) * std::pow(2.0, e - 25);
    return s ? -v : v;
}
static u16 encBf16(float f) { // round to nearest even (no NaN here)
    unsigned u; memcpy(&u, &f, 4);
    return (u16) ((u + 0x7FFFu + ((u >> 16) & 1u)) >> 16);
}
static u16 encF16(float f) { _Float16 h = (_Float16) f; u16 b; memcpy(&b, &h, 2); return b; }
static double roundTo(bool bf, double x) { // x rounded to the type (through float32 first, as float results are)
    float f = (float) x;
    return bf ? decBf16(encBf16(f)) : decF16(encF16(f));
}

struct Case {
    bool bf; int B, H, Hk, L, S, E, Ev; bool causal; int mask; Form form; double scale;
};

// The backward, from the forward's own (rounded) output and logsumexp, against float64 gradients of the float64 golden
// attention (P recomputed exactly; delta = rowsum(dO O) with the exact O). Bound per element, from the kernel's
// roundings (P and dS to the type for the mma, the saved output rounded, the outputs rounded once) and the float32
// scores: dV: (2u + 4es) sum_i P |dO| + u |dV|; dK, dQ: scale sum (|dS| (2u + 4es) + P Dd 2u) |Q| (or |K|) + u |ref|,
// with Dd = sum_d |dO O| (the delta error of the rounded output); for float16 also 2^-25 (half the subnormal spacing)
// for each rounded P, dS and output.
template <class MaskAt>
static void backward(const Case& c, int D, const T4& Q, const T4& K, const T4& V, const T4& O, const T4& M,
                     const std::vector<u16>& q, const std::vector<u16>& k, const std::vector<u16>& v,
                     const std::vector<u16>& out, const std::vector<float>& lse, int lseStride, const TcAttnGeo& g0,
                     const void* mp, MaskAt maskAt, const char* name) {
    const bool bf = c.bf;
    auto dec = [&](u16 h) { return bf ? decBf16(h) : decF16(h); };
    T4 GO = make(c.B, c.H, c.L, c.Ev, c.form), GQ = make(c.B, c.H, c.L, c.E, c.form);
    T4 GK = make(c.B, c.Hk, c.S, c.E, c.form), GV = make(c.B, c.Hk, c.S, c.Ev, HEADS);
    std::uniform_real_distribution<float> u(-1.f, 1.f);
    std::vector<u16> go(GO.extent());
    for (auto& e : go) { float f = u(rng); e = bf ? encBf16(f) : encF16(f); }
    const u16 sentinel = 0x7BCD;
    std::vector<u16> gq(GQ.extent(), sentinel), gk(GK.extent(), sentinel), gv(GV.extent(), sentinel);
    TcAttnGeo g = g0;
    const T4* ts[4] = {&GO, &GQ, &GK, &GV};
    int* gs[4] = {g.go, g.gq, g.gk, g.gv};
    for (int t = 0; t < 4; t++) { for (int d = 0; d < 4; d++) gs[t][d] = ts[t]->s[d]; gs[t][4] = ts[t]->off; }
    const long rows = (long) c.B * c.H * c.L;
    std::vector<float> delta(rows, -5.f), dqacc(rows * c.E, -5.f);
    tcLaunch(2, 1, 1, 64, [&] {
        if (bf) tcattn_bwd_prep_bf16(g, go.data(), out.data(), delta.data(), dqacc.data());
        else tcattn_bwd_prep_f16(g, go.data(), out.data(), delta.data(), dqacc.data());
    });
    tcLaunch((c.S + 63) / 64, c.Hk, c.B, 128, [&] {
        if (bf && D == 64) tcattn_bwd_bf16_d64(g, c.scale, 0.0, 1.0, 0ULL, 0ULL, 0, go.data(), q.data(), k.data(), v.data(), mp, lse.data(), delta.data(), dqacc.data(), gk.data(), gv.data());
        else if (bf) tcattn_bwd_bf16_d128(g, c.scale, 0.0, 1.0, 0ULL, 0ULL, 0, go.data(), q.data(), k.data(), v.data(), mp, lse.data(), delta.data(), dqacc.data(), gk.data(), gv.data());
        else if (D == 64) tcattn_bwd_f16_d64(g, c.scale, 0.0, 1.0, 0ULL, 0ULL, 0, go.data(), q.data(), k.data(), v.data(), mp, lse.data(), delta.data(), dqacc.data(), gk.data(), gv.data());
        else tcattn_bwd_f16_d128(g, c.scale, 0.0, 1.0, 0ULL, 0ULL, 0, go.data(), q.data(), k.data(), v.data(), mp, lse.data(), delta.data(), dqacc.data(), gk.data(), gv.data());
    });
    tcLaunch(3, 1, 1, 64, [&] {
        if (bf) tcattn_bwd_dq_bf16(g, c.scale, dqacc.data(), gq.data());
        else tcattn_bwd_dq_f16(g, c.scale, dqacc.data(), gq.data());
    });
    const double uo = bf ? std::ldexp(1.0, -8) : std::ldexp(1.0, -11);
    const double sc = std::fabs(c.scale);
    const double sub = bf ? 0 : std::ldexp(1.0, -25); // float16's subnormals: half their spacing, absolute
    // float64 references, accumulated over the query heads of each key head
    std::vector<double> rq((long) c.B * c.H * c.L * c.E, 0), bq(rq.size(), 0);
    std::vector<double> rk((long) c.B * c.Hk * c.S * c.E, 0), bk(rk.size(), 0);
    std::vector<double> rv((long) c.B * c.Hk * c.S * c.Ev, 0), bv(rv.size(), 0);
    std::vector<double> P(c.S), dS(c.S);
    for (int b = 0; b < c.B; b++)
        for (int h = 0; h < c.H; h++) {
            const int hk = h / (c.H / c.Hk);
            for (int i = 0; i < c.L; i++) {
                double mx = -INFINITY, maxAbsDot = 0;
                for (int j = 0; j < c.S; j++) {
                    double dot = 0, adot = 0;
                    for (int d = 0; d < c.E; d++) {
                        double x = dec(q[Q.at(b, h, i, d)]) * dec(k[K.at(b, hk, j, d)]);
                        dot += x;
                        adot += std::fabs(x);
                    }
                    maxAbsDot = std::max(maxAbsDot, adot);
                    P[j] = (c.causal && j > i) ? -INFINITY : c.scale * dot + maskAt(b, h, i, j);
                    mx = std::max(mx, P[j]);
                }
                double l = 0;
                for (int j = 0; j < c.S; j++) { P[j] = mx == -INFINITY ? 0 : std::exp(P[j] - mx); l += P[j]; }
                for (int j = 0; j < c.S; j++) if (l > 0) P[j] /= l;
                const double es = (c.E / 16.0 + 2) * std::ldexp(1.0, -24) * sc * maxAbsDot
                                  + std::ldexp(1.0, -22) * (std::fabs(mx == -INFINITY ? 0 : mx) + 1);
                double delta = 0, Dd = 0;
                for (int d = 0; d < c.Ev; d++) {
                    double o = 0;
                    for (int j = 0; j < c.S; j++) o += P[j] * dec(v[V.at(b, hk, j, d)]);
                    double gd = dec(go[GO.at(b, h, i, d)]);
                    delta += gd * o;
                    Dd += std::fabs(gd * o);
                }
                for (int j = 0; j < c.S; j++) {
                    double dp = 0;
                    for (int d = 0; d < c.Ev; d++) dp += dec(go[GO.at(b, h, i, d)]) * dec(v[V.at(b, hk, j, d)]);
                    dS[j] = P[j] * (dp - delta);
                    for (int d = 0; d < c.Ev; d++) {
                        double gd = dec(go[GO.at(b, h, i, d)]);
                        long o = (((long) b * c.Hk + hk) * c.S + j) * c.Ev + d;
                        rv[o] += P[j] * gd;
                        bv[o] += ((2 * uo + 4 * es) * P[j] + sub) * std::fabs(gd);
                    }
                }
                for (int j = 0; j < c.S; j++) {
                    const double err = std::fabs(dS[j]) * (2 * uo + 4 * es) + P[j] * Dd * 2 * uo + sub;
                    for (int d = 0; d < c.E; d++) {
                        const double qd = dec(q[Q.at(b, h, i, d)]), kd = dec(k[K.at(b, hk, j, d)]);
                        long oq = (((long) b * c.H + h) * c.L + i) * c.E + d;
                        long ok = (((long) b * c.Hk + hk) * c.S + j) * c.E + d;
                        rq[oq] += c.scale * dS[j] * kd;
                        bq[oq] += sc * err * std::fabs(kd);
                        rk[ok] += c.scale * dS[j] * qd;
                        bk[ok] += sc * err * std::fabs(qd);
                    }
                }
            }
        }
    auto cmp = [&](const char* what, const T4& t, const std::vector<u16>& got, const std::vector<double>& ref,
                   const std::vector<double>& bnd) {
        std::vector<char> written(got.size(), 0);
        int bad = 0;
        double maxErr = 0;
        const int nb = t.n[0], nh = t.n[1], nr = t.n[2], nc = t.n[3];
        for (int b = 0; b < nb; b++) for (int h = 0; h < nh; h++) for (int i = 0; i < nr; i++) for (int d = 0; d < nc; d++) {
            long idx = (((long) b * nh + h) * nr + i) * nc + d, off = t.at(b, h, i, d);
            written[off] = 1;
            double x = dec(got[off]), e = ref[idx];
            double bound = bnd[idx] + uo * std::fabs(e) + 1e-6 * (bnd[idx] / uo) + sub;
            maxErr = std::max(maxErr, std::fabs(x - e));
            if (!(std::fabs(x - e) <= bound) && bad++ < 3)
                CHECK(false, "%s %s[%d,%d,%d,%d] = %.8g, reference %.8g, bound %.3g", name, what, b, h, i, d, x, e, bound);
        }
        CHECK(bad == 0, "%s %s: %d elements outside the bound", name, what, bad);
        long stray = 0;
        for (size_t i = 0; i < got.size(); i++) if (!written[i] && got[i] != sentinel) stray++;
        CHECK(stray == 0, "%s %s: %ld elements outside the gradient were written", name, what, stray);
        return maxErr;
    };
    double eq = cmp("dq", GQ, gq, rq, bq), ek = cmp("dk", GK, gk, rk, bk), ev = cmp("dv", GV, gv, rv, bv);
    printf("%-70s backward max errors dq %.3g dk %.3g dv %.3g\n", name, eq, ek, ev);
}

static void run(const Case& c) {
    const bool bf = c.bf;
    const int D = std::max(c.E, c.Ev) <= 64 ? 64 : 128;
    auto dec = [&](u16 h) { return bf ? decBf16(h) : decF16(h); };
    T4 Q = make(c.B, c.H, c.L, c.E, c.form), K = make(c.B, c.Hk, c.S, c.E, c.form), V = make(c.B, c.Hk, c.S, c.Ev, c.form);
    T4 O = make(c.B, c.H, c.L, c.Ev, HEADS); // PyTorch's output layout, [B, L, H, Ev] in memory
    O.off = 2;
    std::uniform_real_distribution<float> u(-2.f, 2.f);
    auto gen = [&](long n) { std::vector<u16> x(n); for (auto& e : x) { float f = u(rng); e = bf ? encBf16(f) : encF16(f); } return x; };
    std::vector<u16> q = gen(Q.extent()), k = gen(K.extent()), v = gen(V.extent());
    // the mask: 1 float32 [L, S] broadcast, 2 half 0 / -inf [B, 1, L, S], 3 half additive [1, H, L, S]
    T4 M{{c.B, c.H, c.L, c.S}, {0, 0, c.S, 1}, 0};
    std::vector<float> mf;
    std::vector<u16> mh;
    const u16 negInf = bf ? 0xFF80 : 0xFC00;
    std::uniform_real_distribution<float> u01(0.f, 1.f);
    if (c.mask == 1) {
        mf.resize((long) c.L * c.S);
        for (auto& e : mf) e = u01(rng) < 0.15f ? -INFINITY : 2 * u01(rng) - 1;
        if (c.L > 1) for (int j = 0; j < c.S; j++) mf[(long) 1 * c.S + j] = -INFINITY; // a fully masked row
    } else if (c.mask == 2) {
        M.s[0] = c.L * c.S; M.s[1] = 0;
        mh.resize((long) c.B * c.L * c.S);
        for (auto& e : mh) e = u01(rng) < 0.25f ? negInf : 0;
        for (int j = 0; j < c.S; j++) mh[j] = negInf; // batch 0, row 0: fully masked
    } else if (c.mask == 3) {
        M.s[0] = 0; M.s[1] = c.L * c.S;
        mh.resize((long) c.H * c.L * c.S);
        for (auto& e : mh) { float f = 4 * u01(rng) - 2; e = bf ? encBf16(f) : encF16(f); }
    }
    auto maskAt = [&](int b, int h, int i, int j) -> double {
        if (c.mask == 0) return 0;
        long off = M.at(b, h, i, j);
        return c.mask == 1 ? (double) mf[off] : dec(mh[off]);
    };
    const u16 sentinel = 0x7BCD;
    std::vector<u16> out(O.extent(), sentinel);
    const int lseStride = c.L + 1; // [B, H, L] with padded rows of heads
    std::vector<float> lse((long) c.B * c.H * lseStride + 1, -777.f);
    TcAttnGeo g;
    memset(&g, 0, sizeof g);
    g.B = c.B; g.H = c.H; g.Hk = c.Hk; g.L = c.L; g.S = c.S; g.E = c.E; g.Ev = c.Ev; g.group = c.H / c.Hk;
    const T4* ts[4] = {&Q, &K, &V, &O};
    int* gs[4] = {g.q, g.k, g.v, g.o};
    for (int t = 0; t < 4; t++) { for (int d = 0; d < 4; d++) gs[t][d] = ts[t]->s[d]; gs[t][4] = ts[t]->off; }
    g.lse[0] = c.H * lseStride; g.lse[1] = lseStride; g.lse[2] = 1; g.lse[3] = 1;
    for (int d = 0; d < 4; d++) g.m[d] = M.s[d];
    g.m[4] = M.off;
    g.maskType = c.mask == 0 ? 0 : c.mask == 1 ? 1 : 2;
    g.causal = c.causal;
    const void* mp = c.mask == 0 ? nullptr : c.mask == 1 ? (const void*) mf.data() : (const void*) mh.data();
    unsigned gx = (c.L + 63) / 64;
    tcLaunch(gx, c.H, c.B, 128, [&] {
        if (bf && D == 64) tcattn_fwd_bf16_d64(g, c.scale, 0.0, 1.0, 0ULL, 0ULL, 0, q.data(), k.data(), v.data(), mp, out.data(), lse.data());
        else if (bf) tcattn_fwd_bf16_d128(g, c.scale, 0.0, 1.0, 0ULL, 0ULL, 0, q.data(), k.data(), v.data(), mp, out.data(), lse.data());
        else if (D == 64) tcattn_fwd_f16_d64(g, c.scale, 0.0, 1.0, 0ULL, 0ULL, 0, q.data(), k.data(), v.data(), mp, out.data(), lse.data());
        else tcattn_fwd_f16_d128(g, c.scale, 0.0, 1.0, 0ULL, 0ULL, 0, q.data(), k.data(), v.data(), mp, out.data(), lse.data());
    });
    char name[200];
    snprintf(name, sizeof name, "%s B%d H%d Hk%d L%d S%d E%d Ev%d%s mask%d %s", bf ? "bf16" : "f16", c.B, c.H, c.Hk, c.L,
             c.S, c.E, c.Ev, c.causal ? " causal" : "", c.mask, formName[c.form]);
    const double uo = bf ? std::ldexp(1.0, -8) : std::ldexp(1.0, -11);
    const double sf = std::sqrt(std::fabs(c.scale)), qf = c.scale < 0 ? -sf : sf;
    double testErr = 0, refErr = 0;
    std::vector<char> written(out.size(), 0);
    std::vector<double> s(c.S), p(c.S), slp(c.S);
    int bad = 0;
    for (int b = 0; b < c.B; b++)
        for (int h = 0; h < c.H; h++) {
            const int hk = h / (c.H / c.Hk);
            for (int i = 0; i < c.L; i++) {
                // float64 golden
                double mx = -INFINITY, maxAbsDot = 0;
                for (int j = 0; j < c.S; j++) {
                    double dot = 0, adot = 0;
                    for (int d = 0; d < c.E; d++) {
                        double x = dec(q[Q.at(b, h, i, d)]) * dec(k[K.at(b, hk, j, d)]);
                        dot += x;
                        adot += std::fabs(x);
                    }
                    maxAbsDot = std::max(maxAbsDot, adot);
                    s[j] = (c.causal && j > i) ? -INFINITY : c.scale * dot + maskAt(b, h, i, j);
                    mx = std::max(mx, s[j]);
                }
                double l = 0;
                for (int j = 0; j < c.S; j++) { p[j] = mx == -INFINITY ? 0 : std::exp(s[j] - mx); l += p[j]; }
                // the math path in the low-precision type
                double mxl = -INFINITY;
                for (int j = 0; j < c.S; j++) {
                    double dot = 0;
                    for (int d = 0; d < c.E; d++)
                        dot += roundTo(bf, dec(q[Q.at(b, h, i, d)]) * qf) * roundTo(bf, dec(k[K.at(b, hk, j, d)]) * sf);
                    double x = roundTo(bf, dot);
                    if (c.causal && j > i) x = -INFINITY;
                    else if (c.mask != 0) x = roundTo(bf, x + maskAt(b, h, i, j));
                    slp[j] = x;
                    mxl = std::max(mxl, x);
                }
                double ll = 0;
                for (int j = 0; j < c.S; j++) ll += mxl == -INFINITY ? 0 : std::exp(slp[j] - mxl);
                for (int j = 0; j < c.S; j++) slp[j] = mxl == -INFINITY ? 0 : roundTo(bf, std::exp(slp[j] - mxl) / ll);
                const double es = (c.E / 16.0 + 2) * std::ldexp(1.0, -24) * std::fabs(c.scale) * maxAbsDot
                                  + std::ldexp(1.0, -22) * (std::fabs(mx == -INFINITY ? 0 : mx) + 1);
                double maxV = 0;
                for (int d = 0; d < c.Ev; d++) {
                    double ref = 0, a = 0, lp = 0;
                    for (int j = 0; j < c.S; j++) {
                        double vv = dec(v[V.at(b, hk, j, d)]);
                        ref += p[j] * vv;
                        a += p[j] * std::fabs(vv);
                        lp += slp[j] * vv;
                        maxV = std::max(maxV, std::fabs(vv));
                    }
                    if (l > 0) { ref /= l; a /= l; }
                    lp = roundTo(bf, lp);
                    const long off = O.at(b, h, i, d);
                    written[off] = 1;
                    const double got = dec(out[off]);
                    const double sub = bf ? 0 : c.S * std::ldexp(1.0, -25) * maxV / std::max(l, 1.0);
                    const double bound = uo * a + uo * std::fabs(ref) + 4 * es * a + sub + 1e-7 * a;
                    testErr = std::max(testErr, std::fabs(got - ref));
                    refErr = std::max(refErr, std::fabs(lp - ref));
                    if (!(std::fabs(got - ref) <= bound) && bad++ < 3)
                        CHECK(false, "%s out[%d,%d,%d,%d] = %.8g, reference %.8g, bound %.3g", name, b, h, i, d, got, ref, bound);
                }
                const double lref = l > 0 ? mx + std::log(l) : 0;
                const float lgot = lse[1 + (long) b * c.H * lseStride + (long) h * lseStride + i];
                const double lbound = 2 * es + (c.S + 4) * std::ldexp(1.0, -24) * (1 + std::fabs(lref));
                if (!(std::fabs(lgot - lref) <= lbound) && bad++ < 3)
                    CHECK(false, "%s lse[%d,%d,%d] = %.8g, reference %.8g", name, b, h, i, (double) lgot, lref);
            }
        }
    CHECK(bad == 0, "%s: %d elements outside the tight bound", name, bad);
    CHECK(testErr <= 4 * refErr + 1e-12, "%s: max error %.4g > 4 x the low-precision math path's %.4g", name, testErr, refErr);
    long untouched = 0;
    for (size_t i = 0; i < out.size(); i++) if (!written[i] && out[i] != sentinel) untouched++;
    CHECK(untouched == 0, "%s: %ld elements outside the output were written", name, untouched);
    long lpad = 0;
    for (int b = 0; b < c.B; b++) for (int h = 0; h < c.H; h++) if (lse[1 + (long) b * c.H * lseStride + (long) h * lseStride + c.L] != -777.f) lpad++;
    CHECK(lse[0] == -777.f && lpad == 0, "%s: the logsumexp padding was written", name);
    printf("%-70s max error %.3g (low-precision math path %.3g)\n", name, testErr, refErr);
    backward(c, D, Q, K, V, O, M, q, k, v, out, lse, lseStride, g, mp, maskAt, name);
}

int main(int argc, char** argv) {
    const bool quick = argc > 1 && std::string(argv[1]) == "quick";
    std::vector<Case> cases;
    for (bool bf : {true, false}) {
        // B, H, Hk, L, S, E, Ev, causal, mask, form, scale
        cases.push_back({bf, 1, 2, 2, 70, 70, 64, 64, true, 0, HEADS, 0.125});
        cases.push_back({bf, 2, 4, 2, 65, 33, 48, 40, false, 2, CONTIG, 1 / std::sqrt(48.0)});
        if (quick) break; // bfloat16's two cases
        cases.push_back({bf, 2, 2, 2, 70, 90, 64, 64, false, 0, CONTIG, 0.125});
        cases.push_back({bf, 1, 1, 1, 1, 1, 64, 64, false, 0, CONTIG, 0.125});
        cases.push_back({bf, 1, 2, 2, 37, 130, 128, 128, true, 0, STRIDED, 1 / std::sqrt(128.0)});
        cases.push_back({bf, 1, 2, 2, 64, 64, 128, 128, false, 1, HEADS, 0.09});
        cases.push_back({bf, 1, 3, 1, 129, 77, 100, 128, true, 0, CONTIG, 0.1});
        cases.push_back({bf, 1, 2, 2, 5, 200, 5, 7, false, 3, STRIDED, 0.7});
        cases.push_back({bf, 1, 2, 1, 20, 45, 80, 80, false, 1, CONTIG, -0.2});
    }
    for (const Case& c : cases) run(c);
    printf("%d checks, %d failures\n", checks, fails);
    return 0;
}
