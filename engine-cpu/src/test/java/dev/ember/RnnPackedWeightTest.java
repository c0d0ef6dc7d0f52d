package dev.ember;

import dev.ember.nn.GRU;
import dev.ember.nn.GRUCell;
import dev.ember.nn.LSTM;
import dev.ember.nn.LSTMCell;
import dev.ember.nn.Module;
import dev.ember.nn.RNN;
import dev.ember.profiler.KeyAverage;
import dev.ember.profiler.Profiler;
import org.junit.jupiter.api.Test;

import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Where an LSTM, GRU or RNN records no graph (no-grad, inference mode, or nothing requiring grad), each layer and
 * direction packs its {@code W_hh} once ({@code PackedLinear}, the backend's {@code ember::pack_linear_weight}) for the
 * sequence's steps at a batch of 1 to 8, and an LSTM's or GRU's cells run their pointwise part in one kernel a step
 * ({@code ember::lstm_cell_pointwise}, {@code ember::gru_cell_pointwise}); the outputs and final states stay those of
 * the recorded forward to float32's rounding where W_hh was packed (another summation order of the hidden product) and
 * bit for bit where not (the fused cells round as the composition does), and a forward that records a graph keeps
 * PyTorch's nodes.
 */
class RnnPackedWeightTest {
    private static int count(Profiler prof, String kernel) {
        for (KeyAverage k : prof.keyAverages()) {
            if (k.key().equals(kernel)) {
                return k.count();
            }
        }
        return 0;
    }

    /** The outputs; {@code counts} gets the packs and the fused cell steps (LSTM's and GRU's) the forward ran. */
    private static Tensor[] run(Module m, Function<Tensor, RnnOutput> f, Tensor x, int[] counts) {
        RnnOutput r;
        Profiler prof;
        try (Profiler p = Ember.profile()) {
            prof = p;
            r = f.apply(x);
        }
        counts[0] = count(prof, "ember::pack_linear_weight");
        counts[1] = count(prof, "ember::lstm_cell_pointwise") + count(prof, "ember::gru_cell_pointwise");
        return r.c() == null ? new Tensor[] {r.output(), r.h()} : new Tensor[] {r.output(), r.h(), r.c()};
    }

    private static void check(String what, Module m, Function<Tensor, RnnOutput> f, int batch, int steps,
                              int layerDirections, boolean fusedCell, boolean fusedLayer) {
        Tensor x = Tensor.randn(new Generator(batch * 100 + steps), DType.FLOAT32, steps, batch, 6);
        int[] count = new int[2];
        Tensor[] recorded = run(m, f, x, count);
        assertEquals(0, count[0], what + ": a recorded forward packs nothing");
        // a recorded float32 LSTM without projection is PyTorch 2.x's oneDNN layer (FusedLstmLayers), whose forward runs
        // the same fused cell kernel a step, saving its activations; the others compose their cells
        assertEquals(fusedLayer ? layerDirections * steps : 0, count[1], what + ": fused cell steps of a recorded forward");
        assertNotNull(recorded[0].gradFn(), what + ": the recorded forward has its graph");
        Tensor[] packed;
        try (GradMode g = Ember.noGrad()) {
            packed = run(m, f, x, count);
        }
        boolean applies = steps >= 2 && batch <= 8;
        assertEquals(applies ? layerDirections : 0, count[0], what + ": W_hh packs under no-grad");
        assertEquals(fusedCell ? layerDirections * steps : 0, count[1], what + ": fused cell steps under no-grad");
        assertNull(packed[0].gradFn(), what);
        for (int i = 0; i < recorded.length; i++) {
            if (applies) {
                LossesMoreTest.assertClose(recorded[i].detach(), packed[i], what + " result " + i);
            } else {
                // the same products: the fused cells give the composition's bits
                assertArrayEquals(recorded[i].toFloatArray(), packed[i].toFloatArray(), what + " result " + i);
            }
        }
        // grad mode on but nothing requires grad: no graph either, so the packed path
        m.requiresGrad_(false);
        Tensor[] frozen = run(m, f, x, count);
        assertEquals(applies ? layerDirections : 0, count[0], what + ": frozen module packs");
        assertEquals(fusedCell ? layerDirections * steps : 0, count[1], what + ": frozen module's fused cell steps");
        for (int i = 0; i < recorded.length; i++) {
            LossesMoreTest.assertClose(packed[i], frozen[i], what + " frozen result " + i);
        }
        m.requiresGrad_(true);
    }

    @Test
    void everyRecurrentLayerPacksOnlyWhereNoGraphIsRecorded() {
        Ember.manualSeed(39);
        int cases = 0;
        for (int batch : new int[] {1, 2, 3, 4, 5, 8, 9}) {
            for (int steps : new int[] {1, 2, 7}) {
                LSTM lstm = new LSTM(6, 20, 2, true, false, 0, true);
                check("lstm b" + batch + " t" + steps, lstm, x -> lstm.forward(x, null), batch, steps, 4, true, true);
                LSTM proj = new LSTM(6, 20, 1, true, false, 0, false, 7);
                check("lstm proj b" + batch + " t" + steps, proj, x -> proj.forward(x, null), batch, steps, 1, true, false);
                GRU gru = new GRU(6, 33, 2, false, false, 0, false);
                check("gru b" + batch + " t" + steps, gru, x -> gru.forward(x, null), batch, steps, 2, true, false);
                RNN rnn = new RNN(6, 17, 1, "relu", true, false, 0, true);
                check("rnn b" + batch + " t" + steps, rnn, x -> rnn.forward(x, null), batch, steps, 2, false, false);
                cases += 4;
            }
        }
        assertEquals(84, cases);
    }

    @Test
    void lstmAndGruCellsFuseTheirPointwisePartWhereNothingRecordsWithTheCompositionsBits() {
        Ember.manualSeed(3);
        for (int batch : new int[] {1, 3, 16}) {
            for (int hidden : new int[] {1, 20, 33}) {
                LSTMCell lstm = new LSTMCell(5, hidden);
                GRUCell gru = new GRUCell(5, hidden);
                Tensor x = Tensor.randn(batch, 5);
                LstmState state = new LstmState(Tensor.randn(batch, hidden), Tensor.randn(batch, hidden));
                Tensor h = Tensor.randn(batch, hidden);
                LstmState recordedLstm = lstm.forward(x, state);
                Tensor recordedGru = gru.forward(x, h);
                assertNotNull(recordedLstm.h().gradFn());
                assertNotNull(recordedGru.gradFn());
                Profiler prof;
                LstmState fusedLstm;
                Tensor fusedGru;
                try (GradMode g = Ember.noGrad(); Profiler p = Ember.profile()) {
                    prof = p;
                    fusedLstm = lstm.forward(x, state);
                    fusedGru = gru.forward(x, h);
                }
                String what = "batch " + batch + " hidden " + hidden;
                assertEquals(1, count(prof, "ember::lstm_cell_pointwise"), what);
                assertEquals(1, count(prof, "ember::gru_cell_pointwise"), what);
                assertArrayEquals(recordedLstm.h().toFloatArray(), fusedLstm.h().toFloatArray(), what + " lstm h");
                assertArrayEquals(recordedLstm.c().toFloatArray(), fusedLstm.c().toFloatArray(), what + " lstm c");
                assertArrayEquals(recordedGru.toFloatArray(), fusedGru.toFloatArray(), what + " gru h");
            }
        }
    }
}
