package dev.ember.backend;

/**
 * The constants of avx_mathfun's {@code log256_ps} and {@code sincos256_ps} (Cephes' single-precision log and sin/cos
 * coefficients, as avx_mathfun.h (Copyright (C) 2012 Giovanni Garberoglio, based on "sse_mathfun.h" by Julien Pommier;
 * zlib license) holds them), which PyTorch's AVX2 float32 normal fill uses: one copy for the scalar port
 * ({@code TorchCpuRandom.AvxMathfun}) and the CPU backend's vector lanes, whose results must agree bit for bit.
 *
 * <p>Internal: public only because engine-api's generator and engine-cpu's kernels both read them.
 */
public final class AvxMathfunConstants {
    private AvxMathfunConstants() {
    }

    /** {@code cephes_SQRTHF}. */
    public static final float SQRTHF = 0.707106781186547524f;
    /** {@code cephes_log_q1}. */
    public static final float LOG_Q1 = -2.12194440e-4f;
    /** {@code cephes_log_q2}. */
    public static final float LOG_Q2 = 0.693359375f;
    /** {@code minus_cephes_DP1}. */
    public static final float DP1 = -0.78515625f;
    /** {@code minus_cephes_DP2}. */
    public static final float DP2 = -2.4187564849853515625e-4f;
    /** {@code minus_cephes_DP3}. */
    public static final float DP3 = -3.77489497744594108e-8f;
    /** {@code sincof_p0}. */
    public static final float SIN_P0 = -1.9515295891E-4f;
    /** {@code sincof_p1}. */
    public static final float SIN_P1 = 8.3321608736E-3f;
    /** {@code sincof_p2}. */
    public static final float SIN_P2 = -1.6666654611E-1f;
    /** {@code coscof_p0}. */
    public static final float COS_P0 = 2.443315711809948E-005f;
    /** {@code coscof_p1}. */
    public static final float COS_P1 = -1.388731625493765E-003f;
    /** {@code coscof_p2}. */
    public static final float COS_P2 = 4.166664568298827E-002f;
    /** {@code cephes_FOPI}, 4 / pi. */
    public static final float FOPI = 1.27323954473516f;
    /** {@code _mm256_set1_ps(2.0f * c10::pi<double>)} of PyTorch's fill. */
    public static final float TWO_PI = (float) (2.0 * Math.PI);

    /** {@code cephes_log_p0} to {@code cephes_log_p8}, highest power first (a new array each call). */
    public static float[] logP() {
        return new float[] {7.0376836292E-2f, -1.1514610310E-1f, 1.1676998740E-1f, -1.2420140846E-1f, 1.4249322787E-1f,
            -1.6668057665E-1f, 2.0000714765E-1f, -2.4999993993E-1f, 3.3333331174E-1f};
    }
}
