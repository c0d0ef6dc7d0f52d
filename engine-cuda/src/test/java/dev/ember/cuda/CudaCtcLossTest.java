package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Generator;
import dev.ember.Tensor;
import dev.ember.nn.Functional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;

import static dev.ember.cuda.CudaParity.p;

/**
 * {@code F.ctc_loss} on CUDA against the CPU reference, forward and the gradient of log_probs: padded and concatenated
 * targets (on the GPU, lengths too), repeated labels, blank not 0, impossible alignments with and without
 * zero_infinity, empty targets, an unbatched input, a non-contiguous input, float32 and float64, every reduction.
 */
@ExtendWith(CudaGate.class)
class CudaCtcLossTest {
    private static final Generator GEN = new Generator(2029);

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    private static Tensor logProbs(DType dtype, int... shape) {
        return Tensor.rand(GEN, DType.FLOAT64, shape).mul(6.0).sub(3.0).logSoftmax(shape.length - 1).to(dtype);
    }

    private static Tensor longs(long... v) {
        return Tensor.tensor(v, DType.INT64, Device.CPU);
    }

    @TestFactory
    List<DynamicTest> parity() {
        List<DynamicTest> t = new ArrayList<>();
        Tensor padded = longs(1, 2, 2, 3, 3, 1, 0, 0, 4, 4, 4, 4, 2, 0, 0, 0).reshape(4, 4);
        Tensor concat = longs(1, 2, 2, 3, 3, 1, 4, 4, 4, 2);
        Tensor il = longs(9, 6, 7, 3);
        Tensor tl = longs(4, 2, 3, 1);
        Tensor impossible = longs(4, 4, 4, 1, 1, 0, 1, 2, 3, 0, 0, 0).reshape(4, 3);
        for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            for (String red : new String[] {"none", "sum", "mean"}) {
                String s = " " + dt + " " + red;
                t.add(p("padded" + s, a -> Functional.ctcLoss(a[0], a[1], a[2], a[3], 0, red, false),
                        logProbs(dt, 9, 4, 5), padded, il, tl));
                t.add(p("concatenated" + s, a -> Functional.ctcLoss(a[0], a[1], a[2], a[3], 0, red, false),
                        logProbs(dt, 9, 4, 5), concat, il, tl));
                t.add(p("blank 4" + s, a -> Functional.ctcLoss(a[0], a[1], a[2], a[3], 4, red, false),
                        logProbs(dt, 9, 4, 5), padded.remainder(4L), il, tl));
                for (boolean zi : new boolean[] {false, true}) {
                    t.add(p("impossible" + s + (zi ? " zero_infinity" : ""), a -> Functional.ctcLoss(a[0], a[1], a[2], a[3], 0,
                            red, zi), logProbs(dt, 7, 4, 5), impossible, longs(4, 2, 7, 0), longs(3, 2, 3, 0)));
                }
                t.add(p("unbatched" + s, a -> Functional.ctcLoss(a[0], a[1], a[2], a[3], 0, red, false),
                        logProbs(dt, 8, 6), longs(5, 1, 1), longs(8).reshape(), longs(3).reshape()));
                t.add(p("non-contiguous" + s, a -> Functional.ctcLoss(a[0].transpose(0, 1), a[1], a[2], a[3], 0, red, false),
                        logProbs(dt, 4, 9, 5), padded, il, tl));
            }
        }
        return t;
    }
}
