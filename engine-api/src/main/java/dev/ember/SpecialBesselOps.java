package dev.ember;

import java.util.function.DoubleUnaryOperator;

/**
 * The Bessel functions and orthogonal polynomials of {@code torch.special} (PyTorch 2.x's kernels in
 * {@link CephesBessel}). PyTorch evaluates them per element, so they are computed on the host in the computation type
 * (float32 in float arithmetic, float64 in double; integer and bool inputs as float32, PyTorch's promotion of integer
 * inputs to float), and a CUDA tensor is copied through the host, as i0, ndtri and erfcx are. float16 and bfloat16 are
 * refused with PyTorch's dispatch error ({@code "bessel_j0_cpu" not implemented for 'Half'}): its kernels dispatch
 * float and double only. derivatives.yaml marks all of them {@code non_differentiable}: the result records no node and
 * does not require grad, whatever the inputs.
 */
final class SpecialBesselOps {
    private SpecialBesselOps() {
    }

    /** A float function (Java has no FloatUnaryOperator). */
    interface FloatOp {
        float apply(float x);
    }

    /** A polynomial kernel in double: {@code P_n(x)}. */
    interface PolyD {
        double apply(double x, long n);
    }

    /** A polynomial kernel in float. */
    interface PolyF {
        float apply(float x, long n);
    }

    private static DType computeType(DType t, String kernel, Device device) {
        DType c = t.isFloatingPoint() || t.isComplex() ? t : Ember.getDefaultDtype();
        if (c != DType.FLOAT32 && c != DType.FLOAT64) {
            ArithmeticOps.refuseType(kernel, device, c);
        }
        return c;
    }

    private static double[] hostValues(Tensor t, DType type, int[] shape) {
        try (GradMode off = Ember.noGrad()) {
            Tensor c = ArithmeticOps.cast(t.detach(), type);
            return (shape == null ? c : c.expand(shape)).toDoubleArray();
        }
    }

    /** A unary function (kernel name {@code kernel}, e.g. "bessel_j0") of {@code a}, elementwise on the host. */
    static Tensor unary(Tensor a, String kernel, DoubleUnaryOperator f64, FloatOp f32) {
        DType t = computeType(a.dtype, kernel, a.device);
        if (a.device.isMeta()) {
            // the meta kernel: the result's shape and type, and the input's strides where they are dense (TensorIterator's)
            return Creation.emptyStrided(a.shape, ShapeOps.preservedStrides(a.shape, a.layout.strides()), t, a.device);
        }
        double[] v = hostValues(a, t, null);
        Object r;
        if (t == DType.FLOAT64) {
            double[] d = new double[v.length];
            for (int i = 0; i < v.length; i++) {
                d[i] = f64.applyAsDouble(v[i]);
            }
            r = d;
        } else {
            float[] f = new float[v.length];
            for (int i = 0; i < v.length; i++) {
                f[i] = f32.apply((float) v[i]);
            }
            r = f;
        }
        return Creation.fromFlat(r, a.shape.clone(), t, a.device);
    }

    /**
     * A polynomial {@code P_n(x)} of {@code x} and {@code n} broadcast together, in their promoted type (integers give
     * float32); {@code n} is read in that type and truncated to an integer, as PyTorch's {@code static_cast<int64_t>}
     * (so a float32 {@code n} is rounded to float first; a negative, NaN or infinite {@code n} gives 0).
     */
    static Tensor polynomial(Tensor x, Tensor n, String kernel, PolyD f64, PolyF f32) {
        Device device = ArithmeticOps.checkSameDevice(x, n);
        DType t = computeType(ArithmeticOps.resultType(x, n), kernel, device);
        int[] shape = Shapes.broadcast(x.shape, n.shape);
        if (device.isMeta()) {
            return Creation.empty(shape, t, device);
        }
        double[] xv = hostValues(x, t, shape);
        double[] nv = hostValues(n, t, shape);
        Object r;
        if (t == DType.FLOAT64) {
            double[] d = new double[xv.length];
            for (int i = 0; i < d.length; i++) {
                d[i] = f64.apply(xv[i], CephesBessel.degree(nv[i]));
            }
            r = d;
        } else {
            float[] f = new float[xv.length];
            for (int i = 0; i < f.length; i++) {
                f[i] = f32.apply((float) xv[i], CephesBessel.degree((float) nv[i]));
            }
            r = f;
        }
        return Creation.fromFlat(r, shape, t, device);
    }

    /** {@link #polynomial} with a Java number {@code n} (PyTorch's wrapped number: it does not raise x's type). */
    static Tensor polynomial(Tensor x, double n, String kernel, PolyD f64, PolyF f32) {
        return polynomial(x, Creation.wrap(n), kernel, f64, f32);
    }

    /** {@link #polynomial} with a Java number {@code x} (PyTorch's wrapped number: n's type decides). */
    static Tensor polynomial(double x, Tensor n, String kernel, PolyD f64, PolyF f32) {
        return polynomial(Creation.wrap(x), n, kernel, f64, f32);
    }

    /**
     * PyTorch's argument-parser error for a missing argument of a polynomial: {@code special_chebyshev_polynomial_t()
     * received an invalid combination of arguments - got (NoneType, Tensor), but expected one of: ...}.
     */
    static void requireArgs(String kernel, Object x, Object n) {
        requireArgs(kernel, x, n, "x", "x", "n");
    }

    /**
     * {@link #requireArgs(String, Object, Object)} with the parameters' names: the first tensor's, the first number's,
     * the second's ({@code special_zeta}: input, self, other).
     */
    static void requireArgs(String kernel, Object x, Object n, String first, String firstNumber, String second) {
        if (x != null && n != null) {
            return;
        }
        throw new IllegalArgumentException("special_" + kernel + "() received an invalid combination of arguments - got ("
                + typeName(x) + ", " + typeName(n) + "), but expected one of:\n * (Tensor " + first + ", Tensor " + second
                + ", *, Tensor out)\n * (Number " + firstNumber + ", Tensor " + second + ", *, Tensor out)\n * (Tensor "
                + first + ", Number " + second + ", *, Tensor out)\n");
    }

    private static String typeName(Object o) {
        return o == null ? "NoneType" : o instanceof Tensor ? "Tensor" : "float";
    }
}
