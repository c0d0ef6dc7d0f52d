package dev.ember;

import dev.ember.nn.Functional;
import dev.ember.nn.MaxPool3d;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Regressions of the differential fuzz round 22 (CPU autocast programs, DifferentialFuzzR22Test). The ops of PyTorch
 * 2.x's CPU autocast lists that Ember's entries did not send through {@link Autocast} ran in their inputs' type under
 * {@code Ember.autocast(DeviceType.CPU, ...)}: the float32 ones (pinverse, the SVD/eigh/QR/Cholesky/solve family, the
 * FFTs and stft, quantile, polar, view_as_complex, the 3-D pools, max_unpool, the fractional max pools) refused
 * bfloat16 or kept it, fake_quantize_per_tensor_affine refused it, the lower-precision
 * ones (prelu, linalg_vecdot) stayed float32. The rule checked (PyTorch's autocast_mode.cpp): under autocast a listed
 * op's result is the op of its eligible tensors cast with {@code .to()} (float32, or the autocast type), bit for bit,
 * with the gradients in the leaves' types. And the SVD/eigh/lstsq kernels met a float16/bfloat16 tensor outside
 * autocast with a ClassCastException where PyTorch refuses it by name ({@code differentialfuzzr22/fixes.txt}).
 */
class FuzzRound22FixesTest {

    private static Tensor data(long seed, DType dtype, int... shape) {
        return Tensor.randn(new Generator(seed), DType.FLOAT32, shape).to(dtype);
    }

    /** A well-conditioned symmetric positive definite bfloat16 matrix: a a^T + n I. */
    private static Tensor spd(long seed, int n) {
        Tensor a = data(seed, DType.FLOAT32, n, n);
        return a.mm(a.t()).add(Tensor.eye(n).mul(n)).to(DType.BFLOAT16);
    }

    /** The tensor's type, shape and bits (complex as its real view). */
    private static void assertSameBits(String what, Tensor expected, Tensor actual) {
        assertNotNull(actual, what);
        assertEquals(expected.dtype(), actual.dtype(), what + ": dtype");
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        Tensor e = expected.isComplex() ? expected.detach().viewAsReal() : expected.detach();
        Tensor a = actual.isComplex() ? actual.detach().viewAsReal() : actual.detach();
        double[] x = e.contiguous().to(DType.FLOAT64).toDoubleArray();
        double[] y = a.contiguous().to(DType.FLOAT64).toDoubleArray();
        for (int i = 0; i < x.length; i++) {
            assertEquals(Double.doubleToLongBits(x[i]), Double.doubleToLongBits(y[i]), what + ": element " + i);
        }
    }

    /** Under CPU autocast (bfloat16) {@code op(args)} is {@code op} of the args cast to float32, outside autocast. */
    private static void assertRunsInFloat32(String what, Function<Tensor[], Tensor> op, Tensor... args) {
        Tensor[] cast = new Tensor[args.length];
        for (int i = 0; i < args.length; i++) {
            cast[i] = args[i].dtype().isFloatingPoint() && args[i].dtype() != DType.FLOAT64 ? args[i].to(DType.FLOAT32)
                    : args[i];
        }
        Tensor expected = op.apply(cast);
        Tensor actual;
        try (AutocastMode ac = Ember.autocast(DeviceType.CPU, DType.BFLOAT16)) {
            actual = op.apply(args);
        }
        assertTrue(expected.dtype() == DType.FLOAT32 || expected.dtype() == DType.COMPLEX64
                || expected.dtype() == DType.INT64, what + ": " + expected.dtype());
        assertSameBits(what, expected, actual);
    }

    @Test
    void linearAlgebraOfTheFloat32ListRunsInFloat32() {
        Tensor a = data(1, DType.BFLOAT16, 3, 3).add(Tensor.eye(3).mul(4).to(DType.BFLOAT16));
        Tensor b = data(2, DType.BFLOAT16, 3, 2);
        Tensor s = spd(3, 3);
        Map<String, Function<Tensor[], Tensor>> ops = new LinkedHashMap<>();
        ops.put("pinverse", t -> t[0].pinverse());
        ops.put("linalg_svdvals", t -> t[0].linalgSvdvals());
        ops.put("linalg_cond", t -> t[0].linalgCond());
        ops.put("linalg_matrix_rank", t -> t[0].linalgMatrixRank());
        ops.put("linalg_svd", t -> t[0].linalgSvd().S());
        ops.put("svd", t -> t[0].svd().S());
        ops.put("linalg_qr", t -> t[0].linalgQr().R());
        ops.put("geqrf", t -> t[0].geqrf().tau());
        ops.put("linalg_inv_ex", t -> t[0].linalgInvEx(true).inverse());
        for (Map.Entry<String, Function<Tensor[], Tensor>> e : ops.entrySet()) {
            assertRunsInFloat32(e.getKey(), e.getValue(), a);
        }
        assertRunsInFloat32("linalg_eigvalsh", t -> t[0].linalgEigvalsh(), s);
        assertRunsInFloat32("linalg_eigh", t -> t[0].linalgEigh().eigenvalues(), s);
        assertRunsInFloat32("cholesky", t -> t[0].cholesky(), s);
        assertRunsInFloat32("linalg_cholesky", t -> t[0].linalgCholesky(), s);
        assertRunsInFloat32("linalg_cholesky_ex", t -> t[0].linalgCholeskyEx(false, true).L(), s);
        assertRunsInFloat32("cholesky_inverse", t -> t[0].choleskyInverse(false), s.to(DType.FLOAT32).linalgCholesky()
                .to(DType.BFLOAT16));
        assertRunsInFloat32("cholesky_solve", t -> t[0].choleskySolve(t[1], false), b,
                s.to(DType.FLOAT32).linalgCholesky().to(DType.BFLOAT16));
        assertRunsInFloat32("linalg_solve", t -> t[0].linalgSolve(t[1]), a, b);
        assertRunsInFloat32("linalg_solve (left)", t -> t[0].linalgSolve(t[1], true), a, b);
        assertRunsInFloat32("linalg_lstsq", t -> t[0].linalgLstsq(t[1]), a, b);
        assertRunsInFloat32("triangular_solve", t -> t[0].triangularSolve(t[1], true, false, false).solution(), b, a);
        assertRunsInFloat32("linalg_householder_product", t -> t[0].linalgHouseholderProduct(t[1]), a,
                data(4, DType.BFLOAT16, 2));
        assertRunsInFloat32("ormqr", t -> t[0].ormqr(t[1], t[2], true, false), a, data(5, DType.BFLOAT16, 2), b);
        assertRunsInFloat32("linalg_tensorinv", t -> t[0].linalgTensorinv(1), a);
        assertRunsInFloat32("linalg_tensorsolve", t -> t[0].linalgTensorsolve(t[1]), a, data(6, DType.BFLOAT16, 3));
    }

    @Test
    void signalPoolingAndComplexOpsOfTheFloat32ListRunInFloat32() {
        Tensor x = data(7, DType.BFLOAT16, 2, 8);
        assertRunsInFloat32("fft_fft", t -> Fft.fft(t[0]), x);
        assertRunsInFloat32("fft_ifft", t -> Fft.ifft(t[0]), x);
        assertRunsInFloat32("fft_rfft", t -> Fft.rfft(t[0]), x);
        assertRunsInFloat32("fft_irfft", t -> Fft.irfft(t[0]), x);
        assertRunsInFloat32("fft_hfft", t -> Fft.hfft(t[0]), x);
        assertRunsInFloat32("fft_ihfft", t -> Fft.ihfft(t[0]), x);
        assertRunsInFloat32("fft_fft2", t -> Fft.fft2(t[0]), x);
        assertRunsInFloat32("fft_ifftn", t -> Fft.ifftn(t[0]), x);
        assertRunsInFloat32("stft", t -> Fft.stft(t[0], 4, 2, null, t[1], true, "reflect", false, null, true),
                data(8, DType.BFLOAT16, 16), Tensor.ones(4).to(DType.BFLOAT16));
        assertRunsInFloat32("quantile", t -> t[0].quantile(0.3, 1, false, "linear"), x);
        assertRunsInFloat32("quantile (tensor q)", t -> t[0].quantile(t[1], 1, false, "linear"), x,
                Tensor.fromArray(new float[] {0.25f, 0.5f}).to(DType.BFLOAT16));
        assertRunsInFloat32("nanquantile", t -> t[0].nanquantile(0.7, 1, true, "midpoint"), x);
        assertRunsInFloat32("polar", t -> Tensor.polar(t[0], t[1]), x.abs(), data(9, DType.BFLOAT16, 2, 8));
        assertRunsInFloat32("view_as_complex", t -> t[0].reshape(2, 4, 2).viewAsComplex(), x);
        assertRunsInFloat32("fake_quantize_per_tensor_affine", t -> FakeQuant.fakeQuantizePerTensorAffine(t[0], 0.1, 3,
                -128, 127), x);
        assertRunsInFloat32("fake_quantize_per_tensor_affine (tensor qparams)",
                t -> FakeQuant.fakeQuantizePerTensorAffine(t[0], t[1], t[2], -128, 127), x,
                Tensor.fromArray(new float[] {0.1f}).to(DType.BFLOAT16), Tensor.fromArray(new int[] {3}));
        Tensor v = data(10, DType.BFLOAT16, 1, 1, 2, 4, 4);
        assertRunsInFloat32("avg_pool3d", t -> Functional.avgPool3d(t[0], 2), v);
        assertRunsInFloat32("max_pool3d", t -> Functional.maxPool3d(t[0], 2), v);
        assertRunsInFloat32("nn.MaxPool3d", t -> new MaxPool3d(2).forward(t[0]), v);
        assertRunsInFloat32("adaptive_avg_pool3d", t -> Functional.adaptiveAvgPool3d(t[0], new int[] {1, 2, 2}), v);
        assertRunsInFloat32("adaptive_max_pool3d", t -> Functional.adaptiveMaxPool3d(t[0], new int[] {1, 2, 2}), v);
        Tensor.ValuesIndices p2 = Functional.maxPool2dWithIndices(v.reshape(1, 2, 4, 4), new int[] {2, 2}, null,
                new int[] {0, 0}, new int[] {1, 1}, false);
        assertRunsInFloat32("max_unpool2d", t -> Functional.maxUnpool2d(t[0], t[1], new int[] {2, 2}, null,
                new int[] {0, 0}, null), p2.values(), p2.indices());
        Tensor.ValuesIndices p3 = Functional.maxPool3dWithIndices(v, new int[] {2}, null, new int[] {0}, new int[] {1},
                false);
        assertRunsInFloat32("max_unpool3d", t -> Functional.maxUnpool3d(t[0], t[1], new int[] {2, 2, 2}, null,
                new int[] {0, 0, 0}, null), p3.values(), p3.indices());
        Tensor samples2 = Tensor.fromArray(new float[] {0.25f, 0.75f, 0.5f, 0.125f}).reshape(1, 2, 2)
                .to(DType.BFLOAT16);
        assertRunsInFloat32("fractional_max_pool2d", t -> Functional.fractionalMaxPool2d(t[0], new int[] {2, 2},
                new int[] {2, 2}, null, t[1]), v.reshape(1, 2, 4, 4), samples2);
        Tensor samples3 = Tensor.fromArray(new float[] {0.25f, 0.75f, 0.5f}).reshape(1, 1, 3).to(DType.BFLOAT16);
        assertRunsInFloat32("fractional_max_pool3d", t -> Functional.fractionalMaxPool3d(t[0], new int[] {1, 2, 2},
                new int[] {1, 2, 2}, null, t[1]), v, samples3);
    }

    @Test
    void maxPool3dWithIndicesIsNotOnTheList() {
        // F.max_pool3d(return_indices=True) is max_pool3d_with_indices, which 2.x's lists do not name: it keeps the type
        Tensor v = data(11, DType.BFLOAT16, 1, 1, 2, 4, 4);
        Tensor.ValuesIndices expected = Functional.maxPool3dWithIndices(v, new int[] {2}, null, new int[] {0},
                new int[] {1}, false);
        try (AutocastMode ac = Ember.autocast(DeviceType.CPU, DType.BFLOAT16)) {
            Tensor.ValuesIndices r = Functional.maxPool3dWithIndices(v, new int[] {2}, null, new int[] {0},
                    new int[] {1}, false);
            assertSameBits("values", expected.values(), r.values());
            assertSameBits("indices", expected.indices(), r.indices());
            assertSameBits("module", expected.values(), new MaxPool3d(new int[] {2}, null, new int[] {0},
                    new int[] {1}, true, false).forwardWithIndices(v).values());
        }
    }

    @Test
    void preluAndVecdotRunInTheLowerType() {
        Tensor x = data(12, DType.FLOAT32, 3, 4);
        Tensor y = data(13, DType.FLOAT32, 3, 4);
        Tensor w = Tensor.fromArray(new float[] {0.25f});
        for (DType lower : new DType[] {DType.BFLOAT16, DType.FLOAT16}) {
            Tensor prelu = Functional.prelu(x.to(lower), w.to(lower));
            Tensor vecdot = x.to(lower).linalgVecdot(y.to(lower));
            try (AutocastMode ac = Ember.autocast(DeviceType.CPU, lower)) {
                assertSameBits("prelu " + lower, prelu, Functional.prelu(x, w));
                assertSameBits("linalg_vecdot " + lower, vecdot, x.linalgVecdot(y));
                // a float64 tensor is not eligible: it stays, and the op refuses the mixed types as outside autocast
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> x.to(DType.FLOAT64).linalgVecdot(y));
                assertTrue(e.getMessage().startsWith("linalg.vecdot: Expected x and y to have the same dtype"),
                        e.getMessage());
            }
        }
    }

    @Test
    void gradientsThroughTheNewEntriesReachTheLeavesInTheirTypes() {
        // a float32 leaf through mm (bfloat16) and pinverse (float32), a bfloat16 leaf through prelu (bfloat16): the
        // autocast graph is the explicit casts' graph, so the gradients are the same bits, in the leaves' types
        Tensor a = data(14, DType.FLOAT32, 3, 3).requiresGrad_(true);
        Tensor w = data(15, DType.BFLOAT16, 3, 3).requiresGrad_(true);
        Tensor p = Tensor.fromArray(new float[] {0.5f}).requiresGrad_(true);
        Tensor eye = Tensor.eye(3).mul(4);
        Tensor weights = data(16, DType.FLOAT32, 3, 3);

        Tensor explicit = a.to(DType.BFLOAT16).mm(w).to(DType.FLOAT32).add(eye).pinverse();
        Tensor explicit2 = Functional.prelu(explicit.to(DType.BFLOAT16), p.to(DType.BFLOAT16));
        explicit2.mul(weights).sum().backward();
        Tensor[] want = {a.grad().clone(), w.grad().clone(), p.grad().clone()};
        a.setGrad(null);
        w.setGrad(null);
        p.setGrad(null);

        Tensor out;
        try (AutocastMode ac = Ember.autocast(DeviceType.CPU, DType.BFLOAT16)) {
            Tensor m = a.mm(w);
            assertEquals(DType.BFLOAT16, m.dtype());
            Tensor inv = m.add(eye).pinverse();
            assertEquals(DType.FLOAT32, inv.dtype());
            out = Functional.prelu(inv, p);
        }
        assertSameBits("forward", explicit2, out);
        out.mul(weights).sum().backward();
        Tensor[] got = {a.grad(), w.grad(), p.grad()};
        String[] names = {"float32 leaf", "bfloat16 leaf", "prelu weight"};
        for (int i = 0; i < 3; i++) {
            assertSameBits(names[i], want[i], got[i]);
        }
    }

    @Test
    void reducedTypesRefusedByTheLinalgKernelsWithPyTorchsMessage() throws IOException {
        Map<String, Function<Tensor, Object>> cases = new LinkedHashMap<>();
        cases.put("svdvals", Tensor::linalgSvdvals);
        cases.put("svd", Tensor::linalgSvd);
        cases.put("torch_svd", Tensor::svd);
        cases.put("eigh", Tensor::linalgEigh);
        cases.put("eigvalsh", Tensor::linalgEigvalsh);
        cases.put("cond", Tensor::linalgCond);
        cases.put("matrix_rank", Tensor::linalgMatrixRank);
        cases.put("matrix_rank_tols", a -> a.linalgMatrixRank(0.1, 0.0, false));
        cases.put("matrix_rank_hermitian", a -> a.linalgMatrixRank(0.1, 0.0, true));
        cases.put("pinverse", Tensor::pinverse);
        cases.put("pinv", Tensor::linalgPinv);
        cases.put("lstsq", a -> a.linalgLstsq(a));
        cases.put("lstsq_rcond", a -> a.linalgLstsq(a, 0.1, null));
        List<String> lines;
        try (InputStream in = FuzzRound22FixesTest.class.getResourceAsStream("/differentialfuzzr22/fixes.txt")) {
            assertNotNull(in, "differentialfuzzr22/fixes.txt");
            lines = Arrays.asList(new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n"));
        }
        assertEquals(2 * cases.size(), lines.size());
        for (String line : lines) {
            String[] w = line.split(" ", 3);
            DType dtype = w[1].equals("bfloat16") ? DType.BFLOAT16 : DType.FLOAT16;
            Tensor a = data(17, dtype, 3, 3);
            short[] before = bits(a);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> cases.get(w[0]).apply(a), line);
            assertEquals(w[2], e.getMessage().split("\n")[0], line);
            assertArrayEquals(before, bits(a), line + ": the input changed");
        }
    }

    private static short[] bits(Tensor t) {
        double[] d = t.contiguous().toDoubleArray();
        short[] s = new short[d.length];
        for (int i = 0; i < d.length; i++) {
            s[i] = t.dtype() == DType.BFLOAT16 ? BFloat16.fromFloat((float) d[i]) : Half.fromFloat((float) d[i]);
        }
        return s;
    }
}
