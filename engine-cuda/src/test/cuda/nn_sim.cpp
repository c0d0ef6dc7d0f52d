// A CPU check of nn.cu's kernel logic without a GPU: nn_sim.h emulates the CUDA features the kernels use (threads of a
// block as std::threads, __syncthreads as a barrier, __shared__ as static, __shfl_xor_sync through a buffer) and this
// program runs every kernel of nn.cu on small strided inputs against double-precision references written from the
// formulas (layer/RMS norm, group norm, batch norm, attention forward, logsumexp and gradients, with masks, causal,
// grouped heads, fully masked rows, E != Ev, non-contiguous layouts, sizes off the tiles, grid-stride over rows).
// It checks indexing, tiling, the online softmax, barriers and reductions; not timing, not the real shuffle hardware.
// The attention kernels run without dropout here (dropKind 0); attn_dropout_emulation/ checks them with dropout.
//   g++ -O1 -std=c++20 -pthread -w -o /tmp/nn_sim engine-cuda/src/test/cuda/nn_sim.cpp && /tmp/nn_sim
#include "nn_sim.h"
#include "../../main/cuda/nn.cu"
#include <random>
#include <cstring>
#include <string>

static std::mt19937_64 rng(7);
static double uni() { return std::uniform_real_distribution<double>(-2, 2)(rng); }
static int fails = 0;
static void check(const char* what, double e, double x, double tol, long idx) {
    bool bad = std::isnan(e) ? !std::isnan(x) : !(std::fabs(e - x) <= tol);
    if (bad) { if (fails < 20) printf("FAIL %s [%ld]: expected %.10g got %.10g\n", what, idx, e, x); fails++; }
}

// a [d0, d1, d2, d3] layout: strides and offset
struct Lay { int s[4]; int off; };
static i64 idx(const Lay& l, int a, int b, int c, int d) { return l.off + (i64) a * l.s[0] + (i64) b * l.s[1] + (i64) c * l.s[2] + (i64) d * l.s[3]; }
static Lay contig(int d0, int d1, int d2, int d3, int off = 0) { return {{d1 * d2 * d3, d2 * d3, d3, 1}, off}; }
static Lay swap12(int d0, int d1, int d2, int d3, int off = 0) { // memory [d0, d2, d1, d3] seen as [d0, d1, d2, d3]
    return {{d1 * d2 * d3, d3, d1 * d3, 1}, off};
}

template <typename T, int DMAX>
void attnCase(const char* name, int B, int H, int Hk, int L, int S, int E, int Ev, bool causal, int maskType, int dead,
              bool nonContig) {
    const int TPRF = sizeof(T) == 4 ? 4 : 8;
    const int TPRB = sizeof(T) == 4 && DMAX == 64 ? 4 : 8;
    int group = H / Hk;
    double scale = 1.0 / std::sqrt((double) E) * 1.1;
    Lay ql = nonContig ? swap12(B, H, L, E, 3) : contig(B, H, L, E, 3);
    Lay kl = nonContig ? swap12(B, Hk, S, E, 1) : contig(B, Hk, S, E, 1);
    Lay vl = contig(B, Hk, S, Ev, 2);
    Lay ol = swap12(B, H, L, Ev);
    Lay gol = nonContig ? swap12(B, H, L, Ev, 5) : contig(B, H, L, Ev, 5);
    Lay gql = contig(B, H, L, E), gkl = contig(B, Hk, S, E), gvl = nonContig ? swap12(B, Hk, S, Ev) : contig(B, Hk, S, Ev);
    Lay ml = {{0, 0, S, 1}, 4};   // an [L, S] mask broadcast over batch and heads
    int lseS[4] = {H * L, L, 1, 0};
    std::vector<T> q(3 + (size_t) B * H * L * E), k(1 + (size_t) B * Hk * S * E), v(2 + (size_t) B * Hk * S * Ev),
        go(5 + (size_t) B * H * L * Ev), out((size_t) B * H * L * Ev), lse((size_t) B * H * L),
        gq((size_t) B * H * L * E), gk((size_t) B * Hk * S * E), gv((size_t) B * Hk * S * Ev);
    std::vector<float> mf(4 + (size_t) L * S);
    std::vector<double> md(4 + (size_t) L * S);
    for (auto& x : q) x = (T) uni();
    for (auto& x : k) x = (T) uni();
    for (auto& x : v) x = (T) uni();
    for (auto& x : go) x = (T) uni();
    for (size_t i = 0; i < mf.size(); i++) {
        double m = uni() * 0.5;
        if (dead >= 0 && i >= 4 && (int) ((i - 4) / S) == dead) m = -INFINITY;
        mf[i] = (float) m;
        md[i] = maskType == 1 ? (double) mf[i] : m;
    }
    auto maskVal = [&](int i, int j) -> double { return maskType == 0 ? 0.0 : maskType == 1 ? (double) mf[4 + (size_t) i * S + j] : md[4 + (size_t) i * S + j]; };
    // reference in double
    std::vector<double> rout(out.size()), rlse(lse.size()), rgq(gq.size(), 0), rgk(gk.size(), 0), rgv(gv.size(), 0);
    for (int b = 0; b < B; b++) for (int h = 0; h < H; h++) {
        int hk = h / group;
        for (int i = 0; i < L; i++) {
            std::vector<double> s(S);
            double mx = -INFINITY;
            for (int j = 0; j < S; j++) {
                double dot = 0;
                for (int c = 0; c < E; c++) dot += (double) q[idx(ql, b, h, i, c)] * (double) k[idx(kl, b, hk, j, c)];
                s[j] = (causal && j > i) ? -INFINITY : dot * scale;
                if (maskType) s[j] += maskVal(i, j);
                mx = std::max(mx, s[j]);
            }
            double sum = 0;
            std::vector<double> p(S, 0.0);
            if (mx != -INFINITY) for (int j = 0; j < S; j++) { p[j] = std::exp(s[j] - mx); sum += p[j]; }
            double lsev = mx == -INFINITY ? 0 : mx + std::log(sum);
            rlse[(size_t) (b * H + h) * L + i] = lsev;
            for (int j = 0; j < S; j++) p[j] = sum == 0 ? 0 : p[j] / sum;
            std::vector<double> o(Ev, 0.0);
            for (int c = 0; c < Ev; c++) {
                for (int j = 0; j < S; j++) o[c] += p[j] * (double) v[idx(vl, b, hk, j, c)];
                rout[idx(ol, b, h, i, c)] = o[c];
            }
            double D = 0;
            for (int c = 0; c < Ev; c++) D += (double) go[idx(gol, b, h, i, c)] * o[c];
            for (int j = 0; j < S; j++) {
                double dp = 0;
                for (int c = 0; c < Ev; c++) dp += (double) go[idx(gol, b, h, i, c)] * (double) v[idx(vl, b, hk, j, c)];
                double ds = p[j] * (dp - D);
                for (int c = 0; c < Ev; c++) rgv[idx(gvl, b, hk, j, c)] += p[j] * (double) go[idx(gol, b, h, i, c)];
                for (int c = 0; c < E; c++) {
                    rgq[idx(gql, b, h, i, c)] += scale * ds * (double) k[idx(kl, b, hk, j, c)];
                    rgk[idx(gkl, b, hk, j, c)] += scale * ds * (double) q[idx(ql, b, h, i, c)];
                }
            }
        }
    }
    // the kernels
    nnk::AttnGeo g;
    int head[8] = {B, H, Hk, L, S, E, Ev, group};
    memcpy(&g, head, sizeof head);
    auto put = [](int* dst, const Lay& l) { for (int d = 0; d < 4; d++) dst[d] = l.s[d]; dst[4] = l.off; };
    put(g.q, ql); put(g.k, kl); put(g.v, vl); put(g.o, ol);
    for (int d = 0; d < 4; d++) g.lse[d] = lseS[d];
    put(g.m, ml);
    g.maskType = maskType;
    g.causal = causal;
    put(g.go, gol); put(g.gq, gql); put(g.gk, gkl); put(g.gv, gvl);
    const void* mask = maskType == 0 ? nullptr : maskType == 1 ? (const void*) mf.data() : (const void*) md.data();
    std::vector<double> delta((size_t) B * H * L);
    int brF = 128 / TPRF, brB = 128 / TPRB;
    T *pq = q.data(), *pk = k.data(), *pv = v.data(), *po = out.data(), *pl = lse.data(), *pgo = go.data();
    T *pgq = gq.data(), *pgk = gk.data(), *pgv = gv.data();
    double* pd = delta.data();
    if constexpr (sizeof(T) == 4) {
        if constexpr (DMAX == 64) {
            launch(B * H * ((L + brF - 1) / brF), 128, [=] { attn_fwd_f32_d64(g, scale, 0.0, 1.0, 0ULL, 0ULL, 0, pq, pk, pv, mask, po, pl); });
        } else {
            launch(B * H * ((L + brF - 1) / brF), 128, [=] { attn_fwd_f32_d128(g, scale, 0.0, 1.0, 0ULL, 0ULL, 0, pq, pk, pv, mask, po, pl); });
        }
        launch(3, 256, [=] { attn_delta_f32(g, pgo, po, pd); });
        if constexpr (DMAX == 64) {
            launch(B * H * ((L + brB - 1) / brB), 128, [=] { attn_bwd_dq_f32_d64(g, scale, 0.0, 1.0, 0ULL, 0ULL, 0, pgo, pq, pk, pv, mask, pl, pd, pgq); });
            launch(B * Hk * ((S + brB - 1) / brB), 128, [=] { attn_bwd_dkv_f32_d64(g, scale, 0.0, 1.0, 0ULL, 0ULL, 0, pgo, pq, pk, pv, mask, pl, pd, pgk, pgv); });
        } else {
            launch(B * H * ((L + brB - 1) / brB), 128, [=] { attn_bwd_dq_f32_d128(g, scale, 0.0, 1.0, 0ULL, 0ULL, 0, pgo, pq, pk, pv, mask, pl, pd, pgq); });
            launch(B * Hk * ((S + brB - 1) / brB), 128, [=] { attn_bwd_dkv_f32_d128(g, scale, 0.0, 1.0, 0ULL, 0ULL, 0, pgo, pq, pk, pv, mask, pl, pd, pgk, pgv); });
        }
    } else {
        if constexpr (DMAX == 64) {
            launch(B * H * ((L + brF - 1) / brF), 128, [=] { attn_fwd_f64_d64(g, scale, 0.0, 1.0, 0ULL, 0ULL, 0, pq, pk, pv, mask, po, pl); });
        } else {
            launch(B * H * ((L + brF - 1) / brF), 128, [=] { attn_fwd_f64_d128(g, scale, 0.0, 1.0, 0ULL, 0ULL, 0, pq, pk, pv, mask, po, pl); });
        }
        launch(3, 256, [=] { attn_delta_f64(g, pgo, po, pd); });
        if constexpr (DMAX == 64) {
            launch(B * H * ((L + brB - 1) / brB), 128, [=] { attn_bwd_dq_f64_d64(g, scale, 0.0, 1.0, 0ULL, 0ULL, 0, pgo, pq, pk, pv, mask, pl, pd, pgq); });
            launch(B * Hk * ((S + brB - 1) / brB), 128, [=] { attn_bwd_dkv_f64_d64(g, scale, 0.0, 1.0, 0ULL, 0ULL, 0, pgo, pq, pk, pv, mask, pl, pd, pgk, pgv); });
        } else {
            launch(B * H * ((L + brB - 1) / brB), 128, [=] { attn_bwd_dq_f64_d128(g, scale, 0.0, 1.0, 0ULL, 0ULL, 0, pgo, pq, pk, pv, mask, pl, pd, pgq); });
            launch(B * Hk * ((S + brB - 1) / brB), 128, [=] { attn_bwd_dkv_f64_d128(g, scale, 0.0, 1.0, 0ULL, 0ULL, 0, pgo, pq, pk, pv, mask, pl, pd, pgk, pgv); });
        }
    }
    double tol = sizeof(T) == 4 ? 2e-4 : 1e-10;
    int before = fails;
    std::string n(name);
    for (size_t i = 0; i < out.size(); i++) check((n + " out").c_str(), rout[i], out[i], tol * (1 + std::fabs(rout[i])), i);
    for (size_t i = 0; i < lse.size(); i++) check((n + " lse").c_str(), rlse[i], lse[i], tol * (1 + std::fabs(rlse[i])), i);
    for (size_t i = 0; i < gq.size(); i++) check((n + " gq").c_str(), rgq[i], gq[i], tol * (1 + std::fabs(rgq[i])) * 4, i);
    for (size_t i = 0; i < gk.size(); i++) check((n + " gk").c_str(), rgk[i], gk[i], tol * (1 + std::fabs(rgk[i])) * 4, i);
    for (size_t i = 0; i < gv.size(); i++) check((n + " gv").c_str(), rgv[i], gv[i], tol * (1 + std::fabs(rgv[i])) * 4, i);
    printf("%-50s %s\n", name, fails == before ? "ok" : "FAILED");
}

template <typename T>
void rowCase(const char* name, int m, int n, bool rms, bool affine, bool transposed) {
    // x as [m, n]: contiguous, or the transpose of an [n, m] storage; out, gx contiguous; gy transposed too
    int xs0 = transposed ? 1 : n, xs1 = transposed ? m : 1;
    std::vector<T> x((size_t) m * n + 2), gy((size_t) m * n + 2), w(n), b(n), out((size_t) m * n), mean(m), rstd(m),
        gx((size_t) m * n), gw(n), gb(n);
    for (auto& z : x) z = (T) (uni() * 3 + 1);
    for (auto& z : gy) z = (T) uni();
    for (auto& z : w) z = (T) uni();
    for (auto& z : b) z = (T) uni();
    double eps = 1e-5;
    nnk::RowGeo g = {m, n, xs0, xs1, 2, n, 1, 0, n, 1, 0};
    nnk::RowGeo gb2 = {m, n, xs0, xs1, 2, xs0, xs1, 1, n, 1, 0};
    const T* wp = affine ? w.data() : nullptr;
    const T* bp = affine && !rms ? b.data() : nullptr;
    T *px = x.data(), *po = out.data(), *pm = rms ? nullptr : mean.data(), *pr = rstd.data(), *pgy = gy.data(), *pgx = gx.data();
    int threads = std::min(256, std::max(32, (n + 31) / 32 * 32));
    long want = std::max(1L, (65536L + n - 1) / n);
    long parts = std::max(1L, std::min(want, (m + 7L) / 8));
    int rowsPer = (int) ((m + parts - 1) / parts);
    int P = (m + rowsPer - 1) / rowsPer;
    std::vector<double> pw((size_t) P * n), pb((size_t) P * n);
    double *ppw = pw.data(), *ppb = pb.data();
    T *pgw = gw.data(), *pgb = gb.data();
    int blocksP = (int) std::min(65535L, ((long) P * n + 255) / 256);
    int blocksC = std::min(65535, (n + 255) / 256);
    if constexpr (sizeof(T) == 4) {
        launch(std::min(m, 7), threads, [=] { rownorm_f32(rms, g, px, wp, bp, eps, po, pm, pr); });
        launch(std::min(m, 5), threads, [=] { rownorm_back_f32(rms, gb2, pgy, px, pm, pr, wp, pgx); });
        launch(blocksP, 256, [=] { rownorm_param_partial_f32(rms, gb2, rowsPer, P, pgy, px, pm, pr, ppw, ppb); });
        launch(blocksC, 256, [=] { nn_column_total_f32(P, n, ppw, ppb, pgw, pgb); });
    } else {
        launch(std::min(m, 7), threads, [=] { rownorm_f64(rms, g, px, wp, bp, eps, po, pm, pr); });
        launch(std::min(m, 5), threads, [=] { rownorm_back_f64(rms, gb2, pgy, px, pm, pr, wp, pgx); });
        launch(blocksP, 256, [=] { rownorm_param_partial_f64(rms, gb2, rowsPer, P, pgy, px, pm, pr, ppw, ppb); });
        launch(blocksC, 256, [=] { nn_column_total_f64(P, n, ppw, ppb, pgw, pgb); });
    }
    // reference
    double tol = sizeof(T) == 4 ? 1e-5 : 1e-11;
    int before = fails;
    std::vector<double> rgw(n, 0), rgb(n, 0);
    for (int i = 0; i < m; i++) {
        auto X = [&](int j) { return (double) x[2 + (size_t) i * xs0 + (size_t) j * xs1]; };
        auto G = [&](int j) { return (double) gy[1 + (size_t) i * xs0 + (size_t) j * xs1]; };
        double mu = 0;
        if (!rms) { for (int j = 0; j < n; j++) mu += X(j); mu /= n; }
        double ss = 0;
        for (int j = 0; j < n; j++) ss += (X(j) - mu) * (X(j) - mu);
        double r = 1 / std::sqrt(ss / n + eps);
        if (!rms) check("mean", mu, mean[i], tol * (1 + std::fabs(mu)), i);
        check("rstd", r, rstd[i], tol * (1 + std::fabs(r)), i);
        double s1 = 0, s2 = 0;
        for (int j = 0; j < n; j++) {
            double xh = (X(j) - mu) * r;
            double y = xh * (wp ? (double) w[j] : 1) + (bp ? (double) b[j] : 0);
            check("out", y, out[(size_t) i * n + j], tol * (1 + std::fabs(y)), (long) i * n + j);
            double dxh = G(j) * (wp ? (double) w[j] : 1);
            s1 += dxh; s2 += dxh * xh;
            rgw[j] += G(j) * xh; rgb[j] += G(j);
        }
        for (int j = 0; j < n; j++) {
            double xh = (X(j) - mu) * r;
            double dxh = G(j) * (wp ? (double) w[j] : 1);
            double dx = r * (dxh - (rms ? 0 : s1 / n) - xh * s2 / n);
            check("gx", dx, gx[(size_t) i * n + j], tol * 10 * (1 + std::fabs(dx)), (long) i * n + j);
        }
    }
    for (int j = 0; j < n; j++) {
        check("gw", rgw[j], gw[j], tol * 10 * (1 + std::fabs(rgw[j])), j);
        check("gb", rgb[j], gb[j], tol * 10 * (1 + std::fabs(rgb[j])), j);
    }
    printf("%-50s %s (parts %d of %d rows)\n", name, fails == before ? "ok" : "FAILED", P, rowsPer);
}


// check() with the tolerance relative to the expected value's magnitude (at least 1)
static void checkRel(const char* what, double e, double x, double tol, long idx) {
    check(what, e, x, tol * (1 + std::fabs(e)), idx);
}

template <typename T>
void gnCase(const char* name, int N, int C, int L, int G, bool affine, int blocks) {
    int per = C / G;
    std::vector<T> x(3 + (size_t) N * C * L), gy(1 + (size_t) N * C * L), w(C), b(C), out((size_t) N * C * L),
        mean(N * G), rstd(N * G), gx((size_t) N * C * L), gw(C), gb(C);
    for (auto& z : x) z = (T) (uni() + 0.5);
    for (auto& z : gy) z = (T) uni();
    for (auto& z : w) z = (T) uni();
    for (auto& z : b) z = (T) uni();
    nnk::NclGeo g = {N, C, L, {L, N * L, 1, 3}, {C * L, L, 1, 0}, {0, 0, 0, 0}};
    nnk::NclGeo gb2 = {N, C, L, {L, N * L, 1, 3}, {C * L, L, 1, 1}, {C * L, L, 1, 0}};
    auto X = [&](int n, int c, int l) { return (double) x[3 + (size_t) c * N * L + (size_t) n * L + l]; };
    auto GY = [&](int n, int c, int l) { return (double) gy[1 + (size_t) n * C * L + (size_t) c * L + l]; };
    const T* wp = affine ? w.data() : nullptr;
    const T* bp = affine ? b.data() : nullptr;
    T *px = x.data(), *po = out.data(), *pm = mean.data(), *pr = rstd.data(), *pgy = gy.data(), *pgx = gx.data(),
      *pgw = gw.data(), *pgb = gb.data();
    double eps = 1e-5;
    if constexpr (sizeof(T) == 4) {
        launch(blocks, 256, [=] { groupnorm_f32(g, G, px, wp, bp, eps, po, pm, pr); });
        launch(blocks, 256, [=] { groupnorm_back_f32(gb2, G, pgy, px, pm, pr, wp, pgx); });
        launch(blocks, 256, [=] { groupnorm_param_f32(gb2, G, pgy, px, pm, pr, pgw, pgb); });
    } else {
        launch(blocks, 256, [=] { groupnorm_f64(g, G, px, wp, bp, eps, po, pm, pr); });
        launch(blocks, 256, [=] { groupnorm_back_f64(gb2, G, pgy, px, pm, pr, wp, pgx); });
        launch(blocks, 256, [=] { groupnorm_param_f64(gb2, G, pgy, px, pm, pr, pgw, pgb); });
    }
    double tol = sizeof(T) == 4 ? 2e-5 : 1e-10;
    int before = fails;
    std::vector<double> rgw(C, 0), rgb(C, 0);
    for (int n = 0; n < N; n++) for (int gi = 0; gi < G; gi++) {
        double s = 0, cnt = per * L;
        for (int c = gi * per; c < (gi + 1) * per; c++) for (int l = 0; l < L; l++) s += X(n, c, l);
        double mu = s / cnt, ss = 0;
        for (int c = gi * per; c < (gi + 1) * per; c++) for (int l = 0; l < L; l++) ss += (X(n, c, l) - mu) * (X(n, c, l) - mu);
        double r = 1 / std::sqrt(ss / cnt + eps);
        checkRel("gn mean", mu, mean[n * G + gi], tol, n * G + gi);
        checkRel("gn rstd", r, rstd[n * G + gi], tol, n * G + gi);
        double s1 = 0, s2 = 0;
        for (int c = gi * per; c < (gi + 1) * per; c++) for (int l = 0; l < L; l++) {
            double xh = (X(n, c, l) - mu) * r;
            double y = xh * (affine ? (double) w[c] : 1) + (affine ? (double) b[c] : 0);
            size_t o = (size_t) n * C * L + (size_t) c * L + l;
            checkRel("gn out", y, out[o], tol, o);
            double d = GY(n, c, l) * (affine ? (double) w[c] : 1);
            s1 += d; s2 += d * xh;
            rgw[c] += GY(n, c, l) * xh; rgb[c] += GY(n, c, l);
        }
        for (int c = gi * per; c < (gi + 1) * per; c++) for (int l = 0; l < L; l++) {
            double xh = (X(n, c, l) - mu) * r;
            double d = GY(n, c, l) * (affine ? (double) w[c] : 1);
            size_t o = (size_t) n * C * L + (size_t) c * L + l;
            checkRel("gn gx", r * (d - s1 / cnt - xh * s2 / cnt), gx[o], tol * 10, o);
        }
    }
    for (int c = 0; c < C; c++) { checkRel("gn gw", rgw[c], gw[c], tol * 10, c); checkRel("gn gb", rgb[c], gb[c], tol * 10, c); }
    printf("%-50s %s\n", name, fails == before ? "ok" : "FAILED");
}
template <typename T>
void bnCase(const char* name, int N, int C, int L, bool training, bool affine, int blocks) {
    std::vector<T> x(3 + (size_t) N * C * L), gy(1 + (size_t) N * C * L), w(C), b(C), out((size_t) N * C * L),
        mean(C), invstd(C), uvar(C), gx((size_t) N * C * L), gw(C), gb(C);
    for (auto& z : x) z = (T) (uni() + 0.5);
    for (auto& z : gy) z = (T) uni();
    for (auto& z : w) z = (T) uni();
    for (auto& z : b) z = (T) uni();
    for (int c = 0; c < C; c++) { mean[c] = (T) uni(); invstd[c] = (T) (std::fabs(uni()) + 0.5); }
    nnk::NclGeo g = {N, C, L, {L, N * L, 1, 3}, {C * L, L, 1, 0}, {0, 0, 0, 0}};
    nnk::NclGeo gb2 = {N, C, L, {L, N * L, 1, 3}, {C * L, L, 1, 1}, {C * L, L, 1, 0}};
    auto X = [&](int n, int c, int l) { return (double) x[3 + (size_t) c * N * L + (size_t) n * L + l]; };
    auto GY = [&](int n, int c, int l) { return (double) gy[1 + (size_t) n * C * L + (size_t) c * L + l]; };
    std::vector<double> m0(C), i0(C);
    for (int c = 0; c < C; c++) { m0[c] = mean[c]; i0[c] = invstd[c]; }
    const T* wp = affine ? w.data() : nullptr;
    const T* bp = affine ? b.data() : nullptr;
    T *px = x.data(), *po = out.data(), *pm = mean.data(), *pi = invstd.data(), *pu = uvar.data(), *pgy = gy.data(),
      *pgx = gx.data(), *pgw = gw.data(), *pgb = gb.data();
    double eps = 1e-5;
    int tr = training;
    if constexpr (sizeof(T) == 4) {
        launch(blocks, 256, [=] { batchnorm_f32(g, px, wp, bp, tr, eps, pm, pi, pu, po); });
        launch(blocks, 256, [=] { batchnorm_back_f32(gb2, pgy, px, wp, pm, pi, tr, pgx, pgw, pgb); });
    } else {
        launch(blocks, 256, [=] { batchnorm_f64(g, px, wp, bp, tr, eps, pm, pi, pu, po); });
        launch(blocks, 256, [=] { batchnorm_back_f64(gb2, pgy, px, wp, pm, pi, tr, pgx, pgw, pgb); });
    }
    double tol = sizeof(T) == 4 ? 2e-5 : 1e-10;
    int before = fails;
    double cnt = (double) N * L;
    for (int c = 0; c < C; c++) {
        double mu = m0[c], is = i0[c];
        if (training) {
            double s = 0, ss = 0;
            for (int n = 0; n < N; n++) for (int l = 0; l < L; l++) s += X(n, c, l);
            mu = s / cnt;
            for (int n = 0; n < N; n++) for (int l = 0; l < L; l++) ss += (X(n, c, l) - mu) * (X(n, c, l) - mu);
            is = 1 / std::sqrt(ss / cnt + eps);
            checkRel("bn uvar", ss / (cnt - 1), uvar[c], tol, c);
        }
        checkRel("bn mean", mu, mean[c], tol, c);
        checkRel("bn invstd", is, invstd[c], tol, c);
        double sdy = 0, sdyx = 0;
        for (int n = 0; n < N; n++) for (int l = 0; l < L; l++) {
            double xh = (X(n, c, l) - mu) * is;
            size_t o = (size_t) n * C * L + (size_t) c * L + l;
            checkRel("bn out", xh * (affine ? (double) w[c] : 1) + (affine ? (double) b[c] : 0), out[o], tol, o);
            sdy += GY(n, c, l); sdyx += GY(n, c, l) * xh;
        }
        checkRel("bn gw", sdyx, gw[c], tol * 10, c);
        checkRel("bn gb", sdy, gb[c], tol * 10, c);
        for (int n = 0; n < N; n++) for (int l = 0; l < L; l++) {
            double xh = (X(n, c, l) - mu) * is;
            size_t o = (size_t) n * C * L + (size_t) c * L + l;
            double dx = (GY(n, c, l) - (training ? sdy / cnt : 0) - xh * (training ? sdyx / cnt : 0)) * is
                * (affine ? (double) w[c] : 1);
            checkRel("bn gx", dx, gx[o], tol * 10, o);
        }
    }
    printf("%-50s %s\n", name, fails == before ? "ok" : "FAILED");
}
int main() {
    rowCase<float>("layer norm f32", 13, 33, false, true, false);
    rowCase<float>("layer norm f32 transposed long rows", 9, 700, false, true, true);
    rowCase<double>("layer norm f64 no affine many rows", 300, 7, false, false, false);
    rowCase<float>("rms norm f32 transposed", 21, 19, true, true, true);
    rowCase<double>("rms norm f64 no weight", 5, 300, true, false, false);
    rowCase<float>("layer norm one column", 17, 1, false, true, false);
    attnCase<float, 64>("attn f32 d64 plain", 2, 3, 3, 45, 77, 24, 24, false, 0, -1, false);
    attnCase<float, 64>("attn f32 d64 causal L<S nc", 1, 2, 2, 45, 77, 24, 24, true, 0, -1, true);
    attnCase<float, 64>("attn f32 d64 causal L>S", 1, 2, 2, 77, 45, 16, 16, true, 0, -1, false);
    attnCase<float, 64>("attn f32 d64 mask f32 dead row gqa", 2, 4, 2, 37, 50, 64, 64, false, 1, 7, true);
    attnCase<float, 128>("attn f32 d128 mask causal gqa", 1, 6, 2, 40, 70, 100, 100, true, 1, -1, true);
    attnCase<float, 128>("attn f32 d128 E != Ev", 1, 2, 1, 33, 35, 65, 128, false, 0, -1, false);
    attnCase<double, 64>("attn f64 d64 mask f64 dead row", 1, 2, 2, 19, 21, 8, 8, false, 2, 3, false);
    attnCase<double, 64>("attn f64 d64 f32 mask causal nc", 2, 2, 1, 33, 40, 64, 64, true, 1, -1, true);
    attnCase<double, 128>("attn f64 d128", 1, 2, 2, 20, 37, 128, 128, false, 0, -1, true);
    attnCase<float, 64>("attn f32 one query one key", 1, 1, 1, 1, 1, 1, 1, false, 0, -1, false);

    gnCase<float>("group norm f32", 3, 6, 37, 3, true, 4);
    gnCase<double>("group norm f64 no affine", 2, 4, 300, 2, false, 3);
    gnCase<float>("group norm f32 one group long", 2, 9, 61, 1, true, 1);
    bnCase<float>("batch norm f32 training", 5, 3, 47, true, true, 2);
    bnCase<double>("batch norm f64 training no affine", 4, 5, 90, true, false, 5);
    bnCase<float>("batch norm f32 eval", 7, 4, 9, false, true, 3);
    bnCase<double>("batch norm f64 eval L=1", 33, 4, 1, false, true, 4);
    printf("%d failures\n", fails);
    return fails != 0;
}
