package dev.ember;

import dev.ember.ao.quantization.Quantization;
import dev.ember.nn.GRU;
import dev.ember.nn.GRUCell;
import dev.ember.nn.LSTM;
import dev.ember.nn.LSTMCell;
import dev.ember.nn.Module;
import dev.ember.nn.RNNCell;
import dev.ember.nn.Sequential;
import dev.ember.nn.utils.PackedRnnOutput;
import dev.ember.nn.utils.Rnn;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@code quantize_dynamic(model, {nn.LSTM, nn.GRU, nn.LSTMCell, nn.GRUCell, nn.RNNCell}, dtype=torch.float16)}
 * against PyTorch (resources/quantdynamicfp16/make_expected.py: PyTorch runs these layers on FBGEMM only, which its
 * Debian build lacks, so the reference is their arithmetic written with its float modules: each weight saturated and
 * rounded to float16, projections and gates in float32). Equal to float32 rounding (FBGEMM's GEMM and Ember's sum in
 * their own orders); the stored float16 weights exactly.
 */
class QuantizeDynamicFloat16RnnTest {
    private static final ExpectedLines EXPECTED = ExpectedLines.load("/quantdynamicfp16/expected.txt");

    private static Sequential floatModel(Module layer, String prefix) {
        Sequential m = new Sequential(layer);
        Map<String, Tensor> state = new LinkedHashMap<>();
        for (String k : m.stateDict().keySet()) {
            state.put(k, EXPECTED.tensor(prefix + ".float." + k.substring(2)));
        }
        m.loadStateDict(state);
        Quantization.quantizeDynamic(m, Set.of(LSTM.class, GRU.class, LSTMCell.class, GRUCell.class, RNNCell.class),
            DType.FLOAT16, true);
        return m;
    }

    private static void close(String key, Tensor got) {
        Tensor want = EXPECTED.tensor(key);
        assertArrayEquals(want.shape(), got.shape(), key);
        // float32 sums of at most ten products and the gates' functions: a few ulps of values around 1
        assertArrayEquals(want.toFloatArray(), got.toFloatArray(), 2e-6f, key);
    }

    @Test
    void lstmAndGruWithFloat16WeightsComputeFbgemmsArithmetic() {
        Sequential m = floatModel(new LSTM(4, 5, 2, true, true, 0, true), "lstm");
        var lstm = (dev.ember.ao.nn.quantized.dynamic.LSTM) m.getSubmodule("0");
        // the weights as linear_prepack_fp16 stores them: saturated to 65504 and rounded, exactly
        assertArrayEquals(EXPECTED.tensor("lstm.w16.weight_ih_l0").toFloatArray(), lstm.float16WeightIh(0, 0)
            .toFloatArray(), 0f);
        assertEquals(65504f, lstm.float16WeightIh(0, 0).toFloatArray()[0], 0f, "1e5 saturated to float16's largest");
        assertArrayEquals(EXPECTED.tensor("lstm.w16.weight_hh_l1_reverse").toFloatArray(), lstm.float16WeightHh(1, 1)
            .toFloatArray(), 0f);
        assertThrows(IllegalStateException.class, () -> lstm.weightIh(0, 0), "float16 weights are not qint8");

        RnnOutput r = lstm.forward(EXPECTED.tensor("lstm.x"), new LstmState(EXPECTED.tensor("lstm.h0"),
            EXPECTED.tensor("lstm.c0")));
        close("lstm.out", r.output());
        close("lstm.hn", r.h());
        close("lstm.cn", r.c());

        PackedRnnOutput p = lstm.forward(Rnn.packPaddedSequence(EXPECTED.tensor("lstm.x"), new long[] {4, 6, 2}, true,
            false));
        close("lstm.packed.out", Rnn.padPackedSequence(p.output(), true, 0.0, null).output());
        close("lstm.packed.hn", p.h());
        close("lstm.packed.cn", p.c());

        Sequential g = floatModel(new GRU(4, 5, 2), "gru");
        RnnOutput gr = ((dev.ember.ao.nn.quantized.dynamic.GRU) g.getSubmodule("0")).forward(EXPECTED.tensor("gru.x"),
            null);
        close("gru.out", gr.output());
        close("gru.hn", gr.h());
    }

    @Test
    void cellsWithFloat16Weights() {
        Tensor x = EXPECTED.tensor("cell.x");
        Tensor h = EXPECTED.tensor("cell.h");
        var lstm = (dev.ember.ao.nn.quantized.dynamic.LSTMCell) floatModel(new LSTMCell(4, 5), "lstmcell")
            .getSubmodule("0");
        LstmState s = lstm.forward(x, new LstmState(h, EXPECTED.tensor("cell.c")));
        close("lstmcell.h", s.h());
        close("lstmcell.c", s.c());
        var gru = (dev.ember.ao.nn.quantized.dynamic.GRUCell) floatModel(new GRUCell(4, 5), "grucell").getSubmodule("0");
        close("grucell.h", gru.forward(x, h));
        assertThrows(IllegalStateException.class, gru::weightHh);
        var tanh = (dev.ember.ao.nn.quantized.dynamic.RNNCell) floatModel(new RNNCell(4, 5), "rnncell_tanh")
            .getSubmodule("0");
        close("rnncell_tanh.h", tanh.forward(x, h));
        var relu = (dev.ember.ao.nn.quantized.dynamic.RNNCell) floatModel(new RNNCell(4, 5, true, "relu"),
            "rnncell_relu").getSubmodule("0");
        close("rnncell_relu.h", relu.forward(x, h));
    }
}
