package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Ember;
import dev.ember.backend.Layout;
import dev.ember.backend.ScatterReduce;
import dev.ember.backend.Storage;
import dev.ember.cuda.LaunchRecords.FakeStorage;
import jcuda.driver.CUdeviceptr;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Without a GPU: every launch CudaIndexKernels makes (each op, dtype, reduction and path) names a kernel of
 * index_kernels.cu and passes arguments of the kinds of its parameters, in order (a pointer, an int, an int64, a Geo or
 * the NzShape struct), and every kernel there is launched by some case. The kernels' signatures come from the source,
 * macros expanded by g++'s preprocessor (skipped where g++ is missing). A recording stand-in replaces the device.
 */
class CudaIndexLaunchesTest {

    @AfterEach
    void restore() {
        Ember.useDeterministicAlgorithms(false);
    }

    /** Records each launch as its kernel name and argument kinds. */
    private static final class Recorder implements CudaIndexKernels.Device {
        final List<String> launches = new ArrayList<>();
        final Map<Storage, CUdeviceptr> pointers = new IdentityHashMap<>();
        int deferred;

        private void record(String kernel, Object... args) {
            launches.add(LaunchRecords.launch(kernel, args));
        }

        @Override
        public void launch(String kernel, int n, Object shape, Object... args) {
            assertTrue(n > 0, kernel + " launched over no elements");
            record(kernel, args);
        }

        @Override
        public void launchGrid(String kernel, int blocks, int threads, Object shape, Object... args) {
            assertTrue(blocks > 0 && threads > 0 && threads <= 1024 && threads % 32 == 0, kernel);
            record(kernel, args);
        }

        @Override
        public Storage allocate(DType dtype, long numel, boolean zeroed) {
            return new FakeStorage(dtype, numel);
        }

        @Override
        public void fill(Storage dst, Layout layout, double value) {
        }

        @Override
        public Object toArray(Storage src, Layout layout) {
            return layout.numel() == 2 ? new long[] {-1, 0} : new long[] {3};
        }

        @Override
        public CUdeviceptr pointer(Storage s) {
            assertNotNull(s);
            return pointers.computeIfAbsent(s, x -> new CUdeviceptr());
        }

        @Override
        public CUdeviceptr errorWord() {
            return new CUdeviceptr();
        }

        @Override
        public void deferCheck(String message) {
            deferred++;
            assertEquals("index 7 is out of bounds for dimension 0 with size 5", String.format(message, 7L));
        }
    }

    private static final DType[] TYPES = {DType.FLOAT32, DType.FLOAT64, DType.INT64, DType.INT32, DType.INT16, DType.INT8,
        DType.UINT8, DType.BOOL};

    private static Storage s(DType t, Layout l) {
        return new FakeStorage(t, Math.max(1, l.extent()));
    }

    @Test
    void everyLaunchMatchesItsKernelsParameters() throws Exception {
        Path source = HostToolchain.CUDA.resolve("index_kernels.cu");
        Assumptions.assumeTrue(Files.isRegularFile(source), "not run from the engine-cuda module directory");
        Map<String, List<String>> kernels = HostToolchain.kernelSignatures(source, 40);
        Assumptions.assumeTrue(kernels != null, "g++ not found: cannot expand index_kernels.cu's macros here");
        Recorder r = new Recorder();
        CudaIndexKernels k = new CudaIndexKernels(r);
        Layout src = new Layout(new int[] {5, 11, 6}, new int[] {1, 30, 5}, 3);
        Layout dst = Layout.contiguous(4, 9, 6);
        Layout index = new Layout(new int[] {4, 9, 6}, new int[] {1, 0, 4}, 0);
        Layout big = Layout.contiguous(3, 5000);
        for (DType t : TYPES) {
            assertTrue(k.gather(s(t, src), src, 1, s(DType.INT64, index), index, s(t, dst), dst), "gather " + t);
            assertTrue(k.nonzeroCount(s(t, big), big) >= 0, "nonzeroCount " + t);
            assertTrue(k.nonzero(s(t, big), big, s(DType.INT64, Layout.contiguous(3, 2)),
                    new Layout(new int[] {3, 2}, new int[] {1, 3}, 0)), "nonzero " + t);
            for (ScatterReduce red : ScatterReduce.values()) {
                if (t == DType.BOOL && red == ScatterReduce.MEAN) {
                    assertFalse(k.scatter(red, true, s(t, src), src, 1, s(DType.INT64, index), index, s(t, dst), dst));
                    continue;
                }
                for (boolean deterministic : new boolean[] {false, true}) {
                    Ember.useDeterministicAlgorithms(deterministic);
                    for (boolean self : new boolean[] {true, false}) {
                        assertTrue(k.scatter(red, self, s(t, src), src, 1, s(DType.INT64, index), index, s(t, dst), dst),
                                "scatter " + red + " " + t);
                    }
                }
                Ember.useDeterministicAlgorithms(false);
            }
        }
        // a deterministic float sum over one line longer than 1024: the host's kernel (not taken here)
        Ember.useDeterministicAlgorithms(true);
        Layout line = Layout.contiguous(4000);
        assertFalse(k.scatter(ScatterReduce.SUM, true, s(DType.FLOAT32, Layout.contiguous(7)), Layout.contiguous(7), 0,
                s(DType.INT64, line), line, s(DType.FLOAT32, line), line));
        Ember.useDeterministicAlgorithms(false);
        for (int n = 1; n <= 5; n++) {
            Storage[] ix = new Storage[n];
            Layout[] ls = new Layout[n];
            long[] sizes = new long[n];
            for (int j = 0; j < n; j++) {
                ls[j] = new Layout(new int[] {3, 4}, new int[] {j % 2, 0}, 0);
                ix[j] = s(DType.INT64, ls[j]);
                sizes[j] = 5;
            }
            assertTrue(k.linearIndex(ix, ls, sizes, s(DType.INT64, Layout.contiguous(3, 4)), Layout.contiguous(3, 4),
                    "index %1$d is out of bounds for dimension %2$d with size %3$d"), "linearIndex of " + n);
        }
        assertEquals(1, r.deferred, "only one index tensor defers its check");
        TreeSet<String> used = new TreeSet<>();
        for (String launch : r.launches) {
            String name = launch.substring(0, launch.indexOf('('));
            List<String> params = kernels.get(name);
            assertNotNull(params, "no kernel " + name + " in index_kernels.cu");
            assertEquals(name + "(" + String.join(", ", params) + ")", launch);
            used.add(name);
        }
        assertEquals(kernels.keySet(), used, "kernels of index_kernels.cu that no launch uses");
    }
}
