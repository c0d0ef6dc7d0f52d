package dev.ember;

import dev.ember.nn.Functional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Layer and RMS norm's forward over contiguous float32 rows read straight from the input by the vector loops
 * (VectorLoops.sumOfWidened and normForwardOut over floats, widened in registers) against the row widened into
 * doubles first ({@code -Dember.norm.widenRow=true}, the path they replace) and against the scalar passes
 * ({@code -Dember.norm.forwardPasses=true}), bit for bit: the passes are what the PyTorch-generated tests hold to
 * PyTorch's bits. Rows of 1, 7, 8, 9, 15, 16, 17, 31, 33, 63, 64, 65, 513 and 512 elements (every remainder of the
 * four-vector blocks, the whole vectors past them and the scalar tail on AVX2 and AVX-512), rows that end at the end
 * of their array and rows that do not (a narrowed view), weight and bias absent, large and tiny values, a strided
 * input (the old path), float16 and bfloat16 (widened to float32 rows first). Layer norm's float32 forward takes
 * PyTorch's float kernel; these set {@code -Dember.layerNorm.doubleForward=true} for it, as NormForwardOutTest does.
 */
class NormWidenedRowTest {
    private static final String WIDEN_ROW = "ember.norm.widenRow";

    private static final String PASSES = "ember.norm.forwardPasses";

    private static final String DOUBLE_FORWARD = "ember.layerNorm.doubleForward";

    private static final int[] ROWS = {1, 7, 8, 9, 15, 16, 17, 31, 33, 63, 64, 65, 513, 512};

    @AfterEach
    void clear() {
        System.clearProperty(WIDEN_ROW);
        System.clearProperty(PASSES);
        System.clearProperty(DOUBLE_FORWARD);
    }

    /** The computation's float bits with the new rows, the widened rows and the scalar passes: all equal. */
    private static int assertSameBits(Supplier<Tensor> f) {
        System.clearProperty(WIDEN_ROW);
        System.clearProperty(PASSES);
        float[] fresh = f.get().toFloatArray();
        System.setProperty(WIDEN_ROW, "true");
        float[] widened = f.get().toFloatArray();
        System.clearProperty(WIDEN_ROW);
        System.setProperty(PASSES, "true");
        float[] passes = f.get().toFloatArray();
        System.clearProperty(PASSES);
        assertEquals(passes.length, fresh.length);
        assertEquals(passes.length, widened.length);
        for (int i = 0; i < fresh.length; i++) {
            assertEquals(Float.floatToRawIntBits(widened[i]), Float.floatToRawIntBits(fresh[i]),
                    "element " + i + ": widened row " + widened[i] + ", from the floats " + fresh[i]);
            assertEquals(Float.floatToRawIntBits(passes[i]), Float.floatToRawIntBits(fresh[i]),
                    "element " + i + ": passes " + passes[i] + ", from the floats " + fresh[i]);
        }
        return fresh.length;
    }

    private static Tensor randn(long seed, int... shape) {
        Ember.manualSeed(seed);
        return Tensor.randn(shape);
    }

    @Test
    void rmsNormRowLengths() {
        for (int n : ROWS) {
            Tensor x = randn(n, 5, n).mul(Tensor.tensor(3.0f));
            Tensor w = randn(n + 1, n);
            assertEquals(5 * n, assertSameBits(() -> Functional.rmsNorm(x, new int[] {n}, w, 1e-6)));
            assertSameBits(() -> Functional.rmsNorm(x, new int[] {n}, null, 1e-6));
            assertSameBits(() -> Functional.rmsNorm(x, new int[] {n}, w, null));
        }
    }

    @Test
    void layerNormRowLengths() {
        System.setProperty(DOUBLE_FORWARD, "true");
        for (int n : ROWS) {
            Tensor x = randn(n, 3, n).mul(Tensor.tensor(1e3f)).add(Tensor.tensor(5.0f));
            Tensor w = randn(n + 1, n);
            Tensor b = randn(n + 2, n);
            assertEquals(3 * n, assertSameBits(() -> Functional.layerNorm(x, new int[] {n}, w, b, 1e-5)));
            assertSameBits(() -> Functional.layerNorm(x, new int[] {n}, w, null, 1e-5));
            assertSameBits(() -> Functional.layerNorm(x, new int[] {n}, null, b, 1e-5));
            assertSameBits(() -> Functional.layerNorm(x, new int[] {n}));
        }
    }

    @Test
    void narrowedRowsAndLeadingDims() {
        System.setProperty(DOUBLE_FORWARD, "true");
        // rows with a storage offset and a gap after them: the loads past a block stay inside the array or fall back
        Tensor base = randn(11, 6, 530);
        for (int n : new int[] {513, 512, 65, 17, 9}) {
            Tensor x = base.narrow(1, 530 - n, n);
            Tensor w = randn(12, n);
            assertTrue(!x.isContiguous());
            assertEquals(6 * n, assertSameBits(() -> Functional.rmsNorm(x, new int[] {n}, w, 1e-6)));
            assertSameBits(() -> Functional.layerNorm(x, new int[] {n}, w, w, 1e-5));
        }
        Tensor y = randn(13, 2, 3, 4, 17);
        assertEquals(2 * 3 * 4 * 17, assertSameBits(() -> Functional.rmsNorm(y, new int[] {4, 17}, null, 1e-6)));
        assertSameBits(() -> Functional.layerNorm(y, new int[] {4, 17}));
    }

    @Test
    void largeTinyAndStridedValues() {
        System.setProperty(DOUBLE_FORWARD, "true");
        Tensor tiny = randn(14, 24, 40).mul(Tensor.tensor(1e-20f));
        Tensor large = randn(15, 24, 40).mul(Tensor.tensor(1e18f));
        Tensor w = randn(16, 40);
        for (Tensor x : new Tensor[] {tiny, large, tiny.t().contiguous().t()}) {
            assertSameBits(() -> Functional.rmsNorm(x, new int[] {40}, w, 1e-6));
            assertSameBits(() -> Functional.layerNorm(x, new int[] {40}, w, w, 1e-5));
        }
    }

    @Test
    void halfPrecisionRows() {
        for (DType t : new DType[] {DType.FLOAT16, DType.BFLOAT16}) {
            for (int n : new int[] {33, 512}) {
                Tensor x = randn(17, 4, n).to(t);
                Tensor w = randn(18, n).to(t);
                assertSameBits(() -> Functional.rmsNorm(x, new int[] {n}, w, 1e-6).to(DType.FLOAT32));
                assertSameBits(() -> Functional.layerNorm(x, new int[] {n}, w, w, 1e-5).to(DType.FLOAT32));
            }
        }
    }
}
