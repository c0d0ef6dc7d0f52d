package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Generator;
import dev.ember.RnnOutput;
import dev.ember.Tensor;
import dev.ember.nn.RNN;
import dev.ember.nn.RNNCell;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;

import static dev.ember.cuda.CudaParity.GPU;
import static dev.ember.cuda.CudaParity.nc;
import static dev.ember.cuda.CudaParity.p;
import static dev.ember.cuda.CudaParity.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Session 18's recurrent modules and reductions on CUDA against the CPU reference, forward and backward: rnn_tanh and
 * rnn_relu (networks and cells; compositions of existing ops) on odd sizes, batch first, bidirectional and
 * non-contiguous inputs, and nn.RNN / nn.RNNCell moved to the device; quantile and nanquantile in every interpolation
 * (sort, gather and lerp on the device), aminmax, msort and the dtype argument of the reductions, scans and softmax.
 */
@ExtendWith(CudaGate.class)
class CudaRnnQuantileTest {
    private static final Generator GEN = new Generator(2031);

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    private static Tensor r(int... shape) {
        return uniform(GEN, 1.0, shape);
    }

    @TestFactory
    List<DynamicTest> recurrent() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(p("rnn_tanh_cell", a -> Tensor.rnnTanhCell(a[0], a[1], a[2], a[3], a[4], a[5]), r(5, 7), r(5, 6), r(6, 7),
                r(6, 6), r(6), r(6)));
        t.add(p("rnn_relu_cell non-contiguous, no bias", a -> Tensor.rnnReluCell(nc(a[0]), a[1], a[2], a[3], null, null),
                r(5, 7), r(5, 6), r(6, 7), r(6, 6)));
        t.add(p("rnn_tanh bidirectional 2 layers", a -> {
            RnnOutput o = Tensor.rnnTanh(a[0], a[1], List.of(a).subList(2, a.length), true, 2, 0, false, true, false);
            return Tensor.cat(List.of(o.output().reshape(-1), o.h().reshape(-1)), 0);
        }, r(9, 4, 5), r(4, 4, 6), r(6, 5), r(6, 6), r(6), r(6), r(6, 5), r(6, 6), r(6), r(6), r(6, 12), r(6, 6), r(6), r(6),
                r(6, 12), r(6, 6), r(6), r(6)));
        t.add(p("rnn_relu batch first", a -> {
            RnnOutput o = Tensor.rnnRelu(a[0], a[1], List.of(a).subList(2, a.length), false, 1, 0, false, false, true);
            return Tensor.cat(List.of(o.output().reshape(-1), o.h().reshape(-1)), 0);
        }, r(4, 9, 5), r(1, 4, 6), r(6, 5), r(6, 6)));
        return t;
    }

    @Test
    void modulesMoveToTheDevice() {
        RNN rnn = new RNN(5, 6, 2, "relu", true, true, 0, true);
        RNNCell cell = new RNNCell(5, 6);
        Tensor x = r(4, 9, 5);
        RnnOutput a = rnn.forward(x, null);
        Tensor b = cell.forward(x.select(1, 0), null);
        rnn.to(GPU);
        cell.to(GPU);
        RnnOutput c = rnn.forward(x.to(GPU), null);
        assertEquals(GPU, c.output().device());
        assertArrayEquals(a.output().toDoubleArray(), c.output().cpu().toDoubleArray(), 1e-4);
        assertArrayEquals(a.h().toDoubleArray(), c.h().cpu().toDoubleArray(), 1e-4);
        assertArrayEquals(b.toDoubleArray(), cell.forward(x.to(GPU).select(1, 0), null).cpu().toDoubleArray(), 1e-4);
    }

    private static Tensor q(double... v) {
        return Tensor.tensor(v, DType.FLOAT64, Device.CPU).to(DType.FLOAT32);
    }

    @TestFactory
    List<DynamicTest> reductions() {
        List<DynamicTest> t = new ArrayList<>();
        for (String mode : new String[] {"linear", "lower", "higher", "midpoint", "nearest"}) {
            t.add(p("quantile " + mode, a -> a[0].quantile(a[1].to(a[0].device()), 1, false, mode), r(5, 37),
                    q(0.0, 0.3, 0.55, 1.0)));
            t.add(p("quantile " + mode + " all, keepdim", a -> a[0].quantile(0.4, null, true, mode), nc(r(9, 7))));
            t.add(p("nanquantile " + mode, a -> {
                Tensor x = a[0].maskedFill(a[0].gt(0.5), Double.NaN);
                return a[0].add(x.nanquantile(0.6, 0, true, mode).nanToNum(0.0, null, null));
            }, r(11, 4)));
        }
        t.add(p("quantile middle dim", a -> a[0].quantile(q(0.25, 0.8).to(a[0].device()), 1, true, "linear"), r(3, 8, 5)));
        t.add(p("aminmax", a -> {
            Tensor.MinMax m = a[0].aminmax(1, true);
            return Tensor.cat(List.of(m.min(), m.max().mul(2.0)), 1);
        }, r(6, 13)));
        t.add(p("aminmax all", a -> {
            Tensor.MinMax m = nc(a[0]).aminmax();
            return m.min().sub(m.max());
        }, r(7, 5)));
        t.add(p("msort", a -> a[0].msort(), r(9, 4, 3)));
        t.add(p("dtype reductions", a -> Tensor.cat(List.of(a[0].mean(new int[] {1}, false, DType.FLOAT64),
                a[0].prod(1, false, DType.FLOAT64), a[0].cumsum(1, DType.FLOAT64).reshape(-1),
                a[0].cumprod(0, DType.FLOAT64).reshape(-1), a[0].softmax(0, DType.FLOAT64).reshape(-1),
                a[0].logSoftmax(1, DType.FLOAT64).reshape(-1), a[0].sum(DType.FLOAT64).reshape(1)), 0).to(DType.FLOAT32), r(4, 6)));
        return t;
    }
}
