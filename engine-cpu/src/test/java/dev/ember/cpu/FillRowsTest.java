package dev.ember.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ember.DType;
import dev.ember.Ember;
import dev.ember.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code fill_}'s unit-stride rows through {@code Arrays.fill} (and the strided loop elsewhere, and everywhere with
 * {@code -Dember.fill.strided=true}): in every dtype, a whole tensor, a block of rows narrowed in both dimensions
 * and a stride-2 view, large enough to split across the pool, the filled elements hold the value's cast and the others
 * keep theirs.
 */
class FillRowsTest {
    private static final DType[] DTYPES = {DType.FLOAT32, DType.FLOAT64, DType.INT64, DType.INT32, DType.INT16,
        DType.FLOAT16, DType.BFLOAT16, DType.INT8, DType.UINT8, DType.BOOL};

    @AfterEach
    void restore() {
        System.clearProperty("ember.fill.strided");
    }

    @Test
    void filledElementsAndOnlyThem() {
        for (String strided : new String[] {"false", "true"}) {
            System.setProperty("ember.fill.strided", strided);
            for (DType dtype : DTYPES) {
                for (int view = 0; view < 3; view++) {
                    int rows = 300;
                    int cols = 257;
                    Tensor base = Tensor.zeros(dtype, rows, cols);
                    Tensor target = view == 0 ? base : view == 1 ? base.narrow(0, 5, 290).narrow(1, 3, 250)
                            : base.narrow(1, 0, 256).reshape(rows, 128, 2).select(2, 1);
                    try (var g = Ember.noGrad()) {
                        target.fill_(3.0);
                    }
                    double want = dtype == DType.BOOL ? 1 : 3;
                    double[] v = base.toDoubleArray();
                    int filled = 0;
                    for (int r = 0; r < rows; r++) {
                        for (int c = 0; c < cols; c++) {
                            boolean in = view == 0 || (view == 1 ? r >= 5 && r < 295 && c >= 3 && c < 253
                                    : c < 256 && c % 2 == 1);
                            String what = dtype + " view " + view + " strided " + strided + " at " + r + "," + c;
                            assertEquals(in ? want : 0, v[r * cols + c], what);
                            filled += in ? 1 : 0;
                        }
                    }
                    assertEquals(target.numel(), filled);
                }
            }
        }
    }
}
