package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.backend.Backend;
import dev.ember.backend.Layout;
import dev.ember.backend.Storage;
import jcuda.driver.CUdeviceptr;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * resample_kernels.cu run on the host, where g++ is installed, against the CPU backend's own kernels (ResampleKernels,
 * through {@code Backend.host()}): for each case the launches {@link CudaResampleKernels} makes are recorded (kernel
 * name, grid, arguments: the packed struct, the flags and scales, the storages), written with the storages' contents
 * and the CPU's results to a file, and src/test/cuda/resample_emulation/resample_kernels_test.cpp (the .cu compiled with
 * g++ through index_emulation/cuda_shim.h) replays them one thread after another and compares every storage with the
 * CPU's, bit for bit. It also checks each launch's arguments against the kernel's parameters. It runs the kernels'
 * code without a GPU; what only a GPU shows, CudaResampleTest checks where a GPU exists.
 */
class ResampleKernelsEmulationTest {
    private static final Path DIR = Path.of("src/test/cuda/resample_emulation");
    private static final Path CUDA = HostToolchain.CUDA;

    private final RecordFile file = new RecordFile();
    private final Random random = new Random(15);
    private int cases;
    private final CachingAllocator allocator = HostToolchain.fakeAllocator();

    /** The launches of the case being recorded. */
    private final List<Object[]> launches = new ArrayList<>();
    private final CudaResampleKernels kernels = new CudaResampleKernels((kernel, blocks, threads, shape, args) ->
            launches.add(new Object[] {kernel, blocks, threads, args}));

    // ------------------------------------------------------------------ the cases

    @Test
    void resampleKernelsAgreeWithTheCpuKernelsOnTheHost() throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(DIR) && Files.isDirectory(CUDA), "not run from the engine-cuda module directory");
        String gxx = HostToolchain.find("g++");
        Assumptions.assumeTrue(gxx != null, "g++ not found on PATH: cannot run the kernels on the host here");
        for (DType t : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            adaptiveCases(t);
            bilinearCases(t);
        }
        assertFalse(kernels.adaptiveAvgPool2d(fake(DType.INT64, 4), Layout.contiguous(1, 1, 2, 2), fake(DType.INT64, 1),
                Layout.contiguous(1, 1, 1, 1)), "int64 is left to the host default");
        assertFalse(kernels.upsampleBilinear2dBackward(fake(DType.INT64, 4), Layout.contiguous(1, 1, 2, 2),
                fake(DType.INT64, 1), Layout.contiguous(1, 1, 1, 1), false, 0, 0), "int64 is left to the host default");

        Path tmp = Files.createTempDirectory("ember_resample_emulation");
        try {
            Files.writeString(tmp.resolve("prelude.h"), HostToolchain.prelude(false));
            Path data = tmp.resolve("cases.bin");
            Files.write(data, file.withCount(cases));
            Path exe = tmp.resolve("resample_kernels_test");
            String built = HostToolchain.run(List.of(gxx, "-std=c++20", "-O1", "-ffp-contract=off", "-pthread", "-w", "-I", tmp.toString(),
                    "-I", CUDA.toString(), "-I", HostToolchain.SHIM.toString(), "-I", DIR.toString(),
                    "-o", exe.toString(), DIR.resolve("resample_kernels_test.cpp").toString()));
            String out = HostToolchain.run(List.of(exe.toString(), data.toString()));
            System.out.println("resample_kernels.cu on the host: " + out.trim());
            assertTrue(out.contains(" 0 failures"), out + built);
            Matcher m = Pattern.compile("(\\d+) cases, (\\d+) launches, (\\d+) checks").matcher(out);
            assertTrue(m.find(), out);
            assertEquals(cases, Integer.parseInt(m.group(1)), out);
            assertTrue(Long.parseLong(m.group(3)) > 100_000, out);
        } finally {
            HostToolchain.deleteTree(tmp);
        }
    }

    /** [N, C, H, W] with H and W padded and the dimensions laid out in memory in {@code order}, from {@code offset}. */
    private static Layout strided(int[] shape, int[] order, int pad, int offset) {
        int[] strides = new int[4];
        int s = 1;
        for (int i = 3; i >= 0; i--) {
            int d = order[i];
            strides[d] = s;
            s *= shape[d] + pad;
        }
        return new Layout(shape.clone(), strides, offset);
    }

    /** The layouts an operand of {@code shape} takes in the cases: dense, channels-last with padding and an offset. */
    private static List<Layout> layouts(int... shape) {
        return List.of(Layout.contiguous(shape), strided(shape, new int[] {0, 2, 3, 1}, 1, 3));
    }

    private void adaptiveCases(DType t) {
        int[][] sizes = {
            {2, 3, 7, 7, 3, 3}, {1, 2, 5, 5, 9, 9}, {2, 2, 1, 1, 4, 4}, {2, 3, 7, 5, 3, 9}, {1, 1, 13, 11, 5, 4},
            {1, 2, 10, 10, 10, 10}, {3, 1, 6, 9, 1, 2}, {1, 3, 4, 17, 4, 6}, {2, 2, 8, 8, 5, 3}};
        for (int[] z : sizes) {
            int[] in = {z[0], z[1], z[2], z[3]};
            int[] out = {z[0], z[1], z[4], z[5]};
            for (Layout li : layouts(in)) {
                for (Layout lo : layouts(out)) {
                    String name = t + " " + li + " -> " + lo;
                    adaptiveAvg("adaptive avg " + name, t, li, lo, 0);
                    adaptiveMax("adaptive max " + name, t, li, lo, 0);
                    adaptiveMax("adaptive max with ties, NaN and -inf " + name, t, li, lo, 1);
                    adaptiveAvgBackward("adaptive avg backward " + name, t, lo, li);
                }
            }
        }
        // a broadcast input (stride 0 along N and C), a 3-D input as the kernels get it (N 1 with stride 0), a broadcast
        // gradient (an expanded scalar), an empty output and its backward (every input gradient 0)
        Layout bcast = new Layout(new int[] {2, 3, 7, 6}, new int[] {0, 0, 6, 1}, 2);
        adaptiveAvg("adaptive avg broadcast " + t, t, bcast, Layout.contiguous(2, 3, 4, 5), 0);
        adaptiveMax("adaptive max broadcast " + t, t, bcast, Layout.contiguous(2, 3, 4, 5), 1);
        Layout threeD = new Layout(new int[] {1, 3, 5, 7}, new int[] {0, 35, 7, 1}, 0);
        Layout threeDOut = new Layout(new int[] {1, 3, 3, 2}, new int[] {0, 6, 2, 1}, 0);
        adaptiveAvg("adaptive avg 3-D " + t, t, threeD, threeDOut, 0);
        adaptiveMax("adaptive max 3-D " + t, t, threeD, threeDOut, 0);
        adaptiveAvgBackward("adaptive avg backward 3-D " + t, t, threeDOut, threeD);
        adaptiveAvgBackward("adaptive avg backward of an expanded gradient " + t, t,
                new Layout(new int[] {2, 3, 4, 5}, new int[] {0, 0, 0, 0}, 0), Layout.contiguous(2, 3, 7, 6));
        adaptiveAvgBackward("adaptive avg backward of an empty output " + t, t, Layout.contiguous(2, 3, 0, 4),
                Layout.contiguous(2, 3, 5, 6));
    }

    private void bilinearCases(DType t) {
        // {N, C, H, W, OH, OW, scaleH, scaleW} (scales 0: none)
        double[][] sizes = {
            {2, 3, 7, 5, 3, 9, 0, 0}, {1, 2, 5, 5, 9, 9, 0, 0}, {2, 1, 1, 1, 4, 4, 0, 0}, {2, 2, 4, 6, 4, 6, 0, 0},
            {1, 1, 5, 7, 1, 1, 0, 0}, {1, 2, 3, 17, 17, 3, 0, 0}, {1, 1, 5, 7, 11, 4, 2.3, 0.6},
            {2, 1, 6, 4, 12, 8, 2, 2}, {1, 3, 8, 9, 3, 20, 0.4, 2.25}, {1, 1, 2, 13, 7, 1, 0, 0}};
        for (double[] z : sizes) {
            int[] in = {(int) z[0], (int) z[1], (int) z[2], (int) z[3]};
            int[] out = {(int) z[0], (int) z[1], (int) z[4], (int) z[5]};
            for (boolean align : new boolean[] {false, true}) {
                for (Layout li : layouts(in)) {
                    for (Layout lo : layouts(out)) {
                        String name = t + " align " + align + " scales " + z[6] + ", " + z[7] + " " + li + " -> " + lo;
                        bilinear("bilinear " + name, t, li, lo, align, z[6], z[7]);
                        bilinearBackward("bilinear backward " + name, t, lo, li, align, z[6], z[7]);
                    }
                }
            }
        }
        Layout bcast = new Layout(new int[] {2, 3, 4, 5}, new int[] {0, 0, 5, 1}, 1);
        bilinear("bilinear broadcast " + t, t, bcast, Layout.contiguous(2, 3, 7, 9), false, 0, 0);
        bilinearBackward("bilinear backward of an expanded gradient " + t, t,
                new Layout(new int[] {2, 3, 7, 9}, new int[] {0, 0, 0, 0}, 0), Layout.contiguous(2, 3, 4, 5), true, 0, 0);
    }

    // ------------------------------------------------------------------ one case

    private void adaptiveAvg(String name, DType t, Layout li, Layout lo, int values) {
        run(name, t, new Layout[] {li, lo}, new DType[] {t, t}, new int[] {values, -1},
                s -> kernels.adaptiveAvgPool2d(s[0], li, s[1], lo),
                s -> Backend.host().adaptiveAvgPool2d(s[0], li, s[1], lo));
    }

    private void adaptiveAvgBackward(String name, DType t, Layout lg, Layout lx) {
        run(name, t, new Layout[] {lg, lx}, new DType[] {t, t}, new int[] {0, -1},
                s -> kernels.adaptiveAvgPool2dBackward(s[0], lg, s[1], lx),
                s -> Backend.host().adaptiveAvgPool2dBackward(s[0], lg, s[1], lx));
    }

    private void adaptiveMax(String name, DType t, Layout li, Layout lo, int values) {
        // the indices in a layout of their own (the output's, from another offset)
        Layout lix = new Layout(lo.shape(), lo.strides(), lo.offset() + 1);
        run(name, t, new Layout[] {li, lo, lix}, new DType[] {t, t, DType.INT64}, new int[] {values, -1, -1},
                s -> kernels.adaptiveMaxPool2d(s[0], li, s[1], lo, s[2], lix),
                s -> Backend.host().adaptiveMaxPool2d(s[0], li, s[1], lo, s[2], lix));
    }

    private void bilinear(String name, DType t, Layout li, Layout lo, boolean align, double sh, double sw) {
        run(name, t, new Layout[] {li, lo}, new DType[] {t, t}, new int[] {0, -1},
                s -> kernels.upsampleBilinear2d(s[0], li, s[1], lo, align, sh, sw),
                s -> Backend.host().upsampleBilinear2d(s[0], li, s[1], lo, align, sh, sw));
    }

    private void bilinearBackward(String name, DType t, Layout lg, Layout lx, boolean align, double sh, double sw) {
        run(name, t, new Layout[] {lg, lx}, new DType[] {t, t}, new int[] {0, -1},
                s -> kernels.upsampleBilinear2dBackward(s[0], lg, s[1], lx, align, sh, sw),
                s -> Backend.host().upsampleBilinear2dBackward(s[0], lg, s[1], lx, align, sh, sw));
    }

    /**
     * Records one case: storages large enough for each layout, filled with random values ({@code values[i]} 0: spread
     * over magnitudes; 1: few distinct values with NaN and -inf among them; -1: a marker every element the op must
     * write is checked to replace), the launches of {@code cuda} over fake device storages and the storages after
     * {@code cpu} ran over CPU storages of the same contents.
     */
    private void run(String name, DType t, Layout[] layouts, DType[] types, int[] values, Consumer<Storage[]> cuda,
                     Consumer<Storage[]> cpu) {
        int k = layouts.length;
        Object[] init = new Object[k];
        Storage[] dev = new Storage[k];
        Storage[] host = new Storage[k];
        Map<CUdeviceptr, Integer> ids = new IdentityHashMap<>();
        for (int i = 0; i < k; i++) {
            int n = extent(layouts[i]);
            init[i] = fill(types[i], n, values[i]);
            dev[i] = fake(types[i], n);
            ids.put(((CudaStorage) dev[i]).ptr, i);
            host[i] = Backend.host().fromArray(RecordFile.copyOf(init[i]), types[i], 0);
        }
        launches.clear();
        cuda.accept(dev);
        cpu.accept(host);
        cases++;
        file.str(name);
        file.putInt(k);
        for (int i = 0; i < k; i++) {
            file.array(init[i]);
        }
        file.putInt(launches.size());
        for (Object[] l : launches) {
            file.str((String) l[0]);
            file.putInt((Integer) l[1]);
            file.putInt((Integer) l[2]);
            Object[] args = (Object[]) l[3];
            file.putInt(args.length);
            for (Object a : args) {
                if (a instanceof Integer) {
                    file.write('I');
                    file.putInt((Integer) a);
                } else if (a instanceof Double) {
                    file.write('D');
                    file.putDouble((Double) a);
                } else if (a instanceof int[]) {
                    file.write('S');
                    file.putInt(((int[]) a).length);
                    for (int v : (int[]) a) {
                        file.putInt(v);
                    }
                } else if (a instanceof CUdeviceptr) {
                    Integer id = ids.get(a);
                    assertTrue(id != null, name + ": a pointer to no storage of the case");
                    file.write('P');
                    file.putInt(id);
                } else {
                    throw new AssertionError(name + ": argument " + a);
                }
            }
        }
        for (int i = 0; i < k; i++) {
            file.array(Backend.host().toArray(host[i], Layout.contiguous(extent(layouts[i]))));
            host[i].close();
            dev[i].close();
        }
    }

    private CudaStorage fake(DType dtype, long numel) {
        return new CudaStorage(dtype, numel, allocator.allocate(Math.max(1, numel) * dtype.itemSize()), Device.cuda(0),
                allocator);
    }

    /** The storage a layout reaches: one past its last element (at least 1). */
    private static int extent(Layout l) {
        long m = l.offset();
        for (int d = 0; d < l.rank(); d++) {
            if (l.size(d) == 0) {
                return Math.max(1, l.offset());
            }
            m += (long) (l.size(d) - 1) * l.stride(d);
        }
        return (int) m + 1;
    }

    private Object fill(DType t, int n, int kind) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            if (kind < 0) {
                v[i] = -12345.5;
            } else if (kind == 0) {
                v[i] = (random.nextDouble() * 2 - 1) * Math.pow(10, random.nextInt(7) - 3);
            } else {
                int r = random.nextInt(12);
                v[i] = r == 0 ? Double.NaN : r == 1 ? Double.NEGATIVE_INFINITY : random.nextInt(4) - 2;
            }
        }
        if (t == DType.INT64) {
            long[] a = new long[n];
            java.util.Arrays.fill(a, -7);
            return a;
        }
        if (t == DType.FLOAT32) {
            float[] a = new float[n];
            for (int i = 0; i < n; i++) {
                a[i] = (float) v[i];
            }
            return a;
        }
        return v;
    }
}
