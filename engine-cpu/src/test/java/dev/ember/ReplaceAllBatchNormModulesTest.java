package dev.ember;

import dev.ember.nn.BatchNorm1d;
import dev.ember.nn.BatchNorm2d;
import dev.ember.nn.Conv2d;
import dev.ember.nn.InstanceNorm1d;
import dev.ember.nn.ModuleInternals;
import dev.ember.nn.Sequential;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.List;

import static dev.ember.OutsiderFixture.same;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Func#replaceAllBatchNormModules_} ({@code torch.func.replace_all_batch_norm_modules_}), which Ember lacked:
 * functorch's MAML on Omniglot calls it before vmapping over tasks (OutsiderPrograms16Test ports that program). Held to
 * what PyTorch does to the same modules ({@code resources/outsiderprograms16/make_expected.py}, {@code bnrepl.*} and
 * texts16.txt): the batch norms lose their running statistics and print {@code track_running_stats=False}, the state
 * dict leaves them out, an instance norm keeps its own, and in eval mode a batch norm normalizes with the batch's
 * statistics.
 */
class ReplaceAllBatchNormModulesTest {
    private static final OutsiderFixture PT = new OutsiderFixture("outsiderprograms16", "programs16.pt");

    private static String text(String key) throws java.io.IOException {
        for (String line : Files.readAllLines(PT.resource("texts16.txt"))) {
            int tab = line.indexOf('\t');
            if (line.substring(0, tab).equals(key)) {
                return line.substring(tab + 1);
            }
        }
        throw new AssertionError("no " + key + " in texts16.txt");
    }

    private static Sequential model() {
        return PT.loaded(new Sequential(new Conv2d(1, 2, 3), new BatchNorm2d(2),
                new Sequential(new BatchNorm1d(3), new InstanceNorm1d(3, 1e-5, 0.1, false, true))), "bnrepl.init.",
                DType.FLOAT64);
    }

    @Test
    void batchNormsLoseTheirRunningStatisticsAsPyTorchs() throws Exception {
        Sequential rb = model();
        assertSame(rb, Func.replaceAllBatchNormModules_(rb));
        assertEquals(text("bnrepl.keys"), String.join(" ", rb.stateDict().keySet()), "state dict keys");
        assertEquals(text("bnrepl.repr"), rb.toString().replace("\n", "|"), "printout");
        for (BatchNorm2d bn : List.of(rb.get(1, BatchNorm2d.class))) {
            assertNull(bn.runningMean());
            assertNull(bn.runningVar());
            assertNull(bn.numBatchesTracked());
            assertFalse(bn.trackRunningStats());
        }
        BatchNorm1d bn1 = ((Sequential) rb.get(2)).get(0, BatchNorm1d.class);
        assertNull(bn1.runningMean());
        assertFalse(bn1.trackRunningStats());
        assertEquals(List.of("2.1.running_mean", "2.1.running_var", "2.1.num_batches_tracked"),
                List.copyOf(rb.namedBuffers().keySet()), "only the instance norm's buffers remain");
        // eval mode: the batch's statistics, nothing written
        rb.eval();
        Tensor y;
        try (GradMode off = Ember.noGrad()) {
            y = rb.get(1).apply(rb.get(0).apply(PT.e("bnrepl.x")));
        }
        same(PT.e("bnrepl.eval"), y, "an eval forward after the replacement");
        // a second call changes nothing
        Func.replaceAllBatchNormModules_(rb);
        assertEquals(text("bnrepl.keys"), String.join(" ", rb.stateDict().keySet()), "state dict keys, twice");
        assertFalse(ModuleInternals.batchNormWithoutRunningStats(bn1), "already without running statistics");
        assertFalse(ModuleInternals.batchNormWithoutRunningStats(rb.get(0)), "not a batch norm");
    }

    @Test
    void lazyBatchNormWithoutRunningStatisticsInitializesOnItsFirstInput() {
        // PyTorch's _LazyNormBase.initialize_parameters materializes the running statistics only when
        // track_running_stats: after the replacement the first input gives the weight and bias alone, and the layer
        // normalizes with the batch's statistics (F.batch_norm without running statistics, training or not)
        dev.ember.nn.LazyBatchNorm1d lazy = new dev.ember.nn.LazyBatchNorm1d(1e-5, 0.1, true, true);
        Func.replaceAllBatchNormModules_(lazy);
        lazy.eval();
        Tensor x = PT.e("bnrepl.x").reshape(4, -1).narrow(1, 0, 3);
        Tensor y;
        try (GradMode off = Ember.noGrad()) {
            y = lazy.apply(x);
        }
        assertTrue(lazy.namedBuffers().isEmpty(), "no running statistics after the first input");
        assertEquals(List.of("weight", "bias"), List.copyOf(lazy.stateDict().keySet()));
        same(dev.ember.nn.Functional.batchNorm(x, null, null, lazy.weight(), lazy.bias(), true, 0.1, 1e-5), y,
                "batch statistics in eval mode");
    }

    @Test
    void nullRootIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> Func.replaceAllBatchNormModules_(null));
        assertTrue(ModuleInternals.batchNormWithoutRunningStats(new BatchNorm1d(2)), "a fresh batch norm changes");
    }
}
