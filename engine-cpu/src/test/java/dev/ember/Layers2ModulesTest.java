package dev.ember;

import dev.ember.nn.AdaptiveAvgPool2d;
import dev.ember.nn.AdaptiveMaxPool2d;
import dev.ember.nn.Conv1d;
import dev.ember.nn.ConvTranspose2d;
import dev.ember.nn.GRU;
import dev.ember.nn.GRUCell;
import dev.ember.nn.LSTM;
import dev.ember.nn.LSTMCell;
import dev.ember.nn.Module;
import dev.ember.nn.PixelShuffle;
import dev.ember.nn.PixelUnshuffle;
import dev.ember.nn.RNNBase;
import dev.ember.nn.Sequential;
import dev.ember.nn.Upsample;
import dev.ember.nn.UpsamplingBilinear2d;
import dev.ember.nn.UpsamplingNearest2d;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.function.Executable;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Supplier;

import static dev.ember.Layers2Cases.TORCH;
import static dev.ember.Layers2Cases.assertClose;
import static dev.ember.Layers2Cases.fails;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 15's convolution, resampling and recurrent modules against PyTorch (layers2/make_expected.py): LSTM, GRU,
 * LSTMCell and GRUCell with PyTorch's weights loaded through their state dicts (outputs, final states, their nodes and
 * the gradients of the input, the initial states and every parameter, on contiguous and non-contiguous inputs), their
 * checks and messages, every module's printout and state-dict keys and shapes, PyTorch's initialization bounds, and
 * ConvTranspose2d's {@code output_size}.
 */
class Layers2ModulesTest {
    private static Tensor randn(int... shape) {
        return Tensor.randn(shape);
    }

    /** A recurrent case ({@link Layers2Cases#moduleCase}). */
    private static DynamicTest rnn(String key, Supplier<Module> make, BiFunction<Module, Map<String, Tensor>, Tensor[]> fwd) {
        return Layers2Cases.moduleCase(TORCH, key, make, fwd, Layers2Cases::checkOutputs);
    }

    private static Tensor[] lstm(Module m, Map<String, Tensor> in) {
        LstmState hx = in.containsKey("h0") ? new LstmState(in.get("h0"), in.get("c0")) : null;
        RnnOutput r = ((LSTM) m).apply(in.get("x"), hx);
        return new Tensor[] {r.output(), r.h(), r.c()};
    }

    private static Tensor[] gru(Module m, Map<String, Tensor> in) {
        RnnOutput r = ((GRU) m).apply(in.get("x"), in.get("h0"));
        assertNull(r.c());
        return new Tensor[] {r.output(), r.h()};
    }

    private static Tensor[] lstmCell(Module m, Map<String, Tensor> in) {
        LstmState hx = in.containsKey("h0") ? new LstmState(in.get("h0"), in.get("c0")) : null;
        LstmState r = ((LSTMCell) m).apply(in.get("x"), hx);
        return new Tensor[] {r.h(), r.c()};
    }

    private static Tensor[] gruCell(Module m, Map<String, Tensor> in) {
        return new Tensor[] {((GRUCell) m).apply(in.get("x"), in.get("h0"))};
    }

    @TestFactory
    List<DynamicTest> recurrentAgainstPyTorch() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(rnn("lstm", () -> new LSTM(3, 4), Layers2ModulesTest::lstm));
        t.add(rnn("lstm_zero_state", () -> new LSTM(3, 4), Layers2ModulesTest::lstm));
        t.add(rnn("lstm_2layer_bidir_batch_first", () -> new LSTM(3, 4, 2, true, true, 0, true, 0), Layers2ModulesTest::lstm));
        t.add(rnn("lstm_nobias_proj", () -> new LSTM(3, 5, 1, false, false, 0, false, 2), Layers2ModulesTest::lstm));
        t.add(rnn("lstm_proj_bidir", () -> new LSTM(3, 5, 2, true, false, 0, true, 2), Layers2ModulesTest::lstm));
        t.add(rnn("lstm_unbatched", () -> new LSTM(3, 4), Layers2ModulesTest::lstm));
        t.add(rnn("lstm_unbatched_batch_first", () -> new LSTM(3, 4, 1, true, true, 0, false, 0), Layers2ModulesTest::lstm));
        t.add(rnn("lstm_empty_batch", () -> new LSTM(3, 4), Layers2ModulesTest::lstm));
        t.add(rnn("lstm_float32", () -> new LSTM(6, 7, 2), Layers2ModulesTest::lstm));
        t.add(rnn("lstm_dropout_all", () -> new LSTM(3, 4, 2, true, false, 1.0, false, 0), Layers2ModulesTest::lstm));
        t.add(rnn("gru", () -> new GRU(3, 4), Layers2ModulesTest::gru));
        t.add(rnn("gru_zero_state", () -> new GRU(3, 4), Layers2ModulesTest::gru));
        t.add(rnn("gru_2layer_bidir_batch_first", () -> new GRU(3, 4, 2, true, true, 0, true), Layers2ModulesTest::gru));
        t.add(rnn("gru_nobias", () -> new GRU(3, 4, 1, false, false, 0, false), Layers2ModulesTest::gru));
        t.add(rnn("gru_unbatched", () -> new GRU(3, 4, 2), Layers2ModulesTest::gru));
        t.add(rnn("gru_float32", () -> new GRU(6, 7, 2, true, false, 0, true), Layers2ModulesTest::gru));
        t.add(rnn("gru_dropout_all", () -> new GRU(3, 4, 3, true, false, 1.0, false), Layers2ModulesTest::gru));
        t.add(rnn("lstm_cell", () -> new LSTMCell(3, 4), Layers2ModulesTest::lstmCell));
        t.add(rnn("lstm_cell_nobias_zero_state", () -> new LSTMCell(3, 4, false), Layers2ModulesTest::lstmCell));
        t.add(rnn("lstm_cell_unbatched", () -> new LSTMCell(3, 4), Layers2ModulesTest::lstmCell));
        t.add(rnn("lstm_cell_float32", () -> new LSTMCell(5, 6), Layers2ModulesTest::lstmCell));
        t.add(rnn("gru_cell", () -> new GRUCell(3, 4), Layers2ModulesTest::gruCell));
        t.add(rnn("gru_cell_nobias_zero_state", () -> new GRUCell(3, 4, false), Layers2ModulesTest::gruCell));
        t.add(rnn("gru_cell_unbatched", () -> new GRUCell(3, 4), Layers2ModulesTest::gruCell));
        t.add(rnn("gru_cell_empty", () -> new GRUCell(3, 4), Layers2ModulesTest::gruCell));
        return t;
    }

    private static DynamicTest e(String key, Executable call, Tensor... untouched) {
        return DynamicTest.dynamicTest(key, () -> fails(key, call, untouched));
    }

    @TestFactory
    List<DynamicTest> recurrentErrors() {
        List<DynamicTest> t = new ArrayList<>();
        LSTM lstm = new LSTM(3, 4);
        GRU gru = new GRU(3, 4);
        Tensor x = randn(5, 2, 3);
        t.add(e("lstm_err_1d", () -> lstm.forward(randn(3), null)));
        t.add(e("lstm_err_4d", () -> lstm.forward(randn(1, 2, 3, 3), null)));
        t.add(e("lstm_err_input_size", () -> lstm.forward(randn(5, 2, 2), null)));
        t.add(e("lstm_err_dtype", () -> lstm.forward(x.to(DType.FLOAT64), null), x));
        t.add(e("lstm_err_h_shape", () -> lstm.forward(x, new LstmState(randn(1, 3, 4), randn(1, 2, 4))), x));
        t.add(e("lstm_err_c_shape", () -> lstm.forward(x, new LstmState(randn(1, 2, 4), randn(1, 2, 5))), x));
        t.add(e("lstm_err_h_dim", () -> lstm.forward(x, new LstmState(randn(2, 4), randn(1, 2, 4))), x));
        t.add(e("lstm_err_unbatched_h_dim", () -> lstm.forward(randn(5, 3), new LstmState(randn(1, 2, 4), randn(1, 2, 4)))));
        t.add(e("lstm_err_empty_seq", () -> lstm.forward(randn(0, 2, 3), null)));
        t.add(e("gru_err_1d", () -> gru.forward(randn(3), null)));
        t.add(e("gru_err_h_dim", () -> gru.forward(x, randn(2, 4)), x));
        t.add(e("gru_err_unbatched_h_dim", () -> gru.forward(randn(5, 3), randn(1, 2, 4))));
        t.add(e("gru_err_h_shape", () -> gru.forward(x, randn(1, 3, 4)), x));
        t.add(e("gru_err_input_size", () -> gru.forward(randn(5, 2, 2), null)));
        t.add(e("gru_err_dtype", () -> gru.forward(x.to(DType.FLOAT64), null), x));
        t.add(e("gru_err_empty_seq", () -> gru.forward(randn(0, 2, 3), null)));
        t.add(e("rnn_err_dropout", () -> new LSTM(3, 4, 1, true, false, 1.5, false, 0)));
        t.add(e("rnn_err_hidden0", () -> new LSTM(3, 0)));
        t.add(e("rnn_err_layers0", () -> new LSTM(3, 4, 0)));
        t.add(e("rnn_err_proj", () -> new LSTM(3, 4, 1, true, false, 0, false, 4)));
        t.add(e("rnn_err_proj_neg", () -> new LSTM(3, 4, 1, true, false, 0, false, -1)));
        LSTMCell cell = new LSTMCell(3, 4);
        GRUCell gcell = new GRUCell(3, 4);
        Tensor c = randn(2, 3);
        t.add(e("cell_err_3d", () -> cell.forward(randn(1, 2, 3), null)));
        t.add(e("cell_err_hx3d", () -> cell.forward(c, new LstmState(randn(1, 2, 4), randn(2, 4))), c));
        t.add(e("cell_err_input_size", () -> cell.forward(randn(2, 2), null)));
        t.add(e("cell_err_batch", () -> cell.forward(c, new LstmState(randn(3, 4), randn(2, 4))), c));
        t.add(e("cell_err_hidden", () -> cell.forward(c, new LstmState(randn(2, 5), randn(2, 4))), c));
        t.add(e("cell_err_c_batch", () -> cell.forward(c, new LstmState(randn(2, 4), randn(3, 4))), c));
        t.add(e("cell_err_c_hidden", () -> cell.forward(c, new LstmState(randn(2, 4), randn(2, 5))), c));
        t.add(e("cell_err_dtype", () -> cell.forward(c.to(DType.FLOAT64), null), c));
        t.add(e("gcell_err_3d", () -> gcell.forward(randn(1, 2, 3), null)));
        t.add(e("gcell_err_hx3d", () -> gcell.forward(c, randn(1, 2, 4)), c));
        t.add(e("gcell_err_input_size", () -> gcell.forward(randn(2, 2), null)));
        t.add(e("gcell_err_batch", () -> gcell.forward(c, randn(3, 4)), c));
        t.add(e("gcell_err_hidden", () -> gcell.forward(c, randn(2, 5)), c));
        t.add(e("gcell_err_dtype", () -> gcell.forward(c.to(DType.FLOAT64), null), c));
        return t;
    }

    // ------------------------------------------------------------------ printouts, state dicts, initialization

    private static Map<String, Supplier<Module>> modules() {
        Map<String, Supplier<Module>> m = new LinkedHashMap<>();
        m.put("conv1d", () -> new Conv1d(3, 4, 3));
        m.put("conv1d_options", () -> new Conv1d(4, 6, new int[] {3}, new int[] {2}, new int[] {1}, new int[] {2}, 2, false));
        m.put("convt", () -> new ConvTranspose2d(4, 6, new int[] {3}, new int[] {2}, new int[] {1}, new int[] {1}, 2, true,
                new int[] {2}));
        m.put("convt_rect", () -> new ConvTranspose2d(4, 6, new int[] {2, 3}, new int[] {1}, new int[] {0}, new int[] {0}, 1,
                true, new int[] {1}));
        m.put("aap", () -> new AdaptiveAvgPool2d(5));
        m.put("aap_none", () -> new AdaptiveAvgPool2d(5, null));
        m.put("amp", () -> new AdaptiveMaxPool2d(2, 3, true));
        m.put("up_scale", () -> new Upsample(2));
        m.put("up_size_bilinear", () -> new Upsample(new int[] {3, 4}, null, "bilinear", true, null));
        m.put("up_size", () -> Upsample.ofSize(3, "nearest"));
        m.put("up_scales", () -> new Upsample(null, new double[] {2, 3}, "nearest", null, null));
        m.put("up_nearest2d", () -> new UpsamplingNearest2d(2.0));
        m.put("up_bilinear2d", () -> new UpsamplingBilinear2d(5));
        m.put("ps", () -> new PixelShuffle(2));
        m.put("pu", () -> new PixelUnshuffle(3));
        m.put("lstm", () -> new LSTM(3, 4));
        m.put("lstm_all", () -> new LSTM(3, 4, 2, false, true, 0.5, true, 2));
        m.put("lstm_proj", () -> new LSTM(3, 5, 2, true, false, 0, true, 2));
        m.put("gru", () -> new GRU(3, 4, 2, true, false, 0.25, false));
        m.put("gru_bidir", () -> new GRU(3, 4, 1, false, false, 0, true));
        m.put("lstm_cell", () -> new LSTMCell(3, 4));
        m.put("gru_cell", () -> new GRUCell(3, 4, false));
        return m;
    }

    @TestFactory
    List<DynamicTest> printoutsAndStateDictKeys() {
        List<DynamicTest> t = new ArrayList<>();
        modules().forEach((k, make) -> t.add(DynamicTest.dynamicTest(k, () -> {
            Module m = make.get();
            String key = "module_" + k;
            assertEquals(TORCH.field(key, "repr").replace("\\n", "\n"), m.toString(), key + " repr");
            StringBuilder keys = new StringBuilder();
            m.stateDict().forEach((n, v) -> {
                StringBuilder shape = new StringBuilder();
                for (int s : v.shape()) {
                    shape.append(shape.length() > 0 ? "x" : "").append(s);
                }
                keys.append(keys.length() > 0 ? " " : "").append(n).append(':').append(shape);
            });
            assertEquals(TORCH.has(key, "keys") ? TORCH.field(key, "keys") : "", keys.toString(), key + " keys");
        })));
        return t;
    }

    @Test
    void recurrentWeightsAreUniformInPyTorchsBound() {
        for (Module m : new Module[] {new LSTM(8, 32, 2, true, false, 0, true, 16), new GRU(8, 32, 2), new LSTMCell(8, 32),
            new GRUCell(8, 32)}) {
            double bound = 1 / Math.sqrt(32);
            for (Map.Entry<String, Tensor> p : m.namedParameters().entrySet()) {
                Tensor v = p.getValue();
                assertTrue(v.abs().max().item() <= bound, p.getKey() + " within the bound");
                if (v.numel() >= 512) {
                    // U(-b, b): mean 0, standard deviation b / sqrt(3)
                    double std = v.std().item();
                    assertEquals(bound / Math.sqrt(3), std, 0.15 * bound, p.getKey() + " std");
                    assertEquals(0, v.mean().item(), 0.1 * bound, p.getKey() + " mean");
                }
            }
        }
    }

    @Test
    void convolutionWeightsUsePyTorchsFanIn() {
        Conv1d c = new Conv1d(8, 32, new int[] {5}, new int[] {1}, new int[] {0}, new int[] {1}, 2, true);
        double bound = 1 / Math.sqrt(4 * 5);
        assertTrue(c.weight.abs().max().item() <= bound && c.bias.abs().max().item() <= bound);
        assertArrayEquals(new int[] {32, 4, 5}, c.weight.shape());
        ConvTranspose2d t = new ConvTranspose2d(8, 12, new int[] {3, 2}, new int[] {1}, new int[] {0}, new int[] {0}, 2, true,
                new int[] {1});
        double tb = 1 / Math.sqrt(6 * 3 * 2); // fan-in: weight.size(1) * kh * kw = out / groups * kh * kw
        assertArrayEquals(new int[] {8, 6, 3, 2}, t.weight.shape());
        assertTrue(t.weight.abs().max().item() <= tb && t.bias.abs().max().item() <= tb);
        assertTrue(t.weight.abs().max().item() > tb / 2, "the bound is not smaller than PyTorch's");
    }

    @Test
    void convTransposeOutputSize() {
        String key = "convt_module_output_size";
        ConvTranspose2d m = new ConvTranspose2d(4, 3, new int[] {3}, new int[] {2}, new int[] {1}, new int[] {0}, 1, true,
                new int[] {1});
        m.to(DType.FLOAT64);
        Map<String, Tensor> state = new LinkedHashMap<>();
        state.put("weight", TORCH.tensor(key, "w"));
        state.put("bias", TORCH.tensor(key, "b"));
        m.loadStateDict(state);
        Tensor x = TORCH.tensor(key, "x");
        assertClose(key, TORCH.tensor(key, "out"), m.forward(x, new int[] {10, 10}));
        assertClose(key + " with the leading sizes", TORCH.tensor(key, "out"), m.forward(x, new int[] {2, 3, 10, 10}));
        fails("ct_err_output_size", () -> m.forward(x, new int[] {12, 12}), x);
        fails("ct_err_output_size_len", () -> m.forward(x, new int[] {10, 10, 10}), x);
        assertArrayEquals(new int[] {2, 3, 9, 9}, m.forward(x).shape());
    }

    @Test
    void dropoutBetweenLayersOnlyInTraining() {
        LSTM m = new LSTM(3, 4, 2, true, false, 0.5, false, 0);
        m.to(DType.FLOAT64);
        Tensor x = Tensor.rand(new Generator(7), DType.FLOAT64, 6, 2, 3);
        m.eval();
        Tensor a = m.forward(x);
        Tensor b = m.forward(x);
        assertArrayEquals(a.toDoubleArray(), b.toDoubleArray(), "no dropout in evaluation");
        LSTM none = new LSTM(3, 4, 2, true, false, 0, false, 0);
        none.to(DType.FLOAT64);
        none.loadStateDict(m.stateDict());
        assertArrayEquals(none.forward(x).toDoubleArray(), a.toDoubleArray(), "evaluation ignores the dropout");
        m.train();
        Ember.manualSeed(11);
        Tensor c = m.forward(x);
        assertNotEquals(a.sub(c).abs().sum().item(), 0.0, "training drops");
        Ember.manualSeed(11);
        assertArrayEquals(c.toDoubleArray(), m.forward(x).toDoubleArray(), "the default generator's stream");
    }

    @Test
    void hooksSeeEveryTensor() {
        LSTM m = new LSTM(3, 4);
        List<Integer> seen = new ArrayList<>();
        m.registerForwardHook((mod, in, out) -> {
            seen.add(in.size());
            seen.add(out.size());
            return null;
        });
        RnnOutput r = m.apply(randn(5, 2, 3), new LstmState(Tensor.zeros(1, 2, 4), Tensor.zeros(1, 2, 4)));
        assertEquals(List.of(3, 3), seen);
        assertArrayEquals(new int[] {5, 2, 4}, r.output().shape());
        assertEquals(r.h(), r.state().h());
        GRUCell g = new GRUCell(3, 4);
        g.registerForwardPreHook((mod, in) -> List.of(in.get(0).mul(0.0), in.get(1)));
        Tensor h = Tensor.rand(new Generator(3), DType.FLOAT32, 2, 4);
        Tensor zeroInput = g.forward(Tensor.zeros(2, 3), h);
        assertArrayEquals(zeroInput.toDoubleArray(), g.apply(randn(2, 3), h).toDoubleArray());
    }

    @Test
    void modulesInASequential() {
        Sequential net = new Sequential(new ConvTranspose2d(2, 4, 2), new PixelShuffle(2), new AdaptiveAvgPool2d(3, 3),
                new Upsample(2.0, "bilinear"), new Conv1dOnRows());
        Tensor y = net.apply(randn(2, 2, 5, 5));
        assertArrayEquals(new int[] {2, 1, 6, 4}, y.shape());
        y.sum().backward();
        for (Tensor p : net.parameters()) {
            assertTrue(p.grad() != null);
        }
    }

    /** A Conv1d over each row of an image (flattens N, C, H into the batch). */
    private static final class Conv1dOnRows extends Module {
        private final Conv1d conv = registerModule("conv", new Conv1d(1, 1, 3));

        @Override
        public Tensor forward(Tensor x) {
            int[] s = x.shape();
            return conv.apply(x.reshape(s[0] * s[1] * s[2], 1, s[3])).reshape(s[0], s[1], s[2], s[3] - 2).narrow(1, 0, 1);
        }
    }

    @Test
    void lstmStateDictLoadsIntoAnEqualModule() {
        LSTM a = new LSTM(3, 5, 2, true, true, 0, true, 2);
        LSTM b = new LSTM(3, 5, 2, true, true, 0, true, 2);
        b.loadStateDict(a.stateDict());
        Tensor x = randn(2, 4, 3);
        assertArrayEquals(a.forward(x).toDoubleArray(), b.forward(x).toDoubleArray());
        assertEquals(((RNNBase) a).flatWeights().size(), a.parameters().size());
    }
}
