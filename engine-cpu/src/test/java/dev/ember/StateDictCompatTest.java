package dev.ember;

import dev.ember.nn.BatchNorm1d;
import dev.ember.nn.InstanceNorm1d;
import dev.ember.nn.Linear;
import dev.ember.nn.Module;
import dev.ember.nn.Sequential;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Loading a norm layer's state dict from before PyTorch added {@code num_batches_tracked}: PyTorch 2.x keeps the layer's
 * own count (statedictcompat/make_expected.py, whose header notes 1.13's difference); any other missing key is still
 * PyTorch's error.
 */
class StateDictCompatTest {

    private static final Map<String, String> E = ReferenceCases.strings("/statedictcompat/expected.txt");

    private static Map<String, Tensor> without(Module m, String suffix) {
        Map<String, Tensor> sd = new LinkedHashMap<>(m.stateDict());
        sd.keySet().removeIf(k -> k.endsWith(suffix));
        return sd;
    }

    /** PyTorch's printout of load_state_dict's result when nothing is missing or unexpected. */
    private static String result(Module.IncompatibleKeys k) {
        return k.missingKeys().isEmpty() && k.unexpectedKeys().isEmpty() ? "<All keys matched successfully>" : k.toString();
    }

    @Test
    void missingBatchCountKeepsTheLayersOwn() {
        BatchNorm1d bn = new BatchNorm1d(3);
        bn.numBatchesTracked().fill_(5);
        assertEquals(E.get("batchnorm result"), result(bn.loadStateDict(without(new BatchNorm1d(3), "num_batches_tracked"),
                true)));
        assertEquals(Long.parseLong(E.get("batchnorm count after")), bn.numBatchesTracked().longItem());
        Sequential s = new Sequential(new Linear(2, 3), new BatchNorm1d(3));
        assertEquals(E.get("sequential result"), result(s.loadStateDict(without(s, "num_batches_tracked"), true)));
        InstanceNorm1d in = new InstanceNorm1d(3, 1e-5, 0.1, false, true);
        assertEquals(E.get("instancenorm result"), result(in.loadStateDict(without(in, "num_batches_tracked"), true)));
    }

    /**
     * A norm layer registered under two names (locuslab's TCN registers its layers by name and again in a Sequential):
     * PyTorch's load runs the layer's {@code _load_from_state_dict} once per name, so both names' missing counts take
     * the layer's own; Ember looked up only the first name and called the second missing.
     */
    @Test
    void missingBatchCountOfALayerSharedUnderTwoNames() {
        BatchNorm1d bn = new BatchNorm1d(3);
        bn.numBatchesTracked().fill_(4);
        Module root = new Module() {
            final BatchNorm1d norm = registerModule("norm", bn);
            final Sequential seq = registerModule("seq", new Sequential(new Linear(2, 3), bn));

            @Override
            public Tensor forward(Tensor x) {
                return seq.apply(x);
            }
        };
        Map<String, Tensor> sd = without(root, "num_batches_tracked");
        assertEquals(10, sd.size()); // weight, bias, running_mean, running_var under "norm." and "seq.1.", the Linear's two
        assertEquals("<All keys matched successfully>", result(root.loadStateDict(sd, true)));
        assertEquals(4, bn.numBatchesTracked().longItem());
    }

    @Test
    void otherMissingKeysAreStillErrors() {
        BatchNorm1d bn = new BatchNorm1d(3);
        Throwable e = assertThrows(IllegalArgumentException.class,
                () -> bn.loadStateDict(without(new BatchNorm1d(3), "running_var")));
        assertEquals(E.get("other key missing").strip(), e.getMessage().strip());
        assertTrue(bn.numBatchesTracked().longItem() == 0);
    }
}
