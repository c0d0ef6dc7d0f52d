package dev.ember.cpu;

/**
 * float32 GELU (erf form) and its backward as PyTorch computes them on a contiguous float32 tensor of more than one
 * element on x86: {@code gelu_out_cpu} and {@code gelu_backward_out_cpu} (aten/src/ATen/native/Activation.cpp, 1.13 and
 * 2.x alike) hand such a tensor to oneDNN's {@code eltwise_gelu_erf} rather than to {@code GeluKernelImpl}. oneDNN's
 * AVX2 kernel (src/cpu/x64/injectors/jit_uni_eltwise_injector.cpp, {@code gelu_erf_compute_vector_fwd} and
 * {@code _bwd}, the same operations from v2.6 through v3.7) computes erf by Abramowitz and Stegun's 7.1.26 with its own
 * exp ({@code exp_compute_vector_fwd}: 2^n times a degree-5 polynomial, not Sleef's, not correctly rounded). Each
 * method here is that kernel's sequence of IEEE float operations, one lane at a time, so the same bits: PyTorch 1.13's
 * values on a million inputs, forward and backward ({@code onednngelu/make_expected.py}). oneDNN's AVX-512 kernel
 * (v3.x) takes a minimax polynomial instead; this is the AVX2 one, the ISA Ember's Sleef ports follow too.
 *
 * <p>The vector loops ({@code VectorOneDnnGelu}) compute the same operations lane-wise and finish a run with these
 * (oneDNN's tail runs the same kernel). {@code -Dember.cpu.exactTranscendentals=true} ({@link SleefFloat#exact()}, read
 * per call) keeps Ember's earlier float formula ({@link ElementwiseKernels#geluFloat}).
 */
final class OneDnnGelu {
    private OneDnnGelu() {
    }

    // oneDNN's table entries, as their bits
    /** {@code exp_ln_flt_min_f}: exp's argument is clamped to it, and below it the result is 0. */
    static final float EXP_LN_FLT_MIN = Float.intBitsToFloat(0xc2aeac50);
    /** {@code exp_ln_flt_max_f}: exp's argument is clamped to it. */
    static final float EXP_LN_FLT_MAX = Float.intBitsToFloat(0x42b17218);
    static final float EXP_LOG2E = Float.intBitsToFloat(0x3fb8aa3b);
    /** {@code -ln2f}: oneDNN subtracts {@code floor * ln2f} by a negated fused multiply-add. */
    static final float EXP_MINUS_LN2 = -Float.intBitsToFloat(0x3f317218);
    /** {@code exp_pol}, p1 to p5 (p0 is 1). */
    static final float EXP_P1 = Float.intBitsToFloat(0x3f7ffffb);
    static final float EXP_P2 = Float.intBitsToFloat(0x3efffee3);
    static final float EXP_P3 = Float.intBitsToFloat(0x3e2aad40);
    static final float EXP_P4 = Float.intBitsToFloat(0x3d2b9d0d);
    static final float EXP_P5 = Float.intBitsToFloat(0x3c07cfce);
    /** {@code gelu_erf_Abramowitz_Stegun_approx_const}, the p of {@code t = 1 / (1 + p |x|)}. */
    static final float ERF_P = Float.intBitsToFloat(0x3ea7ba05);
    static final float ONE_OVER_SQRT_TWO = Float.intBitsToFloat(0x3f3504f3);
    static final float ONE_OVER_SQRT_PI = Float.intBitsToFloat(0x3f106eba);
    /** {@code gelu_erf_Abramowitz_Stegun_pol}, a1 to a5. */
    static final float ERF_A1 = Float.intBitsToFloat(0x3e827906);
    static final float ERF_A2 = Float.intBitsToFloat(0xbe91a98e);
    static final float ERF_A3 = Float.intBitsToFloat(0x3fb5f0e3);
    static final float ERF_A4 = Float.intBitsToFloat(0xbfba00e3);
    static final float ERF_A5 = Float.intBitsToFloat(0x3f87dc22);

    /** Whether GELU's erf form takes this kernel (the default) rather than Ember's earlier float formula. */
    static boolean on() {
        return !SleefFloat.exact();
    }

    /**
     * oneDNN's {@code exp_compute_vector_fwd}: x clamped to [ln FLT_MIN, ln FLT_MAX] (0 below), {@code n = floor(x
     * log2 e + 1/2)}, {@code r = x - n ln 2} (one fused operation), {@code p(r)} of degree 5 by Horner's rule in fused
     * multiply-adds, times {@code 2^(n-1)} from the exponent bits, times 2.
     */
    static float exp(float x) {
        boolean tiny = x < EXP_LN_FLT_MIN;
        // vminps / vmaxps take the bound for a NaN; here the NaN stays, and the result is NaN in GELU either way
        x = Math.max(Math.min(x, EXP_LN_FLT_MAX), EXP_LN_FLT_MIN);
        float n = (float) Math.floor(x * EXP_LOG2E + 0.5f);
        float r = Math.fma(n, EXP_MINUS_LN2, x);
        float scale = tiny ? 0f : Float.intBitsToFloat(((int) (n - 1f) + 127) << 23);
        float p = Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(EXP_P5, r, EXP_P4), r, EXP_P3), r, EXP_P2), r, EXP_P1),
                r, 1f);
        return p * scale * 2f;
    }

    /** {@code 1 - t r(t) e} with the sign of {@code sign}: A and S's erf given {@code e = exp(-x^2)} and t. */
    private static float erf(float sign, float e, float t) {
        float r = Math.fma(Math.fma(Math.fma(Math.fma(ERF_A5, t, ERF_A4), t, ERF_A3), t, ERF_A2), t, ERF_A1);
        float y = Math.fma(-e * t, r, 1f);
        return Float.intBitsToFloat(Float.floatToRawIntBits(y) ^ (Float.floatToRawIntBits(sign) & Integer.MIN_VALUE));
    }

    /** GELU: {@code h + h erf(s / sqrt 2)} with {@code h = s / 2}, one fused operation. */
    static float gelu(float s) {
        float x = s * ONE_OVER_SQRT_TWO;
        float t = 1f / Math.fma(ERF_P, Math.abs(x), 1f);
        float e = exp(-(x * x));
        float half = s * 0.5f;
        return Math.fma(erf(s, e, t), half, half);
    }

    /**
     * GELU's backward, {@code g (1/2 + x e / sqrt pi + erf(x) / 2)} with {@code x = s / sqrt 2}, {@code e =
     * exp(-x^2)}: {@code (x / sqrt pi) e + 1/2} rounded, then {@code erf / 2} added in one fused operation, times g.
     */
    static float geluBackward(float g, float s) {
        float x = s * ONE_OVER_SQRT_TWO;
        float e = exp(-(x * x));
        float p = x * ONE_OVER_SQRT_PI * e + 0.5f;
        float t = 1f / Math.fma(ERF_P, Math.abs(x), 1f);
        return g * Math.fma(erf(x, e, t), 0.5f, p);
    }
}
