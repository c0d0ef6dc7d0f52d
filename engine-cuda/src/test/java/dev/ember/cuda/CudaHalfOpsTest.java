package dev.ember.cuda;

import dev.ember.AutocastMode;
import dev.ember.DType;
import dev.ember.Device;
import dev.ember.DeviceType;
import dev.ember.Ember;
import dev.ember.Generator;
import dev.ember.Tensor;
import dev.ember.amp.GradScaler;
import dev.ember.nn.Functional;
import dev.ember.nn.Linear;
import dev.ember.optim.SGD;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * float16 and bfloat16 ops on CUDA against the CPU backend (CudaParityTest.parity's style, in the half types): every
 * case runs on CPU tensors and on their CUDA copies, forward and, where an input is floating, backward with one random
 * output gradient. CUDA computes half ops in float32 on widened copies (CudaHalf.Widened) as the CPU does, so most
 * results are the CPU's bits; a float32 result one float32 ulp away (another libm) may round to the neighbouring half,
 * and a GEMM on cuBLAS or the tensor cores sums in another order: the tolerances are PyTorch's for the type
 * (torch.testing: float16 rtol 1e-3, bfloat16 rtol 1.6e-2, atol 1e-5), relative to the output's scale, looser for
 * products and convolutions as PyTorch's own tests of those ops for half types. Also autocast on CUDA (dtypes of the
 * results as PyTorch's CUDA autocast lists) and GradScaler with float16. Skips without a GPU.
 */
@ExtendWith(CudaGate.class)
class CudaHalfOpsTest {
    private static final Device GPU = Device.cuda(0);
    private static final Generator GEN = new Generator(18);

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    private static Tensor r(double lo, double hi, int... shape) {
        return Tensor.rand(GEN, DType.FLOAT32, shape).mul(hi - lo).add(lo);
    }

    private static Tensor r(int... shape) {
        return r(-1, 1, shape);
    }

    /** PyTorch's default rtol for the type (torch.testing.assert_close). */
    private static double rtol(DType t) {
        return t == DType.FLOAT16 ? 1e-3 : 1.6e-2;
    }

    /**
     * Compares f on CPU and CUDA for inputs converted to {@code t} (integer inputs stay as they are), within
     * {@code factor} times the type's tolerance: outputs, then the gradients of the floating inputs.
     */
    static void halfParity(String name, DType t, double factor, Function<Tensor[], Tensor> f, Tensor... inputs) {
        Tensor[] a = new Tensor[inputs.length];
        Tensor[] b = new Tensor[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            boolean floating = inputs[i].dtype().isFloatingPoint();
            Tensor x = floating ? inputs[i].detach().to(t) : inputs[i].detach();
            a[i] = x.clone().requiresGrad_(floating);
            b[i] = x.to(GPU).requiresGrad_(floating);
        }
        Tensor outA = f.apply(a);
        Tensor outB = f.apply(b);
        assertEquals(GPU, outB.device(), name);
        assertArrayEquals(outA.shape(), outB.shape(), name);
        close(name + " forward", outA, outB.cpu(), factor * rtol(t));
        if (!outA.requiresGrad()) {
            return;
        }
        Tensor g = r(outA.shape()).to(outA.dtype());
        outA.backward(g);
        outB.backward(g.to(GPU));
        for (int i = 0; i < a.length; i++) {
            if (a[i].grad() == null) {
                continue;
            }
            assertEquals(GPU, b[i].grad().device(), name);
            assertEquals(a[i].grad().dtype(), b[i].grad().dtype(), name);
            close(name + " grad of input " + i, a[i].grad(), b[i].grad().cpu(), factor * rtol(t));
        }
    }

    static void close(String what, Tensor expected, Tensor actual, double rtol) {
        assertEquals(expected.dtype(), actual.dtype(), what);
        double[] e = expected.toDoubleArray();
        double[] x = actual.toDoubleArray();
        double scale = 0;
        for (double v : e) {
            if (Double.isFinite(v)) {
                scale = Math.max(scale, Math.abs(v));
            }
        }
        for (int i = 0; i < e.length; i++) {
            if (Double.isNaN(e[i]) || Double.isInfinite(e[i])) {
                assertEquals(e[i], x[i], 0, what + " element " + i);
                continue;
            }
            double tol = 1e-5 + rtol * Math.max(Math.abs(e[i]), 1e-3 * Math.max(1, scale));
            assertEquals(e[i], x[i], tol, what + " element " + i + " of " + Arrays.toString(expected.shape()));
        }
    }

    private static DynamicTest p(String name, double factor, Function<Tensor[], Tensor> f, Tensor... in) {
        return DynamicTest.dynamicTest(name, () -> {
            for (DType t : new DType[] {DType.FLOAT16, DType.BFLOAT16}) {
                halfParity(name + " " + t, t, factor, f, in);
            }
        });
    }

    @TestFactory
    List<DynamicTest> elementwiseAndConversions() {
        List<DynamicTest> t = new ArrayList<>();
        Tensor special = Tensor.tensor(new double[] {0, -0.0, 1e5, -1e5, 70000, 3e-8, Double.NaN,
            Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 65504, 65520, 1e39});
        t.add(p("to float32 and back with NaN, infinities, overflow", 0, x -> x[0].to(DType.FLOAT32).mul(2).to(x[0].dtype()),
                special));
        t.add(p("to int64 of NaN and infinities", 0, x -> x[0].to(DType.INT64), special));
        t.add(p("to bool", 0, x -> x[0].to(DType.BOOL), special));
        t.add(p("add broadcast", 1, x -> x[0].add(x[1]), r(37, 19), r(19)));
        t.add(p("mul broadcast along the inner dimension", 1, x -> x[0].mul(x[1]), r(3, 8, 12), r(8, 1)));
        t.add(p("sub transposed", 1, x -> x[0].t().sub(x[1]), r(12, 16), r(16, 12)));
        t.add(p("div misaligned views", 1, x -> x[0].narrow(1, 1, 16).div(x[1].narrow(1, 3, 16)), r(9, 17),
                r(0.5, 2, 9, 19)));
        t.add(p("add alpha", 1, x -> x[0].add(x[1], 0.3), r(13, 7), r(13, 7)));
        t.add(p("mul scalar (read in float)", 1, x -> x[0].mul(0.1), r(33)));
        t.add(p("add scalar (rounded to the type)", 1, x -> x[0].add(0.1), r(33)));
        t.add(p("rsub", 1, x -> x[0].rsub(1.0), r(9)));
        t.add(p("pow scalar", 1, x -> x[0].pow(3), r(33)));
        t.add(p("gt scalar", 0, x -> x[0].gt(0.1), r(40)));
        t.add(p("eq transposed", 0, x -> x[0].t().eq(x[1]), r(5, 6).round(), r(6, 5).round()));
        t.add(p("where", 0, x -> Tensor.where(x[0].gt(0L), x[0], x[1]), r(7, 9), r(7, 9)));
        t.add(p("maximum", 1, x -> x[0].maximum(x[1]), r(5, 3, 8), r(3, 1)));
        for (String fn : List.of("exp", "tanh", "sigmoid", "relu", "sin", "abs", "neg")) {
            t.add(p(fn, 1, x -> apply(fn, x[0]), r(31, 7).t()));
        }
        t.add(p("log", 1, x -> x[0].log(), r(0.1, 3, 29)));
        t.add(p("sqrt", 1, x -> x[0].sqrt(), r(0.1, 3, 29)));
        t.add(p("gelu", 1, x -> Functional.gelu(x[0]), r(-3.0, 3.0, 57)));
        t.add(p("clamp", 1, x -> x[0].clamp(-0.3, 0.4), r(101)));
        return t;
    }

    private static Tensor apply(String fn, Tensor x) {
        switch (fn) {
            case "exp": return x.exp();
            case "tanh": return x.tanh();
            case "sigmoid": return x.sigmoid();
            case "relu": return x.relu();
            case "sin": return x.sin();
            case "abs": return x.abs();
            default: return x.neg();
        }
    }

    @TestFactory
    List<DynamicTest> reductionsAndNn() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(p("sum (of float16 is float16)", 1, x -> {
            Tensor s = x[0].sum();
            assertEquals(x[0].dtype(), s.dtype());
            return s;
        }, r(1000)));
        t.add(p("sum over a dim, transposed", 1, x -> x[0].t().sum(0), r(37, 53)));
        t.add(p("mean keepdim", 1, x -> x[0].mean(new int[] {1}, true), r(6, 70)));
        t.add(p("amax", 1, x -> x[0].amax(new int[] {0}, false), r(9, 11)));
        t.add(p("argmax", 0, x -> x[0].argmax(1, false), r(9, 11)));
        t.add(p("sum to float32", 1, x -> x[0].sum(DType.FLOAT32), r(513)));
        t.add(p("softmax", 1, x -> x[0].softmax(1), r(-4.0, 4.0, 7, 33)));
        t.add(p("log softmax", 1, x -> x[0].logSoftmax(1), r(-4.0, 4.0, 7, 33)));
        t.add(p("layer norm", 2, x -> Tensor.layerNorm(x[0], new int[] {24}, x[1], x[2], 1e-5), r(5, 24), r(24),
                r(24)));
        t.add(p("embedding", 1, x -> Tensor.embedding(x[0], x[1], -1, false), r(10, 6),
                Tensor.tensor(new long[] {3, 0, 9, 3, 5})));
        t.add(p("cross entropy", 2, x -> Functional.crossEntropy(x[0], x[1]), r(-3.0, 3.0, 8, 11),
                Tensor.tensor(new long[] {0, 3, 10, 2, 2, 7, 1, 5})));
        t.add(p("max pool", 1, x -> Tensor.maxPool2d(x[0], new int[] {2, 2}, new int[] {2, 2}, new int[] {0, 0},
                new int[] {1, 1}, false), r(2, 3, 8, 9)));
        t.add(p("sort", 0, x -> x[0].sort().values(), r(5, 40)));
        t.add(p("cumsum", 2, x -> x[0].cumsum(1), r(4, 30)));
        // products: float32 accumulation in another order (cuBLAS, the tensor cores) than the CPU's
        t.add(p("matmul", 8, x -> x[0].matmul(x[1]), r(33, 70), r(70, 21)));
        t.add(p("matmul transposed operands", 8, x -> x[0].t().matmul(x[1].t()), r(70, 33), r(21, 70)));
        t.add(p("bmm", 8, x -> x[0].bmm(x[1]), r(3, 17, 40), r(3, 40, 9)));
        t.add(p("linear", 8, x -> Functional.linear(x[0], x[1], x[2]), r(6, 48), r(20, 48), r(20)));
        t.add(p("conv2d", 8, x -> Functional.conv2d(x[0], x[1], x[2], new int[] {1, 1}, new int[] {1, 1},
                new int[] {1, 1}, 1), r(2, 3, 9, 10), r(5, 3, 3, 3), r(5)));
        t.add(p("an MLP's loss, backward", 8, x -> Functional.mseLoss(
                Functional.linear(Functional.linear(x[0], x[1], null).relu(), x[2], null), x[3]),
                r(16, 12), r(24, 12), r(4, 24), r(16, 4)));
        return t;
    }

    @Test
    void autocastOnCudaGivesPyTorchsDtypes() {
        Ember.manualSeed(3);
        Linear layer = new Linear(12, 5);
        layer.to(GPU);
        Tensor x = Tensor.randn(8, 12).to(GPU);
        Tensor target = Tensor.tensor(new long[] {0, 1, 2, 3, 4, 0, 1, 2}).to(GPU);
        for (DType low : new DType[] {DType.BFLOAT16, DType.FLOAT16}) {
            Tensor loss;
            try (AutocastMode ac = Ember.autocast(DeviceType.CUDA, low)) {
                Tensor out = layer.forward(x);
                assertEquals(low, out.dtype(), "linear runs in the lower type");
                Tensor sm = out.softmax(1);
                assertEquals(DType.FLOAT32, sm.dtype(), "softmax runs in float32");
                assertEquals(low, out.add(out).dtype(), "add takes the widest input type");
                assertEquals(DType.FLOAT32, out.add(x.narrow(1, 0, 5)).dtype(), "promotion with float32");
                loss = Functional.crossEntropy(out, target);
                assertEquals(DType.FLOAT32, loss.dtype(), "losses run in float32");
            }
            loss.backward();
            for (Tensor p : layer.parameters()) {
                assertEquals(DType.FLOAT32, p.grad().dtype());
                assertEquals(GPU, p.grad().device());
                assertTrue(Double.isFinite(p.grad().abs().sum().item()));
                p.grad().zero_();
            }
        }
    }

    @Test
    void gradScalerWithFloat16SkipsAStepWithAnInfiniteGradient() {
        Ember.manualSeed(5);
        Tensor x = Tensor.randn(16, 8).to(GPU);
        Tensor y = Tensor.randn(16, 4).to(GPU);
        Tensor w0 = Tensor.randn(4, 8).mul(0.3);
        // a finite step: the scale stays, the weight moves
        Tensor w = w0.to(GPU).detach().requiresGrad_(true);
        SGD opt = new SGD(List.of(w), 0.1);
        GradScaler scaler = new GradScaler("cuda");
        try (AutocastMode ac = Ember.autocast("cuda")) {
            Tensor out = x.mm(w.t());
            assertEquals(DType.FLOAT16, out.dtype());
            scaler.scale(Functional.mseLoss(out, y)).backward();
        }
        scaler.step(opt);
        scaler.update();
        assertEquals(65536.0, scaler.getScale());
        assertFalse(Arrays.equals(w0.toDoubleArray(), w.cpu().toDoubleArray()));
        // an overflowing float16 forward: an inf gradient, the step skipped, the scale backed off
        Tensor v = w0.to(GPU).detach().requiresGrad_(true);
        SGD opt2 = new SGD(List.of(v), 0.1);
        GradScaler scaler2 = new GradScaler("cuda");
        try (AutocastMode ac = Ember.autocast("cuda")) {
            Tensor out = x.mul(1e6).mm(v.t());
            assertEquals(DType.FLOAT16, out.dtype());
            scaler2.scale(Functional.mseLoss(out, y)).backward();
        }
        scaler2.step(opt2);
        scaler2.update();
        assertEquals(32768.0, scaler2.getScale());
        assertArrayEquals(w0.toDoubleArray(), v.cpu().toDoubleArray());
    }
}
