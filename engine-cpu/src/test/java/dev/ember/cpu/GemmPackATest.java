package dev.ember.cpu;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The GEMM's packing of A by the micro-kernel's copies (session 62: {@link MicroKernels#packRows} and
 * {@link MicroKernels#packColumnMajor}, on AVX2 a six-row transpose in registers and a vector a panel row) against the
 * scalar copies of the path before ({@code packer} null, {@code -Dember.cpu.gemmPackAVector=false}): the same packed
 * buffer float for float, nothing written outside the panels, on depths around the vector length, whole and cut panels,
 * A ending at the array's end; and whole products with the same bits either way.
 */
class GemmPackATest {

    private static List<MicroKernels> kernels() {
        List<MicroKernels> ks = new ArrayList<>();
        ks.add(new MicroKernels.Plain());
        ks.add(new VectorMicroKernels(true, 6));
        ks.add(new VectorMicroKernels(true, 8));
        ks.add(new VectorMicroKernels(true, 8, 1));
        return ks;
    }

    @Test
    void vectorKernelsAreTested() {
        assertTrue(ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent(),
                "jdk.incubator.vector is not in the test JVM");
        assertEquals(VectorMicroKernels.class, MicroKernels.get().getClass());
    }

    /** One packing of A both ways, into buffers filled with a sentinel, compared whole. */
    private static void check(MicroKernels kernels, float[] a, int ao, int ars, int acs, int ic, int mc, int pc, int kc,
                              int from, String what) {
        int mr = kernels.mr();
        int size = MicroKernels.roundUp(mc, mr) * kc + 16;
        float[] scalar = new float[size];
        float[] packed = new float[size];
        Arrays.fill(scalar, -7.5f);
        Arrays.fill(packed, -7.5f);
        Gemm.packA(null, a, ao, ars, acs, ic, mc, pc, kc, mr, from, scalar);
        Gemm.packA(kernels, a, ao, ars, acs, ic, mc, pc, kc, mr, from, packed);
        assertArrayEquals(scalar, packed, what);
        // the scalar copy wrote every panel from `from` on, so the comparison covered real data
        for (int i = from * kc; i < MicroKernels.roundUp(mc, mr) * kc; i++) {
            assertTrue(scalar[i] != -7.5f, what + ": float " + i + " not packed");
        }
    }

    @Test
    void packedPanelsMatchTheScalarCopy() {
        Random rnd = new Random(62);
        int checks = 0;
        for (MicroKernels kernels : kernels()) {
            int mr = kernels.mr();
            for (int kc : new int[] {1, 2, 7, 8, 9, 15, 16, 17, 24, 25, 63, 64, 65, 128}) {
                for (int mc : new int[] {1, mr - 1, mr, mr + 1, 2 * mr, 3 * mr + 2, 20 * mr}) {
                    if (mc < 1) {
                        continue;
                    }
                    for (int from : new int[] {0, mc / mr * mr}) {
                        if (from >= mc) {
                            continue;
                        }
                        int ic = rnd.nextInt(3);
                        int pc = rnd.nextInt(5);
                        int rows = ic + mc;
                        int depth = pc + kc;
                        int ao = rnd.nextInt(4);
                        // A by rows (acs 1), rows padded or tight; its last row ends at the array's end
                        int ld = depth + rnd.nextInt(3);
                        float[] byRows = random(rnd, ao + (rows - 1) * ld + depth);
                        check(kernels, byRows, ao, ld, 1, ic, mc, pc, kc, from,
                                kernels.name() + " by rows, kc " + kc + ", mc " + mc + ", from " + from);
                        // A by columns (ars 1), a transposed operand; its last column ends at the array's end
                        int cld = rows + rnd.nextInt(3);
                        float[] byCols = random(rnd, ao + (depth - 1) * cld + rows);
                        check(kernels, byCols, ao, 1, cld, ic, mc, pc, kc, from,
                                kernels.name() + " by columns, kc " + kc + ", mc " + mc + ", from " + from);
                        // neither contiguous (the packer is not asked)
                        float[] strided = random(rnd, ao + (rows - 1) * 2 + (depth - 1) * 2 * rows + 1);
                        check(kernels, strided, ao, 2, 2 * rows, ic, mc, pc, kc, from,
                                kernels.name() + " strided, kc " + kc + ", mc " + mc + ", from " + from);
                        checks += 3;
                    }
                }
            }
        }
        assertTrue(checks > 1000, "checks " + checks);
    }

    private static float[] random(Random rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        return x;
    }

    /** A whole product at the property's two settings. */
    private static float[] product(boolean vector, int m, int n, int k, float[] a, int ars, int acs, float[] b, int brs,
                                   int bcs) {
        String old = System.getProperty(Gemm.PACK_A_VECTOR_PROPERTY);
        System.setProperty(Gemm.PACK_A_VECTOR_PROPERTY, Boolean.toString(vector));
        try {
            float[] c = new float[m * n];
            Gemm.sgemm(MicroKernels.get(), m, n, k, a, 0, ars, acs, b, 0, brs, bcs, c, 0, n, 1);
            return c;
        } finally {
            if (old == null) {
                System.clearProperty(Gemm.PACK_A_VECTOR_PROPERTY);
            } else {
                System.setProperty(Gemm.PACK_A_VECTOR_PROPERTY, old);
            }
        }
    }

    @Test
    void productsKeepTheirBits() {
        Random rnd = new Random(7);
        // a Linear layer's three products at small GPT-like sizes (x W^T, g W, g^T x), odd sizes, and one with a long
        // depth (several k blocks)
        int[][] shapes = {{200, 48, 40}, {200, 40, 48}, {48, 40, 200}, {131, 37, 29}, {29, 131, 37}, {90, 128, 700}};
        for (int[] s : shapes) {
            int m = s[0];
            int n = s[1];
            int k = s[2];
            float[] a = random(rnd, m * k);
            float[] b = random(rnd, k * n);
            float[][] layouts = {a, b};
            // A by rows, B by rows; A by rows, B by columns (W^T); A by columns (g^T), B by rows
            int[][] strides = {{k, 1, n, 1}, {k, 1, 1, k}, {1, m, n, 1}};
            for (int[] st : strides) {
                float[] before = product(false, m, n, k, layouts[0], st[0], st[1], layouts[1], st[2], st[3]);
                float[] now = product(true, m, n, k, layouts[0], st[0], st[1], layouts[1], st[2], st[3]);
                assertArrayEquals(before, now, Arrays.toString(s) + " strides " + Arrays.toString(st));
                double sum = 0;
                for (float v : now) {
                    sum += Math.abs(v);
                }
                assertTrue(sum > 0, "an all-zero product");
            }
        }
    }
}
