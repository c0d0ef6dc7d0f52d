package dev.ember.cuda;

import dev.ember.backend.Layout;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which float32 GEMM kernel and tile the backend picks for a product's layouts (no GPU needed). */
class SgemmKernelChoiceTest {
    private static Layout rowMajor(int batch, int rows, int cols, int offset) {
        return new Layout(new int[] {batch, rows, cols}, new int[] {rows * cols, cols, 1}, offset);
    }

    private static Layout colMajor(int batch, int rows, int cols, int offset) {
        return new Layout(new int[] {batch, rows, cols}, new int[] {rows * cols, 1, rows}, offset);
    }

    @Test
    void sixteenByteLoadsWhereBothOperandsAllowThem() {
        assertEquals("sgemmv_128x128_kn", CudaBackend.sgemmKernel(128, 128, rowMajor(1, 132, 516, 0), rowMajor(1, 516, 260, 0)));
        assertEquals("sgemmv_64x64_mn", CudaBackend.sgemmKernel(64, 64, colMajor(1, 132, 516, 0), rowMajor(1, 516, 260, 8)));
        assertEquals("sgemmv_64x128_kk", CudaBackend.sgemmKernel(64, 128, rowMajor(3, 132, 516, 4), colMajor(3, 516, 260, 0)));
        assertEquals("sgemmv_128x64_mk", CudaBackend.sgemmKernel(128, 64, colMajor(2, 132, 516, 0), colMajor(2, 516, 260, 0)));
        // a weight shared by every sample of a batch (batch stride 0), as the convolutions pass it
        Layout shared = new Layout(new int[] {32, 64, 576}, new int[] {0, 576, 1}, 0);
        assertEquals("sgemmv_64x64_kn", CudaBackend.sgemmKernel(64, 64, shared, rowMajor(32, 576, 3136, 0)));
    }

    @Test
    void theGeneralKernelOtherwise() {
        // the unit-stride dimension is not a multiple of 4
        assertEquals("sgemm_128x128", CudaBackend.sgemmKernel(128, 128, rowMajor(1, 131, 77, 0), rowMajor(1, 77, 260, 0)));
        // an offset that breaks 16-byte alignment (a narrowed view)
        assertEquals("sgemm_64x64", CudaBackend.sgemmKernel(64, 64, rowMajor(1, 132, 516, 1), rowMajor(1, 516, 260, 0)));
        // a batch stride that is not a multiple of 4
        Layout gapped = new Layout(new int[] {2, 132, 516}, new int[] {132 * 516 + 2, 516, 1}, 0);
        assertEquals("sgemm_64x128", CudaBackend.sgemmKernel(64, 128, gapped, rowMajor(2, 516, 260, 0)));
        // neither dimension unit-stride (every other column)
        Layout strided = new Layout(new int[] {1, 132, 516}, new int[] {0, 1032, 2}, 0);
        assertEquals("sgemm_128x64", CudaBackend.sgemmKernel(128, 64, strided, rowMajor(1, 516, 260, 0)));
    }

    @Test
    void gemmGridsStayWithinCudasLimitsInPieces() {
        // one piece where the grid fits
        assertArrayEquals(new int[][] {{0, 32, 0, 4096}}, CudaBackend.gemmPieces(32, 4096, 128, 1));
        assertArrayEquals(new int[][] {{0, 8191, 0, 64}}, CudaBackend.gemmPieces(8191, 64, 64, 8));
        // samples past 65535 grid z blocks, with and without split-K
        assertArrayEquals(new int[][] {{0, 65535, 0, 3}, {65535, 4465, 0, 3}}, CudaBackend.gemmPieces(70000, 3, 64, 1));
        assertArrayEquals(new int[][] {{0, 32767, 0, 3}, {32767, 7233, 0, 3}}, CudaBackend.gemmPieces(40000, 3, 64, 2));
        // row tiles past 65535 grid y blocks
        assertArrayEquals(new int[][] {{0, 1, 0, 65535 * 64}, {0, 1, 65535 * 64, 100}},
                CudaBackend.gemmPieces(1, 65535 * 64 + 100, 64, 1));
        for (int[] sizes : new int[][] {{70000, 5, 64, 1}, {3, 9_000_000, 128, 1}, {100_000, 300, 64, 8}, {1, 1, 64, 2112}}) {
            int samples = 0;
            long rows = 0;
            for (int[] p : CudaBackend.gemmPieces(sizes[0], sizes[1], sizes[2], sizes[3])) {
                assertTrue(p[1] * sizes[3] <= CudaBackend.MAX_GRID_YZ && (p[3] + sizes[2] - 1) / sizes[2] <= CudaBackend.MAX_GRID_YZ);
                samples += p[2] == 0 ? p[1] : 0;
                rows += p[3] * (long) p[1];
            }
            assertEquals(sizes[0], samples);
            assertEquals((long) sizes[0] * sizes[1], rows);
        }
        // a piece's Mat starts at its first sample and row (a shared operand's batch stride 0 stays at its offset)
        Layout a = rowMajor(4, 10, 3, 7);
        assertArrayEquals(new int[] {6, 3, 30, 3, 1, 7 + 2 * 30 + 4 * 3}, CudaBackend.mat(a, 2, 4, 6));
        Layout shared = new Layout(new int[] {4, 3, 5}, new int[] {0, 5, 1}, 2);
        assertArrayEquals(new int[] {3, 5, 0, 5, 1, 2}, CudaBackend.mat(shared, 3, 0, 3));
    }

    @Test
    void tilesFollowTheWavesModel() {
        assertArrayEquals(new int[] {128, 128}, CudaBackend.sgemmTile(4096, 4096, 1, 132));
        assertArrayEquals(new int[] {128, 128}, CudaBackend.sgemmTile(2048, 2048, 1, 132));
        assertArrayEquals(new int[] {64, 128}, CudaBackend.sgemmTile(1024, 1024, 1, 132));
        // the 56x56 convolution's weight gradient, per sample: 64 rows fill half a 128-row tile
        assertArrayEquals(new int[] {64, 64}, CudaBackend.sgemmTile(64, 576, 32, 132));
    }
}
