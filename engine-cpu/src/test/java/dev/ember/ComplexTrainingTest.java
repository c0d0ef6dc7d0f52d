package dev.ember;

import dev.ember.nn.Functional;
import dev.ember.nn.Linear;
import dev.ember.nn.Module;
import dev.ember.optim.Adam;
import dev.ember.optim.Optimizer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static dev.ember.ComplexTrainExpected.assertValues;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Training with complex parameters as PyTorch users train Fourier Neural Operators: random complex creation (rand,
 * randn, their like forms, uniform_ / normal_), einsum with complex operands (values, nodes and gradients from
 * {@code complextrain/make_expected.py}, gradchecks), complex parameters in modules (registration, stateDict,
 * {@code to(dtype)}), and an FNO-style SpectralConv2d plus a pointwise Linear trained 5 Adam steps against PyTorch's
 * losses and weights.
 */
class ComplexTrainingTest {

    // ------------------------------------------------------------------ random creation

    private static double[] parts(Tensor z, int which) {
        return z.viewAsReal().select(-1, which).toDouble().contiguous().reshape(-1).toDoubleArray();
    }

    @Test
    void randComplexHasUniformParts() {
        Tensor z = Tensor.rand(new Generator(11), DType.COMPLEX64, 200, 100);
        assertEquals(DType.COMPLEX64, z.dtype());
        assertArrayEquals(new int[] {200, 100}, z.shape());
        for (int k = 0; k < 2; k++) {
            double[] v = parts(z, k);
            for (double x : v) {
                assertTrue(x >= 0 && x < 1);
            }
            assertEquals(0.5, RandomTest.mean(v), 0.01);
            assertEquals(1.0 / 12, RandomTest.variance(v), 0.003);
        }
        // real and imaginary parts are not the same draws
        assertTrue(z.real().sub(z.imag()).abs().max().item() > 0.5);
        // determinism: the same generator seed, the same values
        assertTrue(z.equal(Tensor.rand(new Generator(11), DType.COMPLEX64, 200, 100)));
    }

    @Test
    void randnComplexHasHalfVarianceParts() {
        // PyTorch: each part N(0, 1/2), so E|z|^2 = 1
        Tensor z = Tensor.randn(new Generator(5), DType.COMPLEX128, 400, 100);
        assertEquals(DType.COMPLEX128, z.dtype());
        for (int k = 0; k < 2; k++) {
            double[] v = parts(z, k);
            assertEquals(0.0, RandomTest.mean(v), 5 * Math.sqrt(0.5 / v.length)); // five standard errors
            assertEquals(0.5, RandomTest.variance(v), 0.01);
        }
        assertEquals(1.0, z.abs().pow(2).mean().item(), 0.02);
        assertTrue(z.equal(Tensor.randn(new Generator(5), DType.COMPLEX128, 400, 100)));
        Ember.manualSeed(3);
        Tensor a = Tensor.randn(DType.COMPLEX64, 3, 4);
        Tensor b = a.randnLike();
        Tensor c = a.randLike();
        assertEquals(DType.COMPLEX64, b.dtype());
        assertEquals(DType.COMPLEX64, c.dtype());
        assertArrayEquals(new int[] {3, 4}, c.shape());
        Ember.manualSeed(3);
        assertTrue(a.equal(Tensor.randn(DType.COMPLEX64, 3, 4)));
    }

    @Test
    void uniformAndNormalFillComplexInPlace() {
        Tensor z = Tensor.zeros(DType.COMPLEX64, 300, 100);
        Tensor same = z.uniform_(2, 3, new Generator(1));
        assertTrue(same == z);
        for (int k = 0; k < 2; k++) {
            for (double x : parts(z, k)) {
                assertTrue(x >= 2 && x < 3);
            }
        }
        // normal_(mean, std): both parts N(mean, std^2 / 2), as ATen's normal_impl_ on view_as_real
        z.normal_(1, 2, new Generator(2));
        for (int k = 0; k < 2; k++) {
            double[] v = parts(z, k);
            assertEquals(1.0, RandomTest.mean(v), 0.03);
            assertEquals(2.0, RandomTest.variance(v), 0.06);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> z.uniform_(3, 2));
        assertEquals("uniform_ expects to return a [from, to) range, but found from=3 > to=2", e.getMessage());
        IllegalArgumentException f = assertThrows(IllegalArgumentException.class, () -> z.normal_(0, -1));
        assertEquals("normal expects std >= 0.0, but found std -1", f.getMessage());
        IllegalArgumentException g = assertThrows(IllegalArgumentException.class,
                () -> Tensor.zeros(DType.INT64, 2).normal_(0, 1));
        assertEquals("\"normal_kernel_cpu\" not implemented for 'Long'", g.getMessage());
    }

    @Test
    void inPlaceArithmeticOnComplexWithoutHistory() {
        // the kernels' direct path took complex tensors for real ones (storage refused) and add_ with a fractional alpha
        // was refused as for integers; each now matches the out-of-place op
        Tensor w = ComplexTrainExpected.complex("einsum.matmul.in0", 3, 4);
        Tensor v = ComplexTrainExpected.complex("einsum.matmul.in1", 4, 2).reshape(2, 4);
        Tensor scale = Tensor.tensor(0.25, DType.FLOAT64);
        assertTrue(w.clone().mul_(scale).equal(w.mul(scale)));
        assertTrue(w.clone().mul_(2.0).equal(w.mul(2.0)));
        assertTrue(w.clone().add_(v.narrow(0, 0, 1)).equal(w.add(v.narrow(0, 0, 1))));
        assertTrue(w.clone().sub_(v.narrow(0, 1, 1)).equal(w.sub(v.narrow(0, 1, 1))));
        assertTrue(w.clone().div_(v.narrow(0, 1, 1)).equal(w.div(v.narrow(0, 1, 1))));
        assertTrue(w.clone().add_(v.narrow(0, 0, 1), 0.5).equal(w.add(v.narrow(0, 0, 1), 0.5)));
        Tensor r = Tensor.ones(DType.FLOAT64, 3, 4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> r.mul_(w));
        assertTrue(e.getMessage().startsWith("result type ComplexDouble can't be cast to the desired output type Double"),
                e.getMessage());
    }

    // ------------------------------------------------------------------ einsum

    private static void einsumCase(String name, String eq, int[]... shapes) {
        Tensor[] ins = new Tensor[shapes.length];
        for (int i = 0; i < shapes.length; i++) {
            ins[i] = ComplexTrainExpected.complex("einsum." + name + ".in" + i, shapes[i]).requiresGrad_(true);
        }
        Tensor r = Tensor.einsum(eq, ins);
        assertValues("einsum." + name + ".out", r, 1e-12);
        assertEquals(ComplexTrainExpected.words("node", "einsum." + name)[0], r.gradFn().name(), name);
        Tensor rv = r.viewAsReal();
        int n = Math.toIntExact(rv.numel());
        Tensor w = Tensor.linspace(-1, 1, n, DType.FLOAT64).reshape(rv.shape());
        rv.mul(w).sum().backward();
        for (int i = 0; i < ins.length; i++) {
            assertValues("einsum." + name + ".grad" + i, ins[i].grad(), 1e-12);
        }
    }

    @Test
    void einsumWithComplexOperands() {
        einsumCase("fno", "bixy,ioxy->boxy", new int[] {2, 3, 2, 2}, new int[] {3, 4, 2, 2});
        einsumCase("matmul", "ij,jk->ik", new int[] {3, 4}, new int[] {4, 2});
        einsumCase("batch", "bij,bjk->bik", new int[] {2, 3, 4}, new int[] {2, 4, 5});
        einsumCase("trace", "ii->", new int[] {3, 3});
        einsumCase("outer", "i,j->ij", new int[] {3}, new int[] {4});
        einsumCase("sum", "ijk->j", new int[] {2, 3, 4});
    }

    @Test
    void einsumGradchecksThroughRealViews() {
        Function<Tensor[], Tensor> fno = x -> Tensor.einsum("bixy,ioxy->boxy", x[0].clone().viewAsComplex(),
                x[1].clone().viewAsComplex()).viewAsReal();
        Tensor a = Tensor.linspace(-1, 1, 2 * 2 * 2 * 2 * 2, DType.FLOAT64).reshape(2, 2, 2, 2, 2).requiresGrad_(true);
        Tensor b = Tensor.linspace(-0.7, 1.3, 2 * 3 * 2 * 2 * 2, DType.FLOAT64).reshape(2, 3, 2, 2, 2).requiresGrad_(true);
        assertTrue(Autograd.gradcheck(fno::apply, a, b));
        assertTrue(Autograd.gradgradcheck(fno::apply, a, b));
        Function<Tensor[], Tensor> trace = x -> Tensor.einsum("ii->", x[0].clone().viewAsComplex()).viewAsReal();
        Tensor c = Tensor.linspace(-1, 1, 18, DType.FLOAT64).reshape(3, 3, 2).requiresGrad_(true);
        assertTrue(Autograd.gradcheck(trace::apply, c));
    }

    // ------------------------------------------------------------------ as_strided

    @Test
    void asStridedOnComplexCountsComplexElements() {
        Tensor z = ComplexTrainExpected.complex("strided.in", 3, 4).requiresGrad_(true);
        Tensor r = z.asStrided(new int[] {3, 3}, new int[] {1, 2}, 1);
        assertEquals(DType.COMPLEX128, r.dtype());
        assertValues("strided.out", r, 0);
        assertEquals(ComplexTrainExpected.words("node", "strided")[0], r.gradFn().name());
        r.viewAsReal().mul(Tensor.linspace(-1, 1, 18, DType.FLOAT64).reshape(3, 3, 2)).sum().backward();
        assertValues("strided.grad", z.grad(), 1e-12);
        Tensor d = z.detach();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> d.asStrided(new int[] {4, 4}, new int[] {4, 1}, 0));
        assertEquals(String.join(" ", ComplexTrainExpected.words("error", "strided")), e.getMessage());
        Function<Tensor[], Tensor> f = x -> x[0].clone().viewAsComplex().asStrided(new int[] {3, 3}, new int[] {1, 2}, 1)
                .viewAsReal();
        Tensor a = Tensor.linspace(-1, 1, 24, DType.FLOAT64).reshape(3, 4, 2).requiresGrad_(true);
        assertTrue(Autograd.gradcheck(f::apply, a));
        assertTrue(Autograd.gradgradcheck(f::apply, a));
    }

    // ------------------------------------------------------------------ modules

    /** The FNO's SpectralConv2d with a pointwise Linear, PyTorch's code line by line. */
    static final class SpectralConv2d extends Module {
        final Tensor weights1;
        final Tensor weights2;
        final Linear lin;
        final int m1;
        final int m2;

        SpectralConv2d(Tensor w1, Tensor w2, Linear lin) {
            this.weights1 = registerParameter("weights1", w1);
            this.weights2 = registerParameter("weights2", w2);
            this.lin = registerModule("lin", lin);
            this.m1 = w1.shape()[2];
            this.m2 = w1.shape()[3];
        }

        @Override
        public Tensor forward(Tensor x) {
            int b = x.shape()[0];
            int h = x.shape()[2];
            int w = x.shape()[3];
            int co = weights1.shape()[1];
            Tensor xFt = Fft.rfft2(x);
            Tensor outFt = Tensor.zeros(DType.COMPLEX64, b, co, h, w / 2 + 1);
            // out_ft[:, :, :m1, :m2] = einsum(x_ft[:, :, :m1, :m2], w1); out_ft[:, :, -m1:, :m2] = ... w2
            outFt.narrow(2, 0, m1).narrow(3, 0, m2)
                    .copy_(Tensor.einsum("bixy,ioxy->boxy", xFt.narrow(2, 0, m1).narrow(3, 0, m2), weights1));
            outFt.narrow(2, h - m1, m1).narrow(3, 0, m2)
                    .copy_(Tensor.einsum("bixy,ioxy->boxy", xFt.narrow(2, h - m1, m1).narrow(3, 0, m2), weights2));
            Tensor spectral = Fft.irfft2(outFt, new int[] {h, w}, new int[] {-2, -1}, null);
            Tensor pointwise = lin.forward(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2);
            return Functional.gelu(spectral.add(pointwise));
        }
    }

    private static Tensor complex64(String name, int... shape) {
        return ComplexTrainExpected.complex(name, shape).to(DType.COMPLEX64);
    }

    private static SpectralConv2d fno() {
        Linear lin = new Linear(2, 3);
        try (GradMode off = Ember.noGrad()) {
            lin.weight.copy_(ComplexTrainExpected.real("fno.lin.weight", 3, 2));
            lin.bias.copy_(ComplexTrainExpected.real("fno.lin.bias", 3));
        }
        return new SpectralConv2d(complex64("fno.w1", 2, 3, 3, 3), complex64("fno.w2", 2, 3, 3, 3), lin);
    }

    @Test
    void fnoTrainsAsPyTorch() {
        SpectralConv2d m = fno();
        assertEquals(List.of("weights1", "weights2", "lin.weight", "lin.bias"), new ArrayList<>(m.namedParameters().keySet()));
        Tensor x = ComplexTrainExpected.real("fno.x", 2, 2, 8, 8).toFloat();
        Tensor target = ComplexTrainExpected.real("fno.target", 2, 3, 8, 8).toFloat();
        Optimizer opt = new Adam(m.parameters(), 0.01);
        double[] losses = new double[5];
        for (int step = 0; step < 5; step++) {
            opt.zeroGrad();
            Tensor loss = Functional.mseLoss(m.forward(x), target, "mean");
            loss.backward();
            if (step == 0) {
                assertEquals(DType.COMPLEX64, m.weights1.grad().dtype());
                assertValues("fno.grad.w1", m.weights1.grad(), 1e-6);
                assertValues("fno.grad.w2", m.weights2.grad(), 1e-6);
            }
            opt.step();
            losses[step] = loss.item();
        }
        assertArrayEquals(ComplexTrainExpected.values("fno.losses"), losses, 1e-5);
        assertValues("fno.final.w1", m.weights1, 1e-5);
        assertValues("fno.final.w2", m.weights2, 1e-5);
        assertValues("fno.final.lin.weight", m.lin.weight, 1e-5);
        assertValues("fno.final.lin.bias", m.lin.bias, 1e-5);
        @SuppressWarnings("unchecked")
        Map<String, Object> st = (Map<String, Object>) ((Map<Integer, Object>) opt.stateDict().get("state")).get(0);
        assertEquals(DType.COMPLEX64, ((Tensor) st.get("exp_avg")).dtype());
        assertValues("fno.final.exp_avg.w1", (Tensor) st.get("exp_avg"), 1e-6);
        try (GradMode off = Ember.noGrad()) {
            assertEquals(ComplexTrainExpected.values("fno.final.loss")[0],
                    Functional.mseLoss(m.forward(x), target, "mean").item(), 1e-5);
        }
        // the module's state dict carries the complex weights; a twin loads them
        SpectralConv2d twin = fno();
        twin.loadStateDict(m.stateDict());
        assertTrue(twin.weights1.equal(m.weights1));
        assertEquals(DType.COMPLEX64, twin.weights2.dtype());
    }

    @Test
    void checkpointCarriesComplexWeightsAndAdamState(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws java.io.IOException {
        // train 3 steps, save model + Adam (complex exp_avg / exp_avg_sq) to a file, load into fresh twins: both
        // continue alike, and reach PyTorch's weights after step 5
        Tensor x = ComplexTrainExpected.real("fno.x", 2, 2, 8, 8).toFloat();
        Tensor target = ComplexTrainExpected.real("fno.target", 2, 3, 8, 8).toFloat();
        SpectralConv2d m = fno();
        Optimizer opt = new Adam(m.parameters(), 0.01);
        for (int i = 0; i < 3; i++) {
            opt.zeroGrad();
            Functional.mseLoss(m.forward(x), target, "mean").backward();
            opt.step();
        }
        java.nio.file.Path file = dir.resolve("fno.ckpt");
        dev.ember.nn.utils.Checkpoint.save(file, m, opt, null, 3);
        SpectralConv2d twin = fno();
        Optimizer twinOpt = new Adam(twin.parameters(), 0.01);
        assertEquals(3, dev.ember.nn.utils.Checkpoint.load(file, twin, twinOpt, null));
        assertEquals(DType.COMPLEX64, twin.weights1.dtype());
        assertTrue(twin.weights1.equal(m.weights1));
        for (int i = 3; i < 5; i++) {
            twinOpt.zeroGrad();
            Functional.mseLoss(twin.forward(x), target, "mean").backward();
            twinOpt.step();
        }
        assertValues("fno.final.w1", twin.weights1, 1e-5);
        assertValues("fno.final.w2", twin.weights2, 1e-5);
        assertValues("fno.final.lin.weight", twin.lin.weight, 1e-5);
    }

    @Test
    void moduleToCastsComplexParametersAsPyTorch() {
        // PyTorch's Module.to(dtype) casts floating and complex tensors alike: to(complex128) makes the real ones complex,
        // to(float64) drops the imaginary parts (with PyTorch's warning)
        SpectralConv2d m = fno();
        m.to(DType.COMPLEX128);
        assertEquals(DType.COMPLEX128, m.weights1.dtype());
        assertEquals(DType.COMPLEX128, m.lin.weight.dtype());
        SpectralConv2d r = fno();
        Tensor re = r.weights1.real().toDouble().clone();
        r.to(DType.FLOAT64);
        assertEquals(DType.FLOAT64, r.weights1.dtype());
        assertTrue(r.weights1.detach().equal(re));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> r.to(DType.INT32));
        assertTrue(e.getMessage().startsWith("nn.Module.to only accepts floating point or complex dtypes"));
    }
}
