// resample_kernels.cu on the host, against the CPU backend's kernels: ResampleKernelsEmulationTest records the
// launches CudaResampleKernels.java makes for each case (kernel, grid, arguments) with the storages' contents before
// and after the CPU backend ran the same op, and this program replays the launches (every thread of every block, one
// after another: the kernels share nothing between threads) and compares every storage bit for bit (any NaN equals any
// NaN). It also checks each launch's arguments against the kernel's parameters (kinds, the struct's size, the pointers'
// element types) and the block size. Built with g++ -std=c++20 -ffp-contract=off; cuda_shim.h and resample_shim.h
// stand in for CUDA, prelude.h is the head of ember_kernels.cu.
#include "cuda_shim.h"
#include "resample_shim.h"
#include "prelude.h"
#include "resample_kernels.cu"
#include <cstdio>
#include <string>
#include <vector>

static int fails = 0;
static long checks = 0;
static std::string current;
#define CHECK(c, ...) do { checks++; if (!(c)) { fails++; if (fails < 30) { printf("FAIL [%s] ", current.c_str()); printf(__VA_ARGS__); printf("\n"); } } } while (0)

static FILE* in;
static int readInt() { int v; if (fread(&v, 4, 1, in) != 1) { printf("truncated input\n"); exit(2); } return v; }
static double readDouble() { double v; if (fread(&v, 8, 1, in) != 1) { printf("truncated input\n"); exit(2); } return v; }
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

struct Arg { char tag; int i = 0; double d = 0; std::vector<int> s; int buf = -1; };

// runs f(thread) for every thread of the grid, one after another
template <typename F>
static void launch(int blocks, int threads, F f) {
    gridDim = {(unsigned) blocks, 1, 1};
    blockDim = {(unsigned) threads, 1, 1};
    for (int b = 0; b < blocks; b++)
        for (int t = 0; t < threads; t++) {
            blockIdx = {(unsigned) b, 0, 0};
            threadIdx = {(unsigned) t, 0, 0};
            f();
        }
}

// the parameters of a kernel: tags (S struct RsGeo, I int, D double, P pointer) and each pointer's element kind
static bool signature(const std::string& name, std::string& tags, std::vector<int>& kinds) {
    bool f32 = name.size() > 4 && name.compare(name.size() - 4, 4, "_f32") == 0;
    bool f64 = name.size() > 4 && name.compare(name.size() - 4, 4, "_f64") == 0;
    if (!f32 && !f64) return false;
    int t = f32 ? 0 : 1;
    std::string base = name.substr(0, name.size() - 4);
    if (base == "adaptive_avg" || base == "adaptive_avg_back") { tags = "SPP"; kinds = {t, t}; return true; }
    if (base == "adaptive_max") { tags = "SPPP"; kinds = {t, t, 2}; return true; }
    if (base == "bilinear" || base == "bilinear_back") { tags = "SIDDPP"; kinds = {t, t}; return true; }
    return false;
}

static void run(const std::string& name, int blocks, int threads, const std::vector<Arg>& args, std::vector<Buf>& bufs) {
    std::string tags;
    std::vector<int> kinds;
    bool known = signature(name, tags, kinds);
    CHECK(known, "no kernel %s in resample_kernels.cu", name.c_str());
    if (!known) return;
    CHECK(args.size() == tags.size(), "%s: %zu arguments for %zu parameters", name.c_str(), args.size(), tags.size());
    if (args.size() != tags.size()) return;
    size_t p = 0;
    bool ok = true;
    for (size_t i = 0; i < args.size(); i++) {
        CHECK(args[i].tag == tags[i], "%s: argument %zu is %c, the parameter %c", name.c_str(), i, args[i].tag, tags[i]);
        ok &= args[i].tag == tags[i];
        if (tags[i] == 'S') {
            CHECK(args[i].s.size() * sizeof(int) == sizeof(RsGeo), "%s: a struct of %zu ints for RsGeo's %zu bytes",
                  name.c_str(), args[i].s.size(), sizeof(RsGeo));
            ok &= args[i].s.size() * sizeof(int) == sizeof(RsGeo);
        }
        if (tags[i] == 'P' && args[i].tag == 'P') {
            int k = bufs[args[i].buf].kind;
            CHECK(k == kinds[p], "%s: pointer %zu to elements of kind %d, the parameter's kind %d", name.c_str(), p, k, kinds[p]);
            ok &= k == kinds[p];
            p++;
        }
    }
    CHECK(blocks >= 1 && blocks <= 65535 && threads >= 32 && threads <= 1024 && threads % 32 == 0, "%s: grid %d x %d",
          name.c_str(), blocks, threads);
    if (!ok) return;
    RsGeo g;
    memcpy(&g, args[0].s.data(), sizeof g);
    std::vector<void*> ptr;
    for (const Arg& a : args) if (a.tag == 'P') ptr.push_back(bufs[a.buf].bytes.data());
    if (name == "adaptive_avg_f32") launch(blocks, threads, [&] { adaptive_avg_f32(g, (const float*) ptr[0], (float*) ptr[1]); });
    else if (name == "adaptive_avg_f64") launch(blocks, threads, [&] { adaptive_avg_f64(g, (const double*) ptr[0], (double*) ptr[1]); });
    else if (name == "adaptive_avg_back_f32") launch(blocks, threads, [&] { adaptive_avg_back_f32(g, (const float*) ptr[0], (float*) ptr[1]); });
    else if (name == "adaptive_avg_back_f64") launch(blocks, threads, [&] { adaptive_avg_back_f64(g, (const double*) ptr[0], (double*) ptr[1]); });
    else if (name == "adaptive_max_f32") launch(blocks, threads, [&] { adaptive_max_f32(g, (const float*) ptr[0], (float*) ptr[1], (i64*) ptr[2]); });
    else if (name == "adaptive_max_f64") launch(blocks, threads, [&] { adaptive_max_f64(g, (const double*) ptr[0], (double*) ptr[1], (i64*) ptr[2]); });
    else {
        int align = args[1].i;
        double sh = args[2].d, sw = args[3].d;
        if (name == "bilinear_f32") launch(blocks, threads, [&] { bilinear_f32(g, align, sh, sw, (const float*) ptr[0], (float*) ptr[1]); });
        else if (name == "bilinear_f64") launch(blocks, threads, [&] { bilinear_f64(g, align, sh, sw, (const double*) ptr[0], (double*) ptr[1]); });
        else if (name == "bilinear_back_f32") launch(blocks, threads, [&] { bilinear_back_f32(g, align, sh, sw, (const float*) ptr[0], (float*) ptr[1]); });
        else if (name == "bilinear_back_f64") launch(blocks, threads, [&] { bilinear_back_f64(g, align, sh, sw, (const double*) ptr[0], (double*) ptr[1]); });
    }
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
    if (argc != 2 || !(in = fopen(argv[1], "rb"))) { printf("usage: resample_kernels_test CASES\n"); return 2; }
    int cases = readInt();
    long launches = 0;
    for (int c = 0; c < cases; c++) {
        current = readStr();
        int k = readInt();
        std::vector<Buf> bufs;
        for (int i = 0; i < k; i++) bufs.push_back(readBuf());
        int nl = readInt();
        for (int l = 0; l < nl; l++) {
            std::string name = readStr();
            int blocks = readInt(), threads = readInt();
            int na = readInt();
            std::vector<Arg> args(na);
            for (Arg& a : args) {
                a.tag = (char) fgetc(in);
                if (a.tag == 'I') a.i = readInt();
                else if (a.tag == 'D') a.d = readDouble();
                else if (a.tag == 'S') { int n = readInt(); for (int j = 0; j < n; j++) a.s.push_back(readInt()); }
                else if (a.tag == 'P') {
                    a.buf = readInt();
                    if (a.buf < 0 || a.buf >= k) { printf("bad pointer\n"); return 2; }
                }
                else { printf("bad argument tag %d\n", a.tag); return 2; }
            }
            run(name, blocks, threads, args, bufs);
            launches++;
        }
        for (int i = 0; i < k; i++) {
            Buf want = readBuf();
            CHECK(want.kind == bufs[i].kind && want.n == bufs[i].n, "storage %d's kind or length", i);
            if (want.kind != bufs[i].kind || want.n != bufs[i].n) continue;
            for (int e = 0; e < want.n; e++)
                CHECK(same(want, bufs[i], e), "storage %d element %d: CPU %.17g, kernel %.17g", i, e, value(want, e),
                      value(bufs[i], e));
        }
    }
    printf("%d cases, %ld launches, %ld checks, %d failures\n", cases, launches, checks, fails);
    return fails == 0 ? 0 : 1;
}
