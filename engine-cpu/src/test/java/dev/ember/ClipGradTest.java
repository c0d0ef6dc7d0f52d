package dev.ember;

import dev.ember.nn.utils.ClipGrad;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code clip_grad_norm_} and {@code clip_grad_value_} against PyTorch ({@code training/make_expected.py}): the total
 * norm and the clipped gradients for norms 2, 1, inf, 3 and 0.5, with a bound below and above the norm; float32 and
 * float64 gradients together; no gradient at all; a non-finite norm (refused with PyTorch's message, or used); and the
 * device the norm lives on (a fake CUDA device that runs the host fallback).
 */
class ClipGradTest {
    private static final PyTorchCases TORCH = new PyTorchCases("/training/expected.txt");

    /** The script's parameters: two with gradients (a [3, 4] and a [5]), one without. */
    private static List<Tensor> params() {
        List<Tensor> p = new ArrayList<>(List.of(Tensor.zeros(3, 4).requiresGrad_(true), Tensor.zeros(5).requiresGrad_(true),
                Tensor.zeros(2).requiresGrad_(true)));
        p.get(0).setGrad(Tensor.tensor(new double[][] {{0.5, -1.5, 2.0, 0.1}, {3.0, -0.2, 0.7, -2.2}, {0.05, 1.1, -0.9, 0.4}},
                DType.FLOAT32));
        p.get(1).setGrad(Tensor.tensor(new double[] {-4.0, 0.3, 2.5, -0.6, 1.0}, DType.FLOAT32));
        return p;
    }

    private static void assertFloats(double[] want, double[] got, String what) {
        assertEquals(want.length, got.length, what);
        for (int i = 0; i < want.length; i++) {
            if (Double.isNaN(want[i]) || Double.isInfinite(want[i])) {
                assertEquals(want[i], got[i], what + "[" + i + "]");
            } else {
                assertEquals(want[i], got[i], 1e-6 * Math.max(1, Math.abs(want[i])), what + "[" + i + "]");
            }
        }
    }

    @Test
    void clipGradNormFollowsPyTorch() {
        for (double normType : new double[] {2.0, 1.0, Double.POSITIVE_INFINITY, 3.0, 0.5}) {
            for (double maxNorm : new double[] {1.0, 100.0}) {
                String key = "clip_norm_" + Format.repr(normType) + "_" + Format.repr(maxNorm);
                List<Tensor> p = params();
                Tensor total = ClipGrad.clipGradNorm_(p, maxNorm, normType);
                assertEquals(0, total.dim(), key);
                assertEquals(DType.FLOAT32, total.dtype(), key);
                assertFloats(PyTorchCases.numbers(TORCH.field(key, "total")), new double[] {total.item()}, key);
                assertFloats(PyTorchCases.numbers(TORCH.field(key, "grad0")), p.get(0).grad().toDoubleArray(), key);
                assertFloats(PyTorchCases.numbers(TORCH.field(key, "grad1")), p.get(1).grad().toDoubleArray(), key);
                assertNull(p.get(2).grad());
            }
        }
    }

    @Test
    void mixedTypesEmptyListsAndNonFiniteNorms() {
        List<Tensor> p = params();
        Tensor g1 = p.get(1).grad().to(DType.FLOAT64);
        p.set(1, Tensor.zeros(DType.FLOAT64, 5).requiresGrad_(true));
        p.get(1).setGrad(g1);
        Tensor total = ClipGrad.clipGradNorm_(p, 2.0);
        assertEquals("torch." + TORCH.field("clip_norm_mixed", "dtype").substring("torch.".length()), total.dtype().toString());
        assertFloats(PyTorchCases.numbers(TORCH.field("clip_norm_mixed", "total")), new double[] {total.item()}, "mixed");
        assertFloats(PyTorchCases.numbers(TORCH.field("clip_norm_mixed", "grad0")), p.get(0).grad().toDoubleArray(), "mixed");
        assertFloats(PyTorchCases.numbers(TORCH.field("clip_norm_mixed", "grad1")), p.get(1).grad().toDoubleArray(), "mixed");
        assertEquals(DType.FLOAT32, p.get(0).grad().dtype());
        // no gradient: a float32 zero
        Tensor none = ClipGrad.clipGradNorm_(List.of(Tensor.zeros(2).requiresGrad_(true)), 1.0);
        assertEquals(0.0, none.item());
        assertEquals(TORCH.field("clip_norm_empty", "dtype"), none.dtype().toString());
        // a non-finite norm: refused with PyTorch's message, every gradient unchanged
        List<Tensor> q = params();
        q.get(1).grad().detach().narrow(0, 2, 1).fill_(Double.POSITIVE_INFINITY);
        double[] before0 = q.get(0).grad().toDoubleArray();
        double[] before1 = q.get(1).grad().toDoubleArray();
        assertEquals(TORCH.error("clip_norm_nonfinite"), assertThrows(IllegalArgumentException.class,
                () -> ClipGrad.clipGradNorm_(q, 1.0, 2.0, true, null)).getMessage());
        assertArrayEquals(before0, q.get(0).grad().toDoubleArray());
        assertArrayEquals(before1, q.get(1).grad().toDoubleArray());
        // allowed, it scales by the infinite norm as PyTorch does
        Tensor inf = ClipGrad.clipGradNorm_(q, 1.0);
        assertEquals(Double.POSITIVE_INFINITY, inf.item());
        assertFloats(PyTorchCases.numbers(TORCH.field("clip_norm_inf_allowed", "grad1")), q.get(1).grad().toDoubleArray(),
                "inf");
    }

    @Test
    void clipGradValueFollowsPyTorch() {
        for (double v : new double[] {0.5, -0.5}) {
            String key = "clip_value_" + Format.repr(v);
            List<Tensor> p = params();
            ClipGrad.clipGradValue_(p, v);
            assertFloats(PyTorchCases.numbers(TORCH.field(key, "grad0")), p.get(0).grad().toDoubleArray(), key);
            assertFloats(PyTorchCases.numbers(TORCH.field(key, "grad1")), p.get(1).grad().toDoubleArray(), key);
        }
    }

    @Test
    void totalNormAndClipWithNormCompose() {
        List<Tensor> p = params();
        List<Tensor> grads = List.of(p.get(0).grad(), p.get(1).grad());
        Tensor total = ClipGrad.getTotalNorm(grads, 2.0, false, null);
        ClipGrad.clipGradsWithNorm_(p, 1.0, total, null);
        List<Tensor> q = params();
        ClipGrad.clipGradNorm_(q, 1.0);
        assertArrayEquals(q.get(0).grad().toDoubleArray(), p.get(0).grad().toDoubleArray());
        // foreach is accepted and changes nothing
        List<Tensor> r = params();
        ClipGrad.clipGradNorm_(r, 1.0, 2.0, false, true);
        assertArrayEquals(q.get(1).grad().toDoubleArray(), r.get(1).grad().toDoubleArray());
        // clipping records no autograd history
        assertTrue(!p.get(0).grad().requiresGrad());
    }

    @Test
    void nullArgumentsAreRefused() {
        assertEquals("clip_grad_norm_(): argument 'parameters' must be an iterable of Tensors, not NoneType",
                assertThrows(IllegalArgumentException.class, () -> ClipGrad.clipGradNorm_(null, 1.0)).getMessage());
        assertEquals("clip_grad_value_(): argument 'parameters' must be an iterable of Tensors, but element 1 is None",
                assertThrows(IllegalArgumentException.class,
                        () -> ClipGrad.clipGradValue_(Arrays.asList(Tensor.zeros(1), null), 1.0)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> ClipGrad.clipGradsWithNorm_(params(), 1.0, null, null));
    }

    /** On a device the norm stays there: the fake CUDA device runs the same ops through the host fallbacks. */
    @Test
    void theNormLivesOnTheGradientsDevice() {
        Backends2.registerFakeCuda();
        List<Tensor> cpu = params();
        List<Tensor> gpu = new ArrayList<>();
        for (Tensor p : cpu) {
            Tensor q = p.detach().to(Device.cuda(0)).requiresGrad_(true);
            if (p.grad() != null) {
                q.setGrad(p.grad().to(Device.cuda(0)));
            }
            gpu.add(q);
        }
        Tensor a = ClipGrad.clipGradNorm_(cpu, 1.0);
        Tensor b = ClipGrad.clipGradNorm_(gpu, 1.0);
        assertEquals(Device.cuda(0), b.device());
        assertEquals(a.item(), b.item(), 1e-6);
        assertArrayEquals(cpu.get(0).grad().toFloatArray(), gpu.get(0).grad().toFloatArray(), 1e-7f);
    }
}
