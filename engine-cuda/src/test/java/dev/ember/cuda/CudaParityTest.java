package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Ember;
import dev.ember.Generator;
import dev.ember.Tensor;
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
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every op forward and backward on CUDA against the CPU reference backend, on random inputs of odd sizes,
 * with non-contiguous and broadcast operands.
 */
@ExtendWith(CudaGate.class)
class CudaParityTest {
    private static final Device GPU = Device.cuda(0);
    private static CudaBackend backend;

    @BeforeEach
    void gpu() {
        if (backend == null) {
            backend = CudaTestSupport.requireCuda();
            System.out.println("CUDA backend: " + backend.describe());
        }
    }

    private static final Generator GEN = new Generator(2024);

    private static Tensor r(double lo, double hi, int... shape) {
        return Tensor.rand(GEN, DType.FLOAT32, shape).mul(hi - lo).add(lo);
    }

    private static Tensor r(int... shape) {
        return r(-1, 1, shape);
    }

    /** Compares f on CPU and CUDA: outputs, then the gradients of every input for a random output gradient. */
    static void parity(String name, Function<Tensor[], Tensor> f, Tensor... cpuInputs) {
        Tensor[] a = new Tensor[cpuInputs.length];
        Tensor[] b = new Tensor[cpuInputs.length];
        for (int i = 0; i < cpuInputs.length; i++) {
            boolean grad = cpuInputs[i].dtype().isFloatingPoint();
            a[i] = cpuInputs[i].detach().clone().requiresGrad_(grad);
            b[i] = cpuInputs[i].detach().to(GPU).requiresGrad_(grad);
        }
        Tensor outA = f.apply(a);
        Tensor outB = f.apply(b);
        assertEquals(GPU, outB.device(), name);
        assertArrayEquals(outA.shape(), outB.shape(), name);
        assertClose(name + " forward", outA, outB.cpu());
        if (!outA.requiresGrad()) {
            return;
        }
        Tensor g = r(outA.shape());
        outA.backward(g);
        outB.backward(g.to(GPU));
        for (int i = 0; i < a.length; i++) {
            if (a[i].grad() == null) {
                continue;
            }
            assertEquals(GPU, b[i].grad().device());
            assertClose(name + " grad of input " + i, a[i].grad(), b[i].grad().cpu());
        }
    }

    static void assertClose(String what, Tensor expected, Tensor actual) {
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
            if (Double.isNaN(e[i])) {
                assertTrue(Double.isNaN(x[i]), what + " element " + i);
                continue;
            }
            double tol = 2e-5 * Math.max(1, scale) + 2e-5 * Math.abs(e[i]);
            assertEquals(e[i], x[i], tol, what + " element " + i + " of " + Arrays.toString(expected.shape()));
        }
    }

    /** A dynamic test of {@link #parity}: the GPU test classes' shared form of a parity case. */
    static DynamicTest p(String name, Function<Tensor[], Tensor> f, Tensor... in) {
        return DynamicTest.dynamicTest(name, () -> parity(name, f, in));
    }

    @TestFactory
    List<DynamicTest> elementwise() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(p("add broadcast", x -> x[0].add(x[1]), r(37, 19), r(19)));
        // innermost sizes that are multiples of 4: four elements a thread, 16-byte accesses where aligned
        t.add(p("add broadcast row, inner 20", x -> x[0].add(x[1]), r(37, 20), r(20)));
        t.add(p("mul broadcast along the inner dimension", x -> x[0].mul(x[1]), r(3, 8, 12), r(8, 1)));
        t.add(p("sub transposed, inner 12", x -> x[0].t().sub(x[1]), r(12, 16), r(16, 12)));
        t.add(p("div misaligned views", x -> x[0].narrow(1, 1, 16).div(x[1].narrow(1, 3, 16)), r(9, 17), r(0.5, 2, 9, 19)));
        t.add(p("maximum broadcast, inner 8", x -> x[0].maximum(x[1]), r(5, 3, 8), r(3, 1)));
        t.add(p("add alpha transposed", x -> x[0].t().add(x[1], 0.5), r(13, 7), r(7, 13)));
        t.add(p("sub scalar", x -> x[0].sub(2.5), r(5, 3)));
        t.add(p("rsub", x -> x[0].rsub(1.0), r(9)));
        t.add(p("mul broadcast 3d", x -> x[0].mul(x[1]), r(3, 1, 5), r(4, 1)));
        t.add(p("div", x -> x[0].div(x[1]), r(17, 3), r(0.5, 2, 17, 1)));
        t.add(p("pow scalar", x -> x[0].pow(3), r(33)));
        t.add(p("pow tensor", x -> x[0].pow(x[1]), r(0.5, 2, 7, 5), r(5)));
        for (String fn : List.of("neg", "exp", "sigmoid", "tanh", "relu", "sin", "cos", "abs")) {
            t.add(p(fn, x -> apply(fn, x[0]), r(31, 7).t()));
        }
        t.add(p("log", x -> x[0].log(), r(0.1, 3, 29)));
        t.add(p("sqrt", x -> x[0].sqrt(), r(0.1, 3, 29)));
        t.add(p("reciprocal", x -> x[0].reciprocal(), r(0.5, 3, 29)));
        t.add(p("clamp", x -> x[0].clamp(-0.3, 0.4), r(101)));
        t.add(p("erf and exact gelu", x -> dev.ember.nn.Functional.gelu(x[0]).add(x[0].erf()), r(-3.0, 3.0, 57)));
        t.add(p("maximum", x -> x[0].maximum(x[1]), r(11, 13), r(13)));
        t.add(p("minimum", x -> x[0].minimum(x[1]), r(11, 13), r(11, 1)));
        t.add(p("where", x -> Tensor.where(x[0].gt(0.0), x[0], x[1]), r(9, 4), r(4)));
        t.add(p("comparisons", x -> x[0].gt(x[1]).logicalOr(x[0].eq(0.0)).to(DType.FLOAT32), r(7, 3), r(3)));
        t.add(p("int64 arithmetic", x -> x[0].mul(3).add(x[0]).sub(1), Tensor.randint(-50, 50, 13, 5)));
        t.add(p("float64", x -> x[0].exp().mul(x[0]), r(17).toDouble()));
        t.add(p("cast chain", x -> x[0].mul(10.0).toLong().toDouble().toFloat(), r(23)));
        t.add(p("in-place on a non-leaf", x -> x[0].mul(1.0).add_(x[1]).mul_(2.0), r(6, 5), r(5)));
        // Java numbers reach the kernels as arguments (Backend.binaryScalar): both operand orders, strided operands
        t.add(p("scalar on the left of a transpose", x -> x[0].t().rdiv(2.0).add(x[0].t().rsub(3.0)), r(0.5, 2, 9, 14)));
        t.add(p("scalar maximum and minimum (clamp)", x -> x[0].slice(0, 0, 31, 3).clamp(-0.25, 0.5), r(31, 3)));
        t.add(p("scalar comparisons", x -> x[0].gt(0.25).logicalAnd(x[0].le(0.75)).to(DType.FLOAT32).mul(x[0]), r(40)));
        t.add(p("int64 with scalars", x -> x[0].mul(-3).add(7).div(2).add(x[0].ge(0).toLong()), Tensor.randint(-50, 50, 29)));
        t.add(p("bool with scalars", x -> x[0].gt(0.0).eq(Tensor.ones(1).gt(0.0).to(x[0].device())).to(DType.FLOAT32), r(17)));
        t.add(p("float64 with scalars", x -> x[0].mul(1e-3).pow(2.0).add(1e-9).sqrt(), r(17).toDouble()));
        t.add(p("relu backward at ties and negatives", x -> x[0].relu().mul(x[1]), r(-1.0, 1.0, 64, 3).round(), r(3)));
        t.add(p("in-place axpy and scalar ops", x -> x[0].mul(1.0).add_(x[1].t(), -0.5).sub_(x[1].t(), 2.0).mul_(3.0)
                .div_(4.0), r(5, 7), r(7, 5)));
        return t;
    }

    private static Tensor apply(String fn, Tensor x) {
        switch (fn) {
            case "neg": return x.neg();
            case "exp": return x.exp();
            case "sigmoid": return x.sigmoid();
            case "tanh": return x.tanh();
            case "relu": return x.relu();
            case "sin": return x.sin();
            case "cos": return x.cos();
            default: return x.abs();
        }
    }

    @TestFactory
    List<DynamicTest> reductionsAndViews() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(p("sum all", x -> x[0].sum(), r(1001, 3)));
        t.add(p("sum dims", x -> x[0].sum(new int[] {0, 2}, true), r(7, 5, 9)));
        t.add(p("sum of many elements (two passes)", x -> x[0].sum(), r(301, 1003)));
        t.add(p("max and argmax of many elements", x -> x[0].max().add(x[0].reshape(-1).argmax().toFloat()), r(257, 999)));
        t.add(p("mean over batch and space, few channels", x -> x[0].mean(new int[] {0, 2, 3}, false), r(16, 3, 61, 67)));
        t.add(p("sum of a transpose", x -> x[0].t().sum(1), r(33, 17)));
        t.add(p("mean", x -> x[0].mean(new int[] {1}, false), r(9, 301)));
        t.add(p("var", x -> x[0].var(new int[] {0}, 1, false), r(50, 3)));
        t.add(p("max all", x -> x[0].max(), r(999)));
        t.add(p("max dim", x -> x[0].max(1, false).values(), r(13, 27)));
        t.add(p("argmax", x -> x[0].argmax(0, false).toFloat(), r(13, 27)));
        t.add(p("softmax", x -> x[0].softmax(1), r(17, 10)));
        t.add(p("logSoftmax", x -> x[0].logSoftmax(-1), r(17, 10)));
        t.add(p("bool sum", x -> x[0].gt(0.0).sum().toFloat(), r(77)));
        t.add(p("views", x -> x[0].permute(2, 0, 1).narrow(1, 1, 3).slice(2, 0, 5, 2).reshape(-1), r(5, 7, 6)));
        t.add(p("select and cat", x -> Tensor.cat(List.of(x[0].select(0, 2), x[1]), 0), r(4, 3), r(2)));
        t.add(p("expand", x -> x[0].expand(4, 5, 3).mul(x[0]), r(5, 1)));
        t.add(p("many short sums (one thread per output)", x -> x[0].sum(new int[] {0}, false), r(33, 4099)));
        t.add(p("many short sums over a transpose", x -> x[0].t().sum(new int[] {1}, true), r(5000, 7)));
        return t;
    }

    @TestFactory
    List<DynamicTest> matmul() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(p("mm odd", x -> x[0].mm(x[1]), r(67, 129), r(129, 33)));
        t.add(p("mm transposed operands", x -> x[0].t().mm(x[1].t()), r(45, 70), r(31, 45)));
        t.add(p("bmm", x -> x[0].bmm(x[1]), r(3, 17, 9), r(3, 9, 11)));
        t.add(p("matmul broadcast", x -> x[0].matmul(x[1]), r(2, 1, 5, 7), r(3, 7, 4)));
        t.add(p("matmul vector", x -> x[0].matmul(x[1]), r(9, 13), r(13)));
        t.add(p("mm float64", x -> x[0].mm(x[1]), r(19, 23).toDouble(), r(23, 5).toDouble()));
        t.add(p("mm non-unit strides", x -> x[0].slice(1, 0, 40, 2).mm(x[1].slice(0, 0, 40, 2)), r(7, 40), r(40, 3)));
        return t;
    }

    @TestFactory
    List<DynamicTest> convolutionPoolingAndLosses() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(p("conv2d LeNet conv1", x -> Tensor.conv2d(x[0], x[1], x[2], new int[] {1}, new int[] {0}, new int[] {1}, 1),
                r(3, 1, 32, 32), r(6, 1, 5, 5), r(6)));
        t.add(p("conv2d stride 2 pad 1 dilation 2 groups 2 no bias",
                x -> Tensor.conv2d(x[0], x[1], null, new int[] {2}, new int[] {1}, new int[] {2}, 2), r(3, 4, 13, 11), r(6, 2, 3, 3)));
        t.add(p("conv2d 3x3 pad 1", x -> Tensor.conv2d(x[0], x[1], x[2], new int[] {1}, new int[] {1}, new int[] {1}, 1),
                r(2, 8, 15, 15), r(5, 8, 3, 3), r(5)));
        t.add(p("maxPool2d 2", x -> dev.ember.nn.Functional.maxPool2d(x[0], 2), r(3, 4, 13, 12)));
        t.add(p("maxPool2d pad stride ceil", x -> Tensor.maxPool2dWithIndices(x[0], new int[] {3}, new int[] {2}, new int[] {1},
                new int[] {1}, true).values(), r(2, 3, 11, 9)));
        t.add(p("maxPool2d values only (no indices)", x -> dev.ember.nn.Functional.maxPool2d(x[0].detach(), 3), r(2, 3, 14, 10)));
        t.add(p("avgPool2d pad", x -> Tensor.avgPool2d(x[0], new int[] {3}, new int[] {2}, new int[] {1}, true, false),
                r(2, 3, 11, 9)));
        t.add(p("mseLoss", x -> dev.ember.nn.Functional.mseLoss(x[0], x[1]), r(7, 10), r(7, 10)));
        Tensor target = Tensor.randint(0, 10, 7);
        t.add(p("crossEntropy", x -> dev.ember.nn.Functional.crossEntropy(x[0], target.to(GPU.equals(x[0].device()) ? GPU
                : Device.CPU)), r(7, 10)));
        return t;
    }

    @Test
    void weightGradientsSplitOverOutputPixelsAgreeWithTheCpu() {
        // 3x3 pad 1 on 20x20: 400 output pixels a sample, split into up to 25 parts of 16; channels 8 -> 12 give a
        // 72-deep im2col (the 16-byte kernels) and 3 -> 5 a 27-deep one (the general kernels); groups 2 too
        Tensor[][] cases = {{r(3, 8, 20, 20), r(12, 8, 3, 3)}, {r(2, 3, 20, 20), r(5, 3, 3, 3)}, {r(2, 4, 20, 20), r(6, 2, 3, 3)}};
        try {
            // the split runs on Ember's float32 kernels only: with cuBLAS loaded (cuBLAS 13 on the H200) every product
            // went to it whole and no split was tested
            backend.setUseCublas(false);
            for (int splits : new int[] {1, 2, 3, 7, 25}) {
                backend.forceWeightGradSplits(splits);
                for (Tensor[] c : cases) {
                    int groups = c[0].shape()[1] / c[1].shape()[1];
                    parity("conv2d weight gradient in " + splits + " parts, " + c[0].shape()[1] + " -> " + c[1].shape()[0]
                            + " channels, groups " + groups, x -> Tensor.conv2d(x[0], x[1], null, new int[] {1},
                            new int[] {1}, new int[] {1}, groups), c[0], c[1]);
                }
            }
        } finally {
            backend.forceWeightGradSplits(0);
            backend.setUseCublas(true);
        }
    }

    /** Note 000's LeNet, as trained by TrainLeNet (conv1 padded by 2 for 28x28 input). */
    private static final class LeNet extends dev.ember.nn.Module {
        final dev.ember.nn.Conv2d conv1 = registerModule("conv1", new dev.ember.nn.Conv2d(1, 6, new int[] {5, 5},
                new int[] {1, 1}, new int[] {2, 2}, new int[] {1, 1}, 1, true));
        final dev.ember.nn.Conv2d conv2 = registerModule("conv2", new dev.ember.nn.Conv2d(6, 16, 5));
        final dev.ember.nn.Linear fc1 = registerModule("fc1", new dev.ember.nn.Linear(400, 120));
        final dev.ember.nn.Linear fc2 = registerModule("fc2", new dev.ember.nn.Linear(120, 84));
        final dev.ember.nn.Linear fc3 = registerModule("fc3", new dev.ember.nn.Linear(84, 10));

        @Override
        public Tensor forward(Tensor x) {
            x = dev.ember.nn.Functional.maxPool2d(conv1.forward(x).relu(), 2);
            x = dev.ember.nn.Functional.maxPool2d(conv2.forward(x).relu(), 2);
            x = x.flatten(1, -1);
            return fc3.forward(fc2.forward(fc1.forward(x).relu()).relu());
        }
    }

    @Test
    void leNetTrainingStepsGiveTheSameLossesOnBothBackends() {
        LeNet cpu = new LeNet();
        LeNet gpu = new LeNet();
        gpu.loadStateDict(cpu.stateDict());
        gpu.to(GPU);
        dev.ember.optim.SGD optCpu = new dev.ember.optim.SGD(cpu.parameters(), 0.05, 0.9, 0, 0, false);
        dev.ember.optim.SGD optGpu = new dev.ember.optim.SGD(gpu.parameters(), 0.05, 0.9, 0, 0, false);
        Generator g = new Generator(77);
        for (int step = 0; step < 5; step++) {
            Tensor x = Tensor.randn(g, DType.FLOAT32, 16, 1, 28, 28);
            Tensor y = Tensor.randint(0, 10, 16);
            optCpu.zeroGrad();
            Tensor lossCpu = dev.ember.nn.Functional.crossEntropy(cpu.forward(x), y);
            lossCpu.backward();
            optCpu.step();
            optGpu.zeroGrad();
            Tensor lossGpu = dev.ember.nn.Functional.crossEntropy(gpu.forward(x.to(GPU)), y.to(GPU));
            lossGpu.backward();
            optGpu.step();
            assertEquals(lossCpu.item(), lossGpu.item(), 1e-4 * Math.max(1, Math.abs(lossCpu.item())), "loss at step " + step);
        }
        for (java.util.Map.Entry<String, Tensor> e : cpu.stateDict().entrySet()) {
            assertClose("weights after 5 steps: " + e.getKey(), e.getValue(), gpu.stateDict().get(e.getKey()).cpu());
        }
    }

    @Test
    void scopedTrainingStepsReuseTheirMemory() {
        LeNet model = new LeNet();
        model.to(GPU);
        dev.ember.optim.Adam opt = dev.ember.optim.Adam.adam(model.parameters(), 1e-3);
        Generator g = new Generator(78);
        Tensor x = Tensor.randn(g, DType.FLOAT32, 64, 1, 28, 28).to(GPU);
        Tensor y = Tensor.randint(0, 10, 64).to(GPU);
        long[][] stats = new long[30][];
        for (int step = 0; step < stats.length; step++) {
            try (dev.ember.TensorScope scope = Ember.scope()) {
                opt.zeroGrad();
                Tensor loss = dev.ember.nn.Functional.crossEntropy(model.forward(x), y);
                loss.backward();
                opt.step();
                assertTrue(Double.isFinite(loss.item()));
            }
            stats[step] = backend.memoryStats();
        }
        // from the third step on, every block a step takes comes back when its scope closes: no more bytes in use
        // after each step (fewer when a Cleaner returns an earlier test's garbage), and no new cuMemAlloc
        for (int step = 3; step < stats.length; step++) {
            assertTrue(stats[step][0] <= stats[2][0], "bytes in use after step " + step + ": " + stats[step][0] + " > "
                    + stats[2][0]);
            assertEquals(stats[2][3], stats[step][3], "cuMemAlloc calls after step " + step);
        }
        Tensor closed = Tensor.ones(3).to(GPU);
        closed.close();
        assertThrows(IllegalStateException.class, () -> closed.add(1));
    }

    @Test
    void bothMatmulPathsAgree() {
        Tensor a = r(130, 257);
        Tensor b = r(257, 65);
        Tensor ref = a.mm(b);
        boolean had = backend.usesCublas();
        try {
            backend.setUseCublas(false);
            assertClose("Ember's tiled kernel", ref, a.to(GPU).mm(b.to(GPU)).cpu());
            backend.setUseCublas(true);
            assertClose(had ? "cuBLAS" : "tiled kernel again (no cuBLAS here)", ref, a.to(GPU).mm(b.to(GPU)).cpu());
        } finally {
            backend.setUseCublas(true);
        }
        System.out.println("matmul paths checked: tiled kernel" + (had ? " and cuBLAS" : " (cuBLAS not loadable here)"));
    }

    @Test
    void everyFloat32GemmTileAndLayoutAgreesWithTheCpu() {
        // odd sizes: the general kernels
        Tensor a = r(131, 77);
        Tensor b = r(77, 259);
        Tensor at = r(77, 131);
        Tensor bt = r(259, 77);
        Tensor ba = r(3, 70, 9);
        Tensor w = r(9, 45);
        // sizes that are multiples of 4 (so the float4 kernels run) but of no tile, so every edge is exercised
        Tensor a4 = r(132, 516);
        Tensor at4 = r(516, 132);
        Tensor b4 = r(516, 260);
        Tensor bt4 = r(260, 516);
        Tensor ba4 = r(3, 132, 516);
        Tensor bb4 = r(3, 516, 260);
        Tensor wide = r(132, 517);
        try {
            // the tiles are Ember's kernels': with cuBLAS loaded (cuBLAS 13 on the H200) every product went to it
            backend.setUseCublas(false);
            for (int[] tile : new int[][] {{128, 128}, {64, 128}, {128, 64}, {64, 64}}) {
                backend.forceSgemmTile(tile);
                String name = tile[0] + "x" + tile[1];
                assertClose(name + " mm", a.mm(b), a.to(GPU).mm(b.to(GPU)).cpu());
                assertClose(name + " transposed operands", at.t().mm(bt.t()), at.to(GPU).t().mm(bt.to(GPU).t()).cpu());
                assertClose(name + " batch with a shared operand", ba.matmul(w), ba.to(GPU).matmul(w.to(GPU)).cpu());
                assertClose(name + " A row-major, B row-major", a4.mm(b4), a4.to(GPU).mm(b4.to(GPU)).cpu());
                assertClose(name + " A column-major, B row-major", at4.t().mm(b4), at4.to(GPU).t().mm(b4.to(GPU)).cpu());
                assertClose(name + " A row-major, B column-major", a4.mm(bt4.t()), a4.to(GPU).mm(bt4.to(GPU).t()).cpu());
                assertClose(name + " A column-major, B column-major", at4.t().mm(bt4.t()),
                        at4.to(GPU).t().mm(bt4.to(GPU).t()).cpu());
                assertClose(name + " batched", ba4.bmm(bb4), ba4.to(GPU).bmm(bb4.to(GPU)).cpu());
                assertClose(name + " batch with a shared operand, 16-byte loads", ba4.matmul(b4),
                        ba4.to(GPU).matmul(b4.to(GPU)).cpu());
                // offset 1: not 16-byte aligned, so the general kernel
                assertClose(name + " misaligned view", wide.narrow(1, 1, 516).mm(b4),
                        wide.to(GPU).narrow(1, 1, 516).mm(b4.to(GPU)).cpu());
            }
        } finally {
            backend.forceSgemmTile(null);
            backend.setUseCublas(true);
        }
    }

    @Test
    void gemmsPastTheGridLimitsRunInPieces() {
        // Ember's kernels launch one block per row tile (grid y) and per sample (grid z), each at most 65535: more
        // samples, or more than 65535 row tiles of 64, run in several launches
        Tensor a = r(70000, 3, 5);
        Tensor b = r(70000, 5, 2);
        Tensor tall = r(65535 * 64 + 100, 3);
        Tensor w = r(3, 2);
        try {
            backend.setUseCublas(false);
            backend.forceSgemmTile(new int[] {64, 64});
            assertClose("bmm of 70000 samples", a.bmm(b), a.to(GPU).bmm(b.to(GPU)).cpu());
            assertClose("bmm of 70000 samples, float64", a.toDouble().bmm(b.toDouble()),
                    a.toDouble().to(GPU).bmm(b.toDouble().to(GPU)).cpu());
            assertClose("mm of 65635 row tiles", tall.mm(w), tall.to(GPU).mm(w.to(GPU)).cpu());
            assertClose("mm of 65635 row tiles, float64", tall.toDouble().mm(w.toDouble()),
                    tall.toDouble().to(GPU).mm(w.toDouble().to(GPU)).cpu());
            // split-K: 40000 samples of 32 output pixels in 2 parts each, 80000 products
            backend.forceWeightGradSplits(2);
            parity("conv2d weight gradient of 40000 samples in 2 parts", x -> Tensor.conv2d(x[0], x[1], null,
                    new int[] {1}, new int[] {0}, new int[] {1}, 1), r(40000, 1, 4, 8), r(2, 1, 1, 1));
        } finally {
            backend.forceWeightGradSplits(0);
            backend.forceSgemmTile(null);
            backend.setUseCublas(true);
        }
    }

    @Test
    void randomNumbersMatchTheCpuBackend() {
        Tensor cpu = Tensor.rand(new Generator(9), DType.FLOAT32, 1000);
        Tensor gpu = Tensor.rand(new Generator(9), DType.FLOAT32, 1000);
        assertEquals(Device.CPU, gpu.device(), "factories follow the default device");
        // the same generator state on CUDA draws the same numbers
        Generator g = new Generator(9);
        Tensor onGpu = Tensor.rand(g, DType.FLOAT32, 1000).to(GPU);
        assertClose("uniform", cpu, onGpu.cpu());
        Tensor n = Tensor.randn(7).to(GPU).randnLike();
        assertEquals(GPU, n.device());
    }

    @Test
    void outOfRangeTargetsAreReportedAtTheNextSynchronization() {
        Tensor logits = r(4, 10).to(GPU);
        Tensor bad = Tensor.tensor(new long[] {1, 12, 3, 0}).to(GPU);
        // the check runs on the device: the loss is queued, the error comes when the host next waits for the GPU
        Tensor loss = dev.ember.nn.Functional.crossEntropy(logits, bad);
        IndexOutOfBoundsException e = org.junit.jupiter.api.Assertions.assertThrows(IndexOutOfBoundsException.class,
                loss::item);
        assertTrue(e.getMessage().startsWith("Target 12 is out of bounds."), e.getMessage());
        // reported once: the next step runs normally
        Tensor good = Tensor.tensor(new long[] {1, 9, 3, 0}).to(GPU);
        Tensor ok = dev.ember.nn.Functional.crossEntropy(logits, good);
        assertEquals(dev.ember.nn.Functional.crossEntropy(logits.cpu(), good.cpu()).item(), ok.item(), 1e-5);
    }

    @Test
    void stagedUploadsKeepTheirValues() {
        // many uploads in flight at once through the pinned buffers, each array reused by the host at once
        float[] host = new float[5000];
        List<Tensor> onGpu = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            Arrays.fill(host, i);
            onGpu.add(Tensor.tensor(host).to(GPU));
        }
        for (int i = 0; i < 300; i++) {
            double[] v = onGpu.get(i).toDoubleArray();
            assertEquals(i, v[0], 0, "upload " + i);
            assertEquals(i, v[v.length - 1], 0, "upload " + i);
        }
        // larger than the staging limit: a synchronous copy
        float[] big = new float[(int) (PinnedStaging.MAX_UPLOAD / 4) + 7];
        big[big.length - 1] = 42;
        assertEquals(42, Tensor.tensor(big).to(GPU).cpu().toDoubleArray()[big.length - 1], 0);
    }

    @Test
    void deviceErrorsAndPrinting() {
        Tensor g = Tensor.ones(2).to(GPU);
        assertEquals("tensor([1., 1.], device='cuda:0')", g.toString());
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> g.add(Tensor.ones(2)));
        assertEquals("Expected all tensors to be on the same device, but found at least two devices, cuda:0 and cpu!",
                e.getMessage());
    }
}
