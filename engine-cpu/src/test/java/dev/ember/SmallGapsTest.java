package dev.ember;

import dev.ember.nn.Linear;
import dev.ember.nn.ModuleInternals;
import dev.ember.nn.Module;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Small API gaps (session 21): {@code torch.histogram} with a tensor of bin edges, {@code Tensor.squeeze_(dims)}
 * (PyTorch 2.x), and a module refusing to register a parameter, buffer or submodule under the name of a plain
 * attribute. Values, nodes, gradients and messages from {@code smallgaps/make_expected.py} (PyTorch 1.13; 2.x notes
 * there).
 */
class SmallGapsTest {

    private static int[] dimsOf(String name) {
        String list = name.substring(name.lastIndexOf('[') + 1, name.lastIndexOf(']'));
        return list.isBlank() ? new int[0] : Arrays.stream(list.split(",\\s*")).mapToInt(Integer::parseInt).toArray();
    }

    static Function<Tensor[], Tensor> op(String name) {
        if (name.startsWith("histogram")) {
            if (name.endsWith("bin_edges")) {
                return a -> a[0].detach().histogram(a[1].detach()).binEdges();
            }
            if (name.contains("weight")) {
                return a -> a[0].detach().histogram(a[1].detach(), a[2].detach(), name.contains("density")).hist();
            }
            return a -> a[0].detach().histogram(a[1].detach()).hist();
        }
        if (name.equals("squeeze_ out of range")) {
            return a -> a[0].mul(1.0).squeeze_(0, 3);
        }
        if (name.startsWith("squeeze_")) {
            int[] dims = dimsOf(name);
            return a -> a[0].mul(1.0).squeeze_(dims);
        }
        throw new IllegalArgumentException("no op for case " + name);
    }

    @TestFactory
    List<DynamicTest> againstPyTorch() {
        return ReferenceCases.tests("/smallgaps/expected.txt", SmallGapsTest::op, 1e-6);
    }

    @Test
    void squeezeInPlaceKeepsStorageAndChecksFirst() {
        Tensor base = Tensor.rand(new Generator(5), DType.FLOAT64, 1, 3, 1, 2);
        Tensor x = base.clone();
        int version = x.version();
        assertSame(x, x.squeeze_(0, -2));
        assertArrayEquals(new int[] {3, 2}, x.shape());
        assertEquals(version + 1, x.version());
        assertArrayEquals(base.toDoubleArray(), x.toDoubleArray());
        // a dimension listed twice: squeeze(dims)'s message, nothing changed
        Tensor y = base.clone();
        int v = y.version();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> y.squeeze_(0, -4));
        assertEquals(assertThrows(IllegalArgumentException.class, () -> base.squeeze(0, -4)).getMessage(),
                e.getMessage());
        assertEquals("dim 0 appears multiple times in the list of dims", e.getMessage());
        assertArrayEquals(new int[] {1, 3, 1, 2}, y.shape());
        assertEquals(v, y.version());
        // non-contiguous input: the view's strides are kept
        Tensor t = Tensor.rand(new Generator(6), DType.FLOAT64, 2, 1, 3).transpose(0, 2).clone().transpose(0, 2);
        double[] before = t.toDoubleArray();
        t.squeeze_(1);
        assertArrayEquals(new int[] {2, 3}, t.shape());
        assertArrayEquals(before, t.toDoubleArray());
        // gradients through the in-place squeeze, checked numerically
        Tensor g = Tensor.rand(new Generator(7), DType.FLOAT64, 1, 2, 1).requiresGrad_(true);
        assertTrue(Autograd.gradcheck(a -> a[0].mul(1.0).squeeze_(0, 2), g));
        assertTrue(Autograd.gradgradcheck(a -> a[0].mul(a[0]).squeeze_(0, 2), g));
    }

    @Test
    void histogramEdgesMatchTheCountingForm() {
        // the same edges as histogram(bins, range) writes give the same counts
        Tensor x = Tensor.rand(new Generator(8), DType.FLOAT32, 50);
        HistogramResult byCount = x.histogram(7, new double[] {0.1, 0.9}, null, false);
        HistogramResult byEdges = x.histogram(byCount.binEdges());
        assertArrayEquals(byCount.hist().toDoubleArray(), byEdges.hist().toDoubleArray());
        assertArrayEquals(byCount.binEdges().toDoubleArray(), byEdges.binEdges().toDoubleArray());
        assertEquals(DType.FLOAT32, byEdges.hist().dtype());
        assertThrows(IllegalArgumentException.class, () -> x.histogram((Tensor) null));
    }

    /** A module with a plain attribute {@code x}, as {@code object.__setattr__(m, 'x', t)}. */
    private static final class Holder extends Module {
        @Override
        public Tensor forward(Tensor input) {
            return input;
        }

        Tensor param(String name, Tensor value) {
            return registerParameter(name, value);
        }

        Tensor buffer(String name, Tensor value) {
            return registerBuffer(name, value);
        }

        void module(String name, Module m) {
            registerModule(name, m);
        }
    }

    @Test
    void namesTakenByPlainAttributes() {
        // PyTorch: KeyError "attribute 'x' already exists" from register_parameter, register_buffer and add_module
        Holder h = new Holder();
        ModuleInternals.setPlainAttribute(h, "x", Tensor.ones(1));
        String msg = "attribute 'x' already exists";
        assertEquals(msg, assertThrows(IllegalArgumentException.class,
                () -> h.param("x", Tensor.ones(DType.FLOAT32, 1))).getMessage());
        assertEquals(msg, assertThrows(IllegalArgumentException.class, () -> h.buffer("x", Tensor.ones(1))).getMessage());
        assertEquals(msg, assertThrows(IllegalArgumentException.class, () -> h.module("x", new Linear(1, 1)))
                .getMessage());
        assertEquals(msg, assertThrows(IllegalArgumentException.class,
                () -> ModuleInternals.registerParameter(h, "x", null)).getMessage());
        assertEquals(List.of(), new ArrayList<>(h.stateDict().keySet()));
        // once the attribute is gone the name is free again
        ModuleInternals.removePlainAttribute(h, "x");
        h.param("x", Tensor.ones(DType.FLOAT32, 1));
        assertEquals(List.of("x"), new ArrayList<>(h.stateDict().keySet()));
    }
}
