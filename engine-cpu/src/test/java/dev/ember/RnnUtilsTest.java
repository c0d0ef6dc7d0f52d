package dev.ember;

import dev.ember.nn.utils.PackedSequence;
import dev.ember.nn.utils.Rnn;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Rnn} against PyTorch's {@code torch.nn.utils.rnn} (rnnutils/make_expected.py): pad_sequence (right and, by
 * 2.x's rule, left; time or batch first; a padding value) with its node and the sequences' gradients;
 * pack_padded_sequence (sorted, tied and unsorted lengths, batch first) with data, batch_sizes, sorted and unsorted
 * indices, node PackPaddedSequenceBackward0 and the input's gradient; pad_packed_sequence back (batch first, padding
 * value, total_length) with lengths, node and gradient; pack_sequence; PyTorch's errors; gradcheck and gradgradcheck.
 */
class RnnUtilsTest {
    private static final PyTorchCases TORCH = new PyTorchCases("/rnnutils/expected.txt");

    private static void check(String key, String field, Tensor actual) {
        AutogradFunctionalTest.check(TORCH, key, field, actual, 1e-12);
    }

    private static void node(String key, Tensor t) {
        assertEquals(TORCH.field(key, "node"), t.gradFn() == null ? "None" : t.gradFn().name(), key + " node");
    }

    private static Tensor seq(String name) {
        return PyTorchCases.tensor(TORCH.field("seqs", name));
    }

    private static String py(boolean b) {
        return b ? "True" : "False";
    }

    private static Tensor weights(Tensor like, double divisor) {
        return Tensor.arange(like.numel()).to(DType.FLOAT64).reshape(like.shape()).div(divisor);
    }

    private static void error(String key, Runnable r) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run, key);
        assertEquals(TORCH.error(key), e.getMessage(), key);
    }

    private static Tensor padded() {
        return Tensor.arange(18).to(DType.FLOAT64).reshape(3, 3, 2).div(10.0);
    }

    @Test
    void padSequence() {
        for (String side : new String[] {"right", "left"}) {
            for (boolean bf : new boolean[] {false, true}) {
                for (double value : new double[] {0.0, -1.5}) {
                    String key = "pad." + side + "." + py(bf) + "." + value;
                    List<Tensor> seqs = new ArrayList<>();
                    for (String n : new String[] {"a", "b", "c"}) {
                        seqs.add(seq(n).requiresGrad_(true));
                    }
                    Tensor p = Rnn.padSequence(seqs, bf, value, side);
                    check(key, "out", p);
                    node(key, p);
                    List<Tensor> g = Autograd.grad(List.of(p.mul(weights(p, 10)).sum()), seqs, null, false);
                    for (int k = 0; k < 3; k++) {
                        check(key, "g" + k, g.get(k));
                    }
                }
            }
        }
        error("pad.empty", () -> Rnn.padSequence(List.of()));
        error("pad.badside", () -> Rnn.padSequence(List.of(seq("a")), false, 0, "middle"));
    }

    private static void checkIndices(String key, String field, Tensor actual) {
        String expected = TORCH.field(key, field);
        if (expected.equals("None")) {
            assertNull(actual, key + " " + field);
        } else {
            long[] e = Arrays.stream(expected.split(" ")).mapToLong(Long::parseLong).toArray();
            assertArrayEquals(e, actual.toLongArray(), key + " " + field);
            assertEquals(DType.INT64, actual.dtype());
        }
    }

    @Test
    void packAndUnpack() {
        long[][] lengthsCases = {{3, 2, 1}, {3, 2, 2}, {1, 3, 2}, {2, 2, 3}};
        boolean[] sorts = {true, true, false, false};
        for (boolean bf : new boolean[] {false, true}) {
            for (int c = 0; c < lengthsCases.length; c++) {
                long[] lengths = lengthsCases[c];
                String key = "pack." + py(bf) + "." + lengths[0] + "_" + lengths[1] + "_" + lengths[2] + "." + py(sorts[c]);
                Tensor in = padded().requiresGrad_(true);
                PackedSequence pk = Rnn.packPaddedSequence(in, Tensor.tensor(lengths, DType.INT64, Device.CPU), bf, sorts[c]);
                check(key, "data", pk.data());
                node(key, pk.data());
                check(key, "batch_sizes", pk.batchSizes());
                checkIndices(key, "sorted", pk.sortedIndices());
                checkIndices(key, "unsorted", pk.unsortedIndices());
                check(key, "grad", Autograd.grad(List.of(pk.data().mul(weights(pk.data(), 7)).sum()), List.of(in), null,
                        false).get(0));
                for (boolean bf2 : new boolean[] {false, true}) {
                    for (int v = 0; v < 2; v++) {
                        double value = v == 0 ? 0.0 : -2.0;
                        Integer total = v == 0 ? null : 5;
                        String ukey = "unpack." + key.substring(5) + "." + py(bf2) + "." + value + "." + (total == null ? "None"
                                : total.toString());
                        Tensor in2 = padded().requiresGrad_(true);
                        PackedSequence pk2 = Rnn.packPaddedSequence(in2, lengths, bf, sorts[c]);
                        Rnn.Padded o = Rnn.padPackedSequence(pk2, bf2, value, total);
                        check(ukey, "out", o.output());
                        node(ukey, o.output());
                        check(ukey, "lengths", o.lengths());
                        check(ukey, "grad", Autograd.grad(List.of(o.output().mul(weights(o.output(), 9)).sum()), List.of(in2),
                                null, false).get(0));
                    }
                }
            }
        }
    }

    @Test
    void packSequence() {
        for (boolean sort : new boolean[] {true, false}) {
            String key = "packseq." + py(sort);
            List<Tensor> seqs = new ArrayList<>();
            for (String n : new String[] {"a", "c", "b"}) {
                seqs.add(seq(n).requiresGrad_(true));
            }
            PackedSequence pk = Rnn.packSequence(seqs, sort);
            check(key, "data", pk.data());
            node(key, pk.data());
            check(key, "batch_sizes", pk.batchSizes());
            checkIndices(key, "sorted", pk.sortedIndices());
            List<Tensor> g = Autograd.grad(List.of(pk.data().mul(weights(pk.data(), 7)).sum()), seqs, null, false);
            for (int k = 0; k < 3; k++) {
                check(key, "g" + k, g.get(k));
            }
            List<Tensor> back = Rnn.unpackSequence(pk);
            for (int k = 0; k < 3; k++) {
                assertArrayEquals(seqs.get(k).toDoubleArray(), back.get(k).toDoubleArray(), 0.0);
            }
        }
        error("packseq.unsorted", () -> Rnn.packSequence(List.of(seq("a"), seq("b"), seq("c")), true));
    }

    @Test
    void errors() {
        Tensor p = padded();
        error("pack.unsorted", () -> Rnn.packPaddedSequence(p, new long[] {2, 3, 1}));
        error("pack.badlen", () -> Rnn.packPaddedSequence(p, new long[] {3, 2}));
        error("pack.zero", () -> Rnn.packPaddedSequence(p, new long[] {3, 2, 0}));
        error("pack.empty", () -> Rnn.packPaddedSequence(Tensor.zeros(0, 3, 2), new long[] {0, 0, 0}));
        error("unpack.total", () -> Rnn.padPackedSequence(Rnn.packPaddedSequence(p, new long[] {3, 2, 1}), false, 0, 2));
        assertArrayEquals(padded().toDoubleArray(), p.toDoubleArray());
    }

    @Test
    void zeroLengthSequencesAndShapeErrors() {
        check("pad.zeroLength", "out", Rnn.padSequence(List.of(seq("a"), Tensor.zeros(DType.FLOAT64, 0, 2)), false, 3.0));
        error("pad.mismatch", () -> Rnn.padSequence(List.of(seq("a"), Tensor.ones(DType.FLOAT64, 1, 3))));
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class,
                () -> Rnn.padSequence(List.of(Tensor.tensor(new double[] {1}, DType.FLOAT64).reshape(), seq("a"))));
        assertEquals(TORCH.error("pad.zeroDim"), e.getMessage());
        e = assertThrows(IndexOutOfBoundsException.class, () -> Rnn.packPaddedSequence(Tensor.ones(3), new long[] {3}));
        assertEquals(TORCH.error("pack.oneDim"), e.getMessage());
    }

    @Test
    void gradchecks() {
        assertTrue(Autograd.gradcheck(xs -> Rnn.packPaddedSequence(xs[0], new long[] {1, 3, 2}, true, false).data(),
                padded().requiresGrad_(true)));
        assertTrue(Autograd.gradgradcheck(xs -> Rnn.packPaddedSequence(xs[0], new long[] {3, 2, 2}, false, true).data()
                .pow(2), padded().requiresGrad_(true)));
        assertTrue(Autograd.gradgradcheck(xs -> Rnn.padPackedSequence(Rnn.packPaddedSequence(xs[0], new long[] {1, 3, 2},
                false, false), true, -1, 4).output().pow(2), padded().requiresGrad_(true)));
        assertTrue(Autograd.gradgradcheck(xs -> Rnn.padSequence(List.of(xs[0], xs[1]), true, 0.5, "left").pow(2),
                seq("a").requiresGrad_(true), seq("c").requiresGrad_(true)));
    }

    @Test
    void nonContiguousInputAndFloat32() {
        Tensor in = padded().transpose(0, 1).to(DType.FLOAT32);
        Tensor t = in.transpose(0, 1); // a non-contiguous time-first view of the same values
        PackedSequence a = Rnn.packPaddedSequence(t, new long[] {3, 2, 1}, false, true);
        PackedSequence b = Rnn.packPaddedSequence(t.contiguous(), new long[] {3, 2, 1}, false, true);
        assertEquals(DType.FLOAT32, a.data().dtype());
        assertArrayEquals(b.data().toDoubleArray(), a.data().toDoubleArray(), 0.0);
        AutogradFunctionalTest.check(TORCH, "pack.False.3_2_1.True", "data", a.data(), 1e-6);
    }
}
