package dev.ember;

import dev.ember.data.BatchSampler;
import dev.ember.data.Collate;
import dev.ember.data.ConcatDataset;
import dev.ember.data.DataLoader;
import dev.ember.data.Dataset;
import dev.ember.data.IterableDataset;
import dev.ember.data.RandomSampler;
import dev.ember.data.SequentialSampler;
import dev.ember.data.Subset;
import dev.ember.data.SubsetRandomSampler;
import dev.ember.data.TensorDataset;
import dev.ember.data.WeightedRandomSampler;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PrimitiveIterator;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Data sets, samplers, collation and the loader's options on the caller's thread (workers: DataLoaderWorkersTest),
 * against PyTorch's values and messages from {@code data/make_expected.py}.
 */
class DataPipelineTest {
    private static final PyTorchCases CASES = new PyTorchCases("/data/expected.txt");

    private static void fails(String key, Runnable r) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run, key);
        assertEquals(CASES.error(key), e.getMessage(), key);
    }

    private static int[] drain(PrimitiveIterator.OfInt it) {
        List<Integer> out = new ArrayList<>();
        while (it.hasNext()) {
            out.add(it.nextInt());
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    // ---- the bug of issue 16: targets of any type and shape come back as they went in

    @Test
    void anyDtypeAndShapeRoundTrips() {
        Tensor x = Tensor.randn(7, 3);
        DType[] types = {DType.FLOAT32, DType.FLOAT64, DType.INT64, DType.INT32, DType.INT16, DType.INT8, DType.UINT8, DType.BOOL};
        for (DType t : types) {
            Tensor y = Tensor.arange(14).reshape(7, 2).sub(4).to(t); // negatives, -1 among them, for the signed types
            for (boolean shuffle : new boolean[] {false, true}) {
                DataLoader<List<Tensor>, List<Tensor>> loader = DataLoader.builder(new TensorDataset(x, y)).batchSize(3)
                        .shuffle(shuffle).generator(new Generator(1)).build();
                List<Tensor> xs = new ArrayList<>();
                List<Tensor> ys = new ArrayList<>();
                for (List<Tensor> b : loader) {
                    assertEquals(t, b.get(1).dtype(), t.toString());
                    assertEquals(2, b.get(1).dim());
                    xs.add(b.get(0));
                    ys.add(b.get(1));
                }
                Tensor allX = Tensor.cat(xs, 0);
                Tensor allY = Tensor.cat(ys, 0);
                // every row once, and each target still beside its input
                for (int i = 0; i < 7; i++) {
                    int row = -1;
                    for (int j = 0; j < 7; j++) {
                        if (Arrays.equals(allX.select(0, j).toFloatArray(), x.select(0, i).toFloatArray())) {
                            row = j;
                        }
                    }
                    assertTrue(row >= 0);
                    assertArrayEquals(y.select(0, i).toDoubleArray(), allY.select(0, row).toDoubleArray(), 0, t + " row " + i);
                }
            }
        }
        // the legacy loader too: float [N, 1] regression targets (issue 16's report: they came back as int64 0 and -1)
        Tensor reg = Tensor.tensor(new float[] {0.25f, -0.5f, 1.75f, -0.75f}).reshape(4, 1);
        DataLoader<List<Tensor>, DataLoader.Batch> legacy = DataLoader.of(Tensor.ones(4, 2), reg, 4, false, 0, Device.CPU);
        DataLoader.Batch b = legacy.iterator().next();
        assertEquals(DType.FLOAT32, b.targets().dtype());
        assertArrayEquals(new int[] {4, 1}, b.targets().shape());
        assertArrayEquals(reg.toFloatArray(), b.targets().toFloatArray());
    }

    // ---- data sets

    @Test
    void tensorDatasetSubsetConcat() {
        Tensor x = Tensor.arange(10).reshape(5, 2).toFloat();
        Tensor y = Tensor.tensor(new long[] {0, 1, 2, 3, 4});
        TensorDataset ds = new TensorDataset(x, y);
        assertEquals(5, ds.size());
        List<Tensor> s = ds.get(3);
        assertArrayEquals(new float[] {6, 7}, s.get(0).toFloatArray());
        assertEquals(0, s.get(1).dim());
        assertEquals(3, s.get(1).toLongArray()[0]);
        assertArrayEquals(new float[] {8, 9}, ds.get(-1).get(0).toFloatArray());
        // a sample is a view: no copy of the data
        x.select(0, 3).fill_(-1);
        assertArrayEquals(new float[] {-1, -1}, s.get(0).toFloatArray());
        assertEquals("index 5 is out of bounds for dimension 0 with size 5",
                assertThrows(IndexOutOfBoundsException.class, () -> ds.get(5)).getMessage());
        fails("tensor_dataset_mismatch", () -> new TensorDataset(x, Tensor.arange(4)));
        assertThrows(IndexOutOfBoundsException.class, () -> new TensorDataset(Tensor.scalar(1)));
        assertThrows(IllegalArgumentException.class, () -> new TensorDataset(x, null));

        Subset<List<Tensor>> sub = new Subset<>(ds, 4, 0, 2);
        assertEquals(3, sub.size());
        assertEquals(2, sub.get(2).get(1).toLongArray()[0]);
        assertEquals(2, sub.get(-1).get(1).toLongArray()[0]);
        assertThrows(IndexOutOfBoundsException.class, () -> sub.get(3));

        ConcatDataset<List<Tensor>> cat = new ConcatDataset<>(ds, sub, new TensorDataset(Tensor.zeros(0, 2), Tensor.zeros(0)));
        assertEquals(8, cat.size());
        assertArrayEquals(new long[] {5, 8, 8}, cat.cumulativeSizes());
        long[] labels = new long[8];
        for (int i = 0; i < 8; i++) {
            labels[i] = cat.get(i).get(1).toLongArray()[0];
        }
        assertArrayEquals(new long[] {0, 1, 2, 3, 4, 4, 0, 2}, labels);
        assertEquals(2, cat.get(-1).get(1).toLongArray()[0]);
        assertEquals("absolute value of index should not exceed dataset length",
                assertThrows(IllegalArgumentException.class, () -> cat.get(-9)).getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> cat.get(8));
        fails("concat_empty", () -> new ConcatDataset<List<Tensor>>(List.of()));
    }

    @Test
    void randomSplitLengthsAndDisjointness() {
        TensorDataset ds = new TensorDataset(Tensor.arange(10));
        List<Subset<List<Tensor>>> parts = Dataset.randomSplit(ds, new int[] {3, 7}, new Generator(4));
        Set<Integer> seen = new HashSet<>();
        for (Subset<List<Tensor>> p : parts) {
            for (int i : p.indices()) {
                assertTrue(seen.add(i));
            }
        }
        assertEquals(10, seen.size());
        assertArrayEquals(parts.get(0).indices(), Dataset.randomSplit(ds, new int[] {3, 7}, new Generator(4)).get(0).indices(),
                "the same generator seed, the same split");
        // fractions: floor, then the remainder dealt from the first split on (PyTorch's lengths)
        double[][] fractions = {{0.3, 0.7}, {0.5, 0.5}, {0.2, 0.2, 0.6}, {0.1, 0.1, 0.8}};
        int[] ns = {10, 11, 7, 3};
        List<List<Integer>> lengths = new ArrayList<>();
        for (int k = 0; k < ns.length; k++) {
            List<Integer> l = new ArrayList<>();
            for (Subset<List<Tensor>> p : Dataset.randomSplit(new TensorDataset(Tensor.zeros(ns[k])), fractions[k], new Generator(0))) {
                l.add(p.size());
            }
            lengths.add(l);
        }
        assertEquals(CASES.value("split_lengths"), lengths.toString());
        fails("random_split_sum", () -> Dataset.randomSplit(new TensorDataset(Tensor.zeros(5)), new int[] {2, 2}, new Generator(0)));
        fails("random_split_fraction", () -> Dataset.randomSplit(new TensorDataset(Tensor.zeros(5)), new double[] {1.5, -0.5},
                new Generator(0)));
    }

    // ---- samplers

    @Test
    void samplers() {
        TensorDataset ds = new TensorDataset(Tensor.zeros(6));
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5}, drain(new SequentialSampler(ds).iterator()));
        // without replacement: a permutation each epoch, reproducible from the seed, different across epochs
        RandomSampler r = new RandomSampler(ds, new Generator(9));
        int[] e1 = drain(r.iterator());
        int[] e2 = drain(r.iterator());
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5}, Arrays.stream(e1).sorted().toArray());
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5}, Arrays.stream(e2).sorted().toArray());
        assertFalse(Arrays.equals(e1, e2) && Arrays.equals(e1, drain(r.iterator())), "epochs differ");
        assertArrayEquals(e1, drain(new RandomSampler(ds, new Generator(9)).iterator()));
        // numSamples beyond the size without replacement: whole permutations, then a cut one
        int[] long14 = drain(new RandomSampler(ds, false, 14, new Generator(2)).iterator());
        assertEquals(14, long14.length);
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5}, Arrays.stream(long14, 0, 6).sorted().toArray());
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5}, Arrays.stream(long14, 6, 12).sorted().toArray());
        // with replacement: uniform counts (seeded: 60000 draws, 10000 expected per index, sd about 91)
        int[] counts = new int[6];
        RandomSampler rep = new RandomSampler(ds, true, 60000, new Generator(5));
        assertEquals(60000, rep.size());
        for (int i : drain(rep.iterator())) {
            counts[i]++;
        }
        for (int c : counts) {
            assertTrue(Math.abs(c - 10000) < 600, Arrays.toString(counts));
        }
        // without a generator: each epoch seeded from the default generator (Ember.manualSeed makes it reproducible)
        Ember.manualSeed(123);
        int[] d1 = drain(new RandomSampler(ds).iterator());
        Ember.manualSeed(123);
        assertArrayEquals(d1, drain(new RandomSampler(ds).iterator()));
        fails("random_sampler_empty", () -> new RandomSampler(new TensorDataset(Tensor.zeros(0, 2))));
        fails("random_sampler_num", () -> new RandomSampler(ds, false, 0, null));

        // weighted: frequencies follow the weights (with replacement), and an index of weight 0 never comes
        int[] w = new int[4];
        WeightedRandomSampler ws = new WeightedRandomSampler(new double[] {1, 2, 0, 5}, 80000, true, new Generator(8));
        for (int i : ws) {
            w[i]++;
        }
        assertEquals(0, w[2]);
        assertEquals(10000, w[0], 400);
        assertEquals(20000, w[1], 500);
        assertEquals(50000, w[3], 600);
        int[] noRep = drain(new WeightedRandomSampler(new double[] {1, 2, 3, 4}, 4, false, new Generator(1)).iterator());
        assertArrayEquals(new int[] {0, 1, 2, 3}, Arrays.stream(noRep).sorted().toArray());
        fails("weighted_2d", () -> new WeightedRandomSampler(Tensor.ones(2, 3), 4, true, null));
        fails("weighted_num", () -> new WeightedRandomSampler(new double[] {1, 2}, -1, true, null));

        int[] subset = drain(new SubsetRandomSampler(new int[] {10, 20, 30}, new Generator(0)).iterator());
        assertArrayEquals(new int[] {10, 20, 30}, Arrays.stream(subset).sorted().toArray());

        // batch sampler: sizes and the last batch
        BatchSampler bs = new BatchSampler(new SequentialSampler(new TensorDataset(Tensor.zeros(7))), 3, false);
        List<String> batches = new ArrayList<>();
        bs.forEach(b -> batches.add(Arrays.toString(b)));
        assertEquals("[[0, 1, 2], [3, 4, 5], [6]]", batches.toString());
        assertEquals(3, bs.size());
        BatchSampler drop = new BatchSampler(new SequentialSampler(new TensorDataset(Tensor.zeros(7))), 3, true);
        List<String> dropped = new ArrayList<>();
        drop.forEach(b -> dropped.add(Arrays.toString(b)));
        assertEquals("[[0, 1, 2], [3, 4, 5]]", dropped.toString());
        assertEquals(2, drop.size());
        // a batch size far beyond the data allocates only what arrives
        assertEquals(7, new BatchSampler(new SequentialSampler(new TensorDataset(Tensor.zeros(7))), Integer.MAX_VALUE, false)
                .iterator().next().length);
        fails("batch_sampler_size", () -> new BatchSampler(new SequentialSampler(ds), 0, false));
    }

    // ---- collation

    /** A record the default collate rebuilds (components that take the batched tensors). */
    record Sample(Tensor image, Object label) {
    }

    /** A record it cannot rebuild (a primitive component): the batch falls back to a list, as PyTorch's does. */
    record Primitive(Tensor image, int label) {
    }

    private static void checkCase(String key, Object actual) {
        DataTransformsTest.check(key, (Tensor) actual, 1e-12);
    }

    @Test
    void defaultCollateMatchesPyTorch() {
        checkCase("collate_floats", Collate.defaultCollate(List.of(1.5, 2.0, -3.25)));
        checkCase("collate_ints", Collate.defaultCollate(List.of(1, 2L, 3)));
        checkCase("collate_int_then_float", Collate.defaultCollate(List.of(1, 2.5)));
        checkCase("collate_bools", Collate.defaultCollate(List.of(true, false, true)));
        Tensor a = DataTransformsTest.fimg(2, 3);
        checkCase("collate_tensors", Collate.defaultCollate(List.of(a, a.mul(2))));
        checkCase("collate_numpy_float32", Collate.defaultCollate(List.of(new float[] {0, 1, 2}, new float[] {1, 1, 1})));
        checkCase("collate_numpy_int32", Collate.defaultCollate(List.of(new int[] {0, 1, 2}, new int[] {1, 1, 1})));
        Map<String, Object> m1 = new LinkedHashMap<>();
        m1.put("x", Tensor.tensor(new float[] {1, 2}));
        m1.put("y", List.of(3, 4.5));
        Map<String, Object> m2 = new LinkedHashMap<>();
        m2.put("x", Tensor.tensor(new float[] {3, 4}));
        m2.put("y", List.of(5, 6.5));
        Map<?, ?> nested = (Map<?, ?>) Collate.defaultCollate(List.of(m1, m2));
        assertEquals(List.of("x", "y"), new ArrayList<>(nested.keySet()));
        checkCase("collate_nested_x", nested.get("x"));
        checkCase("collate_nested_y0", ((List<?>) nested.get("y")).get(0));
        checkCase("collate_nested_y1", ((List<?>) nested.get("y")).get(1));
        fails("collate_unequal", () -> Collate.defaultCollate(List.of(List.of(1, 2), List.of(1, 2, 3))));
        fails("collate_stack", () -> Collate.defaultCollate(List.of(Tensor.ones(3), Tensor.ones(4))));
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
                () -> Collate.defaultCollate(Arrays.asList(null, null)));
        String py = CASES.error("collate_none");
        assertEquals(py.substring(0, py.indexOf("found ") + 6) + "null", none.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> Collate.defaultCollate(List.of()));

        // records: rebuilt when they take the batch; otherwise a list (PyTorch's fallback for sequences)
        Object rec = Collate.defaultCollate(List.of(new Sample(a, 1), new Sample(a.mul(3), 2)));
        Sample s = assertInstanceOf(Sample.class, rec);
        assertArrayEquals(new int[] {2, 2, 3}, s.image().shape());
        assertArrayEquals(new long[] {1, 2}, ((Tensor) s.label()).toLongArray());
        Object prim = Collate.defaultCollate(List.of(new Primitive(a, 1), new Primitive(a, 2)));
        assertInstanceOf(List.class, prim);
        assertArrayEquals(new long[] {1, 2}, ((Tensor) ((List<?>) prim).get(1)).toLongArray());
        // object arrays keep their type; strings stay strings
        Object arr = Collate.defaultCollate(List.of(new Tensor[] {a, a}, new Tensor[] {a, a}));
        assertEquals(2, assertInstanceOf(Tensor[].class, arr).length);
        assertEquals(List.of("cat", "dog"), Collate.defaultCollate(List.of("cat", "dog")));
        // lists of lists of tensors, recursively
        Object deep = Collate.defaultCollate(List.of(List.of(List.of(a)), List.of(List.of(a))));
        assertArrayEquals(new int[] {2, 2, 3}, ((Tensor) ((List<?>) ((List<?>) deep).get(0)).get(0)).shape());
        // default_convert: arrays become tensors, the rest is kept
        Object conv = Collate.defaultConvert(List.of(new double[] {1, 2}, "x", 3));
        assertEquals(DType.FLOAT64, ((Tensor) ((List<?>) conv).get(0)).dtype());
        assertEquals("x", ((List<?>) conv).get(1));
        assertEquals(3, ((List<?>) conv).get(2));
        assertThrows(IllegalArgumentException.class, () -> Collate.defaultCollate(List.of(new Object(), new Object())));
    }

    // ---- the loader on the caller's thread

    @Test
    void loaderOptionsAndLengths() {
        List<Integer> lens = new ArrayList<>();
        int[][] cases = {{10, 3, 0}, {10, 3, 1}, {9, 3, 0}, {0, 3, 0}, {2, 5, 1}};
        for (int[] c : cases) {
            DataLoader<List<Tensor>, List<Tensor>> l = DataLoader.builder(new TensorDataset(Tensor.zeros(c[0])))
                    .batchSize(c[1]).dropLast(c[2] == 1).build();
            lens.add(l.size());
            int n = 0;
            for (List<Tensor> b : l) {
                n++;
            }
            assertEquals(l.size(), n);
        }
        assertEquals(CASES.value("loader_len"), lens.toString());
        TensorDataset ds = new TensorDataset(Tensor.arange(10).toFloat().reshape(5, 2));
        fails("loader_workers", () -> DataLoader.builder(ds).numWorkers(-1).build());
        fails("loader_timeout", () -> DataLoader.builder(ds).timeout(-1).build());
        fails("loader_prefetch", () -> DataLoader.builder(ds).prefetchFactor(2).build());
        fails("loader_sampler_shuffle", () -> DataLoader.builder(ds).sampler(new SequentialSampler(ds)).shuffle(true).build());
        fails("loader_batch_sampler", () -> DataLoader.builder(ds).batchSampler(new BatchSampler(new SequentialSampler(ds), 2,
                false)).batchSize(2).build());
        fails("loader_none_drop_last", () -> DataLoader.builder(ds).batchSize(null).dropLast(true).build());
        fails("loader_batch_size", () -> DataLoader.builder(ds).batchSize(0).build());
        IterableDataset<Integer> stream = () -> List.of(0, 1, 2).iterator();
        fails("loader_iterable_shuffle", () -> DataLoader.builder(stream).shuffle(true).build());
        assertThrows(UnsupportedOperationException.class, () -> DataLoader.builder(stream).build().size());

        // a custom batch sampler; batchSize(null): samples one by one, as default_convert leaves them
        List<int[]> custom = List.of(new int[] {4, 0}, new int[] {2});
        DataLoader<List<Tensor>, List<Tensor>> byCustom = DataLoader.builder(ds).batchSampler(custom).build();
        assertEquals(2, byCustom.size());
        List<String> rows = new ArrayList<>();
        for (List<Tensor> b : byCustom) {
            rows.add(Arrays.toString(b.get(0).toFloatArray()));
        }
        assertEquals("[[8.0, 9.0, 0.0, 1.0], [4.0, 5.0]]", rows.toString());
        DataLoader<List<Tensor>, List<Tensor>> single = DataLoader.builder(ds).batchSize(null).build();
        assertEquals(5, single.size());
        assertArrayEquals(new int[] {2}, single.iterator().next().get(0).shape());
        assertThrows(IllegalArgumentException.class, () -> DataLoader.builder(ds).batchSize(null).collate(l -> l).build());

        // a DataLoader<T, T> whose default collate changes the type: a clear error, and the typed way out
        Dataset<Integer> numbers = new Dataset<>() {
            @Override
            public int size() {
                return 4;
            }

            @Override
            public Integer get(int index) {
                return index * 10;
            }
        };
        DataLoader<Integer, Integer> wrong = DataLoader.builder(numbers).batchSize(2).build();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> wrong.iterator().next());
        assertTrue(e.getMessage().contains(".collate(Collate::defaultCollate)"), e.getMessage());
        DataLoader<Integer, Object> right = DataLoader.builder(numbers).batchSize(2).collate(Collate::defaultCollate).build();
        assertArrayEquals(new long[] {0, 10}, ((Tensor) right.iterator().next()).toLongArray());
        // a collate function of one's own
        DataLoader<Integer, Integer> summed = DataLoader.builder(numbers).batchSize(3)
                .collate(l -> l.stream().mapToInt(Integer::intValue).sum()).build();
        List<Integer> sums = new ArrayList<>();
        summed.forEach(sums::add);
        assertEquals(List.of(30, 30), sums);

        // an iterable-style data set on the caller's thread, with a last partial batch kept or dropped
        IterableDataset<Tensor> seven = () -> java.util.stream.IntStream.range(0, 7).mapToObj(i -> Tensor.scalar(i)).iterator();
        List<Integer> sizes = new ArrayList<>();
        for (Tensor b : DataLoader.builder(seven).batchSize(3).build()) {
            sizes.add(b.size(0));
        }
        assertEquals(List.of(3, 3, 1), sizes);
        sizes.clear();
        for (Tensor b : DataLoader.builder(seven).batchSize(3).dropLast(true).build()) {
            sizes.add(b.size(0));
        }
        assertEquals(List.of(3, 3), sizes);
        // an exception without workers is the data set's own, and the epoch can go on
        Dataset<Tensor> flaky = new Dataset<>() {
            @Override
            public int size() {
                return 4;
            }

            @Override
            public Tensor get(int index) {
                if (index == 1) {
                    throw new IndexOutOfBoundsException("no sample 1");
                }
                return Tensor.scalar(index);
            }
        };
        java.util.Iterator<Tensor> it = DataLoader.builder(flaky).batchSize(2).build().iterator();
        assertEquals("no sample 1", assertThrows(IndexOutOfBoundsException.class, it::next).getMessage());
        assertArrayEquals(new float[] {2, 3}, it.next().toFloatArray());
        assertFalse(it.hasNext());
    }

    @Test
    void shuffleIsSeededAndCoversEveryIndex() {
        TensorDataset ds = new TensorDataset(Tensor.arange(20));
        List<Long> first = order(DataLoader.builder(ds).batchSize(4).shuffle(true).generator(new Generator(3)).build());
        assertEquals(first, order(DataLoader.builder(ds).batchSize(4).shuffle(true).generator(new Generator(3)).build()));
        List<Long> sorted = new ArrayList<>(first);
        sorted.sort(null);
        for (int i = 0; i < 20; i++) {
            assertEquals(i, sorted.get(i));
        }
        DataLoader<List<Tensor>, List<Tensor>> loader = DataLoader.builder(ds).batchSize(4).shuffle(true)
                .generator(new Generator(3)).build();
        assertFalse(order(loader).equals(order(loader)) && order(loader).equals(order(loader)), "epochs differ");
        assertSame(ds, loader.dataset());
    }

    private static List<Long> order(DataLoader<List<Tensor>, List<Tensor>> loader) {
        List<Long> out = new ArrayList<>();
        for (List<Tensor> b : loader) {
            for (long v : b.get(0).toLongArray()) {
                out.add(v);
            }
        }
        return out;
    }
}
