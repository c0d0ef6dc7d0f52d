package dev.ember;

import dev.ember.nn.AvgPool2d;
import dev.ember.nn.BatchNorm2d;
import dev.ember.nn.Conv2d;
import dev.ember.nn.Linear;
import dev.ember.nn.Module;
import dev.ember.nn.ReLU;
import dev.ember.nn.Sequential;
import dev.ember.nn.Tanh;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code nn.Sequential}'s forward iterates its {@code _modules}: layers registered by name (torchvision's
 * {@code _Transition} assigns them as attributes in a Sequential subclass, DenseNet's features are an
 * {@code OrderedDict} and grow by {@code add_module}) are applied in registration order. Before session 36 Ember's
 * Sequential applied only the layers given to its constructor: a subclass's named layers were registered (in the state
 * dict, loaded from a checkpoint) but skipped by the forward, which returned its input unchanged.
 */
class SequentialNamedLayersTest {

    /** torchvision's densenet._Transition, an nn.Sequential subclass assigning its layers as attributes. */
    static final class Transition extends Sequential {
        Transition(int in, int out) {
            registerModule("norm", new BatchNorm2d(in));
            registerModule("relu", new ReLU(true));
            registerModule("conv", new Conv2d(in, out, 1, 1, 0, false));
            registerModule("pool", new AvgPool2d(2, 2));
        }
    }

    @Test
    void aSubclassesNamedLayersRunInRegistrationOrder() {
        Ember.manualSeed(3);
        Transition t = new Transition(4, 3);
        t.eval();
        Tensor x = Tensor.randn(2, 4, 6, 6);
        Tensor expected = t.get(3).apply(t.get(2).apply(t.get(1).apply(t.get(0).apply(x))));
        Tensor y = t.apply(x);
        assertEquals("[2, 3, 3, 3]", java.util.Arrays.toString(y.shape()), "the layers ran");
        assertTrue(expected.equal(y), "norm, relu, conv, pool in order");
        assertEquals(4, t.size());
        assertEquals(List.of("norm.weight", "norm.bias", "norm.running_mean", "norm.running_var",
                "norm.num_batches_tracked", "conv.weight"), List.copyOf(t.stateDict().keySet()));
    }

    @Test
    void orderedDictFormAndAddModule() {
        Ember.manualSeed(4);
        Map<String, Module> layers = new LinkedHashMap<>();
        layers.put("fc1", new Linear(3, 5));
        layers.put("act", new Tanh());
        Sequential seq = new Sequential(layers);
        Linear fc2 = new Linear(5, 2);
        seq.addModule("fc2", fc2);
        assertEquals(List.of("fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"), List.copyOf(seq.stateDict().keySet()));
        assertSame(fc2, seq.get(-1));
        assertEquals(3, seq.size());
        Tensor x = Tensor.randn(4, 3);
        Tensor expected = fc2.apply(seq.get(0).apply(x).tanh());
        assertTrue(expected.equal(seq.apply(x)), "fc1, tanh, fc2");

        // add_module under a name already there replaces that layer in its place (PyTorch's _modules[name] = module)
        Linear other = new Linear(3, 5);
        seq.addModule("fc1", other);
        assertSame(other, seq.get(0));
        assertTrue(fc2.apply(other.apply(x).tanh()).equal(seq.apply(x)), "the replaced layer runs first");
        // append numbers the layer by the count, as PyTorch's str(len(self))
        seq.append(new ReLU());
        assertEquals(List.of("fc1", "act", "fc2", "3"), List.copyOf(seq.namedChildren().keySet()));
        assertTrue(fc2.apply(other.apply(x).tanh()).relu().equal(seq.apply(x)));
        Map<String, Module> withNull = new LinkedHashMap<>();
        withNull.put("b", null);
        assertEquals("Sequential: module 'b' is null",
                assertThrows(IllegalArgumentException.class, () -> new Sequential(withNull)).getMessage());
    }

    @Test
    void anAbsentLayerFailsAsPython() {
        Sequential seq = new Sequential(new ReLU());
        seq.addModule("gone", null);
        assertEquals("'NoneType' object is not callable",
                assertThrows(IllegalStateException.class, () -> seq.apply(Tensor.ones(2))).getMessage());
    }

    /**
     * PyTorch's prepare adds the output observer to a fused module (a Sequential) as its child
     * {@code activation_post_process}, which the Sequential's forward then applies too (PyTorch 1.13 checked:
     * {@code len(prepared.conv) == 3} and the observer runs twice per forward, in the forward and by its hook); the
     * output is the fused layers' own.
     */
    @Test
    void aPreparedFusedModuleCountsItsObserverAsPyTorchsLen() {
        Ember.manualSeed(5);
        Sequential m = new Sequential(new Conv2d(2, 2, 1), new ReLU());
        m.eval();
        dev.ember.ao.quantization.Quantization.fuseModules(m, List.of(List.of("0", "1")), true);
        dev.ember.ao.quantization.Quantization.setQconfig(m, dev.ember.ao.quantization.QConfig.DEFAULT);
        dev.ember.ao.quantization.Quantization.prepare(m, true);
        Sequential fused = (Sequential) m.getSubmodule("0");
        assertEquals(3, fused.size(), "len(fused) with its activation_post_process");
        assertEquals(List.of("0", "1", "activation_post_process"), List.copyOf(fused.namedChildren().keySet()));
        Tensor x = Tensor.randn(1, 2, 3, 3);
        Tensor expected;
        try (GradMode g = Ember.noGrad()) {
            expected = fused.get(0).apply(x).relu();
            assertTrue(expected.equal(m.apply(x)), "the observer passes the output through");
        }
    }
}
