package dev.ember.nn;

import dev.ember.DType;
import dev.ember.Generator;
import dev.ember.Index;
import dev.ember.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link SafeOpen.Slice#get} and {@link SafeOpen.Slice#narrow} read only the bytes of the elements they select: the
 * values and errors are those of the whole tensor read and indexed ({@link Tensor#index}, {@link Tensor#narrow},
 * whose values and messages their own tests hold to PyTorch's), for thousands of seeded random index expressions
 * (ints, negative ones, slices with steps and ends beyond the dimension, new axes, an ellipsis, tensor indices, and
 * ones that do not fit) over tensors of every kind of element; the bytes read, counted through the file's reads, are
 * at least the selected ones and at most those from the first selected element to the last, and exactly the selected
 * ones where the runs lie far apart.
 */
class SafeOpenSliceTest {
    @TempDir
    Path tmp;

    /** The bytes and the calls of the tensors' reads (the header's, at open, are not counted). */
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong calls = new AtomicLong();

    private SafeOpen open(Path file) throws IOException {
        return SafeOpen.open(file, source -> (dst, position) -> {
            int n = source.read(dst, position);
            calls.incrementAndGet();
            bytes.addAndGet(Math.max(n, 0));
            return n;
        });
    }

    private void resetCounts() {
        bytes.set(0);
        calls.set(0);
    }

    private static Map<String, Tensor> tensors() {
        Generator g = new Generator(38);
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put("f32", Tensor.randn(g, DType.FLOAT32, 9, 7, 5, 4));
        t.put("bf16", Tensor.randn(g, DType.FLOAT32, 6, 11, 3).to(DType.BFLOAT16));
        t.put("f16", Tensor.randn(g, DType.FLOAT32, 13, 5).to(DType.FLOAT16));
        t.put("f64", Tensor.randn(g, DType.FLOAT64, 17));
        t.put("i64", Tensor.arange(0L, 3 * 8 * 5).reshape(3, 8, 5).mul(7919L));
        t.put("u8", Tensor.arange(0L, 4 * 4 * 4 * 4 * 2).remainder(251L).to(DType.UINT8).reshape(4, 4, 4, 4, 2));
        t.put("bool", Tensor.randn(g, DType.FLOAT32, 5, 6).gt(0));
        t.put("c64", Tensor.randn(g, DType.COMPLEX64, 7, 6));
        t.put("scalar", Tensor.randn(g, DType.FLOAT32));
        t.put("empty", Tensor.zeros(DType.FLOAT32, 4, 0, 3));
        // rows of 8 KB (more than SliceRead.GAP apart when rows are skipped); a row of 1.2 MB (more than the window)
        t.put("rows", Tensor.randn(g, DType.FLOAT32, 64, 2048));
        t.put("wide", Tensor.randn(g, DType.FLOAT32, 3, 300_000));
        return t;
    }

    private Path saved(Map<String, Tensor> tensors) throws IOException {
        Path file = tmp.resolve("t.safetensors");
        Safetensors.save(tensors, file);
        return file;
    }

    /** A seeded random index expression for {@code shape}: mostly valid, some not. */
    private static Index[] randomIndex(Random rnd, int[] shape) {
        int rank = shape.length;
        int used = rank == 0 ? 0 : rnd.nextInt(rank + 1);
        boolean ellipsis = rnd.nextInt(3) == 0;
        int ellipsisAt = rnd.nextInt(used + 1);
        List<Index> out = new ArrayList<>();
        for (int k = 0; k <= used; k++) {
            if (ellipsis && k == ellipsisAt) {
                out.add(Index.ellipsis());
            }
            if (rnd.nextInt(6) == 0) {
                out.add(Index.newAxis());
            }
            if (k == used) {
                break;
            }
            int dim = ellipsis && k >= ellipsisAt ? rank - used + k : k;
            int n = shape[dim];
            int kind = rnd.nextInt(40);
            if (kind == 0) {
                out.add(Index.of(n + rnd.nextInt(3))); // out of range
            } else if (kind == 1) {
                out.add(Index.slice(null, null, rnd.nextBoolean() ? 0 : -1)); // a step PyTorch refuses
            } else if (kind == 2 && n > 0) {
                long[] picks = {rnd.nextInt(n), rnd.nextInt(n), -1};
                out.add(Index.of(Tensor.fromArray(picks))); // a tensor index: read whole
            } else if (kind < 12 && n > 0) {
                out.add(Index.of(rnd.nextInt(2 * n) - n)); // negative ones count from the end
            } else {
                Integer start = rnd.nextInt(3) == 0 ? null : rnd.nextInt(2 * n + 7) - n - 3;
                Integer end = rnd.nextInt(3) == 0 ? null : rnd.nextInt(2 * n + 7) - n - 3;
                Integer step = rnd.nextInt(3) == 0 ? null : 1 + rnd.nextInt(rnd.nextBoolean() ? 2 : 5);
                out.add(Index.slice(start, end, step));
            }
        }
        if (rnd.nextInt(30) == 0) {
            out.add(Index.of(0)); // one too many, mostly
        }
        return out.toArray(new Index[0]);
    }

    /** The offsets of the selected elements in the stored tensor: min and max, or null for none. */
    private static long[] bounds(int[] shape, Index[] index) {
        long numel = 1;
        for (int s : shape) {
            numel *= s;
        }
        Tensor at = Tensor.arange(0L, numel).reshape(shape).index(index);
        if (at.numel() == 0) {
            return null;
        }
        return new long[] {at.min().longItem(), at.max().longItem()};
    }

    private static void assertSameTensor(Tensor expected, Tensor actual, String what) {
        assertEquals(expected.dtype(), actual.dtype(), what);
        assertArrayEquals(expected.shape(), actual.shape(), what);
        assertTrue(expected.equal(actual), what);
        assertTrue(actual.isContiguous(), what);
    }

    @Test
    void randomIndicesGiveTheWholeTensorsValuesAndErrorsReadingOnlyTheirBytes() throws Exception {
        Map<String, Tensor> saved = tensors();
        Path file = saved(saved);
        Map<String, Tensor> whole = Safetensors.load(file);
        List<String> names = new ArrayList<>(saved.keySet());
        names.remove("wide"); // 3.6 MB: its runs longer than the window are checked below
        Random rnd = new Random(38);
        int checked = 0;
        int refused = 0;
        try (SafeOpen f = open(file)) {
            for (int i = 0; i < 4000; i++) {
                String name = names.get(rnd.nextInt(names.size()));
                SafeOpen.Slice s = f.getSlice(name);
                int[] shape = s.getShape();
                Index[] index = randomIndex(rnd, shape);
                String what = name + java.util.Arrays.toString(index);
                Tensor expected;
                try {
                    expected = whole.get(name).index(index);
                } catch (RuntimeException e) {
                    resetCounts();
                    RuntimeException got = assertThrows(RuntimeException.class, () -> s.get(index), what);
                    assertEquals(e.getClass(), got.getClass(), what);
                    assertEquals(e.getMessage(), got.getMessage(), what);
                    boolean tensorIndex = java.util.Arrays.stream(index).anyMatch(Index::isTensor);
                    if (!tensorIndex) {
                        assertEquals(0, bytes.get(), what + ": refused before reading");
                    }
                    refused++;
                    continue;
                }
                resetCounts();
                Tensor got = s.get(index);
                assertSameTensor(expected.contiguous(), got, what);
                int size = TensorBytes.elementSize(whole.get(name).dtype());
                boolean tensorIndex = java.util.Arrays.stream(index).anyMatch(Index::isTensor);
                long wholeBytes = whole.get(name).numel() * size;
                if (tensorIndex) {
                    assertEquals(wholeBytes, bytes.get(), what + ": a tensor index reads the tensor whole");
                } else {
                    long[] b = bounds(shape, index);
                    if (b == null) {
                        assertEquals(0, bytes.get(), what + ": nothing selected, nothing read");
                    } else {
                        assertTrue(bytes.get() >= expected.numel() * size, what + ": read " + bytes.get());
                        assertTrue(bytes.get() <= (b[1] - b[0] + 1) * size, what + ": read " + bytes.get()
                            + ", beyond the selected elements' bounds " + java.util.Arrays.toString(b));
                    }
                }
                checked++;
            }
        }
        assertTrue(checked > 3000 && refused > 100, checked + " checked, " + refused + " refused");
    }

    @Test
    void runsFarApartAreReadAloneAndCloseOnesTogether() throws Exception {
        Map<String, Tensor> saved = tensors();
        Path file = saved(saved);
        Tensor rows = saved.get("rows");
        Tensor wide = saved.get("wide");
        try (SafeOpen f = open(file)) {
            SafeOpen.Slice s = f.getSlice("rows");
            // every 8th row: 8 runs of a whole row (8 KB), 56 KB apart: each read alone, exactly its bytes
            resetCounts();
            assertSameTensor(rows.index(Index.slice(null, null, 8)).contiguous(), s.get(Index.slice(null, null, 8)), "rows");
            assertEquals(8 * 2048 * 4, bytes.get());
            assertEquals(8, calls.get());
            // one column: 64 runs of 4 bytes, 8 KB apart (more than SliceRead.GAP): 256 bytes in 64 reads
            resetCounts();
            assertSameTensor(rows.index(Index.all(), Index.of(-5)).contiguous(), s.get(Index.all(), Index.of(-5)), "column");
            assertEquals(64 * 4, bytes.get());
            assertEquals(64, calls.get());
            // columns 100..109 of every row by narrow: 64 runs of 40 bytes
            resetCounts();
            assertSameTensor(rows.narrow(1, 100, 10).contiguous(), s.narrow(1, 100, 10), "narrow(1, 100, 10)");
            assertEquals(64 * 40, bytes.get());
            // every other one of a row's first 600 elements, in rows 3..39: in a row the runs (one element each) lie 4
            // bytes apart and are gathered with one read of elements 0..598; the next row's lie 1,449 elements on,
            // farther than SliceRead.GAP: 37 reads of 599 elements
            resetCounts();
            Index[] close = {Index.slice(3, 40, null), Index.slice(null, 600, 2), Index.newAxis()};
            assertSameTensor(rows.index(close).contiguous(), s.get(close), "close runs");
            assertEquals(37 * 599 * 4, bytes.get());
            assertEquals(37, calls.get());
            // every other row's first 300 elements: the runs lie 3,796 elements (15,184 bytes) apart, beyond the gap
            resetCounts();
            Index[] apart = {Index.slice(0, 8, 2), Index.slice(0, 300, null)};
            assertSameTensor(rows.index(apart).contiguous(), s.get(apart), "runs apart");
            assertEquals(4 * 300 * 4, bytes.get());
            assertEquals(4, calls.get());
            // every row's first 1,500: 548 elements (2,192 bytes) apart, within the gap: one read, the gaps read too
            resetCounts();
            Index[] near = {Index.slice(0, 8, null), Index.slice(0, 1500, null)};
            assertSameTensor(rows.index(near).contiguous(), s.get(near), "runs near");
            assertEquals((7 * 2048 + 1500) * 4, bytes.get());
            assertEquals(1, calls.get());
            // rows along dim 0 by narrow, as before: one run
            resetCounts();
            assertSameTensor(rows.narrow(0, -6, 3).contiguous(), s.narrow(0, -6, 3), "narrow(0, -6, 3)");
            assertEquals(3 * 2048 * 4, bytes.get());
            assertEquals(1, calls.get());

            // a run longer than the window is read straight into the result
            SafeOpen.Slice w = f.getSlice("wide");
            resetCounts();
            assertSameTensor(wide.index(Index.of(1)).contiguous(), w.get(Index.of(1)), "wide row");
            assertEquals(300_000 * 4, bytes.get());
            resetCounts();
            assertSameTensor(wide.index(Index.ellipsis(), Index.slice(1, -1, null)).contiguous(),
                w.get(Index.ellipsis(), Index.slice(1, -1, null)), "wide rows less their ends");
            assertEquals(3L * 299_998 * 4, bytes.get());
        }
    }

    @Test
    void badIndicesAndRangesAreRefusedBeforeAnythingIsRead() throws Exception {
        Map<String, Tensor> saved = tensors();
        Path file = saved(saved);
        Tensor rows = saved.get("rows");
        SafeOpen f = open(file);
        try (f) {
            SafeOpen.Slice s = f.getSlice("rows");
            resetCounts();
            IndexOutOfBoundsException out = assertThrows(IndexOutOfBoundsException.class, () -> s.get(Index.of(64)));
            assertEquals("index 64 is out of bounds for dimension 0 with size 64", out.getMessage());
            IndexOutOfBoundsException many = assertThrows(IndexOutOfBoundsException.class,
                () -> s.get(Index.of(0), Index.of(0), Index.of(0)));
            assertEquals("too many indices for tensor of dimension 2", many.getMessage());
            IllegalArgumentException step = assertThrows(IllegalArgumentException.class,
                () -> s.get(Index.slice(null, null, 0)));
            assertEquals("slice step cannot be zero", step.getMessage());
            IllegalArgumentException nullEntry = assertThrows(IllegalArgumentException.class,
                () -> s.get(Index.all(), null));
            assertEquals(catchMessage(() -> rows.index(Index.all(), null)), nullEntry.getMessage());
            RuntimeException narrow = assertThrows(RuntimeException.class, () -> s.narrow(0, 60, 10));
            assertEquals(catchMessage(() -> rows.narrow(0, 60, 10)), narrow.getMessage());
            RuntimeException dim = assertThrows(RuntimeException.class, () -> s.narrow(2, 0, 1));
            assertEquals(catchMessage(() -> rows.narrow(2, 0, 1)), dim.getMessage());
            assertEquals(0, bytes.get());
            assertEquals(0, calls.get());
        }
        IllegalStateException closed = assertThrows(IllegalStateException.class, () -> f.getSlice("rows"));
        assertEquals("File is closed", closed.getMessage());
    }

    private static String catchMessage(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            return e.getMessage();
        }
        throw new AssertionError("expected a refusal");
    }
}
