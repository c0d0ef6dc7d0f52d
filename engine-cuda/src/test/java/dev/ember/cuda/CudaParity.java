package dev.ember.cuda;

import dev.ember.Autograd;
import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Generator;
import dev.ember.Tensor;
import org.junit.jupiter.api.DynamicTest;

import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The helpers the CUDA parity test classes share (each had its own copy): random inputs, a non-contiguous layout of the
 * same values, an input gradient made with create_graph, a dynamic test running {@link CudaParityTest#parity} (CPU
 * reference against CUDA, forward and the gradients of every input), and a check that a computation repeats bit for
 * bit. Each class keeps its own {@link Generator}, so that its inputs are the ones it drew before.
 */
final class CudaParity {
    /** The first GPU. */
    static final Device GPU = Device.cuda(0);

    private CudaParity() {
    }

    /**
     * Uniform float32 values in [-half, half): {@code rand(gen) * (2 half) - half}, the arithmetic of the classes'
     * former {@code r} helpers.
     */
    static Tensor uniform(Generator gen, double half, int... shape) {
        return Tensor.rand(gen, DType.FLOAT32, shape).mul(2 * half).sub(half);
    }

    /** {@link #uniform} in the given floating type (drawn in that type). */
    static Tensor uniform(Generator gen, DType dtype, double half, int... shape) {
        return Tensor.rand(gen, dtype, shape).mul(2 * half).sub(half);
    }

    /** The same values in a layout whose last two dimensions are swapped in memory. */
    static Tensor nc(Tensor t) {
        return t.transpose(-1, -2).contiguous().transpose(-1, -2);
    }

    /** Its arguments as an array (sizes, strides, paddings). */
    static int[] ints(int... v) {
        return v;
    }

    /** d(sum(y^2))/dx as a differentiable tensor (create_graph), so that parity also checks its own backward. */
    static Tensor inputGradient(Tensor y, Tensor x) {
        return Autograd.grad(List.of(y.mul(y).sum()), List.of(x), null, true).get(0);
    }

    /** A dynamic test named {@code name} comparing {@code f} on the CPU and on CUDA ({@link CudaParityTest#parity}). */
    static DynamicTest p(String name, Function<Tensor[], Tensor> f, Tensor... in) {
        return DynamicTest.dynamicTest(name, () -> CudaParityTest.parity(name, f, in));
    }

    /**
     * Runs {@code f} twice on fresh leaves cloned from {@code inputs}, backward with {@code g} each time: the output and
     * every input's gradient must be the same bits both times (kernels that sum without atomics).
     */
    static void assertBitwiseRepeatable(Function<Tensor[], Tensor> f, Tensor g, Tensor... inputs) {
        double[][] first = null;
        for (int run = 0; run < 2; run++) {
            Tensor[] in = new Tensor[inputs.length];
            for (int i = 0; i < in.length; i++) {
                in[i] = inputs[i].clone().requiresGrad_(true);
            }
            Tensor out = f.apply(in);
            out.backward(g);
            double[][] now = new double[in.length + 1][];
            now[0] = out.toDoubleArray();
            for (int i = 0; i < in.length; i++) {
                now[i + 1] = in[i].grad().toDoubleArray();
            }
            if (first == null) {
                first = now;
            } else {
                for (int i = 0; i < now.length; i++) {
                    assertArrayEquals(first[i], now[i], 0.0, "run 2, tensor " + i);
                }
            }
        }
    }
    /**
     * {@link CudaParityTest#assertClose} after the shapes; for float16 and bfloat16 one unit in the type's last place
     * (both backends compute in float32 and round once; their float32 elementwise functions may differ in the last
     * bit, which can move a rounding).
     */
    static void closeWithinOneUlp(String what, Tensor expected, Tensor actual) {
        assertArrayEquals(expected.shape(), actual.shape(), what);
        if (!expected.dtype().isReducedFloatingPoint()) {
            CudaParityTest.assertClose(what, expected, actual);
            return;
        }
        assertEquals(expected.dtype(), actual.dtype(), what);
        double ulp = expected.dtype() == DType.BFLOAT16 ? 1.0 / 128 : 1.0 / 1024;
        double[] e = expected.toDoubleArray();
        double[] x = actual.toDoubleArray();
        for (int i = 0; i < e.length; i++) {
            if (Double.isNaN(e[i])) {
                assertTrue(Double.isNaN(x[i]), what + " element " + i);
            } else {
                assertEquals(e[i], x[i], 1e-6 + ulp * Math.abs(e[i]), what + " element " + i);
            }
        }
    }

    /** A complex tensor's real view, any other tensor itself. */
    static Tensor real(Tensor t) {
        return t.dtype().isComplex() ? t.viewAsReal() : t;
    }

    /**
     * f on CPU copies and on CUDA copies of the inputs (every floating or complex one requiring grad): dtype, shape,
     * device, values (complex ones through their real views) and the gradients of every input from
     * {@code sum(real(out) * w)} for a fixed w, within {@link CudaParityTest#assertClose}'s tolerance, or with
     * {@code oneUlpForReduced} within {@link #closeWithinOneUlp}'s; with {@code sameNodeAndVersion} also the output's
     * node name and version counter.
     */
    static void parityOfEveryInput(String name, Function<Tensor[], Tensor> f, boolean oneUlpForReduced,
                                   boolean sameNodeAndVersion, Tensor... in) {
        Tensor[] a = new Tensor[in.length];
        Tensor[] b = new Tensor[in.length];
        for (int i = 0; i < in.length; i++) {
            boolean grad = in[i].dtype().isFloatingPoint() || in[i].dtype().isComplex();
            a[i] = in[i].detach().clone().requiresGrad_(grad);
            b[i] = in[i].detach().to(GPU).requiresGrad_(grad);
        }
        Tensor outA = f.apply(a);
        Tensor outB = f.apply(b);
        assertEquals(GPU, outB.device(), name);
        assertEquals(outA.dtype(), outB.dtype(), name);
        assertArrayEquals(outA.shape(), outB.shape(), name);
        if (sameNodeAndVersion) {
            assertEquals(outA.gradFn() == null ? null : outA.gradFn().name(),
                    outB.gradFn() == null ? null : outB.gradFn().name(), name + " node");
            assertEquals(outA.version(), outB.version(), name + " version");
        }
        Close check = oneUlpForReduced ? CudaParity::closeWithinOneUlp : CudaParityTest::assertClose;
        check.apply(name + " forward", real(outA.detach()), real(outB.detach().cpu()));
        if (!outA.requiresGrad()) {
            return;
        }
        Tensor w = Tensor.arange(real(outA).numel()).toDouble().mul(0.37).sin().reshape(real(outA).shape());
        real(outA).mul(w.to(real(outA).dtype())).sum().backward();
        real(outB).mul(w.to(real(outA).dtype()).to(GPU)).sum().backward();
        for (int i = 0; i < a.length; i++) {
            if (a[i].grad() != null) {
                assertEquals(GPU, b[i].grad().device(), name);
                check.apply(name + " grad of input " + i, real(a[i].grad()), real(b[i].grad().cpu()));
            }
        }
    }

    /** A comparison of an expected (CPU) and an actual (CUDA, copied back) tensor. */
    interface Close {
        void apply(String what, Tensor expected, Tensor actual);
    }
}
