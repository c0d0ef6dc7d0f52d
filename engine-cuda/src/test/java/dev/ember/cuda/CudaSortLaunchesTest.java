package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.backend.Layout;
import dev.ember.backend.RankOp;
import dev.ember.backend.ScanOp;
import dev.ember.backend.Storage;
import dev.ember.cuda.LaunchRecords.FakeStorage;
import jcuda.driver.CUdeviceptr;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Without a GPU: every launch CudaSortKernels makes (each op, dtype, direction and path) names a kernel of
 * sort_kernels.cu (or index_kernels.cu's gather, or gaps_kernels.cu's long scans and weighted bincount) and passes
 * arguments of the kinds of its parameters, in order, and every kernel of sort_kernels.cu and gaps_kernels.cu is launched
 * by some case; the sizes CudaSortKernels assumes are the ones the kernels are
 * built with. The kernels' signatures come from the source, macros expanded by g++'s preprocessor (skipped where g++ is
 * missing). A recording stand-in replaces the device.
 */
class CudaSortLaunchesTest {

    /** Records each launch as its kernel name and argument kinds, and every scratch allocation. */
    private static final class Recorder implements CudaSortKernels.Device {
        final List<String> launches = new ArrayList<>();
        final List<FakeStorage> scratch = new ArrayList<>();
        final Map<Storage, CUdeviceptr> pointers = new IdentityHashMap<>();

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
            int want = kernel.startsWith("scan_long_") ? CudaGapsKernels.THREADS : 256;
            assertTrue(blocks > 0 && blocks <= 65535 && threads == want, kernel + " " + blocks + "x" + threads);
            record(kernel, args);
        }

        @Override
        public Storage allocate(DType dtype, long numel, boolean zeroed) {
            assertTrue(numel > 0, "an empty scratch buffer");
            FakeStorage s = new FakeStorage(dtype, numel);
            scratch.add(s);
            return s;
        }

        @Override
        public void copy(Storage src, Layout srcLayout, Storage dst, Layout dstLayout) {
            assertEquals(src.dtype(), dst.dtype());
        }

        @Override
        public Object toArray(Storage src, Layout layout) {
            return new long[] {3};
        }

        @Override
        public CUdeviceptr pointer(Storage s) {
            assertNotNull(s);
            assertFalse(s instanceof FakeStorage && ((FakeStorage) s).closed, "a pointer to a freed buffer");
            return pointers.computeIfAbsent(s, x -> new CUdeviceptr());
        }
    }

    private static final DType[] TYPES = {DType.FLOAT32, DType.FLOAT64, DType.INT64, DType.INT32, DType.INT16, DType.INT8,
        DType.UINT8, DType.BOOL};

    private static Storage s(DType t, Layout l) {
        return new FakeStorage(t, Math.max(1, l.extent()));
    }

    @Test
    void everyLaunchMatchesItsKernelsParameters() throws Exception {
        Map<String, List<String>> kernels = kernelSignatures("sort_kernels.cu");
        Assumptions.assumeTrue(kernels != null, "g++ not found: cannot expand sort_kernels.cu's macros here");
        Map<String, List<String>> index = kernelSignatures("index_kernels.cu");
        Map<String, List<String>> gaps = HostToolchain.kernelSignatures(HostToolchain.CUDA.resolve("gaps_kernels.cu"), 5);
        Recorder r = new Recorder();
        CudaSortKernels k = new CudaSortKernels(r);
        Layout shortLines = new Layout(new int[] {5, 11, 6}, new int[] {1, 30, 5}, 3);
        Layout longLines = new Layout(new int[] {3, 5000}, new int[] {1, 3}, 2);
        for (DType t : TYPES) {
            for (Layout src : new Layout[] {shortLines, longLines}) {
                int dim = 1;
                int[] shape = src.shape();
                Layout out = Layout.contiguous(shape);
                for (boolean desc : new boolean[] {false, true}) {
                    assertTrue(k.sort(s(t, src), src, dim, desc, s(t, out), out, s(DType.INT64, out), out), "sort " + t);
                    assertTrue(k.sort(s(t, src), src, dim, desc, null, null, s(DType.INT64, out), out), "argsort " + t);
                }
                int[] kept = shape.clone();
                kept[dim] = 1;
                Layout lo = Layout.contiguous(kept);
                for (RankOp op : RankOp.values()) {
                    assertTrue(k.rankSelect(op, s(t, src), src, dim, 2, s(t, lo), lo, s(DType.INT64, lo), lo),
                            op + " " + t);
                }
                for (ScanOp op : ScanOp.values()) {
                    if (op == ScanOp.LOGCUMSUMEXP && !t.isFloatingPoint()) {
                        continue;
                    }
                    boolean indexed = op == ScanOp.CUMMAX || op == ScanOp.CUMMIN;
                    // three lines of 5000: a scan of a few long lines runs gaps_kernels.cu's block scan
                    assertTrue(k.scan(op, s(t, src), src, dim, s(t, out), out,
                            indexed ? s(DType.INT64, out) : null, indexed ? out : null), op + " " + t);
                }
            }
            Layout sorted = Layout.contiguous(3, 37);
            Layout values = new Layout(new int[] {3, 7}, new int[] {1, 3}, 0);
            Layout outs = Layout.contiguous(3, 7);
            assertTrue(k.searchsorted(s(t, sorted), sorted, null, null, s(t, values), values, true,
                    s(DType.INT64, outs), outs), "searchsorted " + t);
            assertTrue(k.searchsorted(s(t, Layout.contiguous(37)), Layout.contiguous(37), s(DType.INT64, sorted), sorted,
                    s(t, values), values, false, s(DType.INT64, outs), outs), "searchsorted with a sorter " + t);
            assertTrue(k.searchsorted(s(t, Layout.contiguous(37)), Layout.contiguous(37), null, null,
                    s(t, Layout.contiguous()), Layout.contiguous(), false, s(DType.INT64, Layout.contiguous()),
                    Layout.contiguous()), "searchsorted of a scalar " + t);
            for (int n : new int[] {5, 5000}) {
                Layout rows = new Layout(new int[] {n, 1}, new int[] {2, 1}, 1);
                for (boolean sortedRows : new boolean[] {true, false}) {
                    assertEquals(3, k.unique(s(t, rows), rows, sortedRows, s(t, Layout.contiguous(n)),
                            s(DType.INT64, Layout.contiguous(n)), s(DType.INT64, Layout.contiguous(n))), "unique " + t);
                    assertEquals(3, k.unique(s(t, rows), rows, sortedRows, s(t, Layout.contiguous(n)), null, null));
                }
            }
            Layout pairs = Layout.contiguous(7, 2);
            // rows of several elements: gaps_kernels.cu's per-column sorts (sorted) or the rows' own order (consecutive)
            Layout rowsOf2 = new Layout(new int[] {7, 2}, new int[] {1, 9}, 2);
            for (boolean sortedRows : new boolean[] {true, false}) {
                assertEquals(3, k.unique(s(t, rowsOf2), rowsOf2, sortedRows, s(t, pairs), s(DType.INT64,
                        Layout.contiguous(7)), s(DType.INT64, Layout.contiguous(7))), "unique of rows " + t);
                assertEquals(3, k.unique(s(t, pairs), pairs, sortedRows, s(t, pairs), null, null), "unique of rows " + t);
            }
            Layout longRows = Layout.contiguous(5000, 3);
            assertEquals(3, k.unique(s(t, longRows), longRows, true, s(t, longRows), null, null), "unique of 5000 rows " + t);
            boolean floating = t == DType.FLOAT32 || t == DType.FLOAT64;
            assertEquals(floating, k.histc(s(t, shortLines), shortLines, 13, -1, 1, s(t, Layout.contiguous(13)),
                    Layout.contiguous(13)), "histc " + t);
        }
        Layout counts = Layout.contiguous(9);
        assertTrue(k.bincount(s(DType.INT64, Layout.contiguous(100)), Layout.contiguous(100), null, null,
                s(DType.INT64, counts), counts));
        for (DType t : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            Layout w = new Layout(new int[] {100}, new int[] {2}, 1);
            assertTrue(k.bincount(s(DType.INT64, Layout.contiguous(100)), Layout.contiguous(100), s(t, w), w,
                    s(t, counts), counts), "bincount with " + t + " weights");
        }
        // a scan of a few long lines runs gaps_kernels.cu's block scan; empty tensors launch nothing
        Layout few = Layout.contiguous(2, CudaSortKernels.LONG_LINE + 1);
        assertTrue(k.scan(ScanOp.CUMSUM, s(DType.FLOAT32, few), few, 1, s(DType.FLOAT32, few), few, null, null));
        int before = r.launches.size();
        Layout empty = Layout.contiguous(0, 5);
        assertTrue(k.sort(s(DType.FLOAT32, empty), empty, 1, false, s(DType.FLOAT32, empty), empty,
                s(DType.INT64, empty), empty));
        assertTrue(k.scan(ScanOp.CUMSUM, s(DType.FLOAT32, empty), empty, 1, s(DType.FLOAT32, empty), empty, null, null));
        assertEquals(before, r.launches.size(), "launches for empty tensors");
        for (FakeStorage f : r.scratch) {
            assertTrue(f.closed, "a scratch buffer not freed: " + f.dtype + " of " + f.numel);
        }
        TreeSet<String> used = new TreeSet<>();
        for (String launch : r.launches) {
            String name = launch.substring(0, launch.indexOf('('));
            List<String> params = name.startsWith("gather_") ? index.get(name)
                    : gaps.containsKey(name) ? gaps.get(name) : kernels.get(name);
            assertNotNull(params, "no kernel " + name + " in sort_kernels.cu or gaps_kernels.cu");
            assertEquals(name + "(" + String.join(", ", params) + ")", launch);
            used.add(name);
        }
        used.removeIf(n -> n.startsWith("gather_"));
        TreeSet<String> all = new TreeSet<>(kernels.keySet());
        all.addAll(gaps.keySet());
        assertEquals(all, used, "kernels of sort_kernels.cu and gaps_kernels.cu that no launch uses");
    }

    @Test
    void theJavaSizesAreTheKernelsSizes() throws Exception {
        Path src = Path.of("src/main/cuda/sort_kernels.cu");
        Assumptions.assumeTrue(Files.isRegularFile(src), "not run from the engine-cuda module directory");
        String text = Files.readString(src);
        assertEquals(CudaSortKernels.SORT_CAP, define(text, "SORT_CAP"));
        assertEquals(2048, define(text, "RADIX_TILE"));
        assertEquals(16, define(text, "SCAN_ITEMS"));
        assertEquals(256, define(text, "SORT_THREADS"));
        assertEquals(CudaGapsKernels.THREADS, define(Files.readString(Path.of("src/main/cuda/gaps_kernels.cu")),
                "LSCAN_MAX_THREADS"));
    }

    private static int define(String text, String name) {
        Matcher m = Pattern.compile("#define " + name + " (\\d+)").matcher(text);
        assertTrue(m.find(), name);
        return Integer.parseInt(m.group(1));
    }

    /** The kernels of one file of src/main/cuda (see {@link HostToolchain#kernelSignatures}); null without g++. */
    private static Map<String, List<String>> kernelSignatures(String file) throws Exception {
        Path src = HostToolchain.CUDA.resolve(file);
        Assumptions.assumeTrue(Files.isRegularFile(src), "not run from the engine-cuda module directory");
        return HostToolchain.kernelSignatures(src, 20);
    }
}
