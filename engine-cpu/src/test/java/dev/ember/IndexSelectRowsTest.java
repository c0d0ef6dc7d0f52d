package dev.ember;

import dev.ember.nn.Functional;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The row copies that session 47 gave the CPU gather when one index covers a dense row of source and output
 * (index_select along dim 0, embedding, {@code x[idx]}), against the rule {@code out[i, j] = self[index[i], j]}: float32
 * (bits, NaN payloads and -0 kept), float64 and int64, repeated and out-of-order indices, a self that starts inside its
 * storage, a transposed self (strided rows: the element loop), and index_select along the last dimension.
 */
class IndexSelectRowsTest {
    private static final long[] INDEX = {3, 0, 3, 6, 1, 6, 6, 2};

    private static float[] floats(int n) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = i % 11 == 0 ? Float.intBitsToFloat(0x7FC00000 | i) : i % 13 == 0 ? -0f : (float) Math.sin(i) * 100;
        }
        return f;
    }

    @Test
    void float32RowsAsTheRule() {
        int rows = 7;
        int cols = 37;
        float[] f = floats((rows + 1) * cols);
        // rows 1..7 of an 8-row storage: dense rows that start at a storage offset
        Tensor self = Tensor.fromArray(f).view(rows + 1, cols).narrow(0, 1, rows);
        Tensor index = Tensor.fromArray(INDEX);
        float[][] results = {self.indexSelect(0, index).toFloatArray(), self.index(Index.of(index)).toFloatArray(),
            Functional.embedding(index, self).toFloatArray()};
        for (float[] got : results) {
            for (int i = 0; i < INDEX.length; i++) {
                for (int j = 0; j < cols; j++) {
                    assertEquals(Float.floatToRawIntBits(f[(int) (INDEX[i] + 1) * cols + j]),
                            Float.floatToRawIntBits(got[i * cols + j]), i + "," + j);
                }
            }
        }
    }

    @Test
    void float64AndInt64Rows() {
        int rows = 7;
        int cols = 19;
        double[] d = new double[rows * cols];
        long[] l = new long[rows * cols];
        for (int i = 0; i < d.length; i++) {
            d[i] = Math.cos(i) * 1e6;
            l[i] = (long) i * 1_000_000_007L;
        }
        Tensor index = Tensor.fromArray(INDEX);
        double[] gd = Tensor.fromArray(d).view(rows, cols).indexSelect(0, index).toDoubleArray();
        long[] gl = Tensor.fromArray(l).view(rows, cols).indexSelect(0, index).toLongArray();
        for (int i = 0; i < INDEX.length; i++) {
            for (int j = 0; j < cols; j++) {
                assertEquals(Double.doubleToRawLongBits(d[(int) INDEX[i] * cols + j]),
                        Double.doubleToRawLongBits(gd[i * cols + j]));
                assertEquals(l[(int) INDEX[i] * cols + j], gl[i * cols + j]);
            }
        }
    }

    @Test
    void stridedSelfAndTheLastDimension() {
        int n = 7;
        float[] f = floats(n * n);
        Tensor m = Tensor.fromArray(f).view(n, n);
        Tensor index = Tensor.fromArray(INDEX);
        float[] rowsOfTranspose = m.t().indexSelect(0, index).toFloatArray(); // out[i, j] = m[j, index[i]]
        float[] columns = m.indexSelect(1, index).toFloatArray(); // out[i, j] = m[i, index[j]]
        for (int i = 0; i < INDEX.length; i++) {
            for (int j = 0; j < n; j++) {
                assertEquals(Float.floatToRawIntBits(f[j * n + (int) INDEX[i]]),
                        Float.floatToRawIntBits(rowsOfTranspose[i * n + j]));
            }
        }
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < INDEX.length; j++) {
                assertEquals(Float.floatToRawIntBits(f[i * n + (int) INDEX[j]]),
                        Float.floatToRawIntBits(columns[i * INDEX.length + j]));
            }
        }
    }
}
