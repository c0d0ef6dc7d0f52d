package dev.ember;

import dev.ember.nn.Embedding;
import dev.ember.nn.Functional;
import dev.ember.nn.Init;
import dev.ember.nn.Linear;
import dev.ember.nn.Module;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A module set by {@link Module#setSubmodule} in the place of the module it wraps, as peft's {@code get_peft_model}
 * injects LoRA: {@code setattr(parent, "fc", LoraLayer(parent.fc))}, after which the parent's forward (reading
 * {@code self.fc}) runs the wrapper, and the wrapper runs the old layer as its {@code base_layer}. A Java parent reads
 * its old field; it must run the wrapper too, and the wrapper's call of the old layer must compute the old layer (not
 * loop back). Before session 40 the old layer kept computing itself for its parent (no redirection to a module that
 * contains it): the adapter never ran, the model's output was the base model's and its loss did not reach the adapter
 * ("element 0 of tensors does not require grad" with the base frozen; OutsiderPrograms15Test's LoRA). The expected
 * values are the wrapper's formula computed with the same ops (bit for bit).
 */
class WrapperReplacementTest {

    /** peft's LoraLayer on a Linear: base_layer(x) + lora_B(lora_A(x)) * scaling. */
    static final class Lora extends Module {
        final Linear base;
        final Linear a;
        final Linear b;
        boolean baseByForward;

        Lora(Linear base) {
            this.base = registerModule("base_layer", base);
            a = registerModule("lora_A", new Linear(base.inFeatures(), 2, false));
            b = registerModule("lora_B", new Linear(2, base.outFeatures(), false));
        }

        @Override
        public Tensor forward(Tensor x) {
            return (baseByForward ? base.forward(x) : base.apply(x)).add(b.apply(a.apply(x)).mul(2.0));
        }

        Tensor expected(Tensor x) {
            Tensor y = Functional.linear(x, base.weight(), base.bias());
            return y.add(Functional.linear(Functional.linear(x, a.weight(), null), b.weight(), null).mul(2.0));
        }
    }

    /** A parent that reads its layer from a field, through apply or through forward. */
    static final class Parent extends Module {
        final Linear fc = registerModule("fc", new Linear(4, 3));
        boolean callForward;

        @Override
        public Tensor forward(Tensor x) {
            return (callForward ? fc.forward(x) : fc.apply(x)).tanh();
        }
    }

    private static void assertBits(Tensor expected, Tensor actual, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what + " shape");
        assertTrue(Arrays.equals(expected.toDoubleArray(), actual.toDoubleArray()),
                () -> what + ": " + actual + ", expected " + expected);
    }

    @Test
    void aWrapperSetInThePlaceOfTheLayerItWrapsRunsForTheParentsField() {
        Ember.manualSeed(40);
        Parent parent = new Parent();
        Tensor x = Tensor.randn(5, 4);
        Tensor baseOnly = parent.apply(x).detach();
        Lora lora = new Lora(parent.fc);
        Init.uniform_(lora.b.weight(), -1, 1); // peft's zeros, trained
        parent.setSubmodule("fc", lora);
        Tensor want = lora.expected(x).tanh();
        assertTrue(!want.equal(baseOnly), "the adapter changes the output");
        assertBits(want, parent.apply(x), "parent calling fc.apply");
        parent.callForward = true;
        assertBits(want, parent.apply(x), "parent calling fc.forward");
        // the wrapper called by itself computes the old layer once
        assertBits(lora.expected(x), lora.apply(x), "the wrapper's apply");
        assertBits(lora.expected(x), lora.forward(x), "the wrapper's forward called directly");
        // a wrapper that calls its base layer's forward (not apply), from every entry
        lora.baseByForward = true;
        assertBits(want, parent.apply(x), "base_layer.forward, parent calling fc.forward");
        parent.callForward = false;
        assertBits(want, parent.apply(x), "base_layer.forward, parent calling fc.apply");
        assertBits(lora.expected(x), lora.apply(x), "base_layer.forward, the wrapper's apply");
        assertBits(lora.expected(x), lora.forward(x), "base_layer.forward, the wrapper's forward called directly");
        lora.baseByForward = false;
        // the loss reaches the adapter only, with the base frozen
        parent.fc.weight().requiresGrad_(false);
        parent.fc.bias().requiresGrad_(false);
        parent.apply(x).sum().backward();
        assertNotNull(lora.a.weight().grad(), "lora_A's gradient");
        assertNotNull(lora.b.weight().grad(), "lora_B's gradient");
        assertNull(parent.fc.weight().grad(), "the frozen base's gradient");
        // the old layer set back computes itself again
        parent.setSubmodule("fc", parent.fc);
        parent.callForward = false;
        assertBits(baseOnly, parent.apply(x), "the base layer set back");
    }

    /** peft's LoRA Embedding: base_layer(ids) + (embedding(ids, lora_embedding_A.T) @ lora_embedding_B.T) * s. */
    static final class LoraEmbedding extends Module {
        final Embedding base;

        LoraEmbedding(Embedding base) {
            this.base = registerModule("base_layer", base);
            registerParameter("lora_embedding_A", Tensor.randn(2, 7));
            registerParameter("lora_embedding_B", Tensor.randn(5, 2));
        }

        @Override
        public Tensor forward(Tensor ids) {
            return base.apply(ids).add(Functional.embedding(ids, parameter("lora_embedding_A").t())
                    .matmul(parameter("lora_embedding_B").t()).mul(0.5));
        }
    }

    static final class TokenModel extends Module {
        final Embedding emb = registerModule("emb", new Embedding(7, 5));

        @Override
        public Tensor forward(Tensor ids) {
            return emb.forward(ids).sum(-1);
        }
    }

    @Test
    void aWrappedEmbeddingRunsItsAdapterForAParentCallingItsForward() {
        Ember.manualSeed(41);
        TokenModel model = new TokenModel();
        Tensor ids = Tensor.fromArray(new long[] {0, 3, 6, 3});
        LoraEmbedding lora = new LoraEmbedding(model.emb);
        model.setSubmodule("emb", lora);
        Tensor want = Functional.embedding(ids, model.emb.weight())
                .add(Functional.embedding(ids, lora.getParameter("lora_embedding_A").t())
                        .matmul(lora.getParameter("lora_embedding_B").t()).mul(0.5)).sum(-1);
        assertBits(want, model.apply(ids), "the wrapped embedding");
    }
}
