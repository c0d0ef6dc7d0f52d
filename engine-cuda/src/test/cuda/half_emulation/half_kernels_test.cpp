// half_kernels.cu on the host, against the CPU backend and against Java's dev.ember.Half / BFloat16. Built and run by
// HalfKernelsEmulationTest with g++ -std=c++20 -ffp-contract=off (index_emulation/cuda_shim.h and half_shim.h emulate
// the CUDA features the kernels use; prelude.h is the head of ember_kernels.cu). Two kinds of checks:
// 1. Exhaustive, against ports of the Java conversions written out below (Half.fromFloat is c10's
//    fp16_ieee_from_fp32_value, a float-arithmetic trick quite unlike the kernels' integer rounding; BFloat16.fromFloat;
//    Half.toFloat): every one of the 2^32 float32 bit patterns to float16 and to bfloat16, and all 65,536 float16 and
//    bfloat16 bit patterns to float32 (bit for bit, NaN payloads included).
// 2. Against the CPU backend itself: the file argv[1], written by the Java test through the CPU backend's copy and fill
//    (ElementwiseKernels/HalfLoops), holds records (source kind, destination kind, n, mode, the source elements, the
//    CPU's results). Mode 0: the copy kernel copy_<s>_<d> runs over the elements, once contiguous and once into a
//    strided destination from an offset source (the gaps must stay untouched), in 2 blocks of 32 emulated threads;
//    every result must have the CPU's bytes. Mode 1: fill_<d> with each float64 value must give the CPU's fill.
// Plus where_h16 against a bit copy (NaN payloads kept). Prints "<checks> checks, <failures> failures". Compiled with
// -DHALF_CONVERSIONS_ONLY: the native elementwise kernels at the end of half_kernels.cu apply ember_kernels.cu's float32
// functions (not part of the prelude) between these conversions, and are left out here.
#include "cuda_shim.h"
#include "half_shim.h"
#include "prelude.h"
#include "half_kernels.cu"
#include "emu_layouts.h"
#include <cstdio>
#include <random>

static long fails = 0, checks = 0;
#define CHECK(c, ...) do { checks++; if (!(c)) { fails++; if (fails < 40) { printf("FAIL %s:%d ", __FILE__, __LINE__); printf(__VA_ARGS__); printf("\n"); } } } while (0)

static unsigned fbits(float f) { unsigned u; memcpy(&u, &f, 4); return u; }
static float ffrom(unsigned u) { float f; memcpy(&f, &u, 4); return f; }

// ---- ports of the Java conversions (dev.ember.Half, dev.ember.BFloat16), step for step
static h16 javaHalfFromFloat(float f) {
    float base = (fabsf(f) * ffrom(0x77800000u)) * ffrom(0x08800000u);
    unsigned w = fbits(f);
    unsigned shl1W = w + w;
    unsigned sign = w & 0x80000000u;
    unsigned bias = shl1W & 0xFF000000u;
    if (bias < 0x71000000u) bias = 0x71000000u;
    base = ffrom((bias >> 1) + 0x07800000u) + base;
    unsigned bits = fbits(base);
    unsigned expBits = (bits >> 13) & 0x00007C00u;
    unsigned mantissaBits = bits & 0x00000FFFu;
    unsigned nonsign = expBits + mantissaBits;
    return (h16) ((sign >> 16) | (shl1W > 0xFF000000u ? 0x7E00u : nonsign));
}
static float javaHalfToFloat(h16 h) {
    unsigned bits = h;
    unsigned sign = (bits & 0x8000u) << 16;
    unsigned exp = (bits >> 10) & 0x1Fu;
    unsigned mant = bits & 0x3FFu;
    if (exp == 0x1F) return ffrom(sign | 0x7F800000u | (mant << 13) | (mant != 0 ? 0x00400000u : 0u));
    if (exp == 0) {
        if (mant == 0) return ffrom(sign);
        float v = (float) mant * 0x1p-24f;
        return sign != 0 ? -v : v;
    }
    return ffrom(sign | ((exp + 112u) << 23) | (mant << 13));
}
static h16 javaBf16FromFloat(float f) {
    if (f != f) return (h16) 0x7FC0;
    unsigned u = fbits(f);
    unsigned roundingBias = ((u >> 16) & 1u) + 0x7FFFu;
    return (h16) ((u + roundingBias) >> 16);
}

static void exhaustive() {
    long badHalf = 0, badBf = 0;
    unsigned firstHalf = 0, firstBf = 0;
    for (unsigned long long i = 0; i <= 0xFFFFFFFFull; i++) {
        float f = ffrom((unsigned) i);
        if (floatToHalfBits(f) != javaHalfFromFloat(f)) { if (badHalf++ == 0) firstHalf = (unsigned) i; }
        if (floatToBf16Bits(f) != javaBf16FromFloat(f)) { if (badBf++ == 0) firstBf = (unsigned) i; }
    }
    checks += 2;
    CHECK(badHalf == 0, "float -> float16: %ld of 2^32 differ from Half.fromFloat, first 0x%08x: 0x%04x vs 0x%04x", badHalf,
          firstHalf, floatToHalfBits(ffrom(firstHalf)), javaHalfFromFloat(ffrom(firstHalf)));
    CHECK(badBf == 0, "float -> bfloat16: %ld of 2^32 differ from BFloat16.fromFloat, first 0x%08x", badBf, firstBf);
    for (unsigned h = 0; h < 65536; h++) {
        CHECK(fbits(halfBitsToFloat((h16) h)) == fbits(javaHalfToFloat((h16) h)), "float16 0x%04x -> float: 0x%08x vs 0x%08x",
              h, fbits(halfBitsToFloat((h16) h)), fbits(javaHalfToFloat((h16) h)));
        CHECK(fbits(bf16BitsToFloat((h16) h)) == (h << 16), "bfloat16 0x%04x -> float", h);
        // and back: every float16 and bfloat16 that is not NaN survives the round trip; a NaN becomes the quiet NaN
        h16 back = floatToHalfBits(halfBitsToFloat((h16) h));
        bool nan = (h & 0x7C00u) == 0x7C00u && (h & 0x3FFu) != 0;
        CHECK(back == (nan ? (h16) ((h & 0x8000u) | 0x7E00u) : (h16) h), "float16 0x%04x round trip: 0x%04x", h, back);
        h16 bback = floatToBf16Bits(bf16BitsToFloat((h16) h));
        bool bnan = (h & 0x7F80u) == 0x7F80u && (h & 0x7Fu) != 0;
        CHECK(bback == (bnan ? (h16) 0x7FC0 : (h16) h), "bfloat16 0x%04x round trip: 0x%04x", h, bback);
    }
}

// ---- the CPU backend's results, through the real kernels
static const char* NAMES[10] = {"u8", "ui8", "i8", "i16", "i32", "i64", "f32", "f64", "f16", "bf16"};
static const int SIZES[10] = {1, 1, 1, 2, 4, 8, 4, 8, 2, 2};
typedef void (*CopyFn)(Geo, const void*, void*);
static CopyFn table[10][10];
#define REG(SN, SK, DN, DK) table[SK::k][DK::k] = [](Geo g, const void* s, void* d) { hcopy_##SN##_##DN(g, (const SK::T*) s, (DK::T*) d); };
#define REG_TO(SN, SK) REG(SN, SK, f16, HF16) REG(SN, SK, bf16, HBF16)
#define REG_FROM(SN, SK) REG(SN, SK, u8, HB) REG(SN, SK, ui8, HU8) REG(SN, SK, i8, HI8) REG(SN, SK, i16, HI16) \
    REG(SN, SK, i32, HI32) REG(SN, SK, i64, HI64) REG(SN, SK, f32, HF32) REG(SN, SK, f64, HF64)
static void registerKernels() {
    REG_TO(u8, HB) REG_TO(ui8, HU8) REG_TO(i8, HI8) REG_TO(i16, HI16) REG_TO(i32, HI32) REG_TO(i64, HI64)
    REG_TO(f32, HF32) REG_TO(f64, HF64) REG_TO(f16, HF16) REG_TO(bf16, HBF16)
    REG_FROM(f16, HF16) REG_FROM(bf16, HBF16)
}

static std::vector<unsigned char> readAll(const char* path) {
    FILE* f = fopen(path, "rb");
    if (!f) { printf("cannot open %s\n", path); exit(2); }
    std::vector<unsigned char> b;
    unsigned char buf[1 << 16];
    size_t r;
    while ((r = fread(buf, 1, sizeof buf, f)) > 0) b.insert(b.end(), buf, buf + r);
    fclose(f);
    return b;
}

static int records = 0;
static long elements = 0;

static void copyRecord(int sk, int dk, int n, const unsigned char* src, const unsigned char* expected) {
    CopyFn fn = table[sk][dk];
    CHECK(fn != nullptr, "no kernel copy_%s_%s", NAMES[sk], NAMES[dk]);
    if (!fn) return;
    int ss = SIZES[sk], ds = SIZES[dk];
    // contiguous
    std::vector<unsigned char> out((size_t) n * ds, 0xAB);
    Geo g = makeGeo({contiguous({n}), contiguous({n})});
    emuLaunch(2, 32, [&] { fn(g, src, out.data()); });
    long bad = 0;
    for (int i = 0; i < n; i++) {
        if (memcmp(&out[(size_t) i * ds], expected + (size_t) i * ds, ds) != 0) {
            if (bad++ < 3) {
                unsigned long long got = 0, want = 0, in = 0;
                memcpy(&got, &out[(size_t) i * ds], ds); memcpy(&want, expected + (size_t) i * ds, ds);
                memcpy(&in, src + (size_t) i * ss, ss);
                CHECK(false, "copy_%s_%s element %d: source 0x%llx gave 0x%llx, the CPU 0x%llx", NAMES[sk], NAMES[dk], i, in, got, want);
            }
        }
    }
    checks++;
    if (bad) { fails++; printf("FAIL copy_%s_%s: %ld of %d elements differ from the CPU\n", NAMES[sk], NAMES[dk], bad, n); }
    // strided: the source from offset 1, the destination every other element from offset 3
    std::vector<unsigned char> s2((size_t) (n + 1) * ss);
    memcpy(&s2[ss], src, (size_t) n * ss);
    std::vector<unsigned char> d2((size_t) (2 * n + 3) * ds, 0xCD);
    L sl = contiguous({n}, 1);
    L dl; dl.shape = {n}; dl.strides = {2}; dl.offset = 3;
    Geo g2 = makeGeo({dl, sl});
    emuLaunch(2, 32, [&] { fn(g2, s2.data(), d2.data()); });
    long bad2 = 0;
    for (int i = 0; i < n; i++) {
        if (memcmp(&d2[(size_t) (3 + 2 * i) * ds], expected + (size_t) i * ds, ds) != 0) bad2++;
        if (i < n - 1) for (int b = 0; b < ds; b++) bad2 += d2[(size_t) (4 + 2 * i) * ds + b] != 0xCD;
    }
    for (int b = 0; b < 3 * ds; b++) if (d2[b] != 0xCD) bad2++;
    CHECK(bad2 == 0, "copy_%s_%s strided: %ld elements or gaps differ", NAMES[sk], NAMES[dk], bad2);
    records++;
    elements += n;
}

static void fillRecord(int dk, int n, const unsigned char* src, const unsigned char* expected) {
    int ds = SIZES[dk];
    long bad = 0;
    Geo g = makeGeo({contiguous({1})});
    gridDim = {1, 1, 1}; blockDim = {1, 1, 1}; threadIdx = {0, 0, 0}; blockIdx = {0, 0, 0};
    for (int i = 0; i < n; i++) {
        double v;
        memcpy(&v, src + (size_t) i * 8, 8);
        h16 out = 0xABCD;
        if (dk == HK_F16) fill_f16(g, v, 0, &out); else fill_bf16(g, v, 0, &out);
        if (memcmp(&out, expected + (size_t) i * ds, 2) != 0 && bad++ < 3) {
            h16 want; memcpy(&want, expected + (size_t) i * ds, 2);
            printf("FAIL fill_%s(%.17g): 0x%04x, the CPU 0x%04x\n", NAMES[dk], v, out, want);
        }
    }
    checks++;
    if (bad) { fails++; printf("FAIL fill_%s: %ld of %d values differ from the CPU\n", NAMES[dk], bad, n); }
    records++;
    elements += n;
}

static void whereBits() {
    std::mt19937 rng(18);
    int n = 1000;
    std::vector<h16> a(n), b(n), o(n);
    std::vector<u8> c(n);
    for (int i = 0; i < n; i++) { a[i] = (h16) rng(); b[i] = (h16) (0x7C01 + rng() % 0x3FE); c[i] = rng() & 1; }
    Geo g = makeGeo({contiguous({n}), contiguous({n}), contiguous({n}), contiguous({n})});
    emuLaunch(2, 32, [&] { where_h16(g, c.data(), a.data(), b.data(), o.data()); });
    long bad = 0;
    for (int i = 0; i < n; i++) bad += o[i] != (c[i] ? a[i] : b[i]);
    CHECK(bad == 0, "where_h16: %ld elements are not the chosen operand's bits", bad);
}

int main(int argc, char** argv) {
    registerKernels();
    exhaustive();
    whereBits();
    if (argc > 1) {
        std::vector<unsigned char> file = readAll(argv[1]);
        size_t p = 0;
        while (p + 16 <= file.size()) {
            int h[4];
            memcpy(h, &file[p], 16);
            p += 16;
            int sk = h[0], dk = h[1], n = h[2], mode = h[3];
            const unsigned char* src = &file[p];
            p += (size_t) n * SIZES[sk];
            const unsigned char* expected = &file[p];
            p += (size_t) n * SIZES[dk];
            if (p > file.size()) { printf("FAIL truncated file\n"); fails++; break; }
            if (mode == 0) copyRecord(sk, dk, n, src, expected); else fillRecord(dk, n, src, expected);
        }
        printf("%d records of the CPU backend, %ld elements\n", records, elements);
    }
    printf("%ld checks, %ld failures\n", checks, fails);
    return 0;
}
