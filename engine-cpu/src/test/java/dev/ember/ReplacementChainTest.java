package dev.ember;

import dev.ember.ao.quantization.QConfig;
import dev.ember.ao.quantization.Quantization;
import dev.ember.nn.EmbeddingBag;
import dev.ember.nn.Functional;
import dev.ember.nn.Linear;
import dev.ember.nn.Module;
import dev.ember.nn.Sequential;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * A model's field computes with the module its parent holds now (PyTorch's forward reads the attribute), also after
 * two swaps: a float layer replaced by its QAT form at {@code prepareQat}, that one by the quantized module at
 * {@code convert}; a module set back after a swap computes itself again.
 */
class ReplacementChainTest {
    /** A model whose forward calls its bag field's forward directly, with offsets. */
    static final class BagModel extends Module {
        final EmbeddingBag bag = registerModule("bag", new EmbeddingBag(10, 6, "mean"));
        final Tensor offsets = Tensor.tensor(new long[] {0, 3});

        @Override
        public Tensor forward(Tensor x) {
            return bag.forward(x, offsets);
        }
    }

    @Test
    void aFieldRunsTheQuantizedModuleAfterPrepareQatAndConvert() {
        Ember.manualSeed(39);
        BagModel m = new BagModel();
        m.train();
        Quantization.setQconfig(m.getSubmodule("bag"), QConfig.DEFAULT_EMBEDDING_QAT);
        Quantization.prepareQat(m, true);
        Tensor x = Tensor.tensor(new long[] {1, 2, 4, 5, 4, 3, 2, 9});
        m.forward(x);
        m.eval();
        Quantization.convert(m, true);
        dev.ember.ao.nn.quantized.EmbeddingBag swapped = (dev.ember.ao.nn.quantized.EmbeddingBag) m.getSubmodule("bag");
        try (GradMode g = Ember.noGrad()) {
            // the quantized bag sums whatever the mode (PyTorch's kernels); the QAT bag the field reached before took
            // the mean of the fake-quantized rows
            assertArrayEquals(swapped.forward(x, m.offsets, null).toFloatArray(), m.forward(x).toFloatArray());
        }
    }

    @Test
    void twoSwapsForwardToTheLastAndASwapBackComputesItself() {
        Ember.manualSeed(3);
        Linear a = new Linear(4, 3);
        Linear b = new Linear(4, 3);
        Linear c = new Linear(4, 3);
        Sequential model = new Sequential(a);
        Tensor x = Tensor.randn(2, 4);
        model.setSubmodule("0", b);
        model.setSubmodule("0", c);
        assertArrayEquals(c.forward(x).toFloatArray(), a.forward(x).toFloatArray(), "a's forward runs c's");
        assertArrayEquals(c.forward(x).toFloatArray(), a.apply(x).toFloatArray(), "a's apply runs c's");
        model.setSubmodule("0", a);
        assertSame(a, model.get(0));
        // a is current again: it computes itself (before, a forwarded to b, b to c, and c, replaced by a, back to a)
        Tensor own = Functional.linear(x, a.weight, a.bias);
        assertArrayEquals(own.toFloatArray(), a.forward(x).toFloatArray());
        assertArrayEquals(own.toFloatArray(), a.apply(x).toFloatArray());
        assertArrayEquals(own.toFloatArray(), model.apply(x).toFloatArray());
        // and the modules swapped out forward to it
        assertArrayEquals(own.toFloatArray(), c.apply(x).toFloatArray());
        assertEquals(3, a.weight.size(0));
    }
}
