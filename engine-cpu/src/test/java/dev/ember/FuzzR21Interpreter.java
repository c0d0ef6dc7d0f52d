package dev.ember;

import dev.ember.data.BatchSampler;
import dev.ember.data.ConcatDataset;
import dev.ember.data.DataLoader;
import dev.ember.data.Dataset;
import dev.ember.data.IterableDataset;
import dev.ember.data.RandomSampler;
import dev.ember.data.Sampler;
import dev.ember.data.SequentialSampler;
import dev.ember.data.StackDataset;
import dev.ember.data.Subset;
import dev.ember.data.SubsetRandomSampler;
import dev.ember.data.TensorDataset;
import dev.ember.data.WeightedRandomSampler;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.TreeMap;

/**
 * Replays one program of {@code differentialfuzzr21/cases.txt} (its generator, {@code make_cases.py}, describes the
 * statements): data sets, samplers, batch samplers and DataLoaders of {@code dev.ember.data} under the default
 * generator (MT19937, as {@code torch.manual_seed} seeds it) and {@link Generator.Algorithm#MT19937} generator objects.
 * After every statement (every batch of a {@code next}) its results are compared with PyTorch's exactly (values as
 * IEEE bits), its error with PyTorch's message, and the state of every generator with PyTorch's
 * {@code get_rng_state()} bytes through their SHA-256 ({@link FuzzR19Interpreter#hash}).
 */
final class FuzzR21Interpreter {
    private final Map<String, Generator> gens = new TreeMap<>();
    private final Map<String, Object> datasets = new HashMap<>();
    private final Map<String, Sampler> samplers = new HashMap<>();
    private final Map<String, BatchSampler> batchSamplers = new HashMap<>();
    private final Map<String, DataLoader<Object, Object>> loaders = new HashMap<>();
    private final Map<String, Iterator<Object>> iterators = new HashMap<>();
    private final List<String> lines;
    private int at;

    private FuzzR21Interpreter(List<String> lines) {
        this.lines = lines;
    }

    /** Runs the program; returns null when Ember matches PyTorch throughout, else the first difference. */
    static String run(List<String> lines) {
        FuzzR21Interpreter p = new FuzzR21Interpreter(lines);
        try {
            return p.run();
        } catch (RuntimeException e) {
            StackTraceElement[] st = e.getStackTrace();
            return "harness, after line " + p.at + ": " + e + " at "
                    + Arrays.toString(Arrays.copyOf(st, Math.min(4, st.length)));
        } finally {
            for (DataLoader<Object, Object> l : p.loaders.values()) {
                l.close(); // worker threads of iterations left open
            }
        }
    }

    private String run() {
        String last = "";
        while (at < lines.size()) {
            String line = lines.get(at++);
            if (line.startsWith("st ")) {
                String ours = hashes();
                if (!ours.equals(line)) {
                    return "after \"" + last + "\": generator states " + ours + ", PyTorch " + line;
                }
                continue;
            }
            last = line;
            String[] w = line.split(" ");
            List<String> out = null;
            RuntimeException thrown = null;
            try {
                out = statement(w);
            } catch (RuntimeException e) {
                thrown = e;
            }
            String err = at < lines.size() && lines.get(at).startsWith("err ") ? lines.get(at++).substring(4) : null;
            if (err == null && thrown != null) {
                StackTraceElement[] st = thrown.getStackTrace();
                return "\"" + line + "\": PyTorch runs, Ember throws " + thrown + " at "
                        + Arrays.toString(Arrays.copyOf(st, Math.min(4, st.length)));
            }
            if (err != null && thrown == null) {
                return "\"" + line + "\": PyTorch throws \"" + err + "\", Ember runs";
            }
            if (err != null) {
                String ours = firstLine(thrown.getMessage());
                if (err.endsWith("=<object>")) {
                    ours = ours.replaceAll("=\\S+$", "=<object>"); // an object's repr: PyTorch's holds its address
                }
                err = workerError(err);
                if (!err.equals(ours)) {
                    return "\"" + line + "\": PyTorch throws \"" + err + "\", Ember " + thrown;
                }
                if (w[0].equals("next")) {
                    iterators.remove(w[1]); // not used again (as the generator's program)
                }
                continue;
            }
            List<String> want = new ArrayList<>();
            while (at < lines.size() && lines.get(at).startsWith("= ")) {
                want.add(lines.get(at++).substring(2));
            }
            if (!out.equals(want)) {
                int i = 0;
                while (i < Math.min(out.size(), want.size()) && out.get(i).equals(want.get(i))) {
                    i++;
                }
                return "\"" + line + "\": " + out.size() + " results, PyTorch " + want.size() + "; first difference at "
                        + i + ": Ember " + (i < out.size() ? out.get(i) : "-") + ", PyTorch "
                        + (i < want.size() ? want.get(i) : "-");
            }
        }
        return null;
    }

    /**
     * PyTorch's worker error ("Caught IndexError in DataLoader worker process 0. | IndexError: list index out of range",
     * the generator's join of the first line and the traceback's last) as Ember words it: "Caught
     * IndexOutOfBoundsException in DataLoader worker 0: list index out of range"; any other message as it is.
     */
    private static String workerError(String err) {
        java.util.regex.Matcher m = java.util.regex.Pattern
                .compile("Caught (\\w+) in DataLoader worker process (\\d+)\\. \\| (\\w+): (.*)").matcher(err);
        if (!m.matches()) {
            return err;
        }
        String type;
        switch (m.group(1)) {
            case "IndexError":
                type = "IndexOutOfBoundsException";
                break;
            case "ZeroDivisionError":
                type = "ArithmeticException";
                break;
            default:
                type = "IllegalArgumentException"; // ValueError, RuntimeError
        }
        return "Caught " + type + " in DataLoader worker " + m.group(2) + ": " + m.group(4);
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "null";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    private Generator gen(String name) {
        return name.equals("-") ? null : gens.get(name);
    }

    @SuppressWarnings("unchecked")
    private Dataset<Object> map(String name) {
        return (Dataset<Object>) datasets.get(name);
    }

    // ------------------------------------------------------------------------------------------------ statements

    @SuppressWarnings("unchecked")
    private List<String> statement(String[] w) {
        switch (w[0]) {
            case "seed":
                Ember.manualSeed(Long.parseLong(w[1]));
                return List.of();
            case "gen":
                if (gens.containsKey(w[1])) {
                    gens.get(w[1]).manualSeed(Long.parseLong(w[2]));
                } else {
                    gens.put(w[1], new Generator(Long.parseLong(w[2]), Generator.Algorithm.MT19937));
                }
                return List.of();
            case "tds":
                datasets.put(w[1], new TensorDataset(fill(Integer.parseInt(w[2]), w[3])));
                return List.of();
            case "numds":
                datasets.put(w[1], new NumDS(Integer.parseInt(w[2])));
                return List.of();
            case "dictds":
                datasets.put(w[1], new DictDS(Integer.parseInt(w[2])));
                return List.of();
            case "mixds":
                datasets.put(w[1], new MixDS(Integer.parseInt(w[2])));
                return List.of();
            case "randds":
                datasets.put(w[1], new RandDS(Integer.parseInt(w[2])));
                return List.of();
            case "iterds":
                datasets.put(w[1], new IterDS(Integer.parseInt(w[2]), w[3].equals("1")));
                return List.of();
            case "subset":
                datasets.put(w[1], new Subset<>(map(w[2]), ints(w[3])));
                return List.of();
            case "concat": {
                List<Dataset<Object>> parts = new ArrayList<>();
                for (String d : w[2].split(",")) {
                    parts.add(map(d));
                }
                datasets.put(w[1], new ConcatDataset<>(parts));
                return List.of();
            }
            case "stack": {
                String[] names = w[3].split(",");
                if (w[2].equals("t")) {
                    Dataset<?>[] parts = new Dataset<?>[names.length];
                    for (int i = 0; i < names.length; i++) {
                        parts[i] = map(names[i]);
                    }
                    datasets.put(w[1], StackDataset.of(parts));
                } else {
                    Map<String, Dataset<?>> parts = new LinkedHashMap<>();
                    for (int i = 0; i < names.length; i++) {
                        parts.put("k" + i, map(names[i]));
                    }
                    datasets.put(w[1], StackDataset.of(parts));
                }
                return List.of();
            }
            case "split": {
                Generator g = w[4].equals("-") ? Ember.defaultGenerator() : gens.get(w[4]);
                List<Subset<Object>> parts;
                if (w[3].startsWith("f")) {
                    double[] f = Arrays.stream(w[3].substring(1).split(",")).mapToDouble(Double::parseDouble).toArray();
                    parts = Dataset.randomSplit(map(w[2]), f, g);
                } else {
                    parts = Dataset.randomSplit(map(w[2]), ints(w[3]), g);
                }
                String[] names = w[1].split(",");
                StringBuilder sizes = new StringBuilder("[");
                StringBuilder indices = new StringBuilder("[");
                for (int i = 0; i < parts.size(); i++) {
                    Subset<Object> s = parts.get(i);
                    datasets.put(names[i], s);
                    sizes.append(i == 0 ? "" : ";").append('i').append(s.size());
                    indices.append(i == 0 ? "[" : ";[");
                    int[] idx = s.indices();
                    for (int k = 0; k < idx.length; k++) {
                        indices.append(k == 0 ? "" : ";").append('i').append(idx[k]);
                    }
                    indices.append(']');
                }
                if (names.length != parts.size()) {
                    return List.of("harness: " + parts.size() + " subsets for " + names.length + " names");
                }
                return List.of(sizes.append(']').toString(), indices.append(']').toString());
            }
            case "getds":
                return List.of(enc(map(w[1]).get(Integer.parseInt(w[2]))));
            case "sseq":
                samplers.put(w[1], new SequentialSampler(map(w[2])));
                return List.of();
            case "srand":
                samplers.put(w[1], new RandomSampler(map(w[2]), w[3].equals("1"),
                        w[4].equals("-") ? null : Integer.valueOf(w[4]), gen(w[5])));
                return List.of();
            case "ssub":
                samplers.put(w[1], new SubsetRandomSampler(ints(w[2]), gen(w[3])));
                return List.of();
            case "swt":
                samplers.put(w[1], new WeightedRandomSampler(weights(w[2]), Integer.parseInt(w[3]), w[4].equals("1"),
                        gen(w[5])));
                return List.of();
            case "sbatch":
                batchSamplers.put(w[1], new BatchSampler(samplers.get(w[2]), Integer.parseInt(w[3]), w[4].equals("1")));
                return List.of();
            case "list": {
                List<Object> all = new ArrayList<>();
                if (samplers.containsKey(w[1])) {
                    for (int i : samplers.get(w[1])) {
                        all.add((long) i);
                    }
                } else {
                    for (int[] b : batchSamplers.get(w[1])) {
                        List<Object> batch = new ArrayList<>();
                        for (int i : b) {
                            batch.add((long) i);
                        }
                        all.add(batch);
                    }
                }
                return List.of(enc(all));
            }
            case "len": {
                int n = samplers.containsKey(w[1]) ? samplers.get(w[1]).size()
                        : batchSamplers.containsKey(w[1]) ? batchSamplers.get(w[1]).size() : loaders.get(w[1]).size();
                return List.of("i" + n);
            }
            case "loader":
                loaders.put(w[1], loader(w));
                return List.of();
            case "epoch": {
                int max = w[2].equals("-") ? Integer.MAX_VALUE : Integer.parseInt(w[2]);
                List<String> out = new ArrayList<>();
                int j = 0;
                for (Object b : loaders.get(w[1])) {
                    if (j++ >= max) {
                        break;
                    }
                    out.add(enc(b));
                }
                return out;
            }
            case "it":
                iterators.put(w[1], loaders.get(w[2]).iterator());
                return List.of();
            case "next": {
                Iterator<Object> it = iterators.get(w[1]);
                try {
                    return List.of(enc(it.next()));
                } catch (NoSuchElementException e) {
                    return List.of("end");
                }
            }
            default:
                throw new IllegalStateException("unknown statement " + String.join(" ", w));
        }
    }

    @SuppressWarnings("unchecked")
    private DataLoader<Object, Object> loader(String[] w) {
        Object d = datasets.get(w[2]);
        DataLoader.Builder<Object, Object> b = d instanceof IterableDataset
                ? DataLoader.builder((IterableDataset<Object>) d) : DataLoader.builder((Dataset<Object>) d);
        for (int i = 3; i < w.length; i++) {
            if (w[i].equals("-")) {
                continue;
            }
            String[] kv = w[i].split("=");
            switch (kv[0]) {
                case "bs":
                    b.batchSize(kv[1].equals("none") ? null : Integer.valueOf(kv[1]));
                    break;
                case "sh":
                    b.shuffle(kv[1].equals("1"));
                    break;
                case "drop":
                    b.dropLast(kv[1].equals("1"));
                    break;
                case "s":
                    b.sampler(samplers.get(kv[1]));
                    break;
                case "b":
                    if (kv[1].startsWith("L")) {
                        List<int[]> batches = new ArrayList<>();
                        for (String batch : kv[1].substring(1).split("\\|")) {
                            batches.add(ints(batch));
                        }
                        b.batchSampler(batches);
                    } else {
                        b.batchSampler(batchSamplers.get(kv[1]));
                    }
                    break;
                case "g":
                    b.generator(gens.get(kv[1]));
                    break;
                case "w":
                    b.numWorkers(Integer.parseInt(kv[1]));
                    break;
                default:
                    throw new IllegalStateException("unknown option " + w[i]);
            }
        }
        return b.build();
    }

    private static int[] ints(String s) {
        return s.equals("-") ? new int[0] : Arrays.stream(s.split(",")).mapToInt(Integer::parseInt).toArray();
    }

    private static Tensor weights(String s) {
        if (s.startsWith("2x2:")) {
            double[] v = Arrays.stream(s.substring(4).split(",")).mapToDouble(Double::parseDouble).toArray();
            return Tensor.tensor(v, DType.FLOAT64).reshape(2, 2);
        }
        if (s.startsWith("0d:")) {
            return Tensor.scalar(Double.parseDouble(s.substring(3))).to(DType.FLOAT64);
        }
        return Tensor.tensor(Arrays.stream(s.split(",")).mapToDouble(FuzzR21Interpreter::number).toArray(), DType.FLOAT64);
    }

    /** A Python float's repr ("inf", "-inf" and "nan" too). */
    private static double number(String s) {
        switch (s) {
            case "inf":
                return Double.POSITIVE_INFINITY;
            case "-inf":
                return Double.NEGATIVE_INFINITY;
            case "nan":
                return Double.NaN;
            default:
                return Double.parseDouble(s);
        }
    }

    /** The tensors of a {@code tds} statement (the generator's fill). */
    private static Tensor[] fill(int n, String spec) {
        String[] parts = spec.split(";");
        Tensor[] out = new Tensor[parts.length];
        for (int p = 0; p < parts.length; p++) {
            String[] dr = parts[p].split(":");
            List<Integer> shape = new ArrayList<>(List.of(n));
            if (!dr[1].equals("-")) {
                for (String s : dr[1].split(",")) {
                    shape.add(Integer.parseInt(s));
                }
            }
            int numel = shape.stream().reduce(1, (a, c) -> a * c);
            double[] v = new double[numel];
            for (int k = 0; k < numel; k++) {
                switch (dr[0]) {
                    case "float16":
                    case "bfloat16":
                    case "float32":
                    case "float64":
                        v[k] = ((7 * k) % 17) / 16.0 - 0.5;
                        break;
                    case "bool":
                        v[k] = k % 3 == 0 ? 1 : 0;
                        break;
                    case "uint8":
                        v[k] = (3 * k) % 11;
                        break;
                    default:
                        v[k] = (3 * k) % 11 - 5;
                }
            }
            out[p] = Tensor.tensor(v, DType.FLOAT64).reshape(shape.stream().mapToInt(Integer::intValue).toArray())
                    .to(dtype(dr[0]));
        }
        return out;
    }

    private static DType dtype(String name) {
        switch (name) {
            case "float16":
                return DType.FLOAT16;
            case "bfloat16":
                return DType.BFLOAT16;
            case "float32":
                return DType.FLOAT32;
            case "float64":
                return DType.FLOAT64;
            case "int8":
                return DType.INT8;
            case "int16":
                return DType.INT16;
            case "int32":
                return DType.INT32;
            case "uint8":
                return DType.UINT8;
            case "bool":
                return DType.BOOL;
            default:
                return DType.INT64;
        }
    }

    // ------------------------------------------------------------------------------------------------ data sets

    /** Sample i: (i, i * 0.25, i % 3 == 0), for any i (as the generator's class). */
    private static final class NumDS implements Dataset<Object> {
        private final int n;

        NumDS(int n) {
            this.n = n;
        }

        @Override
        public int size() {
            return n;
        }

        @Override
        public Object get(int i) {
            return List.of((long) i, i * 0.25, i % 3 == 0);
        }
    }

    /** Sample i: {"a": tensor([i, i + 1]), "b": i * 0.5, "c": [i, tensor([i / 4, -i]) (float32)]}. */
    private static final class DictDS implements Dataset<Object> {
        private final int n;

        DictDS(int n) {
            this.n = n;
        }

        @Override
        public int size() {
            return n;
        }

        @Override
        public Object get(int i) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("a", Tensor.tensor(new long[] {i, i + 1L}, DType.INT64));
            m.put("b", i * 0.5);
            m.put("c", List.of((long) i, Tensor.tensor(new double[] {i / 4.0, -(double) i}, DType.FLOAT32)));
            return m;
        }
    }

    /** Sample i: (tensor([i, -i]) of float32/float64/int64/bool by i % 4, i or i * 0.5, i % 3 == 0 or i). */
    private static final class MixDS implements Dataset<Object> {
        private static final DType[] TYPES = {DType.FLOAT32, DType.FLOAT64, DType.INT64, DType.BOOL};
        private final int n;

        MixDS(int n) {
            this.n = n;
        }

        @Override
        public int size() {
            return n;
        }

        @Override
        public Object get(int i) {
            Tensor t = Tensor.tensor(new double[] {i, -i}, DType.FLOAT64).to(TYPES[Math.floorMod(i, 4)]);
            Object num = i % 2 == 0 ? (Object) (long) i : (Object) (i * 0.5);
            Object flag = Math.floorMod(i, 4) != 1 ? (Object) (i % 3 == 0) : (Object) (long) i;
            return List.of(t, num, flag);
        }
    }

    /** Sample i: (torch.rand(2), i), drawn from the default generator when read. */
    private static final class RandDS implements Dataset<Object> {
        private final int n;

        RandDS(int n) {
            this.n = n;
        }

        @Override
        public int size() {
            return n;
        }

        @Override
        public Object get(int i) {
            return List.of(Tensor.rand(2), (long) i);
        }
    }

    /** n samples: torch.rand(2) each (drawn when reached) or (tensor([i, -i]), i * 0.5). */
    private static final class IterDS implements IterableDataset<Object> {
        private final int n;
        private final boolean random;

        IterDS(int n, boolean random) {
            this.n = n;
            this.random = random;
        }

        @Override
        public Iterator<Object> iterator() {
            return new Iterator<>() {
                private int i;

                @Override
                public boolean hasNext() {
                    return i < n;
                }

                @Override
                public Object next() {
                    if (i >= n) {
                        throw new NoSuchElementException();
                    }
                    int k = i++;
                    return random ? Tensor.rand(2)
                            : List.of(Tensor.tensor(new long[] {k, -k}, DType.INT64), k * 0.5);
                }
            };
        }
    }

    // ------------------------------------------------------------------------------------------------ formats

    /** The generator's enc: tensors, Python numbers, lists (and tuples), dicts. */
    static String enc(Object x) {
        if (x instanceof Tensor) {
            String[] f = FuzzR19Interpreter.format((Tensor) x).split(" ");
            return "t" + f[1] + "/" + f[2] + "/" + f[3];
        }
        if (x instanceof Boolean) {
            return (Boolean) x ? "b1" : "b0";
        }
        if (x instanceof Long || x instanceof Integer) {
            return "i" + ((Number) x).longValue();
        }
        if (x instanceof Double) {
            return String.format("f%016x", Double.doubleToRawLongBits((Double) x));
        }
        if (x instanceof List) {
            StringBuilder b = new StringBuilder("[");
            List<?> l = (List<?>) x;
            for (int i = 0; i < l.size(); i++) {
                b.append(i == 0 ? "" : ";").append(enc(l.get(i)));
            }
            return b.append(']').toString();
        }
        if (x instanceof Map) {
            StringBuilder b = new StringBuilder("{");
            int i = 0;
            for (Map.Entry<?, ?> e : ((Map<?, ?>) x).entrySet()) {
                b.append(i++ == 0 ? "" : ";").append(e.getKey()).append(':').append(enc(e.getValue()));
            }
            return b.append('}').toString();
        }
        return "?" + (x == null ? "null" : x.getClass().getName());
    }

    private String hashes() {
        StringBuilder b = new StringBuilder("st ").append(FuzzR19Interpreter.hash(Ember.getRngState()));
        for (Map.Entry<String, Generator> e : gens.entrySet()) {
            b.append(' ').append(e.getKey()).append(':').append(FuzzR19Interpreter.hash(e.getValue().getState()));
        }
        return b.toString();
    }
}
