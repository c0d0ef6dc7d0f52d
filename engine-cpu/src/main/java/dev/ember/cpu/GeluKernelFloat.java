package dev.ember.cpu;

/**
 * float32 GELU (erf form) and its backward where PyTorch does not hand the tensor to oneDNN ({@link OneDnnGelu}): a
 * one-element tensor, an input that is not contiguous (a transpose, a strided view), in the backward an input (self)
 * that is not contiguous whatever the gradient's layout. {@code gelu_out_cpu} and {@code gelu_backward_out_cpu}
 * (aten/src/ATen/native/Activation.cpp, 1.13 and 2.x alike) call oneDNN only when {@code use_mkldnn(self)}: self
 * contiguous, more than one element, float32. The others run {@code GeluKernelImpl} and {@code GeluBackwardKernelImpl}
 * (aten/src/ATen/native/cpu/Activation.cpp) through {@code cpu_kernel_vec}: on a run that is contiguous for every
 * operand, whole passes of two {@code Vectorized<float>} ({@link SleefFloat#vectorPart}) take the vector form, the
 * rest of the run and every element of a strided run the scalar form.
 *
 * <ul>
 *   <li>Vector form ({@link #gelu}, {@link #geluBackward}): {@code x * 0.5 * (1 + erf(x * M_SQRT1_2))} with
 *   {@code Vectorized<float>::erf} (vec256_float.h: Abramowitz and Stegun's 7.1.26 in fused multiply-adds, its
 *   exponential Sleef_expf8_u10, {@link SleefFloat#exp}); the backward {@code dy * (cdf + x * pdf)} with
 *   {@code pdf = kBeta * exp(x * x * -0.5)}, Sleef's exp again.</li>
 *   <li>Scalar form ({@link #geluLibm}, {@link #geluBackwardLibm}): the same formulas with the C library's
 *   {@code std::erf} and {@code std::exp} (glibc's erff and expf: {@link LibmFloat#erf}, {@link LibmFloat#exp}).</li>
 * </ul>
 *
 * Each method is the kernel's sequence of IEEE float operations, so the same bits: PyTorch 1.13's values on 54,241
 * inputs per path (gelukernel/make_expected.py). The vector loops ({@code VectorGeluErf}) compute the vector form
 * lane-wise. {@code -Dember.cpu.exactTranscendentals=true} ({@link SleefFloat#exact()}) keeps Ember's earlier float
 * formula ({@link ElementwiseKernels#geluFloat}).
 */
final class GeluKernelFloat {
    private GeluKernelFloat() {
    }

    /** {@code scalar_t(M_SQRT1_2)}. */
    static final float ALPHA = (float) 0.70710678118654752440;
    /** {@code scalar_t(M_2_SQRTPI * M_SQRT1_2 * 0.5)}. */
    static final float BETA = (float) (1.12837916709551257390 * 0.70710678118654752440 * 0.5);
    // Vectorized<float>::erf's constants
    static final float P = 0.3275911f;
    static final float A1 = 0.254829592f;
    static final float A2 = -0.284496736f;
    static final float A3 = 1.421413741f;
    static final float A4 = -1.453152027f;
    static final float A5 = 1.061405429f;

    /**
     * {@code Vectorized<float>::erf} for one lane: {@code t = 1 / (p |a| + 1)}, {@code r} Horner's rule in fused
     * multiply-adds, {@code 1 - e t r} as {@code fma(-e * t, r, 1)} with {@code e = exp(-a^2)} (Sleef's), the sign of
     * a by an XOR.
     */
    static float erf(float a) {
        int sign = Float.floatToRawIntBits(a) & Integer.MIN_VALUE;
        float abs = Math.abs(a);
        float t = 1f / Math.fma(P, abs, 1f);
        float r = Math.fma(Math.fma(Math.fma(Math.fma(A5, t, A4), t, A3), t, A2), t, A1);
        float e = SleefFloat.exp(-(a * a));
        float y = Math.fma(-e * t, r, 1f);
        return Float.intBitsToFloat(Float.floatToRawIntBits(y) ^ sign);
    }

    /** GELU's vector form for one lane: {@code x * 0.5 * (1 + erf(x * alpha))}. */
    static float gelu(float x) {
        return x * 0.5f * (1f + erf(x * ALPHA));
    }

    /** GELU's scalar form: the same with glibc's erff. */
    static float geluLibm(float x) {
        return x * 0.5f * (1f + LibmFloat.erf(x * ALPHA));
    }

    /**
     * GELU's backward, vector form for one lane: {@code dy * (cdf + x * pdf)} with {@code cdf + x * pdf} one fused
     * multiply-add (the build contracts the add of a product of {@code Vectorized<float>} operators, as it does in
     * GELU's tanh form, {@link SleefFloat#geluTanh}), {@code pdf = kBeta * exp(x * x * -0.5)} with Sleef's exp.
     */
    static float geluBackward(float dy, float x) {
        float cdf = 0.5f * (1f + erf(x * ALPHA));
        float pdf = BETA * SleefFloat.exp(x * x * -0.5f);
        return dy * Math.fma(x, pdf, cdf);
    }

    /**
     * GELU's backward, scalar form: {@code dy * (cdf + x * pdf)} with glibc's erff and expf, not contracted (PyTorch
     * 1.13's bits on a strided input: gelukernel/make_expected.py).
     */
    static float geluBackwardLibm(float dy, float x) {
        float cdf = 0.5f * (1f + LibmFloat.erf(x * ALPHA));
        float pdf = BETA * LibmFloat.exp(x * x * -0.5f);
        return dy * (cdf + x * pdf);
    }

    /**
     * float32 GELU over a run as PyTorch dispatches it: with {@code oneDnn} (the tensor contiguous with more than one
     * element: {@code use_mkldnn(self)}) oneDNN's kernel on every element ({@link OneDnnGelu}, the vector loops on a
     * contiguous run); otherwise {@code GeluKernelImpl}: on a contiguous run the vector form over
     * {@link SleefFloat#vectorPart} and the scalar form over the rest, on a strided run the scalar form throughout.
     */
    static void forward(boolean oneDnn, float[] x, int xo, int xs, float[] o, int oo, int os, int n) {
        ElementwiseKernels.FloatLoops loops = ElementwiseKernels.loops();
        boolean contiguous = xs == 1 && os == 1;
        if (oneDnn) {
            if (contiguous && loops != null) {
                loops.gelu(x, xo, o, oo, n);
                return;
            }
            for (int i = 0; i < n; i++) {
                o[oo + i * os] = OneDnnGelu.gelu(x[xo + i * xs]);
            }
            return;
        }
        if (contiguous && loops != null) {
            loops.geluKernel(x, xo, o, oo, n);
            return;
        }
        int vector = contiguous ? SleefFloat.vectorPart(n) : 0;
        for (int i = 0; i < n; i++) {
            float v = x[xo + i * xs];
            o[oo + i * os] = i < vector ? gelu(v) : geluLibm(v);
        }
    }

    /**
     * float32 GELU's backward over a run as PyTorch dispatches it ({@code g} the incoming gradient, {@code x} the
     * input): with {@code oneDnn} (the INPUT contiguous with more than one element, whatever the gradient's layout)
     * oneDNN's kernel on every element ({@link OneDnnGelu#geluBackward}); otherwise {@code GeluBackwardKernelImpl}: on
     * a run contiguous for all three the vector form over {@link SleefFloat#vectorPart} and the scalar form over the
     * rest, on a strided run the scalar form throughout.
     */
    static void backward(boolean oneDnn, float[] g, int go, int gs, float[] x, int xo, int xs, float[] o, int oo,
                         int os, int n) {
        ElementwiseKernels.FloatLoops loops = ElementwiseKernels.loops();
        boolean contiguous = gs == 1 && xs == 1 && os == 1;
        if (oneDnn) {
            if (contiguous && loops != null) {
                loops.geluBackward(g, go, x, xo, o, oo, n);
                return;
            }
            for (int i = 0; i < n; i++) {
                o[oo + i * os] = OneDnnGelu.geluBackward(g[go + i * gs], x[xo + i * xs]);
            }
            return;
        }
        if (contiguous && loops != null) {
            loops.geluKernelBackward(g, go, x, xo, o, oo, n);
            return;
        }
        int vector = contiguous ? SleefFloat.vectorPart(n) : 0;
        for (int i = 0; i < n; i++) {
            float dy = g[go + i * gs];
            float v = x[xo + i * xs];
            o[oo + i * os] = i < vector ? geluBackward(dy, v) : geluBackwardLibm(dy, v);
        }
    }
}
