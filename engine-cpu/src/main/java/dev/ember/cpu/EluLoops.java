package dev.ember.cpu;

/**
 * The contiguous runs of {@link EluKernels} on lanes; its one implementation, {@code VectorEluLoops}, is written on the
 * Vector API and loaded only where the JVM has it. Each method computes, lane by lane, the same operations in the same
 * order as {@link EluKernels}'s element functions, so the bits do not depend on where a run's vector part ends; the
 * output may be the input itself at the same offset (the in-place forms).
 */
interface EluLoops {
    /** {@code o = x > 0 ? x : x * s} (g null) or {@code o = x > 0 ? g : g * s}, over n elements. */
    void leakyRelu(float[] g, int go, float[] x, int xo, float s, float[] o, int oo, int n);

    /** {@link #leakyRelu(float[], int, float[], int, float, float[], int, int)} in float64. */
    void leakyRelu(double[] g, int go, double[] x, int xo, double s, double[] o, int oo, int n);

    /**
     * elu_backward on the input, float32, PyTorch's vectorized form over n elements (the vector part of a contiguous
     * run): {@code x > 0 ? g * scale : ((g * ni) * nc) * exp(x * ni)}, exp Sleef's ({@link SleefFloat#exp}).
     */
    void eluBackwardInput(float[] g, int go, float[] x, int xo, float nc, float scale, float ni, float[] o, int oo,
                          int n);

    /**
     * Replaces each of {@code d[0..n)}, each a float's value, by a double that rounds to the float
     * {@code (float) Math.expm1(d[i])} rounds to (the float32 {@code expm1}'s bits; see
     * {@link EluKernels#expm1Floats}).
     */
    void expm1(double[] d, int n);

    /**
     * PyTorch 2.x's vectorized float32 elu forward over n elements (the vector part of a contiguous run):
     * {@code x >= 0 ? x * scale : expm1(x * is) * nc}, Sleef's expm1 ({@link SleefFloat#elu}).
     */
    void eluSleef(float[] x, int xo, float nc, float scale, float is, float[] o, int oo, int n);

    /** {@code o = expm1(x)} over n elements, Sleef_expm1f8_u10's bits ({@link SleefFloat#expm1}). */
    void expm1Sleef(float[] x, int xo, float[] o, int oo, int n);

    /**
     * elu_backward on the result over the vector part of a contiguous run, PyTorch's vectorized form:
     * {@code r > 0 ? g * scale : (g * is) * (r + nc)} (a NaN result gives NaN).
     */
    void eluBackwardResult(float[] g, int go, float[] r, int ro, float nc, float scale, float is, float[] o, int oo,
                           int n);

    /** {@link #eluBackwardResult(float[], int, float[], int, float, float, float, float[], int, int)} in float64. */
    void eluBackwardResult(double[] g, int go, double[] r, int ro, double nc, double scale, double is, double[] o,
                           int oo, int n);
}
