package dev.ember;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The short dense float32 rows of a strided copy, which session 47 moved onto vector lanes (a permute of the middle
 * dimensions made contiguous, a narrowed last dimension copied out): against the rule that a copy keeps every bit,
 * {@code out[b, h, t, d] = x[b, t, h, d]} for {@code x.permute(0, 2, 1, 3).contiguous()}, with row lengths 1 to 130
 * (below a vector, whole vectors, a vector and a tail, the arraycopy rows from 128 on), NaN payloads and -0, a source
 * that starts inside its storage and a copy into a narrowed window of a larger tensor.
 */
class ShortRowCopyTest {
    private static float[] floats(int n) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = i % 11 == 0 ? Float.intBitsToFloat(0x7FC00000 | i) : i % 13 == 0 ? -0f : (float) Math.sin(i) * 100;
        }
        return f;
    }

    @Test
    void permutedRowsKeepTheirBits() {
        int b = 2;
        int t = 3;
        int h = 4;
        int checked = 0;
        for (int d = 1; d <= 130; d++) {
            int numel = b * t * h * d;
            float[] f = floats(numel + 5);
            // the source starts 5 elements into its storage
            Tensor x = Tensor.fromArray(f).narrow(0, 5, numel).view(b, t, h, d);
            float[] got = x.permute(0, 2, 1, 3).contiguous().toFloatArray();
            for (int i = 0; i < b; i++) {
                for (int j = 0; j < h; j++) {
                    for (int k = 0; k < t; k++) {
                        for (int e = 0; e < d; e++) {
                            int src = 5 + ((i * t + k) * h + j) * d + e;
                            int dst = ((i * h + j) * t + k) * d + e;
                            assertEquals(Float.floatToRawIntBits(f[src]), Float.floatToRawIntBits(got[dst]),
                                    "d=" + d + " at " + dst);
                            checked++;
                        }
                    }
                }
            }
        }
        assertEquals(2 * 3 * 4 * (130 * 131 / 2), checked);
    }

    @Test
    void copyIntoANarrowedWindowLeavesTheRest() {
        int rows = 6;
        for (int d : new int[] {5, 16, 17, 40, 64, 100}) {
            int width = d + 7;
            float[] src = floats(rows * d);
            Tensor out = Tensor.full(DType.FLOAT32, 3.5, rows, width);
            // columns [3, 3 + d) of each row: dense rows of d floats at stride `width`
            out.narrow(1, 3, d).copy_(Tensor.fromArray(src).view(rows, d));
            float[] got = out.toFloatArray();
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < width; c++) {
                    int expected = c >= 3 && c < 3 + d ? Float.floatToRawIntBits(src[r * d + c - 3])
                            : Float.floatToRawIntBits(3.5f);
                    assertEquals(expected, Float.floatToRawIntBits(got[r * width + c]), "d=" + d + " " + r + "," + c);
                }
            }
        }
    }
}
