package dev.ember;

import dev.ember.backend.AvxMathfunConstants;
import dev.ember.backend.CpuCapability;
import dev.ember.backend.Layout;
import dev.ember.backend.RandomKind;

import static dev.ember.backend.AvxMathfunConstants.COS_P0;
import static dev.ember.backend.AvxMathfunConstants.COS_P1;
import static dev.ember.backend.AvxMathfunConstants.COS_P2;
import static dev.ember.backend.AvxMathfunConstants.DP1;
import static dev.ember.backend.AvxMathfunConstants.DP2;
import static dev.ember.backend.AvxMathfunConstants.DP3;
import static dev.ember.backend.AvxMathfunConstants.FOPI;
import static dev.ember.backend.AvxMathfunConstants.LOG_Q1;
import static dev.ember.backend.AvxMathfunConstants.LOG_Q2;
import static dev.ember.backend.AvxMathfunConstants.SIN_P0;
import static dev.ember.backend.AvxMathfunConstants.SIN_P1;
import static dev.ember.backend.AvxMathfunConstants.SIN_P2;
import static dev.ember.backend.AvxMathfunConstants.SQRTHF;
import static dev.ember.backend.AvxMathfunConstants.TWO_PI;

/**
 * PyTorch's CPU random kernels over its MT19937 engine ({@link Mt19937}), element for element: what a generator of
 * {@link Generator.Algorithm#MT19937} draws for CPU tensors, so that a seed gives PyTorch's CPU numbers. The rules, from
 * ATen's {@code cpu/DistributionTemplates.h}, {@code DistributionsHelper.h} and {@code TransformationHelper.h}, checked
 * against PyTorch's output value by value (RandomMt19937Test):
 * <ul>
 *   <li>uniform on [from, to): {@code (word & (2^d - 1)) * 2^-d} with d the type's significand bits (24 float,
 *       53 double from a 64-bit draw, 11 half, 8 bfloat16), then {@code x * (to - from) + from} in the type's
 *       accumulation type (float for half and bfloat16, with {@code to - from} rounded to the type), fused as PyTorch's
 *       x86 builds compile it (one rounding);
 *   <li>normal: a contiguous tensor of 16 or more fills every element with a uniform number, then Box-Muller over each
 *       run of 16 (the first 8 give the radii, the last 8 the angles; a tail shorter than 16 redraws the last 16 and
 *       transforms them again), in the tensor's type; otherwise each element is {@code normal_distribution<double>}
 *       with the generator's cached second sample;
 *   <li>integers on [from, to): {@code word % (to - from) + from}, the word 64 bits for a range of 2^32 or more in
 *       int64, double, float and bfloat16, else 32;
 *   <li>Bernoulli(p): {@code uniform double < p}; exponential(lambda): {@code -1 / lambda * log1p(-u)} (2.x's
 *       {@code transformation::exponential}; 1.13's {@code log(1 - u)} is the same number but where the two libm
 *       functions round differently, 1 - u being exact for a 53-bit u).
 * </ul>
 * Values are drawn in the order of the tensor's memory (TensorIterator's order), one element after another.
 *
 * <p>PyTorch's kernels are compiled once per CPU capability and it runs the machine's ({@link CpuCapability}); these
 * follow the same one. The products and sums above are fused (one rounding) as GCC compiles them where the build has
 * FMA (AVX2 and AVX512), rounded twice on DEFAULT. The float32 normal fill takes its log, sine and cosine from
 * avx_mathfun's polynomials on AVX2 and AVX512 (ported here lane for lane, with GCC's fusions: bit for bit) and from the
 * C library on DEFAULT, whose last bit Java's functions may not share (the uniform numbers under them are the same).
 * PyTorch builds with MKL draw {@code bernoulli_(p)} and {@code exponential_} from MKL's own stream instead; these
 * follow the builds without it (as PyTorch's own kernels).
 */
final class TorchCpuRandom {
    private TorchCpuRandom() {
    }

    /**
     * Whether PyTorch 2.x's random kernels dispatch {@code dtype}: not fp8, not uint16/32/64. The callers send those on to
     * the Philox path, whose kernels refuse them with PyTorch's messages.
     */
    static boolean dispatches(DType dtype) {
        return !dtype.isFloat8() && !dtype.isBarebonesUnsigned();
    }

    /** The capability whose kernels the draws follow, read once. */
    private static final String CAPABILITY = CpuCapability.value();

    /** A fresh contiguous CPU tensor of {@code shape} and {@code dtype} (real) drawn from {@code kind}. */
    static Tensor random(RandomKind kind, int[] shape, DType dtype, double a, double b, Mt19937 mt) {
        return random(kind, shape, dtype, a, b, mt, CAPABILITY);
    }

    /** {@link #random} as PyTorch's kernels of {@code capability} ("AVX512", "AVX2" or "DEFAULT") draw it. */
    static Tensor random(RandomKind kind, int[] shape, DType dtype, double a, double b, Mt19937 mt, String capability) {
        int n = Shapes.toSize(Layout.numel(shape), "numel");
        return fill(kind, shape, dtype, a, b, mt, n, true, capability);
    }

    private static Tensor fill(RandomKind kind, int[] shape, DType dtype, double a, double b, Mt19937 mt, int n,
                               boolean contiguous, String capability) {
        boolean fused = CpuCapability.fusesMultiplyAdd(capability);
        switch (kind) {
            case UNIFORM:
                return uniform(shape, dtype, a, b, mt, n, fused);
            case NORMAL:
                return normal(shape, dtype, a, b, mt, n, contiguous, capability);
            case INTEGERS:
                return integers(shape, dtype, (long) a, (long) b, mt, n);
            case BERNOULLI:
                return bernoulli(shape, dtype, a, mt, n);
            case EXPONENTIAL: {
                double[] v = new double[n];
                mt.uniformDoubles(v, 0, n);
                for (int i = 0; i < n; i++) {
                    v[i] = -1.0 / a * Math.log1p(-v[i]);
                }
                return fromDoubles(v, shape, dtype);
            }
            default:
                throw new IllegalStateException("no MT19937 kernel for " + kind);
        }
    }

    /**
     * {@code like}'s shape and type drawn in the order of its memory (as PyTorch's in-place kernels iterate it): drawn
     * contiguous over its dimensions ordered by decreasing stride, then viewed back in its own order.
     */
    static Tensor randomLike(RandomKind kind, Tensor like, DType dtype, double a, double b, Mt19937 mt) {
        if (like.isContiguous()) {
            return random(kind, like.shape, dtype, a, b, mt);
        }
        return inMemoryOrder(like, (shape, n) -> fill(kind, shape, dtype, a, b, mt, n, false, CAPABILITY));
    }

    /**
     * A complex tensor of {@code like}'s shape and strides (a strided, non-overlapping and dense complex tensor) drawn
     * as PyTorch's {@code uniform_} / {@code normal_} draw it: the real kernel fills {@code view_as_real} of it, a
     * strided real tensor, in the order of its memory (the serial normal, not the 16-wide fill); uniform on
     * {@code [a, b)}, normal with mean {@code a} and {@code std b / sqrt(2)} for both parts.
     */
    static Tensor complexLike(RandomKind kind, Tensor like, double a, double b, Mt19937 mt) {
        double scale = ComplexRandom.partScale(kind, b);
        DType real = like.dtype.toReal();
        return inMemoryOrder(like, (shape, n) -> {
            int[] pairs = java.util.Arrays.copyOf(shape, shape.length + 1);
            pairs[shape.length] = 2;
            int values = Shapes.toSize(2L * n, "numel");
            return ComplexOps.adopt(fill(kind, pairs, real, a, scale, mt, values, false, CAPABILITY));
        });
    }

    /**
     * {@code like}'s shape filled by {@code fill} in the order of its memory: {@code fill} gets the dimensions ordered by
     * decreasing stride and the element count, and its contiguous result is viewed back in {@code like}'s order.
     */
    static Tensor inMemoryOrder(Tensor like, java.util.function.BiFunction<int[], Integer, Tensor> fill) {
        int n = Shapes.toSize(Layout.numel(like.shape), "numel");
        if (like.isContiguous()) {
            return fill.apply(like.shape.clone(), n);
        }
        int rank = like.shape.length;
        int[] perm = memoryOrder(like.layout.strides());
        int[] permuted = new int[rank];
        for (int i = 0; i < rank; i++) {
            permuted[i] = like.shape[perm[i]];
        }
        int[] inverse = new int[rank];
        for (int i = 0; i < rank; i++) {
            inverse[perm[i]] = i;
        }
        return fill.apply(permuted, n).permute(inverse);
    }

    /**
     * The dimensions ordered by decreasing stride (ties keep their order): the order in which PyTorch's serial kernels
     * visit a tensor of these strides, row-major over the permuted dimensions.
     */
    static int[] memoryOrder(int[] strides) {
        int rank = strides.length;
        Integer[] order = new Integer[rank];
        for (int i = 0; i < rank; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (x, y) -> Integer.compare(strides[y], strides[x])); // stable
        int[] perm = new int[rank];
        for (int i = 0; i < rank; i++) {
            perm[i] = order[i];
        }
        return perm;
    }

    /**
     * {@code random_()} and the integer fills whose end is not a double ({@code 2^53 + 1} for float64, {@code 2^63} for
     * int64, passed as {@code Long.MIN_VALUE}): {@code word % (to - from) + from} in {@code like}'s memory order, the range
     * read as unsigned.
     */
    static Tensor integersLike(Tensor like, long from, long to, Mt19937 mt) {
        return inMemoryOrder(like, (shape, n) -> integers(shape, like.dtype, from, to, mt, n));
    }

    /**
     * {@code log_normal_(mean, std)}: ATen's serial {@code lognormal_distribution<double>}, {@code exp} of
     * {@code normal_distribution<double>(mean, std)} (the generator's cached second sample included) for each element in
     * memory order, rounded to {@code like}'s type.
     */
    static Tensor logNormalLike(Tensor like, double mean, double std, Mt19937 mt) {
        return inMemoryOrder(like, (shape, n) -> {
            double[] v = new double[n];
            for (int i = 0; i < n; i++) {
                v[i] = Math.exp(Math.fma(mt.normalDouble(), std, mean));
            }
            return fromDoubles(v, shape, like.dtype);
        });
    }

    /**
     * ATen's CPU {@code multinomial} on its generator: {@code p} holds {@code rows} rows of {@code categories}
     * probabilities, already checked. With replacement (more than one sample): each row's cumulative sums in the type's
     * accumulation ({@code float} but for double), divided by the sum, the last set to 1, and a binary search of each
     * sample's uniform double ({@code multinomial_with_replacement_apply}). Otherwise PyTorch's exponential trick: q of
     * the input's type drawn by {@code exponential_(1)} over the whole input in order, then the {@code numSamples} largest
     * {@code p / q} of each row by PyTorch's CPU topk (libstdc++'s order among equal keys; argmax for one sample, the
     * first of equal ones).
     */
    static long[] multinomial(double[] p, int rows, int categories, int numSamples, boolean replacement, DType dtype,
                              Mt19937 mt) {
        long[] out = new long[rows * numSamples];
        boolean single = dtype == DType.FLOAT64;
        if (replacement && numSamples > 1) {
            double[] cdf = new double[categories];
            for (int r = 0; r < rows; r++) {
                double sum = 0;
                for (int c = 0; c < categories; c++) {
                    sum = single ? sum + p[r * categories + c] : (float) (sum + (float) p[r * categories + c]);
                    cdf[c] = sum;
                }
                for (int c = 0; c < categories; c++) {
                    cdf[c] = single ? cdf[c] / sum : (float) (cdf[c] / sum);
                }
                cdf[categories - 1] = 1;
                for (int j = 0; j < numSamples; j++) {
                    double u = mt.uniformDouble();
                    int left = 0;
                    int right = categories;
                    while (right - left > 0) {
                        int mid = left + (right - left) / 2;
                        if (cdf[mid] < u) {
                            left = mid + 1;
                        } else {
                            right = mid;
                        }
                    }
                    out[r * numSamples + j] = left;
                }
            }
            return out;
        }
        int n = rows * categories;
        double[] key = new double[n];
        for (int i = 0; i < n; i++) {
            double q = TypeRound.of(-1.0 * Math.log1p(-mt.uniformDouble()), dtype); // exponential_(1) in the input's type
            key[i] = TypeRound.of(TypeRound.of(p[i], dtype) / q, dtype);
        }
        if (numSamples == 1) {
            // argmax(p / q): the first of the largest
            for (int r = 0; r < rows; r++) {
                int at = r * categories;
                int best = 0;
                for (int c = 1; c < categories; c++) {
                    if (key[at + c] > key[at + best]) {
                        best = c;
                    }
                }
                out[r] = best;
            }
            return out;
        }
        // topk(p / q, numSamples): PyTorch's CPU topk, whose order among equal keys (the zero weights' 0, all tied) is
        // the one libstdc++'s nth_element and sort (or partial_sort) leave; the keys, rounded to the input's type, are
        // compared in float64 as PyTorch compares them in the type (or float for the half types)
        Tensor keys = Creation.fromFlat(key, new int[] {rows, categories}, DType.FLOAT64, Device.CPU);
        long[] idx = keys.topk(numSamples, 1, true, true).indices().toLongArray();
        System.arraycopy(idx, 0, out, 0, out.length);
        return out;
    }

    // ------------------------------------------------------------------ bernoulli

    /**
     * {@code -Dember.random.bernoulliDoubles=true}: bool and float32 Bernoulli draws form each uniform double and compare
     * it with p (the old path) instead of comparing its 53 bits with a threshold ({@link Mt19937#bernoulliBools}); the
     * draws are the same.
     */
    static final String BERNOULLI_DOUBLES_PROPERTY = "ember.random.bernoulliDoubles";

    /**
     * Bernoulli(p): {@code uniform double < p} per element, written as 1 or 0 straight into an array of the type where
     * it is bool, float32 or float64 (dropout's mask, {@code bernoulli_} of a float tensor), else through int64.
     */
    private static Tensor bernoulli(int[] shape, DType dtype, double p, Mt19937 mt, int n) {
        if (!Boolean.getBoolean(BERNOULLI_DOUBLES_PROPERTY)) {
            if (dtype == DType.BOOL) {
                boolean[] v = new boolean[n];
                mt.bernoulliBools(v, 0, n, p);
                return Creation.adopt(v, shape.clone(), DType.BOOL);
            }
            if (dtype == DType.FLOAT32) {
                float[] v = new float[n];
                mt.bernoulliFloats(v, 0, n, p);
                return Creation.adopt(v, shape.clone(), DType.FLOAT32);
            }
        }
        double[] u = new double[Math.min(n, 512)];
        switch (dtype) {
            case BOOL: {
                boolean[] v = new boolean[n];
                for (int i = 0; i < n; i += u.length) {
                    int k = Math.min(u.length, n - i);
                    mt.uniformDoubles(u, 0, k);
                    for (int j = 0; j < k; j++) {
                        v[i + j] = u[j] < p;
                    }
                }
                return Creation.adopt(v, shape.clone(), DType.BOOL);
            }
            case FLOAT32: {
                float[] v = new float[n];
                for (int i = 0; i < n; i += u.length) {
                    int k = Math.min(u.length, n - i);
                    mt.uniformDoubles(u, 0, k);
                    for (int j = 0; j < k; j++) {
                        v[i + j] = u[j] < p ? 1f : 0f;
                    }
                }
                return Creation.adopt(v, shape.clone(), DType.FLOAT32);
            }
            case FLOAT64: {
                double[] v = new double[n];
                mt.uniformDoubles(v, 0, n);
                for (int i = 0; i < n; i++) {
                    v[i] = v[i] < p ? 1 : 0;
                }
                return Creation.adopt(v, shape.clone(), DType.FLOAT64);
            }
            default: {
                long[] v = new long[n];
                for (int i = 0; i < n; i += u.length) {
                    int k = Math.min(u.length, n - i);
                    mt.uniformDoubles(u, 0, k);
                    for (int j = 0; j < k; j++) {
                        v[i + j] = u[j] < p ? 1 : 0;
                    }
                }
                return ArithmeticOps.cast(Creation.adopt(v, shape.clone(), DType.INT64), dtype);
            }
        }
    }

    // ------------------------------------------------------------------ uniform

    private static Tensor uniform(int[] shape, DType dtype, double from, double to, Mt19937 mt, int n, boolean fused) {
        switch (dtype) {
            case FLOAT64: {
                double range = to - from;
                double[] v = new double[n];
                mt.uniformDoubles(v, 0, n);
                for (int i = 0; i < n; i++) {
                    double x = v[i];
                    v[i] = CpuCapability.mulAdd(fused, x, range, from);
                }
                return Creation.adopt(v, shape.clone(), DType.FLOAT64);
            }
            case FLOAT32: {
                float f = (float) from;
                float range = (float) to - f;
                float[] v = new float[n];
                mt.uniformFloats(v, 0, n);
                for (int i = 0; i < n; i++) {
                    float x = v[i];
                    v[i] = CpuCapability.mulAdd(fused, x, range, f);
                }
                return Creation.adopt(v, shape.clone(), DType.FLOAT32);
            }
            case FLOAT16:
            case BFLOAT16: {
                boolean half = dtype == DType.FLOAT16;
                float f = reduced(from, half);
                float range = round(reduced(to, half) - f, half); // Half - Half is a Half
                short[] v = new short[n];
                for (int i = 0; i < n; i++) {
                    float x = reducedUniform(mt, half);
                    v[i] = bits(CpuCapability.mulAdd(fused, x, range, f), half);
                }
                return Creation.adopt(v, shape.clone(), dtype);
            }
            default:
                throw new IllegalStateException("uniform of " + dtype);
        }
    }

    // ------------------------------------------------------------------ normal

    private static Tensor normal(int[] shape, DType dtype, double mean, double std, Mt19937 mt, int n, boolean contiguous,
                                 String capability) {
        boolean fused = CpuCapability.fusesMultiplyAdd(capability);
        if (n < 16 || !contiguous) {
            double[] v = new double[n];
            for (int i = 0; i < n; i++) {
                double z = mt.normalDouble();
                v[i] = CpuCapability.mulAdd(fused, z, std, mean);
            }
            return fromDoubles(v, shape, dtype);
        }
        switch (dtype) {
            case FLOAT64: {
                double[] d = new double[n];
                normalFill(n, (from, to) -> mt.uniformDoubles(d, from, to - from), (at, blocks) -> {
                    for (int k = 0; k < blocks; k++) {
                        boxMuller16(d, at + 16 * k, mean, std, fused);
                    }
                });
                return Creation.adopt(d, shape.clone(), DType.FLOAT64);
            }
            case FLOAT32: {
                float[] d = new float[n];
                float m = (float) mean;
                float s = (float) std;
                normalFill(n, (from, to) -> mt.uniformFloats(d, from, to - from), (at, blocks) -> {
                    if (capability.equals("DEFAULT") || !vectorNormalFill
                            || !Tensor.backendFor(Device.CPU).normalFill16Avx2(d, at, blocks, m, s)) {
                        for (int k = 0; k < blocks; k++) {
                            boxMuller16(d, at + 16 * k, m, s, capability);
                        }
                    }
                });
                return Creation.adopt(d, shape.clone(), DType.FLOAT32);
            }
            case FLOAT16:
            case BFLOAT16: {
                boolean half = dtype == DType.FLOAT16;
                float[] d = new float[n]; // the values of the reduced type, held as floats
                float m = reduced(mean, half);
                float s = reduced(std, half);
                normalFill(n, (from, to) -> {
                    for (int i = from; i < to; i++) {
                        d[i] = reducedUniform(mt, half);
                    }
                }, (at, blocks) -> {
                    for (int k = 0; k < blocks; k++) {
                        boxMuller16Reduced(d, at + 16 * k, m, s, half);
                    }
                });
                short[] v = new short[n];
                for (int i = 0; i < n; i++) {
                    v[i] = bits(d[i], half);
                }
                return Creation.adopt(v, shape.clone(), dtype);
            }
            default:
                throw new IllegalStateException("normal of " + dtype);
        }
    }

    /**
     * ATen's normal_fill: a uniform number into each of the n places in order ({@code draw} of a range of places), then
     * the Box-Muller transform over each run of 16 ({@code blocks}, given the first place and the count of runs); a tail
     * shorter than 16 redraws the last 16 places and transforms them again.
     */
    private static void normalFill(int n, RangeDraw draw, Blocks blocks) {
        draw.draw(0, n);
        blocks.transform(0, n / 16);
        if (n % 16 != 0) {
            draw.draw(n - 16, n);
            blocks.transform(n - 16, 1);
        }
    }

    /** The Box-Muller transform of {@code count} runs of 16 places from {@code at}, one run after the other. */
    private interface Blocks {
        void transform(int at, int count);
    }

    /**
     * Whether the float32 fill of the AVX2 and AVX512 kernels takes the backend's lanes
     * ({@link dev.ember.backend.Backend#normalFill16Avx2}) where it has them; false computes each run with the scalar
     * port here (the bits are the same: RandomMt19937VectorFillTest).
     */
    static volatile boolean vectorNormalFill = true;

    /** Uniform numbers drawn in order into the places {@code from} to {@code to - 1} of a fill. */
    private interface RangeDraw {
        void draw(int from, int to);
    }

    /** {@code uniform_real_distribution<Half or BFloat16>(0, 1)}: 11 or 8 bits of a 32-bit word, exact in the type. */
    private static float reducedUniform(Mt19937 mt, boolean half) {
        int digits = half ? 11 : 8;
        return (mt.random() & ((1 << digits) - 1)) * (1.0f / (1 << digits));
    }

    /** ATen's normal_fill_16 in double: radii from the first 8 uniforms, angles from the last 8. */
    private static void boxMuller16(double[] d, int at, double mean, double std, boolean fused) {
        for (int j = 0; j < 8; j++) {
            double u1 = 1 - d[at + j];
            double u2 = d[at + j + 8];
            double radius = Math.sqrt(-2 * Math.log(u1));
            double theta = 2.0 * Math.PI * u2;
            double c = radius * Math.cos(theta);
            double s = radius * Math.sin(theta);
            d[at + j] = CpuCapability.mulAdd(fused, c, std, mean);
            d[at + j + 8] = CpuCapability.mulAdd(fused, s, std, mean);
        }
    }

    /**
     * ATen's float32 normal fill of 16: on AVX2 and AVX512 normal_fill_16_AVX2 (avx_mathfun's log and sincos, the angle
     * a float product, the result an explicit fused multiply-add; PyTorch's AVX512 kernels give the AVX2 kernel's values,
     * checked under ATEN_CPU_CAPABILITY=avx512); on DEFAULT normal_fill_16 (the C library's log, cos and sin on floats,
     * the angle computed in double from the float uniform and rounded to float, nothing fused).
     */
    static void boxMuller16(float[] d, int at, float mean, float std, String capability) {
        boolean fused = CpuCapability.fusesMultiplyAdd(capability);
        boolean avx2 = fused;
        float[] sc = new float[2];
        for (int j = 0; j < 8; j++) {
            float u1 = 1 - d[at + j];
            float u2 = d[at + j + 8];
            float c;
            float s;
            if (avx2) {
                float radius = (float) Math.sqrt(-2f * AvxMathfun.log(u1));
                AvxMathfun.sincos(TWO_PI * u2, sc);
                s = radius * sc[0];
                c = radius * sc[1];
            } else {
                float radius = (float) Math.sqrt(-2 * (float) Math.log(u1));
                float theta = (float) (2.0 * Math.PI * u2);
                c = radius * (float) Math.cos(theta);
                s = radius * (float) Math.sin(theta);
            }
            d[at + j] = CpuCapability.mulAdd(fused, c, std, mean);
            d[at + j + 8] = CpuCapability.mulAdd(fused, s, std, mean);
        }
    }

    /**
     * One lane of avx_mathfun's {@code log256_ps} and {@code sincos256_ps} (Cephes' single-precision log and sin/cos,
     * as Julien Pommier's SSE port vectorizes them), with the roundings GCC's FMA contraction gives PyTorch's AVX2 build:
     * each polynomial step {@code y * x + p} fused, and where a sum adds two products, the first product fused into it
     * (found by comparing PyTorch's output value by value; RandomMt19937Test checks them bit for bit). Rewritten for
     * one lane in Java from avx_mathfun.h (Copyright (C) 2012 Giovanni Garberoglio, based on "sse_mathfun.h" by Julien
     * Pommier; zlib license: this is an altered version, and its origin is that software), with Cephes' coefficients.
     */
    static final class AvxMathfun {
        private static final float[] LOG_P = AvxMathfunConstants.logP();

        private AvxMathfun() {
        }

        /** The natural log; NaN for x <= 0, as the lane's invalid mask gives. */
        static float log(float x) {
            boolean invalid = x <= 0;
            x = Math.max(x, Float.MIN_NORMAL); // denormals cut off
            int bits = Float.floatToRawIntBits(x);
            float e = (float) ((bits >>> 23) - 0x7f) + 1f;
            x = Float.intBitsToFloat((bits & ~0x7f800000) | Float.floatToRawIntBits(0.5f)); // mantissa in [0.5, 1)
            boolean below = x < SQRTHF;
            float tmp = below ? x : 0f;
            x = x - 1f;
            e = e - (below ? 1f : 0f);
            x = x + tmp;
            float z = x * x;
            float y = LOG_P[0];
            for (int i = 1; i < LOG_P.length; i++) {
                y = Math.fma(y, x, LOG_P[i]);
            }
            float yx = y * x;
            y = Math.fma(yx, z, e * LOG_Q1);
            y = Math.fma(-0.5f, z, y);
            x = x + y;
            x = Math.fma(e, LOG_Q2, x);
            return invalid ? Float.NaN : x;
        }

        /** Sine into {@code out[0]} and cosine into {@code out[1]}. */
        static void sincos(float x, float[] out) {
            boolean signSin = (Float.floatToRawIntBits(x) & 0x80000000) != 0;
            x = Math.abs(x);
            float y = x * FOPI;
            int j = (int) y;
            j = (j + 1) & ~1;
            y = (float) j;
            boolean swapSin = (j & 4) != 0;
            boolean sinPoly = (j & 2) == 0;
            x = Math.fma(y, DP1, x); // extended-precision modular arithmetic
            x = Math.fma(y, DP2, x);
            x = Math.fma(y, DP3, x);
            boolean signCos = (~(j - 2) & 4) != 0;
            signSin ^= swapSin;
            float z = x * x;
            float yc = Math.fma(COS_P0, z, COS_P1);
            yc = Math.fma(yc, z, COS_P2);
            float ycz = yc * z;
            yc = Math.fma(ycz, z, -(z * 0.5f));
            yc = yc + 1f;
            float ys = Math.fma(SIN_P0, z, SIN_P1);
            ys = Math.fma(ys, z, SIN_P2);
            ys = ys * z;
            ys = Math.fma(ys, x, x);
            float s = sinPoly ? ys : yc;
            float c = sinPoly ? yc : ys;
            out[0] = signSin ? -s : s;
            out[1] = signCos ? -c : c;
        }
    }

    /**
     * ATen's normal_fill_16 in Half or BFloat16 as PyTorch 2.x compiles it: every step a value of the type (c10's
     * arithmetic operators of two such values, and the {@code std::log}, {@code sqrt}, {@code cos} and {@code sin}
     * overloads of {@code c10/util/BFloat16-math.h}, compute in float and round to the type); PyTorch 1.13 had those
     * overloads for bfloat16 only, so its float16 fill rounded fewer intermediates.
     */
    private static void boxMuller16Reduced(float[] d, int at, float mean, float std, boolean half) {
        for (int j = 0; j < 8; j++) {
            float u1 = round(1 - d[at + j], half);
            float u2 = d[at + j + 8];
            float log = round((float) Math.log(u1), half);
            float radius = round((float) Math.sqrt(round(-2 * log, half)), half);
            float theta = round((float) (2.0 * Math.PI * u2), half);
            float cos = round((float) Math.cos(theta), half);
            float sin = round((float) Math.sin(theta), half);
            d[at + j] = round(round(round(radius * cos, half) * std, half) + mean, half);
            d[at + j + 8] = round(round(round(radius * sin, half) * std, half) + mean, half);
        }
    }

    // ------------------------------------------------------------------ integers

    private static Tensor integers(int[] shape, DType dtype, long from, long to, Mt19937 mt, int n) {
        long range = to - from; // as uint64_t
        boolean wide = Long.compareUnsigned(range, 1L << 32) >= 0 && (dtype == DType.INT64 || dtype == DType.FLOAT64
                || dtype == DType.FLOAT32 || dtype == DType.BFLOAT16);
        long[] v = new long[n];
        if (wide) {
            for (int i = 0; i < n; i++) {
                v[i] = Long.remainderUnsigned(mt.random64(), range) + from;
            }
        } else {
            int[] w = new int[Math.min(n, 1024)];
            boolean direct = range > 0 && range < 1L << 32 && !Boolean.getBoolean(DIVIDE_REMAINDER_PROPERTY);
            long inverse = direct ? remainderInverse(range) : 0;
            for (int i = 0; i < n; i += w.length) {
                int k = Math.min(w.length, n - i);
                mt.words(w, 0, k);
                if (direct) {
                    for (int j = 0; j < k; j++) {
                        v[i + j] = remainder32(w[j] & 0xFFFFFFFFL, range, inverse) + from;
                    }
                    continue;
                }
                for (int j = 0; j < k; j++) {
                    long word = w[j] & 0xFFFFFFFFL;
                    // a positive range: the signed remainder of the non-negative word is the unsigned one
                    v[i + j] = (range > 0 ? word % range : Long.remainderUnsigned(word, range)) + from;
                }
            }
        }
        Tensor t = Creation.adopt(v, shape.clone(), DType.INT64);
        return dtype == DType.INT64 ? t : ArithmeticOps.cast(t, dtype);
    }

    /**
     * {@code -Dember.random.divideRemainder=true}: the integer draws' {@code word % range} by division (the old path)
     * instead of {@link #remainder32}'s products; the values are the same.
     */
    static final String DIVIDE_REMAINDER_PROPERTY = "ember.random.divideRemainder";

    /** {@link #remainder32}'s constant for {@code range} in [1, 2^32): {@code floor((2^64 - 1) / range) + 1}, mod 2^64. */
    static long remainderInverse(long range) {
        return Long.divideUnsigned(-1L, range) + 1;
    }

    /**
     * {@code word % range} for a 32-bit {@code word} and a {@code range} in [1, 2^32) without a division (Lemire, Kaser
     * and Kurz, "Faster remainder by direct computation", 2019: exact for every such word and range with a 64-bit
     * {@code inverse} from {@link #remainderInverse}): the fraction {@code inverse * word} mod 2^64, times range, its
     * high 64 bits.
     */
    static long remainder32(long word, long range, long inverse) {
        long fraction = inverse * word;
        // the unsigned high product of fraction and the positive range: the signed one, plus range where fraction's
        // top bit is set
        return Math.multiplyHigh(fraction, range) + ((fraction >> 63) & range);
    }

    /**
     * A fresh contiguous tensor of integers on [from, to) (PyTorch's {@code random_from_to}, the range read as unsigned),
     * with the bounds exact as longs (a double would round those beyond 2^53).
     */
    static Tensor integers(int[] shape, DType dtype, long from, long to, Mt19937 mt) {
        return integers(shape, dtype, from, to, mt, Shapes.toSize(Layout.numel(shape), "numel"));
    }

    /** {@code randperm}'s shuffle on the engine: {@code r[i]} swapped with {@code r[i + random() % (n - i)]}. */
    static long[] permutation(int n, Mt19937 mt) {
        long[] r = new long[n];
        for (int i = 0; i < n; i++) {
            r[i] = i;
        }
        int[] w = new int[Math.min(Math.max(n - 1, 1), 1024)];
        for (int i = 0; i < n - 1; i++) {
            int at = i % w.length;
            if (at == 0) {
                mt.words(w, 0, Math.min(w.length, n - 1 - i));
            }
            int z = (int) ((w[at] & 0xFFFFFFFFL) % (n - i));
            long t = r[i];
            r[i] = r[i + z];
            r[i + z] = t;
        }
        return r;
    }

    // ------------------------------------------------------------------ helpers

    private static Tensor fromDoubles(double[] v, int[] shape, DType dtype) {
        Tensor t = Creation.adopt(v, shape.clone(), DType.FLOAT64);
        return dtype == DType.FLOAT64 ? t : ArithmeticOps.cast(t, dtype);
    }

    /** A double rounded to float16 or bfloat16, as a float. */
    private static float reduced(double v, boolean half) {
        return round((float) v, half); // static_cast<Half>(double) goes through float
    }

    private static float round(float v, boolean half) {
        return half ? Half.toFloat(Half.fromFloat(v)) : BFloat16.toFloat(BFloat16.fromFloat(v));
    }

    private static short bits(float v, boolean half) {
        return half ? Half.fromFloat(v) : BFloat16.fromFloat(v);
    }
}
