package dev.ember;

import dev.ember.nn.GRU;
import dev.ember.nn.RNN;
import dev.ember.nn.RNNBase;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The unpacked forward that {@link GRU} and {@link RNN} share ({@code RNNBase.forwardOneHidden}, session 45's review
 * moved it out of the two classes): each class's own rank message, the state's rank checks, and an unbatched input
 * computed as a batch of one. Messages: the hx ones as {@code /usr/bin/python3} (torch 1.13) prints them for
 * {@code nn.GRU(3, 4)(torch.randn(2, 3), torch.randn(1, 1, 4))} and {@code (torch.randn(2, 1, 3), torch.randn(1, 4))}
 * (2.x words them the same); the input-rank ones from 2.x's {@code torch/nn/modules/rnn.py} ({@code GRU.forward}
 * says "...D instead", {@code RNN.forward} "...D tensor instead"; 1.13 had no such check).
 */
class RecurrentForwardChecksTest {

    private static RnnOutput run(RNNBase m, Tensor x, Tensor h) {
        return m instanceof GRU g ? g.forward(x, h) : ((RNN) m).forward(x, h);
    }

    private static RNNBase[] layers(boolean batchFirst) {
        return new RNNBase[] {
            new GRU(3, 4, 1, true, batchFirst, 0.0, false),
            new RNN(3, 4, 1, "tanh", true, batchFirst, 0.0, false),
            new RNN(3, 4, 1, "relu", true, batchFirst, 0.0, false)};
    }

    @Test
    void eachLayerRefusesWrongRanksInItsOwnWords() {
        Ember.manualSeed(45);
        for (RNNBase m : layers(false)) {
            String layer = m instanceof GRU ? "GRU: Expected input to be 2D or 3D, got 4D instead"
                    : "RNN: Expected input to be 2D or 3D, got 4D tensor instead";
            assertEquals(layer, assertThrows(IllegalArgumentException.class,
                    () -> run(m, Tensor.randn(2, 1, 3, 1), null)).getMessage(), m.toString());
            assertEquals("For unbatched 2-D input, hx should also be 2-D but got 3-D tensor",
                    assertThrows(IllegalArgumentException.class,
                            () -> run(m, Tensor.randn(2, 3), Tensor.randn(1, 1, 4))).getMessage(), m.toString());
            assertEquals("For batched 3-D input, hx should also be 3-D but got 2-D tensor",
                    assertThrows(IllegalArgumentException.class,
                            () -> run(m, Tensor.randn(2, 1, 3), Tensor.randn(1, 4))).getMessage(), m.toString());
        }
    }

    /** An unbatched input and state are a batch of one with the batch dimension dropped (PyTorch's rule), bit for bit. */
    @Test
    void anUnbatchedInputIsABatchOfOne() {
        for (boolean batchFirst : new boolean[] {false, true}) {
            Ember.manualSeed(45);
            for (RNNBase m : layers(batchFirst)) {
                Tensor x = Tensor.randn(DType.FLOAT32, 5, 3);
                Tensor h = Tensor.randn(DType.FLOAT32, 1, 4);
                for (Tensor h0 : new Tensor[] {h, null}) {
                    RnnOutput one = run(m, x, h0);
                    RnnOutput batch = run(m, x.unsqueeze(batchFirst ? 0 : 1), h0 == null ? null : h0.unsqueeze(1));
                    String what = m + " batchFirst=" + batchFirst + " hx=" + (h0 != null);
                    assertArrayEquals(new int[] {5, 4}, one.output().shape(), what);
                    assertArrayEquals(batch.output().squeeze(batchFirst ? 0 : 1).toFloatArray(), one.output().toFloatArray(),
                            what);
                    assertArrayEquals(new int[] {1, 4}, one.h().shape(), what);
                    assertArrayEquals(batch.h().squeeze(1).toFloatArray(), one.h().toFloatArray(), what);
                }
            }
        }
    }
}
