package dev.ember;

import dev.ember.nn.GRU;
import dev.ember.nn.LSTM;
import dev.ember.nn.RNN;
import dev.ember.nn.RNNBase;
import dev.ember.nn.utils.PackedRnnOutput;
import dev.ember.nn.utils.PackedSequence;
import dev.ember.nn.utils.Rnn;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * nn.LSTM, nn.GRU and nn.RNN over a {@link PackedSequence} against PyTorch (packedrnn/make_expected.py): every mode with
 * 1 and 2 layers, one and two directions, batch first or not, sorted and unsorted lengths, given and zero initial
 * states, float64 (to 1e-9) and float32 (to 1e-5), relu, equal lengths, a single sequence, a projection and dropout 1
 * between layers. Each case loads PyTorch's weights through the state dict, packs PyTorch's padded input, and compares
 * the packed output (data, batch sizes, sorted indices, padded form), h_n and c_n, their nodes and the gradients of the
 * padded input, the initial states and every parameter (again from non-contiguous input and states where the lengths
 * are unsorted and the states given); then PyTorch's messages, the rows past each sequence's end getting no gradient,
 * the hooks of {@code apply}, and gradcheck/gradgradcheck of a small float64 bidirectional LSTM and GRU.
 */
class PackedRnnTest {
    static final PyTorchCases TORCH = new PyTorchCases("/packedrnn/expected.txt");

    static void assertClose(String what, Tensor expected, Tensor actual) {
        assertArrayEquals(expected.shape(), actual.shape(), what + " shape");
        assertEquals(expected.dtype(), actual.dtype(), what + " dtype");
        boolean float32 = expected.dtype() == DType.FLOAT32;
        double tol = float32 ? 1e-5 : 1e-9;
        double[] e = expected.toDoubleArray();
        double[] a = actual.toDoubleArray();
        for (int i = 0; i < e.length; i++) {
            if (!(e[i] == a[i] || Math.abs(e[i] - a[i]) <= tol * (1 + Math.abs(e[i])))) {
                throw new AssertionError(what + ": element " + i + " expected " + e[i] + " but was " + a[i] + "\nexpected "
                        + Arrays.toString(e) + "\nactual   " + Arrays.toString(a));
            }
        }
    }

    /** The module a case describes ({@code options}: I H layers bidir batch_first enforce_sorted dropout proj). */
    static RNNBase module(String key) {
        String[] o = TORCH.field(key, "options").split(" ");
        int in = Integer.parseInt(o[0]);
        int hidden = Integer.parseInt(o[1]);
        int layers = Integer.parseInt(o[2]);
        boolean bidir = o[3].equals("1");
        boolean bf = o[4].equals("1");
        double dropout = Double.parseDouble(o[6]);
        int proj = Integer.parseInt(o[7]);
        switch (TORCH.field(key, "mode")) {
            case "LSTM":
                return new LSTM(in, hidden, layers, true, bf, dropout, bidir, proj);
            case "GRU":
                return new GRU(in, hidden, layers, true, bf, dropout, bidir);
            default:
                return new RNN(in, hidden, layers, TORCH.field(key, "nonlinearity"), true, bf, dropout, bidir);
        }
    }

    static PackedRnnOutput forward(RNNBase m, PackedSequence p, Map<String, Tensor> leaves) {
        if (m instanceof LSTM) {
            LSTM l = (LSTM) m;
            return leaves.containsKey("h0") ? l.forward(p, new LstmState(leaves.get("h0"), leaves.get("c0"))) : l.forward(p);
        }
        if (m instanceof GRU) {
            return leaves.containsKey("h0") ? ((GRU) m).forward(p, leaves.get("h0")) : ((GRU) m).forward(p);
        }
        return leaves.containsKey("h0") ? ((RNN) m).forward(p, leaves.get("h0")) : ((RNN) m).forward(p);
    }

    static void runCase(String key, boolean strided) {
        String[] o = TORCH.field(key, "options").split(" ");
        boolean bf = o[4].equals("1");
        boolean enforceSorted = o[5].equals("1");
        RNNBase m = module(key);
        TORCH.loadState(m, key, "params");
        Map<String, Tensor> leaves = new LinkedHashMap<>();
        for (String n : new String[] {"x", "h0", "c0"}) {
            if (TORCH.has(key, n)) {
                leaves.put(n, TORCH.tensor(key, n).requiresGrad_(true));
            }
        }
        Tensor lengths = TORCH.tensor(key, "lengths");
        Map<String, Tensor> used = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : leaves.entrySet()) {
            used.put(e.getKey(), strided ? Layers2Cases.nonContiguous(e.getValue()) : e.getValue());
        }
        PackedSequence packed = Rnn.packPaddedSequence(used.get("x"), lengths, bf, enforceSorted);
        PackedRnnOutput r = forward(m, packed, used);

        PackedSequence out = r.output();
        assertClose(key + " data", TORCH.tensor(key, "data"), out.data());
        assertEquals(TORCH.field(key, "node_data"), out.data().gradFn().name(), key + " node of the data");
        assertSame(packed.batchSizes(), out.batchSizes(), key + " batch_sizes");
        assertArrayEquals(TORCH.tensor(key, "batch_sizes").toLongArray(), out.batchSizes().toLongArray(), key + " batch_sizes");
        if (TORCH.field(key, "sorted_indices").equals("None")) {
            assertNull(out.sortedIndices(), key + " sorted_indices");
            assertNull(out.unsortedIndices(), key + " unsorted_indices");
        } else {
            assertArrayEquals(TORCH.tensor(key, "sorted_indices").toLongArray(), out.sortedIndices().toLongArray(), key);
            assertSame(packed.unsortedIndices(), out.unsortedIndices(), key + " unsorted_indices");
        }
        assertClose(key + " padded", TORCH.tensor(key, "padded"), Rnn.padPackedSequence(out, bf, 0.0, null).output());
        assertClose(key + " h_n", TORCH.tensor(key, "h"), r.h());
        assertEquals(TORCH.field(key, "node_h"), r.h().gradFn().name(), key + " node of h_n");
        List<Tensor> outs = new ArrayList<>(List.of(out.data(), r.h()));
        List<Tensor> gouts = new ArrayList<>(List.of(TORCH.tensor(key, "gout_data"), TORCH.tensor(key, "gout_h")));
        if (TORCH.has(key, "c")) {
            assertClose(key + " c_n", TORCH.tensor(key, "c"), r.c());
            assertEquals(TORCH.field(key, "node_c"), r.c().gradFn().name(), key + " node of c_n");
            outs.add(r.c());
            gouts.add(TORCH.tensor(key, "gout_c"));
        } else {
            assertNull(r.c(), key + " c_n");
        }
        Autograd.backward(outs, gouts, false, false);
        Map<String, Tensor> all = new LinkedHashMap<>(leaves);
        all.putAll(m.namedParameters());
        for (Map.Entry<String, Tensor> e : all.entrySet()) {
            Tensor g = e.getValue().grad();
            assertNotNull(g, key + " grad_" + e.getKey());
            assertClose(key + " grad_" + e.getKey(), TORCH.tensor(key, "grad_" + e.getKey()), g);
        }
    }

    @TestFactory
    List<DynamicTest> againstPyTorch() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String key : TORCH.value("cases").split(" ")) {
            tests.add(DynamicTest.dynamicTest(key, () -> runCase(key, false)));
            if (key.contains("unsorted_h0")) {
                tests.add(DynamicTest.dynamicTest(key + " (non-contiguous input and states)", () -> runCase(key, true)));
            }
        }
        return tests;
    }

    // ------------------------------------------------------------------ errors

    static void fails(String key, org.junit.jupiter.api.function.Executable call, Tensor... untouched) {
        double[][] before = new double[untouched.length][];
        for (int i = 0; i < untouched.length; i++) {
            before[i] = untouched[i].toDoubleArray();
        }
        Throwable e = org.junit.jupiter.api.Assertions.assertThrows(TORCH.errorType(key), call, key);
        assertEquals(TORCH.error(key), e.getMessage(), key);
        for (int i = 0; i < untouched.length; i++) {
            assertArrayEquals(before[i], untouched[i].toDoubleArray(), key + ": input " + i + " changed");
        }
    }

    @TestFactory
    List<DynamicTest> errors() {
        Tensor x = Tensor.zeros(DType.FLOAT64, 5, 4, 3);
        Tensor unsortedLengths = Tensor.tensor(new long[] {2, 5, 1, 3}, DType.INT64, Device.CPU);
        PackedSequence unsorted = Rnn.packPaddedSequence(x, unsortedLengths, false, false);
        PackedSequence sorted = Rnn.packPaddedSequence(x, new long[] {5, 3, 3, 1});
        LSTM lstm = new LSTM(3, 4);
        lstm.to(DType.FLOAT64);
        GRU gru = new GRU(3, 4, 2);
        gru.to(DType.FLOAT64);
        RNN rnn = new RNN(2, 4);
        rnn.to(DType.FLOAT64);
        Tensor h3 = Tensor.zeros(DType.FLOAT64, 1, 3, 4);
        Tensor h4 = Tensor.zeros(DType.FLOAT64, 1, 4, 4);
        Tensor c5 = Tensor.zeros(DType.FLOAT64, 1, 4, 5);
        PackedSequence float32 = Rnn.packPaddedSequence(x.to(DType.FLOAT32), unsortedLengths, false, false);
        return List.of(
                DynamicTest.dynamicTest("err_lstm_h0_batch", () -> fails("err_lstm_h0_batch",
                        () -> lstm.forward(sorted, new LstmState(h3, h4)), h3, h4)),
                DynamicTest.dynamicTest("err_lstm_c0_size", () -> fails("err_lstm_c0_size",
                        () -> lstm.forward(unsorted, new LstmState(h4, c5)), h4, c5)),
                DynamicTest.dynamicTest("err_gru_h0_layers", () -> fails("err_gru_h0_layers",
                        () -> gru.forward(unsorted, h4), h4)),
                DynamicTest.dynamicTest("err_rnn_input_size", () -> fails("err_rnn_input_size", () -> rnn.forward(unsorted))),
                DynamicTest.dynamicTest("err_gru_dtype", () -> fails("err_gru_dtype", () -> gru.forward(float32))));
    }

    // ------------------------------------------------------------------ structure and gradcheck

    /** The padded rows past each sequence's end get a zero gradient; the output's padding is zero. */
    @Test
    void paddingGetsNoGradient() {
        Tensor x = Tensor.randn(5, 3, 2).to(DType.FLOAT64).requiresGrad_(true);
        long[] lengths = {3, 5, 1};
        LSTM lstm = new LSTM(2, 3, 2, true, false, 0, true, 0);
        lstm.to(DType.FLOAT64);
        PackedRnnOutput r = lstm.forward(Rnn.packPaddedSequence(x, lengths, false, false));
        Tensor padded = Rnn.padPackedSequence(r.output()).output();
        padded.sum().add(r.h().sum()).add(r.c().sum()).backward();
        for (int b = 0; b < 3; b++) {
            for (int t = 0; t < 5; t++) {
                double g = x.grad().select(1, b).select(0, t).abs().sum().item();
                double o = padded.select(1, b).select(0, t).abs().sum().item();
                if (t >= lengths[b]) {
                    assertEquals(0.0, g, "gradient of padding at t=" + t + " b=" + b);
                    assertEquals(0.0, o, "output padding at t=" + t + " b=" + b);
                } else {
                    assertTrue(g > 0, "gradient of a real step at t=" + t + " b=" + b);
                }
            }
        }
    }

    /** gradcheck and gradgradcheck of small float64 packed LSTM and GRU (bidirectional, unsorted), through x and h0. */
    @TestFactory
    List<DynamicTest> gradcheck() {
        long[] lengths = {2, 3, 1};
        LSTM lstm = new LSTM(2, 2, 1, true, true, 0, true, 0);
        lstm.to(DType.FLOAT64);
        GRU gru = new GRU(2, 2, 2, true, false, 0, true);
        gru.to(DType.FLOAT64);
        Function<Tensor[], Tensor> lstmFn = a -> {
            PackedRnnOutput r = lstm.forward(Rnn.packPaddedSequence(a[0], lengths, true, false), new LstmState(a[1], a[2]));
            return Tensor.cat(List.of(r.output().data().flatten(), r.h().flatten(), r.c().flatten()), 0);
        };
        Function<Tensor[], Tensor> gruFn = a -> {
            PackedRnnOutput r = gru.forward(Rnn.packPaddedSequence(a[0], lengths, false, false), a[1]);
            return Tensor.cat(List.of(r.output().data().flatten(), r.h().flatten()), 0);
        };
        Tensor[] lstmIn = {Tensor.randn(3, 3, 2).to(DType.FLOAT64).requiresGrad_(true),
            Tensor.randn(2, 3, 2).to(DType.FLOAT64).requiresGrad_(true),
            Tensor.randn(2, 3, 2).to(DType.FLOAT64).requiresGrad_(true)};
        Tensor[] gruIn = {Tensor.randn(3, 3, 2).to(DType.FLOAT64).requiresGrad_(true),
            Tensor.randn(4, 3, 2).to(DType.FLOAT64).requiresGrad_(true)};
        return List.of(
                DynamicTest.dynamicTest("lstm", () -> assertTrue(Autograd.gradcheck(lstmFn, lstmIn))),
                DynamicTest.dynamicTest("lstm (second order)", () -> assertTrue(Autograd.gradgradcheck(lstmFn, lstmIn))),
                DynamicTest.dynamicTest("gru", () -> assertTrue(Autograd.gradcheck(gruFn, gruIn))),
                DynamicTest.dynamicTest("gru (second order)", () -> assertTrue(Autograd.gradgradcheck(gruFn, gruIn))));
    }

    /**
     * {@code apply(packed, hx)} runs the hooks with the PackedSequence spread into its tensors (PyTorch's named tuple):
     * six inputs and six outputs, a forward hook's replacement returned, a full backward hook given the gradients of the
     * data and the states at their places.
     */
    @Test
    void hooksSeeThePackedTensors() {
        LSTM lstm = new LSTM(2, 3);
        lstm.to(DType.FLOAT64);
        Tensor x = Tensor.randn(4, 3, 2).to(DType.FLOAT64).requiresGrad_(true);
        Tensor h0 = Tensor.randn(1, 3, 3).to(DType.FLOAT64).requiresGrad_(true);
        Tensor c0 = Tensor.randn(1, 3, 3).to(DType.FLOAT64);
        PackedSequence p = Rnn.packPaddedSequence(x, new long[] {2, 4, 1}, false, false);
        PackedRnnOutput plain = lstm.forward(p, new LstmState(h0, c0));
        List<Integer> sizes = new ArrayList<>();
        List<Tensor> gradIn = new ArrayList<>();
        lstm.registerForwardHook((m, in, out) -> {
            sizes.add(in.size());
            sizes.add(out.size());
            assertSame(p.batchSizes(), in.get(1));
            assertSame(p.sortedIndices(), in.get(2));
            List<Tensor> replaced = new ArrayList<>(out);
            replaced.set(4, out.get(4).mul(2));
            return replaced;
        });
        lstm.registerFullBackwardHook((m, gi, go) -> {
            gradIn.addAll(gi);
            return null;
        });
        PackedRnnOutput hooked = lstm.apply(p, new LstmState(h0, c0));
        assertEquals(List.of(6, 6), sizes);
        assertArrayEquals(plain.output().data().toDoubleArray(), hooked.output().data().toDoubleArray());
        assertArrayEquals(plain.h().mul(2).toDoubleArray(), hooked.h().toDoubleArray());
        assertSame(p.unsortedIndices(), hooked.output().unsortedIndices());
        hooked.output().data().sum().add(hooked.h().sum()).backward();
        assertEquals(6, gradIn.size());
        assertNotNull(gradIn.get(0), "gradient of the data");
        assertNull(gradIn.get(1), "batch_sizes");
        assertNotNull(gradIn.get(4), "gradient of h0");
        assertNull(gradIn.get(5), "c0 needs no gradient");
        assertNotNull(x.grad());
    }

    /** The packed op itself ({@code torch.lstm(data, batch_sizes, ...)}) checks its batch sizes before computing. */
    @Test
    void packedOpChecksBatchSizes() {
        Tensor data = Tensor.zeros(DType.FLOAT64, 4, 3);
        Tensor h = Tensor.zeros(DType.FLOAT64, 1, 2, 4);
        LSTM lstm = new LSTM(3, 4);
        lstm.to(DType.FLOAT64);
        Tensor increasing = Tensor.tensor(new long[] {1, 3}, DType.INT64, Device.CPU);
        Throwable e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Tensor.lstm(data, increasing, h, h, lstm.flatWeights(), true, 1, 0, false, false));
        assertTrue(e.getMessage().contains("non-increasing"), e.getMessage());
        Tensor wrongSum = Tensor.tensor(new long[] {2, 1}, DType.INT64, Device.CPU);
        e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Tensor.lstm(data, wrongSum, h, h, lstm.flatWeights(), true, 1, 0, false, false));
        assertTrue(e.getMessage().contains("sum of batch_sizes"), e.getMessage());
    }
}
