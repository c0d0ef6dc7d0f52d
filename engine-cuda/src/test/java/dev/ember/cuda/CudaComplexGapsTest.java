package dev.ember.cuda;

import dev.ember.Autograd;
import dev.ember.Complex;
import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Generator;
import dev.ember.Tensor;
import dev.ember.nn.Functional;
import dev.ember.optim.Adam;
import dev.ember.optim.Optimizer;
import dev.ember.optim.SGD;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.function.Executable;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static dev.ember.cuda.CudaComplexTest.pairs;
import static dev.ember.cuda.CudaComplexTest.z;
import static dev.ember.cuda.CudaParityTest.assertClose;
import static dev.ember.cuda.CudaParityTest.p;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Session 30's complex gaps on CUDA against the CPU (ComplexGapsTest has PyTorch's values): cumprod of complex tensors
 * (the doubling scan and CumprodBackward0, with zeros inside, once and twice differentiated), soft_margin_loss and
 * binary_cross_entropy_with_logits on complex operands (values, and the refusals in the CPU's words), copy_ of complex
 * tensors into bool and float tensors, fill_'s refusal of a complex value, an optimizer's complex state loaded onto CUDA
 * parameters (moved to the device, keeping its complex type), conv_transpose of complex tensors (the unbatched node),
 * and clamp's refusals. Odd sizes and non-contiguous operands throughout.
 */
@ExtendWith(CudaGate.class)
class CudaComplexGapsTest {
    private static final Device GPU = Device.cuda(0);
    private static final Generator GEN = new Generator(3003);

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    /** Pairs whose complex values along dimension {@code dim} are zero at {@code at}. */
    private static Tensor zeroedAt(Tensor pairs, int dim, int... at) {
        for (int i : at) {
            pairs.select(dim, i).zero_();
        }
        return pairs;
    }

    /** Unit-modulus values exp(i x) of real angles (long running products stay finite). */
    private static Tensor unit(Tensor angles) {
        return angles.mul(Complex.I).exp();
    }

    @TestFactory
    List<DynamicTest> cumprod() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(p("cumprod odd row", a -> z(a[0]).cumprod(0).viewAsReal(), pairs(7)));
        t.add(p("cumprod one zero", a -> z(a[0]).cumprod(0).viewAsReal(), zeroedAt(pairs(9), 0, 4)));
        t.add(p("cumprod two zeros", a -> z(a[0]).cumprod(0).viewAsReal(), zeroedAt(pairs(11), 0, 2, 7)));
        t.add(p("cumprod rows with zeros, dim 1", a -> z(a[0]).cumprod(1).viewAsReal(),
                zeroedAt(zeroedAt(pairs(3, 9), 1, 3), 0, 2)));
        t.add(p("cumprod transposed (non-contiguous)", a -> z(a[0]).transpose(0, 1).cumprod(1).viewAsReal(),
                zeroedAt(pairs(9, 5), 0, 6)));
        t.add(p("cumprod 3-d strided dim 0", a -> z(a[0]).narrow(2, 1, 3).cumprod(0).viewAsReal(), pairs(5, 3, 5)));
        t.add(p("cumprod long unit row (doubling scan)", a -> unit(a[0]).cumprod(0).viewAsReal(),
                Tensor.rand(GEN, DType.FLOAT32, 1025).mul(2.0).sub(1.0)));
        t.add(p("cumprod long unit rows with a zero", a -> unit(a[0]).mul(a[1]).cumprod(1).viewAsReal(),
                Tensor.rand(GEN, DType.FLOAT32, 3, 301), zeroedAt(Tensor.ones(3, 301), 1, 150)));
        t.add(p("cumprod complex128", a -> z(a[0]).to(DType.COMPLEX128).cumprod(0).viewAsReal(),
                zeroedAt(pairs(8), 0, 5).toDouble()));
        // the first derivative with a graph (the masked O(n) form), differentiated again (the O(n^2) form)
        t.add(p("cumprod double backward with zeros", a -> Autograd.grad(List.of(z(a[0]).cumprod(0).viewAsReal()),
                List.of(a[0]), List.of(a[1]), true).get(0), zeroedAt(pairs(7), 0, 2, 5), pairs(7)));
        return t;
    }

    /** Complex logcumsumexp (2.x's sequential scan, run on the host for every device) and its backward, on CUDA. */
    @TestFactory
    List<DynamicTest> logcumsumexp() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(p("logcumsumexp odd row", a -> z(a[0]).logcumsumexp(0).viewAsReal(), pairs(7)));
        t.add(p("logcumsumexp transposed dim 1", a -> z(a[0]).transpose(0, 1).logcumsumexp(1).viewAsReal(),
                pairs(9, 5)));
        t.add(p("logcumsumexp complex128 3-d dim -1", a -> z(a[0]).to(DType.COMPLEX128).logcumsumexp(-1).viewAsReal(),
                pairs(2, 3, 6).toDouble()));
        t.add(p("logcumsumexp double backward", a -> Autograd.grad(List.of(z(a[0]).logcumsumexp(0).viewAsReal()),
                List.of(a[0]), List.of(a[1]), true).get(0), pairs(6), pairs(6)));
        return t;
    }

    @Test
    void logcumsumexpNodeAndDeviceOnTheGpu() {
        Tensor x = z(pairs(6)).to(GPU).requiresGrad_(true);
        Tensor y = x.logcumsumexp(0);
        assertEquals("LogcumsumexpBackward0", y.gradFn().name());
        assertEquals(GPU, y.device());
    }

    @Test
    void cumprodNodeOnTheGpu() {
        Tensor x = z(pairs(6)).to(GPU).requiresGrad_(true);
        assertEquals("CumprodBackward0", x.cumprod(0).gradFn().name());
    }

    @TestFactory
    List<DynamicTest> lossValues() {
        List<DynamicTest> t = new ArrayList<>();
        // computed without recording, as PyTorch 2.x: the inputs are detached
        t.add(p("soft_margin_loss complex", a -> Functional.softMarginLoss(z(a[0]).detach(), z(a[1]).detach())
                .viewAsReal(), pairs(3, 5), pairs(3, 5)));
        t.add(p("soft_margin_loss complex, real target, none, transposed", a -> Functional.softMarginLoss(
                z(a[0]).detach().t(), a[1].detach().sign(), "none").viewAsReal(), pairs(5, 3), pairs(3, 5).select(2, 0)));
        t.add(p("soft_margin_loss complex64 sum", a -> Functional.softMarginLoss(z(a[0]).detach(), Tensor.ones(7)
                .to(a[0].device()), "sum").viewAsReal(), pairs(7)));
        t.add(p("bce_with_logits complex target", a -> Functional.binaryCrossEntropyWithLogits(a[0].detach(),
                z(a[1]).detach()).viewAsReal(), Tensor.rand(GEN, DType.FLOAT32, 3, 5), pairs(3, 5)));
        t.add(p("bce_with_logits complex target, weight, none, strided", a -> Functional.binaryCrossEntropyWithLogits(
                a[0].detach().narrow(1, 1, 5), z(a[1]).detach(), a[2].detach(), null, "none").viewAsReal(),
                Tensor.rand(GEN, DType.FLOAT32, 3, 7), pairs(3, 5), Tensor.rand(GEN, DType.FLOAT32, 5)));
        t.add(p("bce_with_logits complex target float64 sum", a -> Functional.binaryCrossEntropyWithLogits(
                a[0].detach().toDouble(), z(a[1]).detach().to(DType.COMPLEX128), "sum").viewAsReal(),
                Tensor.rand(GEN, DType.FLOAT32, 9), pairs(9)));
        return t;
    }

    /**
     * Runs {@code f} on the CPU inputs and on their copies on the GPU: the same exception, in the same words but for the
     * kernel a dispatch error names (PyTorch's CUDA kernels: log_sigmoid_forward_cuda, max_elementwise_cuda,
     * min_elementwise_cuda, clamp_cuda where the CPU's are log_sigmoid_cpu, maximum_cpu, minimum_cpu, clamp_cpu), every
     * input unchanged.
     */
    private static void sameRefusal(String what, Function<Tensor[], Object> f, Tensor... cpuInputs) {
        Tensor[] a = new Tensor[cpuInputs.length];
        Tensor[] b = new Tensor[cpuInputs.length];
        for (int i = 0; i < a.length; i++) {
            boolean grad = cpuInputs[i].requiresGrad();
            a[i] = cpuInputs[i].detach().clone().requiresGrad_(grad);
            b[i] = cpuInputs[i].detach().to(GPU).requiresGrad_(grad);
        }
        RuntimeException onCpu = assertThrows(RuntimeException.class, call(f, a), what + " on the CPU");
        RuntimeException onGpu = assertThrows(RuntimeException.class, call(f, b), what + " on CUDA");
        assertEquals(onCpu.getClass(), onGpu.getClass(), what);
        assertEquals(onCpu.getMessage().replace("log_sigmoid_cpu", "log_sigmoid_forward_cuda")
                .replace("maximum_cpu", "max_elementwise_cuda").replace("minimum_cpu", "min_elementwise_cuda")
                .replace("_cpu", "_cuda"), onGpu.getMessage(), what);
        for (int i = 0; i < a.length; i++) {
            assertClose(what + ": input " + i + " unchanged", cpuInputs[i].detach().isComplex()
                    ? cpuInputs[i].detach().viewAsReal() : cpuInputs[i].detach(),
                    (b[i].isComplex() ? b[i].detach().viewAsReal() : b[i].detach()).cpu());
        }
    }

    private static Executable call(Function<Tensor[], Object> f, Tensor[] in) {
        return () -> f.apply(in);
    }

    private static Tensor zc(int... shape) {
        return z(pairs(shape));
    }

    @Test
    void lossRefusalsInTheCpusWords() {
        Tensor x = Tensor.rand(GEN, DType.FLOAT32, 3, 5);
        sameRefusal("soft_margin_loss complex requires grad", a -> Functional.softMarginLoss(a[0], a[1]),
                zc(3, 5).requiresGrad_(true), x.sign());
        sameRefusal("soft_margin_loss real input, complex target", a -> Functional.softMarginLoss(a[0], a[1]), x, zc(3, 5));
        sameRefusal("bce_with_logits complex input", a -> Functional.binaryCrossEntropyWithLogits(a[0], a[1]),
                zc(3, 5), x);
        sameRefusal("bce_with_logits complex target, input requires grad",
                a -> Functional.binaryCrossEntropyWithLogits(a[0], a[1]), x.clone().requiresGrad_(true), zc(3, 5));
        sameRefusal("bce_with_logits complex target, pos_weight", a -> Functional.binaryCrossEntropyWithLogits(a[0], a[1],
                null, a[2], "mean"), x, zc(3, 5), Tensor.rand(GEN, DType.FLOAT32, 5));
        sameRefusal("bce_with_logits complex weight", a -> Functional.binaryCrossEntropyWithLogits(a[0], a[1], a[2], null,
                "mean"), x, Tensor.rand(GEN, DType.FLOAT32, 3, 5), zc(3, 5));
    }

    @TestFactory
    List<DynamicTest> copiesIntoRealTensors() {
        // parts zero in some elements: the truth into bool takes both parts (2j is true)
        Tensor parts = pairs(4, 5);
        parts.select(1, 1).select(1, 0).zero_();
        parts.select(1, 2).select(1, 1).zero_();
        parts.select(1, 3).zero_();
        List<DynamicTest> t = new ArrayList<>();
        t.add(p("copy_ complex into bool", a -> Tensor.zeros(DType.BOOL, 4, 5).to(a[0].device()).copy_(z(a[0]).detach())
                .to(DType.FLOAT32), parts));
        t.add(p("copy_ transposed complex into a bool column view", a -> {
            Tensor dst = Tensor.zeros(DType.BOOL, 5, 9).to(a[0].device());
            dst.narrow(1, 2, 4).copy_(z(a[0]).detach().t());
            return dst.to(DType.FLOAT32);
        }, parts));
        t.add(p("copy_ complex into float32", a -> Tensor.zeros(4, 5).to(a[0].device()).copy_(z(a[0]).detach()), parts));
        t.add(p("copy_ complex128 into float64 broadcast, transposed destination", a -> {
            Tensor dst = Tensor.zeros(DType.FLOAT64, 5, 3).to(a[0].device());
            dst.t().copy_(z(a[0]).detach().to(DType.COMPLEX128));
            return dst;
        }, pairs(5)));
        t.add(p("copy_ complex into int64", a -> Tensor.zeros(DType.INT64, 4, 5).to(a[0].device()).copy_(z(a[0]).detach()
                .mul(3.0)).to(DType.FLOAT32), parts));
        t.add(p("fill_ bool with a complex value", a -> Tensor.zeros(DType.BOOL, 3).to(a[0].device())
                .fill_(z(a[0]).detach().select(0, 1)).to(DType.FLOAT32), parts.select(0, 0)));
        t.add(p("fill_ float32 with a zero imaginary part", a -> Tensor.zeros(7).to(a[0].device())
                .fill_(z(a[0]).detach().select(0, 2)), parts.select(0, 0)));
        return t;
    }

    @Test
    void copyAcrossDevicesIntoBool() {
        Tensor src = Tensor.complex(Tensor.tensor(new double[] {0, 1, 0, 0}), Tensor.tensor(new double[] {2, 0, 0, -1}));
        Tensor expected = Tensor.tensor(new boolean[] {true, true, false, true});
        assertTrue(Tensor.zeros(DType.BOOL, 4).to(GPU).copy_(src).cpu().equal(expected));
        assertTrue(Tensor.zeros(DType.BOOL, 4).copy_(src.to(GPU)).equal(expected));
    }

    @Test
    void fillRefusesAComplexValue() {
        Tensor value = Tensor.complex(Tensor.scalar(1.0), Tensor.scalar(2.0));
        sameRefusal("fill_ float32 with 1+2j", a -> a[0].fill_(a[1]), Tensor.rand(GEN, DType.FLOAT32, 3, 5), value);
        sameRefusal("fill_ int64 with 1+2j", a -> a[0].fill_(a[1]), Tensor.ones(DType.INT64, 5), value);
        sameRefusal("fill_ a float32 column view with 1+2j", a -> a[0].narrow(1, 1, 2).fill_(a[1]),
                Tensor.rand(GEN, DType.FLOAT32, 3, 5), value);
    }

    private static Optimizer optimizer(boolean sgd, List<Tensor> ps) {
        return sgd ? new SGD(ps, 0.1, 0.9, 0, 0.05, false) : new Adam(ps, 0.1, 0.9, 0.999, 1e-8, 0.05, false);
    }

    /**
     * Two steps over complex128 / float64 twins on the CPU, their state loaded into complex64 / float32 parameters on
     * {@code device}, then one more step: the parameters and the loaded state.
     */
    private static List<Tensor> loadedAndStepped(boolean sgd, Device device, Tensor[] in) {
        List<Tensor> twins = List.of(in[0].clone().requiresGrad_(true), in[1].clone().requiresGrad_(true));
        Optimizer opt = optimizer(sgd, twins);
        for (int k = 0; k < 2; k++) {
            twins.get(0).setGrad(in[2].mul(k + 1.0));
            twins.get(1).setGrad(in[3].mul(k + 1.0));
            opt.step();
        }
        Map<String, Object> saved = opt.stateDict();
        List<Tensor> ps = List.of(twins.get(0).detach().to(DType.COMPLEX64).to(device).requiresGrad_(true),
                twins.get(1).detach().to(DType.FLOAT32).to(device).requiresGrad_(true));
        Optimizer opt2 = optimizer(sgd, ps);
        opt2.loadStateDict(saved);
        List<Tensor> out = new ArrayList<>();
        Map<?, ?> state = (Map<?, ?>) opt2.stateDict().get("state");
        for (int i = 0; i < 2; i++) {
            for (Object v : ((Map<?, ?>) state.get(i)).values()) {
                if (v instanceof Tensor s && s.dim() > 0) {
                    out.add(s);
                }
            }
        }
        ps.get(0).setGrad(in[2].to(DType.COMPLEX64).mul(3.0).to(device));
        ps.get(1).setGrad(in[3].to(DType.FLOAT32).mul(3.0).to(device));
        opt2.step();
        out.add(ps.get(0).detach());
        out.add(ps.get(1).detach());
        return out;
    }

    @Test
    void complexOptimizerStateLoadedOntoCudaParameters() {
        Tensor[] in = {z(pairs(3, 5)).to(DType.COMPLEX128), Tensor.rand(GEN, DType.FLOAT64, 7),
            z(pairs(3, 5)).to(DType.COMPLEX128), Tensor.rand(GEN, DType.FLOAT64, 7)};
        for (boolean sgd : new boolean[] {true, false}) {
            String name = sgd ? "sgd momentum" : "adam";
            List<Tensor> cpu = loadedAndStepped(sgd, Device.CPU, in);
            List<Tensor> gpu = loadedAndStepped(sgd, GPU, in);
            assertEquals(cpu.size(), gpu.size(), name);
            assertTrue(cpu.size() >= 4, name + ": state tensors and parameters");
            for (int i = 0; i < cpu.size(); i++) {
                Tensor c = cpu.get(i);
                Tensor g = gpu.get(i);
                assertEquals(GPU, g.device(), name + " tensor " + i + " moved to the parameter's device");
                assertEquals(c.dtype(), g.dtype(), name + " tensor " + i);
                assertClose(name + " tensor " + i, c.isComplex() ? c.viewAsReal() : c,
                        (g.isComplex() ? g.viewAsReal() : g).cpu());
            }
            // the complex parameter's state keeps its saved complex128, the float32 parameter's takes float32
            assertEquals(DType.COMPLEX128, gpu.get(0).dtype(), name);
            assertEquals(DType.FLOAT32, gpu.get(gpu.size() - 3).dtype(), name);
        }
    }

    @TestFactory
    List<DynamicTest> convTranspose() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(p("conv_transpose1d complex stride padding output_padding bias", a -> Functional.convTranspose1d(z(a[0]),
                z(a[1]), z(a[2]), 2, 1, 1, 1, 1).viewAsReal(), pairs(2, 2, 7), pairs(2, 3, 3), pairs(3)));
        t.add(p("conv_transpose2d complex groups dilation, non-contiguous input", a -> Functional.convTranspose2d(
                z(a[0]).transpose(2, 3), z(a[1]), null, new int[] {1, 1}, new int[] {1, 0}, new int[] {0, 0}, 2,
                new int[] {2, 1}).viewAsReal(), pairs(1, 4, 5, 3), pairs(4, 1, 2, 3)));
        t.add(p("conv_transpose2d unbatched complex", a -> Functional.convTranspose2d(z(a[0]), z(a[1]), null)
                .viewAsReal(), pairs(2, 3, 5), pairs(2, 1, 2, 3)));
        t.add(p("conv_transpose3d complex128", a -> Functional.convTranspose3d(z(a[0]).to(DType.COMPLEX128),
                z(a[1]).to(DType.COMPLEX128), null).viewAsReal(), pairs(1, 2, 3, 3, 2), pairs(2, 2, 2, 2, 2)));
        return t;
    }

    @Test
    void unbatchedComplexConvTransposeNodeOnTheGpu() {
        Tensor x = z(pairs(2, 3, 5)).to(GPU).requiresGrad_(true);
        Tensor w = z(pairs(2, 1, 2, 3)).to(GPU).requiresGrad_(true);
        Tensor y = Functional.convTranspose2d(x, w, null);
        assertEquals("SqueezeBackward1", y.gradFn().name());
        assertEquals(GPU, y.device());
        assertEquals(List.of(1, 4, 7), java.util.Arrays.stream(y.shape()).boxed().toList());
        Tensor batched = Functional.convTranspose2d(x.unsqueeze(0), w, null);
        assertEquals("AddBackward0", batched.gradFn().name());
    }

    @Test
    void clampRefusalsInTheCpusWords() {
        Tensor r = Tensor.rand(GEN, DType.FLOAT32, 5);
        sameRefusal("clamp complex", a -> a[0].clamp(-1.0, 1.0), zc(5));
        sameRefusal("clamp complex, tensor bounds", a -> a[0].clamp(a[1], a[2]), zc(5), r, r);
        sameRefusal("clamp_min complex, tensor bound", a -> a[0].clampMin(a[1]), zc(5), r);
        sameRefusal("clamp_max real, complex bound", a -> a[0].clampMax(a[1]), r, zc(5));
        sameRefusal("clamp real, complex bounds", a -> a[0].clamp(a[1], a[2]), r, zc(5), zc(5));
    }

    /** The bits of a complex or real tensor's values, read back on the host. */
    private static double[] bits(Tensor t) {
        return (t.isComplex() ? t.viewAsReal() : t).cpu().toDouble().contiguous().toDoubleArray();
    }

    /**
     * Complex times real with the real operand promoted to (r, +0), as on the CPU (ComplexRealProductTest has PyTorch's
     * values): signed zeros, infinities and NaNs bit for bit (assertArrayEquals compares doubles' bits).
     */
    @Test
    void complexTimesRealPromotesTheRealOperand() {
        double inf = Double.POSITIVE_INFINITY;
        Tensor z = Tensor.complex(Tensor.tensor(new double[] {-0.5, inf, 1, 0.5, -0.0, -0.0, Double.NaN}),
                Tensor.tensor(new double[] {-0.25, 0, inf, 0.25, -1.0, 1.0, 0.0}));
        Tensor r = Tensor.tensor(new double[] {0.0, 2.0, 2.0, -0.0, 2.0, 2.0, 1.0});
        for (DType t : new DType[] {DType.COMPLEX64, DType.COMPLEX128}) {
            Tensor zc = z.to(t);
            Tensor rc = r.to(t == DType.COMPLEX64 ? DType.FLOAT32 : DType.FLOAT64);
            Tensor zg = zc.to(GPU);
            Tensor rg = rc.to(GPU);
            org.junit.jupiter.api.Assertions.assertArrayEquals(bits(zc.mul(rc)), bits(zg.mul(rg)), "z*r " + t);
            org.junit.jupiter.api.Assertions.assertArrayEquals(bits(zc.mul(rc).angle()), bits(zg.mul(rg).angle()),
                    "angle(z*r) " + t);
            org.junit.jupiter.api.Assertions.assertArrayEquals(bits(rc.mul(zc)), bits(rg.mul(zg)), "r*z " + t);
            org.junit.jupiter.api.Assertions.assertArrayEquals(bits(zc.mul(2.0)), bits(zg.mul(2.0)), "z*2.0 " + t);
        }
    }
}
