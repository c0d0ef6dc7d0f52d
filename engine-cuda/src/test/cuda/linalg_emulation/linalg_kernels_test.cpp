// linalg_kernels.cu on the host, against the CPU backend's kernels: LinalgKernelsEmulationTest records the launches
// CudaLinalgKernels.java makes for each case (kernel, grid, arguments) with the storages' contents before and after the
// CPU backend (LinalgKernels.java) ran the same op, and this program replays each launch with a block's threads as
// threads (cuda_shim.h: __syncthreads a barrier, __shared__ one copy per block) and compares every storage with the
// CPU's bit for bit (any NaN equals any NaN): the factors, the pivots, the info codes and every element the op must not
// write. QR, eigh and svd alone are compared within a few ulps (2e-6 relative for float32, 1e-14 for float64, relative to the
// larger of 1 and the CPU's value): their hypot is the kernel's own where the CPU's is fdlibm's; it prints how many
// elements were not bit for bit the CPU's and the largest difference. Workspaces the kernels get are buffers of their own, not
// compared. Each case runs three times from its initial contents: with the recorded block size, with one thread (every
// loop of the kernels wraps) and with 37 (not a power of two: the pivot search's tree has odd levels). It also checks
// each launch's arguments against the kernel's parameters (kinds, the struct's size, the pointers' element types) and
// the grid. Built with g++ -std=c++20 -ffp-contract=off; cuda_shim.h and linalg_shim.h stand in for CUDA, prelude.h is
// the head of ember_kernels.cu.
#include "cuda_shim.h"
#include "linalg_shim.h"
#include "prelude.h"
#include "linalg_kernels.cu"
#include <cstdio>
#include <string>
#include <vector>

static int fails = 0;
static long checks = 0;
static std::string current;
#define CHECK(c, ...) do { checks++; if (!(c)) { fails++; if (fails < 30) { printf("FAIL [%s] ", current.c_str()); printf(__VA_ARGS__); printf("\n"); } } } while (0)

static FILE* in;
static int readInt() { int v; if (fread(&v, 4, 1, in) != 1) { printf("truncated input\n"); exit(2); } return v; }
static std::string readStr() { int n = readInt(); std::string s(n, ' '); if (n && fread(&s[0], 1, n, in) != (size_t) n) exit(2); return s; }

struct Buf {
    int kind = 0; // 0 float32, 1 float64, 2 int64
    int n = 0;
    std::vector<unsigned char> bytes;
    int item() const { return kind == 0 ? 4 : 8; }
};
static Buf readBuf() {
    Buf b;
    b.kind = readInt();
    b.n = readInt();
    b.bytes.resize((size_t) b.n * b.item());
    if (b.n && fread(b.bytes.data(), b.item(), b.n, in) != (size_t) b.n) { printf("truncated input\n"); exit(2); }
    return b;
}

struct Arg { char tag; int i = 0; std::vector<int> s; int buf = -1; };
struct Launch { std::string name; int blocks, threads; std::vector<Arg> args; };

// the parameters of a kernel: tags (S struct LaGeo, I int, P pointer) and each pointer's element kind
static bool signature(const std::string& name, std::string& tags, std::vector<int>& kinds) {
    bool f32 = name.size() > 4 && name.compare(name.size() - 4, 4, "_f32") == 0;
    bool f64 = name.size() > 4 && name.compare(name.size() - 4, 4, "_f64") == 0;
    if (!f32 && !f64) return false;
    int t = f32 ? 0 : 1;
    std::string base = name.substr(0, name.size() - 4);
    if (base == "la_lu_factor") { tags = "SPPPP"; kinds = {t, t, 2, 2}; return true; }
    if (base == "la_lu_solve") { tags = "SPPPP"; kinds = {t, 2, t, t}; return true; }
    if (base == "la_tri_solve") { tags = "SIIPPP"; kinds = {t, t, t}; return true; }
    if (base == "la_cholesky") { tags = "SPPP"; kinds = {t, t, 2}; return true; }
    if (base == "la_qr") { tags = "SIIPPPP"; kinds = {t, t, t, t}; return true; }
    if (base == "la_eigh") { tags = "SIIPPPP"; kinds = {t, t, t, 1}; return true; }
    if (base == "la_svd") { tags = "SIIIIPPPPPP"; kinds = {t, t, t, t, 2, 1}; return true; }
    return false;
}

static bool valid(const Launch& l, const std::vector<Buf>& bufs) {
    const std::string& name = l.name;
    std::string tags;
    std::vector<int> kinds;
    bool known = signature(name, tags, kinds);
    CHECK(known, "no kernel %s in linalg_kernels.cu", name.c_str());
    if (!known) return false;
    CHECK(l.args.size() == tags.size(), "%s: %zu arguments for %zu parameters", name.c_str(), l.args.size(), tags.size());
    if (l.args.size() != tags.size()) return false;
    size_t p = 0;
    bool ok = true;
    for (size_t i = 0; i < l.args.size(); i++) {
        const Arg& a = l.args[i];
        // N: a null pointer, only for qr's Q when it is not wanted
        bool nullQ = a.tag == 'N' && tags[i] == 'P' && l.args[2].i == 0
                     && ((name.rfind("la_qr", 0) == 0 && p == 1) || (name.rfind("la_eigh", 0) == 0 && p == 2)
                         || (name.rfind("la_svd", 0) == 0 && (p == 1 || p == 3)));
        CHECK(a.tag == tags[i] || nullQ, "%s: argument %zu is %c, the parameter %c", name.c_str(), i, a.tag, tags[i]);
        ok &= a.tag == tags[i] || nullQ;
        if (nullQ) p++;
        if (tags[i] == 'S' && a.tag == 'S') {
            CHECK(a.s.size() * sizeof(int) == sizeof(LaGeo), "%s: a struct of %zu ints for LaGeo's %zu bytes",
                  name.c_str(), a.s.size(), sizeof(LaGeo));
            ok &= a.s.size() * sizeof(int) == sizeof(LaGeo);
        }
        if (tags[i] == 'P' && a.tag == 'P') {
            int k = bufs[a.buf].kind;
            CHECK(k == kinds[p], "%s: pointer %zu to elements of kind %d, the parameter's kind %d", name.c_str(), p, k, kinds[p]);
            ok &= k == kinds[p];
            p++;
        }
    }
    CHECK(l.blocks >= 1 && l.blocks <= 65535 && l.threads >= 32 && l.threads <= LA_MAX_THREADS && l.threads % 32 == 0,
          "%s: grid %d x %d", name.c_str(), l.blocks, l.threads);
    return ok;
}

static void run(const Launch& l, int threads, std::vector<Buf>& bufs) {
    const std::string& name = l.name;
    LaGeo g;
    memcpy(&g, l.args[0].s.data(), sizeof g);
    std::vector<void*> ptr;
    for (const Arg& a : l.args) if (a.tag == 'P' || a.tag == 'N') ptr.push_back(a.tag == 'N' ? nullptr : bufs[a.buf].bytes.data());
    int blocks = l.blocks;
    if (name == "la_lu_factor_f32") emuLaunch(blocks, threads, [&] { la_lu_factor_f32(g, (const float*) ptr[0], (float*) ptr[1], (i64*) ptr[2], (i64*) ptr[3]); });
    else if (name == "la_lu_factor_f64") emuLaunch(blocks, threads, [&] { la_lu_factor_f64(g, (const double*) ptr[0], (double*) ptr[1], (i64*) ptr[2], (i64*) ptr[3]); });
    else if (name == "la_lu_solve_f32") emuLaunch(blocks, threads, [&] { la_lu_solve_f32(g, (const float*) ptr[0], (const i64*) ptr[1], (const float*) ptr[2], (float*) ptr[3]); });
    else if (name == "la_lu_solve_f64") emuLaunch(blocks, threads, [&] { la_lu_solve_f64(g, (const double*) ptr[0], (const i64*) ptr[1], (const double*) ptr[2], (double*) ptr[3]); });
    else if (name == "la_tri_solve_f32") emuLaunch(blocks, threads, [&] { la_tri_solve_f32(g, l.args[1].i, l.args[2].i, (const float*) ptr[0], (const float*) ptr[1], (float*) ptr[2]); });
    else if (name == "la_tri_solve_f64") emuLaunch(blocks, threads, [&] { la_tri_solve_f64(g, l.args[1].i, l.args[2].i, (const double*) ptr[0], (const double*) ptr[1], (double*) ptr[2]); });
    else if (name == "la_cholesky_f32") emuLaunch(blocks, threads, [&] { la_cholesky_f32(g, (const float*) ptr[0], (float*) ptr[1], (i64*) ptr[2]); });
    else if (name == "la_cholesky_f64") emuLaunch(blocks, threads, [&] { la_cholesky_f64(g, (const double*) ptr[0], (double*) ptr[1], (i64*) ptr[2]); });
    else if (name == "la_qr_f32") emuLaunch(blocks, threads, [&] { la_qr_f32(g, l.args[1].i, l.args[2].i, (const float*) ptr[0], (float*) ptr[1], (float*) ptr[2], (float*) ptr[3]); });
    else if (name == "la_eigh_f32") emuLaunch(blocks, threads, [&] { la_eigh_f32(g, l.args[1].i, l.args[2].i, (const float*) ptr[0], (float*) ptr[1], (float*) ptr[2], (double*) ptr[3]); });
    else if (name == "la_eigh_f64") emuLaunch(blocks, threads, [&] { la_eigh_f64(g, l.args[1].i, l.args[2].i, (const double*) ptr[0], (double*) ptr[1], (double*) ptr[2], (double*) ptr[3]); });
    else if (name == "la_svd_f32") emuLaunch(blocks, threads, [&] { la_svd_f32(g, l.args[1].i, l.args[2].i, l.args[3].i, l.args[4].i, (const float*) ptr[0], (float*) ptr[1], (float*) ptr[2], (float*) ptr[3], (i64*) ptr[4], (double*) ptr[5]); });
    else if (name == "la_svd_f64") emuLaunch(blocks, threads, [&] { la_svd_f64(g, l.args[1].i, l.args[2].i, l.args[3].i, l.args[4].i, (const double*) ptr[0], (double*) ptr[1], (double*) ptr[2], (double*) ptr[3], (i64*) ptr[4], (double*) ptr[5]); });
    else if (name == "la_qr_f64") emuLaunch(blocks, threads, [&] { la_qr_f64(g, l.args[1].i, l.args[2].i, (const double*) ptr[0], (double*) ptr[1], (double*) ptr[2], (double*) ptr[3]); });
}

// bitwise equal, or both NaN
static bool same(const Buf& a, const Buf& b, int i) {
    if (a.kind == 0) {
        float x, y;
        memcpy(&x, &a.bytes[4 * i], 4);
        memcpy(&y, &b.bytes[4 * i], 4);
        return (x != x && y != y) || memcmp(&x, &y, 4) == 0;
    }
    if (a.kind == 1) {
        double x, y;
        memcpy(&x, &a.bytes[8 * i], 8);
        memcpy(&y, &b.bytes[8 * i], 8);
        return (x != x && y != y) || memcmp(&x, &y, 8) == 0;
    }
    return memcmp(&a.bytes[8 * i], &b.bytes[8 * i], 8) == 0;
}

static double value(const Buf& a, int i) {
    if (a.kind == 0) { float x; memcpy(&x, &a.bytes[4 * i], 4); return x; }
    if (a.kind == 1) { double x; memcpy(&x, &a.bytes[8 * i], 8); return x; }
    long long x; memcpy(&x, &a.bytes[8 * i], 8); return (double) x;
}

int main(int argc, char** argv) {
    if (argc != 2 || !(in = fopen(argv[1], "rb"))) { printf("usage: linalg_kernels_test CASES\n"); return 2; }
    int cases = readInt();
    long launches = 0, replays = 0, qrElements[2] = {0, 0}, qrDiffer[2] = {0, 0};
    double qrWorst[2] = {0, 0};
    for (int c = 0; c < cases; c++) {
        current = readStr();
        int k = readInt(), nscratch = readInt(); // the case's storages (compared), then workspaces (not compared)
        std::vector<Buf> init;
        for (int i = 0; i < k + nscratch; i++) init.push_back(readBuf());
        int nl = readInt();
        std::vector<Launch> ls(nl);
        for (Launch& l : ls) {
            l.name = readStr();
            l.blocks = readInt();
            l.threads = readInt();
            int na = readInt();
            l.args.resize(na);
            for (Arg& a : l.args) {
                a.tag = (char) fgetc(in);
                if (a.tag == 'I') a.i = readInt();
                else if (a.tag == 'S') { int n = readInt(); for (int j = 0; j < n; j++) a.s.push_back(readInt()); }
                else if (a.tag == 'P') {
                    a.buf = readInt();
                    if (a.buf < 0 || a.buf >= k + nscratch) { printf("bad pointer\n"); return 2; }
                }
                else if (a.tag == 'N') a.buf = -1;
                else { printf("bad argument tag %d\n", a.tag); return 2; }
            }
        }
        std::vector<Buf> want;
        for (int i = 0; i < k; i++) want.push_back(readBuf());
        bool ok = true;
        for (const Launch& l : ls) ok &= valid(l, init);
        launches += nl;
        if (!ok) continue;
        std::string name = current;
        bool qr = name.rfind("qr ", 0) == 0 || name.rfind("eigh ", 0) == 0 || name.rfind("svd ", 0) == 0; // within a few ulps
        if (qr) qrElements[init[0].kind] += 3L * [&] { long c = 0; for (int i = 0; i < k; i++) c += want[i].n; return c; }();
        for (int variant = 0; variant < 3; variant++) {
            std::vector<Buf> bufs = init;
            for (const Launch& l : ls) {
                int threads = variant == 0 ? l.threads : variant == 1 ? 1 : 37;
                current = name + " (" + std::to_string(threads) + " threads)";
                run(l, threads, bufs);
                replays++;
            }
            for (int i = 0; i < k; i++) {
                CHECK(want[i].kind == bufs[i].kind && want[i].n == bufs[i].n, "storage %d's kind or length", i);
                if (want[i].kind != bufs[i].kind || want[i].n != bufs[i].n) continue;
                for (int e = 0; e < want[i].n; e++) {
                    if (qr) {
                        // the kernel's hypot (laHypot) differs from the CPU's (fdlibm's) in the last bit now and then: a few ulps
                        double x = value(want[i], e), y = value(bufs[i], e);
                        double tol = (want[i].kind == 0 ? 2e-6 : 1e-14) * std::max(1.0, std::fabs(x));
                        bool near = same(want[i], bufs[i], e) || std::fabs(x - y) <= tol;
                        if (!same(want[i], bufs[i], e)) {
                            qrDiffer[want[i].kind]++;
                            if (std::isfinite(x - y)) qrWorst[want[i].kind] = std::max(qrWorst[want[i].kind], std::fabs(x - y) / std::max(1.0, std::fabs(x)));
                        }
                        CHECK(near, "storage %d element %d: CPU %.17g, kernel %.17g (beyond a few ulps)", i, e, x, y);
                    } else {
                        CHECK(same(want[i], bufs[i], e), "storage %d element %d: CPU %.17g, kernel %.17g", i, e,
                              value(want[i], e), value(bufs[i], e));
                    }
                }
            }
        }
        current = name;
    }
    printf("qr, eigh and svd: float32 %ld of %ld elements, float64 %ld of %ld, not bit for bit the CPU's; the largest difference %.3g, %.3g\n",
           qrDiffer[0], qrElements[0], qrDiffer[1], qrElements[1], qrWorst[0], qrWorst[1]);
    printf("%d cases, %ld launches, %ld replays, %ld checks, %d failures\n", cases, launches, replays, checks, fails);
    return fails == 0 ? 0 : 1;
}
