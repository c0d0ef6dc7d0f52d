package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code var_mean} / {@code std_mean} as PyTorch records them: one node with two outputs (VarMeanBackward0 /
 * StdMeanBackward0), whose backward adds the var (std) term and the mean term and leaves out the term of an output no
 * gradient reached. Expected values from {@code src/test/resources/varmean/make_expected.py} (PyTorch).
 */
class VarMeanNodeTest {
    private static final PyTorchCases TORCH = new PyTorchCases("/varmean/expected.txt");
    private static final DType D = DType.FLOAT64;

    private static Tensor of(String key, String name, int... shape) {
        return Tensor.tensor(PyTorchCases.numbers(TORCH.field(key, name)), D).reshape(shape);
    }

    private static int[] shape(String key, String name) {
        double[] s = PyTorchCases.numbers(TORCH.field(key, name));
        int[] out = new int[s.length];
        for (int i = 0; i < s.length; i++) {
            out[i] = (int) s[i];
        }
        return out;
    }

    /** The two outputs of var_mean or std_mean of {@code x} as a case names them. */
    private static Tensor[] run(String label, String tag, Tensor x) {
        int[] dims = tag.startsWith("dim1") ? new int[] {1} : tag.startsWith("dim0") ? new int[] {0} : null;
        int correction = tag.equals("dim0_keep") ? 0 : 1;
        boolean keep = tag.equals("dim0_keep");
        if (label.equals("var")) {
            Tensor.VarMean r = x.varMean(dims, correction, keep);
            return new Tensor[] {r.var(), r.mean()};
        }
        Tensor.StdMean r = x.stdMean(dims, correction, keep);
        return new Tensor[] {r.std(), r.mean()};
    }

    private static void check(String label, String tag, String use) {
        String key = label + "_" + tag + "_" + use;
        Tensor x = of(key, "x", 3, 4).requiresGrad_(true);
        Tensor[] r = run(label, tag, x);
        int[] ashape = shape(key, "ashape");
        assertArrayEquals(ashape, r[0].shape(), key);
        LinalgTest.assertClose(key + " a", PyTorchCases.numbers(TORCH.field(key, "a")), r[0], false);
        LinalgTest.assertClose(key + " m", PyTorchCases.numbers(TORCH.field(key, "m")), r[1], false);
        // one node, outputs 0 and 1
        assertSame(r[0].gradFn(), r[1].gradFn(), key);
        assertEquals(Boolean.parseBoolean(TORCH.field(key, "same").toLowerCase()), r[0].gradFn() == r[1].gradFn());
        assertEquals(TORCH.field(key, "node"), r[0].gradFn().name(), key);
        assertEquals(2, r[0].gradFn().numOutputs(), key);
        assertEquals(TORCH.field(key, "nrs"), "[" + r[0].outputNr() + ", " + r[1].outputNr() + "]", key);
        Tensor loss = null;
        if (!use.equals("mean")) {
            loss = r[0].mul(of(key, "wa", ashape)).sum();
        }
        if (!use.equals("first")) {
            Tensor lm = r[1].mul(of(key, "wb", r[1].shape())).sum();
            loss = loss == null ? lm : loss.add(lm);
        }
        loss.backward();
        LinalgTest.assertClose(key + " grad", PyTorchCases.numbers(TORCH.field(key, "grad")), x.grad(), false);
    }

    @Test
    void varMeanIsOneNodeWithEitherOrBothOutputsUsed() {
        for (String tag : new String[] {"dim1", "dim0_keep", "all"}) {
            for (String use : new String[] {"first", "mean", "both"}) {
                check("var", tag, use);
            }
        }
    }

    @Test
    void stdMeanIsOneNodeWithEitherOrBothOutputsUsed() {
        // dim1 has a row of equal values: std 0 there, whose term PyTorch's std_backward makes 0
        for (String tag : new String[] {"dim1", "dim0_keep", "all"}) {
            for (String use : new String[] {"first", "mean", "both"}) {
                check("std", tag, use);
            }
        }
    }

    @Test
    void noNodeWithoutGrad() {
        Tensor x = Tensor.randn(D, 3, 4);
        Tensor.VarMean r = x.varMean(new int[] {1}, 1, false);
        assertNull(r.var().gradFn());
        assertNull(r.mean().gradFn());
        try (GradMode off = Ember.noGrad()) {
            Tensor.StdMean s = x.requiresGrad_(true).stdMean(new int[] {0}, 1, true);
            assertNull(s.std().gradFn());
        }
    }

    @Test
    void gradcheckAndGradgradcheck() {
        Tensor x = Tensor.randn(D, 3, 5).requiresGrad_(true);
        Tensor wa = Tensor.randn(D, 3);
        Tensor wb = Tensor.randn(D, 3);
        for (boolean std : new boolean[] {false, true}) {
            Function<Tensor[], Tensor[]> f = t -> std
                    ? new Tensor[] {t[0].stdMean(new int[] {1}, 1, false).std(), t[0].stdMean(new int[] {1}, 1, false).mean()}
                    : new Tensor[] {t[0].varMean(new int[] {1}, 1, false).var(), t[0].varMean(new int[] {1}, 1, false).mean()};
            // each output alone (the other gets no gradient) and both
            Function<Tensor[], Tensor> first = t -> f.apply(t)[0].mul(wa).sum();
            Function<Tensor[], Tensor> second = t -> f.apply(t)[1].mul(wb).sum();
            Function<Tensor[], Tensor> both = t -> {
                Tensor[] r = std ? stdPair(t[0]) : varPair(t[0]);
                return r[0].mul(wa).sum().add(r[1].mul(wb).sum());
            };
            for (Function<Tensor[], Tensor> fn : java.util.List.of(first, second, both)) {
                assertTrue(Autograd.gradcheck(fn, x));
            }
            // the mean term's gradient does not depend on x (Ember's gradgradcheck varies only the inputs)
            assertTrue(Autograd.gradgradcheck(first, x));
            assertTrue(Autograd.gradgradcheck(both, x));
        }
        // keepdim over every dimension, correction 0
        Function<Tensor[], Tensor> all = t -> {
            Tensor.VarMean r = t[0].varMean(null, 0, true);
            return r.var().mul(3).add(r.mean().mul(r.mean())).sum();
        };
        assertTrue(Autograd.gradcheck(all, x));
        assertTrue(Autograd.gradgradcheck(all, x));
    }

    private static Tensor[] varPair(Tensor x) {
        Tensor.VarMean r = x.varMean(new int[] {1}, 1, false);
        assertSame(r.var().gradFn(), r.mean().gradFn());
        return new Tensor[] {r.var(), r.mean()};
    }

    private static Tensor[] stdPair(Tensor x) {
        Tensor.StdMean r = x.stdMean(new int[] {1}, 1, false);
        assertSame(r.std().gradFn(), r.mean().gradFn());
        return new Tensor[] {r.std(), r.mean()};
    }
}
