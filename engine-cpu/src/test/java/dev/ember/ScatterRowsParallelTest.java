package dev.ember;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The float32 scatter along the last dimension with its rows in parallel (IndexKernels.scatterRowsFloat) against the
 * serial loop ({@code -Dember.scatter.serial=true}), bit for bit: the serial loop is what the PyTorch-generated tests
 * (IndexingTest, DtypesTest) hold to PyTorch's bits, so the exact rule here is equality with it. Many repeated
 * indices per row (the order of the sums matters), every reduction with and without include_self, a src wider than
 * the index, an offset dst view, and the layouts that keep the serial loop (another dim, a transposed dst).
 */
class ScatterRowsParallelTest {
    private static final String SERIAL = "ember.scatter.serial";

    @AfterEach
    void clear() {
        System.clearProperty(SERIAL);
    }

    private static void assertSameBits(Supplier<Tensor> f) {
        System.clearProperty(SERIAL);
        float[] parallel = f.get().toFloatArray();
        System.setProperty(SERIAL, "true");
        float[] serial = f.get().toFloatArray();
        System.clearProperty(SERIAL);
        assertEquals(serial.length, parallel.length);
        for (int i = 0; i < parallel.length; i++) {
            assertEquals(Float.floatToRawIntBits(serial[i]), Float.floatToRawIntBits(parallel[i]),
                    "element " + i + ": serial " + serial[i] + ", parallel " + parallel[i]);
        }
    }

    @Test
    void everyReductionAlongTheLastDimension() {
        Ember.manualSeed(11);
        Tensor self = Tensor.randn(600, 40);
        Tensor index = Tensor.randint(0, 40, 600, 96); // about 2.4 values per destination element
        Tensor src = Tensor.randn(600, 96).mul(Tensor.tensor(1e4f));
        assertSameBits(() -> self.scatterAdd(1, index, src));
        assertSameBits(() -> self.scatterAdd(-1, index, src));
        assertSameBits(() -> self.scatter(1, index, src));
        for (String reduce : new String[] {"sum", "prod", "amax", "amin", "mean"}) {
            for (boolean includeSelf : new boolean[] {true, false}) {
                assertSameBits(() -> self.scatterReduce(1, index, src, reduce, includeSelf));
            }
        }
    }

    @Test
    void widerSourceThreeDimensionsAndViews() {
        Ember.manualSeed(12);
        Tensor self = Tensor.randn(8, 70, 33);
        Tensor index = Tensor.randint(0, 33, 8, 70, 50);
        Tensor src = Tensor.randn(8, 70, 64);
        assertSameBits(() -> self.scatterAdd(2, index, src));
        Tensor big = Tensor.randn(9, 70, 33);
        assertSameBits(() -> big.narrow(0, 1, 8).clone().scatterAdd(2, index, src));
        Tensor index1 = Tensor.randint(0, 70, 8, 70, 33);
        assertSameBits(() -> self.scatterAdd(1, index1, src));
        Tensor t = Tensor.randn(33, 560).t(); // a transposed self, scattered along its last dimension
        Tensor idx2 = Tensor.randint(0, 33, 560, 20);
        Tensor src2 = Tensor.randn(560, 20);
        assertSameBits(() -> t.scatterAdd(1, idx2, src2));
    }
}
