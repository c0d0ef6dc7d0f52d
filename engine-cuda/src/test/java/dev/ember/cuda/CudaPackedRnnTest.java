package dev.ember.cuda;

import dev.ember.Generator;
import dev.ember.LstmState;
import dev.ember.RnnOutput;
import dev.ember.Tensor;
import dev.ember.nn.GRU;
import dev.ember.nn.LSTM;
import dev.ember.nn.RNN;
import dev.ember.nn.utils.PackedRnnOutput;
import dev.ember.nn.utils.PackedSequence;
import dev.ember.nn.utils.Rnn;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;

import static dev.ember.cuda.CudaParity.GPU;
import static dev.ember.cuda.CudaParity.p;
import static dev.ember.cuda.CudaParity.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * LSTM, GRU and RNN over a PackedSequence on CUDA against the CPU reference (the packed layers are compositions of
 * existing ops, so this checks narrow/cat of the state per step and the index_select permutations on the device):
 * the packed ops with sorted and unsorted lengths, one and two layers and directions, forward and backward through the
 * padded input, the initial states and every weight; and the modules moved to the GPU, h0 given in the original order.
 */
@ExtendWith(CudaGate.class)
class CudaPackedRnnTest {
    private static final Generator GEN = new Generator(2031);
    private static final long[] SORTED = {7, 5, 5, 2, 1};
    private static final long[] UNSORTED = {3, 7, 1, 5, 5};

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    private static Tensor r(int... shape) {
        return uniform(GEN, 1.0, shape);
    }

    /** The weights of one layer and direction: w_ih [G, in], w_hh [G, h], b_ih [G], b_hh [G]. */
    private static List<Tensor> weights(int gates, int in, int hidden) {
        return List.of(r(gates, in), r(gates, hidden), r(gates), r(gates));
    }

    private static Tensor[] inputs(Tensor x, List<Tensor> states, List<List<Tensor>> weights) {
        List<Tensor> all = new ArrayList<>();
        all.add(x);
        all.addAll(states);
        for (List<Tensor> w : weights) {
            all.addAll(w);
        }
        return all.toArray(new Tensor[0]);
    }

    @TestFactory
    List<DynamicTest> packedOps() {
        List<DynamicTest> t = new ArrayList<>();
        // LSTM, bidirectional, unsorted, time first: x [7, 5, 4], h0/c0 [2, 5, 6]
        t.add(p("packed lstm bidirectional unsorted", a -> {
            PackedSequence ps = Rnn.packPaddedSequence(a[0], UNSORTED, false, false);
            RnnOutput o = Tensor.lstm(ps.data(), ps.batchSizes(), a[1], a[2], List.of(a).subList(3, a.length), true, 1, 0,
                    false, true);
            return Tensor.cat(List.of(o.output().reshape(-1), o.h().reshape(-1), o.c().reshape(-1)), 0);
        }, inputs(r(7, 5, 4), List.of(r(2, 5, 6), r(2, 5, 6)), List.of(weights(24, 4, 6), weights(24, 4, 6)))));
        // GRU, 2 layers, batch first, sorted: x [5, 7, 4], h0 [2, 5, 6]
        t.add(p("packed gru 2 layers batch first", a -> {
            PackedSequence ps = Rnn.packPaddedSequence(a[0], SORTED, true, true);
            RnnOutput o = Tensor.gru(ps.data(), ps.batchSizes(), a[1], List.of(a).subList(2, a.length), true, 2, 0, false,
                    false);
            return Tensor.cat(List.of(Rnn.padPackedSequence(new PackedSequence(o.output(), ps.batchSizes(), null, null),
                    true, 0.0, null).output().reshape(-1), o.h().reshape(-1)), 0);
        }, inputs(r(5, 7, 4), List.of(r(2, 5, 6)), List.of(weights(18, 4, 6), weights(18, 6, 6)))));
        // RNN relu and tanh, bidirectional, 2 layers, unsorted: x [7, 5, 4], h0 [4, 5, 6]
        for (boolean tanh : new boolean[] {true, false}) {
            t.add(p("packed rnn_" + (tanh ? "tanh" : "relu") + " 2 layers bidirectional unsorted", a -> {
                PackedSequence ps = Rnn.packPaddedSequence(a[0], UNSORTED, false, false);
                List<Tensor> w = List.of(a).subList(2, a.length);
                RnnOutput o = tanh ? Tensor.rnnTanh(ps.data(), ps.batchSizes(), a[1], w, true, 2, 0, false, true)
                        : Tensor.rnnRelu(ps.data(), ps.batchSizes(), a[1], w, true, 2, 0, false, true);
                return Tensor.cat(List.of(o.output().reshape(-1), o.h().reshape(-1)), 0);
            }, inputs(r(7, 5, 4), List.of(r(4, 5, 6)), List.of(weights(6, 4, 6), weights(6, 4, 6), weights(6, 12, 6),
                    weights(6, 12, 6)))));
        }
        return t;
    }

    /** The modules on the GPU give the CPU's packed output, padded output and final states, h0 in the original order. */
    @Test
    void modulesOnGpu() {
        LSTM lstm = new LSTM(4, 6, 2, true, true, 0, true, 3);
        GRU gru = new GRU(4, 6, 1, true, false, 0, true);
        RNN rnn = new RNN(4, 6, 2, "relu", true, false, 0, false);
        Tensor xBf = r(5, 7, 4);
        Tensor x = r(7, 5, 4);
        Tensor lh = r(4, 5, 3);
        Tensor lc = r(4, 5, 6);
        Tensor gh = r(2, 5, 6);
        PackedRnnOutput a = lstm.forward(Rnn.packPaddedSequence(xBf, UNSORTED, true, false), new LstmState(lh, lc));
        PackedRnnOutput b = gru.forward(Rnn.packPaddedSequence(x, UNSORTED, false, false), gh);
        PackedRnnOutput c = rnn.forward(Rnn.packPaddedSequence(x, SORTED, false, true));
        lstm.to(GPU);
        gru.to(GPU);
        rnn.to(GPU);
        PackedRnnOutput ga = lstm.forward(Rnn.packPaddedSequence(xBf.to(GPU), UNSORTED, true, false),
                new LstmState(lh.to(GPU), lc.to(GPU)));
        PackedRnnOutput gb = gru.forward(Rnn.packPaddedSequence(x.to(GPU), UNSORTED, false, false), gh.to(GPU));
        PackedRnnOutput gc = rnn.forward(Rnn.packPaddedSequence(x.to(GPU), SORTED, false, true));
        assertEquals(GPU, ga.output().data().device());
        same("lstm", a, ga, true);
        same("gru", b, gb, false);
        same("rnn", c, gc, false);
    }

    private static void same(String what, PackedRnnOutput cpu, PackedRnnOutput gpu, boolean batchFirst) {
        CudaParityTest.assertClose(what + " data", cpu.output().data(), gpu.output().data().cpu());
        assertArrayEquals(cpu.output().batchSizes().toLongArray(), gpu.output().batchSizes().toLongArray(), what);
        CudaParityTest.assertClose(what + " padded", Rnn.padPackedSequence(cpu.output(), batchFirst, 0.0, null).output(),
                Rnn.padPackedSequence(gpu.output(), batchFirst, 0.0, null).output().cpu());
        CudaParityTest.assertClose(what + " h_n", cpu.h(), gpu.h().cpu());
        if (cpu.c() != null) {
            CudaParityTest.assertClose(what + " c_n", cpu.c(), gpu.c().cpu());
        }
    }
}
