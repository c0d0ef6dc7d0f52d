package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Generator;
import dev.ember.Tensor;
import dev.ember.nn.Functional;
import dev.ember.nn.GLU;
import dev.ember.nn.PReLU;
import dev.ember.nn.RReLU;
import dev.ember.nn.Softmax2d;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import static dev.ember.cuda.CudaParityTest.p;
import static dev.ember.cuda.CudaParity.GPU;
import static dev.ember.cuda.CudaParity.nc;
import static dev.ember.cuda.CudaParity.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Session 18's activations on CUDA against the CPU reference (which ActivationsMoreTest checks against PyTorch):
 * forward and backward of prelu, glu, hardsigmoid, hardshrink, softshrink, threshold, softsign, tanhshrink, softmin,
 * Softmax2d, rrelu in evaluation, and the in-place forms on a non-leaf, in float32, float64 and (rounded once from
 * float32) float16 and bfloat16, on non-contiguous and empty inputs; rrelu in training (slopes in range, gradient equal
 * to the slope); PyTorch's CUDA kernel names in the dtype errors.
 */
@ExtendWith(CudaGate.class)
class CudaActivationsMoreTest {
    private static final Generator GEN = new Generator(2028);

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    private static Tensor r(int... shape) {
        return uniform(GEN, 4.0, shape);
    }


    /**
     * CudaParityTest's parity with the upstream gradient in the output's type, and for float16 and bfloat16 a tolerance
     * of one unit in the last place of the type (both backends compute in float32 and round once; the float32
     * elementwise functions of the two may differ in their last bit, which can move a rounding).
     */
    private static void parity(String name, Function<Tensor[], Tensor> f, Tensor... cpuInputs) {
        Tensor[] a = new Tensor[cpuInputs.length];
        Tensor[] b = new Tensor[cpuInputs.length];
        for (int i = 0; i < cpuInputs.length; i++) {
            a[i] = cpuInputs[i].detach().clone().requiresGrad_(true);
            b[i] = cpuInputs[i].detach().to(GPU).requiresGrad_(true);
        }
        Tensor outA = f.apply(a);
        Tensor outB = f.apply(b);
        assertEquals(GPU, outB.device(), name);
        CudaParity.closeWithinOneUlp(name + " forward", outA, outB.cpu());
        Tensor g = r(outA.shape()).to(outA.dtype());
        outA.backward(g);
        outB.backward(g.to(GPU));
        for (int i = 0; i < a.length; i++) {
            if (a[i].grad() != null) {
                assertEquals(GPU, b[i].grad().device());
                CudaParity.closeWithinOneUlp(name + " grad of input " + i, a[i].grad(), b[i].grad().cpu());
            }
        }
    }

    @TestFactory
    List<DynamicTest> outOfPlace() {
        List<DynamicTest> t = new ArrayList<>();
        for (DType type : new DType[] {DType.FLOAT32, DType.FLOAT64, DType.FLOAT16, DType.BFLOAT16}) {
            String s = " " + type;
            Tensor x = r(3, 4, 5).to(type);
            t.add(p("prelu" + s, a -> Functional.prelu(a[0], a[1]), x, Tensor.rand(GEN, DType.FLOAT32, 4).to(type)));
            t.add(p("prelu one weight" + s, a -> Functional.prelu(nc(a[0]), a[1]), x, Tensor.full(type, 0.25, 1)));
            t.add(p("glu" + s, a -> Functional.glu(a[0], 1), x));
            t.add(p("glu module" + s, a -> new GLU().forward(nc(a[0])), r(3, 6, 4).to(type)));
            t.add(p("hardsigmoid" + s, a -> Functional.hardsigmoid(a[0]), x));
            t.add(p("hardshrink" + s, a -> Functional.hardshrink(a[0], 1.2), x));
            t.add(p("softshrink" + s, a -> Functional.softshrink(nc(a[0]), 0.7), x));
            t.add(p("threshold" + s, a -> Functional.threshold(a[0], 0.5, -2.0), x));
            t.add(p("softsign" + s, a -> Functional.softsign(a[0]), x));
            t.add(p("tanhshrink" + s, a -> Functional.tanhshrink(a[0]), x));
            t.add(p("softmin" + s, a -> Functional.softmin(a[0], 2), x));
            t.add(p("softmax2d" + s, a -> new Softmax2d().forward(a[0]), r(2, 3, 4, 5).to(type)));
            t.add(p("rrelu eval" + s, a -> Functional.rrelu(a[0], 0.1, 0.4, false), x));
            t.add(p("prelu module" + s, a -> new PReLU(4, 0.2).to(a[0].device()).to(a[0].dtype()).forward(a[0]), x));
        }
        t.add(p("prelu empty", a -> Functional.prelu(a[0], a[1]), r(0, 3, 2), r(3)));
        t.add(p("glu empty", a -> Functional.glu(a[0], 0), r(4, 0)));
        t.add(p("hardshrink empty", a -> Functional.hardshrink(a[0]), r(0, 5)));
        return t;
    }

    @TestFactory
    List<DynamicTest> inPlace() {
        List<DynamicTest> t = new ArrayList<>();
        for (DType type : new DType[] {DType.FLOAT32, DType.FLOAT64, DType.BFLOAT16}) {
            String s = " " + type;
            Tensor x = r(4, 5).to(type);
            Tensor pos = Tensor.rand(GEN, DType.FLOAT32, 4, 5).add(0.1).to(type);
            t.add(p("relu_" + s, a -> a[0].mul(1L).relu_(), x));
            t.add(p("sigmoid_" + s, a -> a[0].mul(1L).sigmoid_(), x));
            t.add(p("tanh_" + s, a -> a[0].mul(1L).tanh_(), x));
            t.add(p("exp_" + s, a -> a[0].mul(1L).exp_(), x));
            t.add(p("neg_" + s, a -> a[0].mul(1L).neg_(), x));
            t.add(p("abs_" + s, a -> a[0].mul(1L).abs_(), x));
            t.add(p("sqrt_" + s, a -> a[0].mul(1L).sqrt_(), pos));
            t.add(p("log_" + s, a -> a[0].mul(1L).log_(), pos));
            t.add(p("clampMin_" + s, a -> a[0].mul(1L).clampMin_(0.3), x));
            t.add(p("clampMax_" + s, a -> a[0].mul(1L).clampMax_(0.3), x));
            t.add(p("leakyRelu_" + s, a -> Functional.leakyRelu_(a[0].mul(1L), 0.2), x));
            t.add(p("elu_" + s, a -> Functional.elu_(a[0].mul(1L), 0.7), x));
            t.add(p("selu_" + s, a -> Functional.selu_(a[0].mul(1L)), x));
            t.add(p("celu_" + s, a -> Functional.celu_(a[0].mul(1L), 0.7), x));
            t.add(p("hardtanh_" + s, a -> Functional.hardtanh_(a[0].mul(1L), -0.5, 0.8), x));
            t.add(p("threshold_" + s, a -> Functional.threshold_(a[0].mul(1L), 0.1, 20.0), x));
            t.add(p("rrelu_ eval" + s, a -> Functional.rrelu_(a[0].mul(1L), 0.1, 0.3, false), x));
            t.add(p("hardsigmoid inplace" + s, a -> Functional.hardsigmoid(a[0].mul(1L), true), x));
            t.add(p("relu_ on a view" + s, a -> {
                Tensor y = a[0].mul(1L);
                y.select(0, 1).relu_();
                return y;
            }, x));
        }
        return t;
    }

    @Test
    void rreluTrainingOnTheGpu() {
        Tensor x = r(30, 20).to(GPU).requiresGrad_(true);
        Tensor out = Functional.rrelu(x, 0.1, 0.3, true, new Generator(11));
        assertEquals(GPU, out.device());
        assertEquals("RreluWithNoiseBackward0", out.gradFn().name());
        out.backward(out.onesLike());
        double[] xv = x.detach().cpu().toDoubleArray();
        double[] ov = out.detach().cpu().toDoubleArray();
        double[] gv = x.grad().cpu().toDoubleArray();
        for (int i = 0; i < xv.length; i++) {
            if (xv[i] > 0) {
                assertEquals(xv[i], ov[i], 0);
                assertEquals(1.0, gv[i], 0);
            } else {
                assertTrue(gv[i] >= 0.1 && gv[i] <= 0.3, "slope " + gv[i]);
                assertEquals(xv[i] * gv[i], ov[i], 1e-6);
            }
        }
        RReLU m = new RReLU();
        m.eval();
        Tensor y = r(5, 5);
        assertArrayEquals(Functional.leakyRelu(y, (1.0 / 8 + 1.0 / 3) / 2).toDoubleArray(),
                m.forward(y.to(GPU)).cpu().toDoubleArray(), 1e-6);
    }

    @Test
    void cudaKernelNamesInDtypeErrors() {
        Tensor l = Tensor.tensor(new long[] {1, -2}).to(GPU);
        assertEquals("\"hardsigmoid_cuda\" not implemented for 'Long'",
                assertThrows(IllegalArgumentException.class, () -> Functional.hardsigmoid(l)).getMessage());
        assertEquals("\"glu_cuda\" not implemented for 'Long'",
                assertThrows(IllegalArgumentException.class, () -> Functional.glu(l, 0)).getMessage());
        assertEquals("\"prelu_cuda\" not implemented for 'Long'", assertThrows(IllegalArgumentException.class,
                () -> Functional.prelu(l, Tensor.tensor(new long[] {1}).to(GPU))).getMessage());
    }
}
