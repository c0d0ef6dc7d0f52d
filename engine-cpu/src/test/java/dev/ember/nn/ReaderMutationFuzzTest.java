package dev.ember.nn;

import dev.ember.DType;
import dev.ember.Ember;
import dev.ember.Tensor;
import dev.ember.data.Idx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipFile;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Mechanical, deterministic mutations thrown at every file reader (session 47): {@code torch.save} archives
 * ({@link TorchSerialization#load} with and without mmap, and {@link TorchSerialization#loadStateDict}: the zip
 * container, the pickle, the storages, byteorder and version records; seeds written by Ember and by PyTorch 1.13, the
 * committed resources/torchserialization files, the legacy and TorchScript ones included), safetensors ({@link Safetensors#loadBytes}, {@link Safetensors#load}, {@link Safetensors#open}
 * with whole and sliced reads, {@link Safetensors#loadMetadata}), sharded checkpoints ({@link ShardedCheckpoint#load}:
 * the index JSON and each shard), training checkpoints ({@code nn.utils.Checkpoint.load}: the file, and its state
 * JSON's values replaced by other types and extremes; a refused load must leave the model, optimizer and scheduler as
 * they were) and IDX files ({@link Idx}, plain and gzipped, so {@code GzipInput} too, and MNIST's folder).
 *
 * <p>Mutations: truncation at every offset, bytes set to 0x00/0xFF/0x7F/0x80 and bits flipped, length and offset
 * fields found by the format (zip headers, the zip64 records, the safetensors header length and JSON numbers, IDX
 * dimensions, gzip header and trailer) set to huge, negative and just-too-large values, byte ranges duplicated and
 * deleted, zip records renamed, duplicated and deleted (rewritten with valid CRC-32s so that the mutation reaches the
 * reader behind the checksums), pickle opcodes swapped, replaced, deleted and duplicated.
 *
 * <p>The invariant per mutant: the reader returns a usable result (every tensor's shape matches its element count and
 * every element can be read) or throws {@link IOException}, {@link IllegalArgumentException} or
 * {@link IllegalStateException} with a message; nothing else (no NPE, index errors, ClassCastException,
 * ArithmeticException, OutOfMemoryError, StackOverflowError), no hang (a watchdog of {@value #TIMEOUT_S} s per mutant),
 * and no allocation beyond a bound proportional to the file's size (measured per thread), so a length the file does not
 * back is refused before anything is allocated for it. The per-reader counts are printed. Seeded:
 * {@code -Dember.fuzz.seed} (47).
 */
class ReaderMutationFuzzTest {
    private static final long SEED = Long.getLong("ember.fuzz.seed", 47L);
    private static final int TIMEOUT_S = 20;
    /** The most a reader may allocate for one mutant: a fixed allowance for buffers plus 64 bytes per file byte. */
    private static final long ALLOCATION_BASE = 48L << 20;
    private static final long[] LENGTHS32 = {0, 1, 0x7FFFFFFFL, 0x80000000L, 0xFFFFFFFFL, 0xFFFFFFFEL, 0x10000L};
    private static final long[] LENGTHS64 = {Long.MAX_VALUE, Long.MIN_VALUE, -1, 1L << 40, 1L << 32, 0x7FFFFFFFL,
        0x80000000L, 0xFFFFFFFFL};
    private static final Map<String, Map<String, Integer>> TABLE = new TreeMap<>();

    @TempDir
    Path tmp;

    private ExecutorService worker;
    private int timeoutS = TIMEOUT_S;
    private final List<String> failures = new ArrayList<>();

    @FunctionalInterface
    interface Reader {
        Object read(Path file) throws Exception;
    }

    @BeforeEach
    void start() {
        worker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(null, r, "reader-fuzz", 16L << 20);
            t.setDaemon(true);
            return t;
        });
    }

    @AfterEach
    void stop() {
        worker.shutdownNow();
    }

    @AfterAll
    static void printTable() {
        StringBuilder b = new StringBuilder("ReaderMutationFuzzTest outcomes per reader:\n");
        TABLE.forEach((reader, counts) -> b.append(String.format("  %-34s %s%n", reader, counts)));
        System.out.println(b);
    }

    // ------------------------------------------------------------------ running one mutant

    private static long allocated() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    /** Runs {@code reader} on {@code file} (already holding {@code size} bytes) under the watchdog; records the outcome. */
    private void run(String readerName, String mutant, Path file, long size, Reader reader) {
        Future<String> f = worker.submit(() -> {
            long before = allocated();
            Object result = null;
            try {
                result = reader.read(file);
                checkUsable(result);
            } catch (IOException | IllegalArgumentException | IllegalStateException e) {
                if (e.getMessage() == null || e.getMessage().isBlank()) {
                    return "FAIL " + e.getClass().getName() + " without a message";
                }
                if (e instanceof java.io.UncheckedIOException || e.getClass() != IOException.class
                        && e.getClass() != IllegalArgumentException.class && e.getClass() != IllegalStateException.class
                        && !(e instanceof java.nio.file.NoSuchFileException)) {
                    return "FAIL undocumented " + e.getClass().getName() + ": " + e.getMessage();
                }
                long used = allocated() - before;
                if (used > ALLOCATION_BASE + 64 * size) {
                    return "FAIL allocated " + used + " bytes for a " + size + "-byte file, then " + e;
                }
                return e.getClass().getSimpleName();
            } finally {
                if (result instanceof AutoCloseable) {
                    ((AutoCloseable) result).close();
                }
            }
            long used = allocated() - before;
            if (used > ALLOCATION_BASE + 64 * size) {
                return "FAIL allocated " + used + " bytes for a " + size + "-byte file";
            }
            return "accepted";
        });
        String outcome;
        try {
            outcome = f.get(timeoutS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            worker.shutdownNow();
            start();
            outcome = "FAIL hang (no answer in " + timeoutS + " s)";
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            StackTraceElement[] st = c.getStackTrace();
            outcome = "FAIL " + c + (st.length > 0 ? " at " + st[0] : "");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        if (System.getProperty("ember.fuzz.show") != null && mutant.matches(System.getProperty("ember.fuzz.show"))) {
            System.out.println("MUTANT " + readerName + " / " + mutant + " -> " + outcome);
        }
        String key = outcome.startsWith("FAIL") ? "FAIL" : outcome;
        TABLE.computeIfAbsent(readerName, k -> new TreeMap<>()).merge(key, 1, Integer::sum);
        if (outcome.startsWith("FAIL") && failures.size() < 40) {
            failures.add(readerName + " / " + mutant + ": " + outcome);
        }
    }

    private void runBytes(String readerName, String mutant, byte[] bytes, Reader reader) throws IOException {
        Path file = tmp.resolve("mutant.bin");
        Files.write(file, bytes);
        run(readerName, mutant, file, bytes.length, reader);
    }

    private void assertNoFailures() {
        assertTrue(failures.isEmpty(), () -> failures.size() + " mutants broke the invariant:\n" + String.join("\n", failures));
    }

    /**
     * A result is usable: every tensor's shape gives its element count and every element reads. Walked with an explicit
     * stack and an identity set, as a pickle may nest deeply or hold a container inside itself.
     */
    static void checkUsable(Object root) throws IOException {
        java.util.ArrayDeque<Object> todo = new java.util.ArrayDeque<>();
        java.util.Set<Object> seen = Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        if (root != null) {
            todo.push(root);
        }
        while (!todo.isEmpty()) {
            Object o = todo.pop();
            if (!seen.add(o)) {
                continue;
            }
            if (o instanceof Tensor t) {
                checkTensor(t);
            } else if (o instanceof Map<?, ?> m) {
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    if (e.getKey() != null) {
                        todo.push(e.getKey());
                    }
                    if (e.getValue() != null) {
                        todo.push(e.getValue());
                    }
                }
            } else if (o instanceof Iterable<?> l) {
                for (Object x : l) {
                    if (x != null) {
                        todo.push(x);
                    }
                }
            } else if (o instanceof SafeOpen s) {
                todo.push(s.metadata());
                for (String k : s.keys()) {
                    checkTensor(s.getTensor(k));
                    SafeOpen.Slice slice = s.getSlice(k);
                    int[] shape = slice.getShape();
                    if (shape.length > 0) {
                        checkTensor(slice.narrow(0, shape[0] / 2, shape[0] - shape[0] / 2));
                        checkTensor(slice.get(dev.ember.Index.slice(null, null, 2)));
                    }
                }
            }
        }
    }

    private static void checkTensor(Tensor t) {
        long n = 1;
        for (int d : t.shape()) {
            if (d < 0) {
                throw new AssertionError("negative size in " + Arrays.toString(t.shape()));
            }
            n = Math.multiplyExact(n, d);
        }
        if (n != t.numel()) {
            throw new AssertionError("shape " + Arrays.toString(t.shape()) + " but numel " + t.numel());
        }
        if (t.device().isMeta()) {
            return;
        }
        Tensor d = t.detach();
        if (d.isComplex()) {
            d = d.viewAsReal();
            n *= 2;
        }
        double[] v = d.to(DType.FLOAT64).reshape(-1).toDoubleArray();
        if (v.length != n) {
            throw new AssertionError("read " + v.length + " elements of " + n);
        }
    }

    /** The harness itself: each kind of broken reader is caught, and a documented refusal or a usable result is not. */
    @Test
    void harnessFlagsEveryBrokenOutcome() throws IOException {
        timeoutS = 2;
        byte[] file = {1, 2, 3};
        Reader[] broken = {
            f -> {
                throw new NullPointerException();
            },
            f -> null, // a control: returns, nothing to check
            f -> {
                throw new ArrayIndexOutOfBoundsException(5);
            },
            f -> {
                throw new IOException();
            },
            f -> {
                throw new java.io.UncheckedIOException(new IOException("x"));
            },
            f -> new byte[200 << 20].length,
            f -> {
                Thread.sleep(60_000);
                return null;
            },
            f -> ((Map<?, ?>) (Object) List.of()).size(),
            f -> {
                throw new StackOverflowError();
            },
            f -> {
                throw new IllegalArgumentException();
            },
        };
        for (int i = 0; i < broken.length; i++) {
            runBytes("harness", "reader " + i, file, broken[i]);
        }
        runBytes("harness", "good", file, f -> List.of(Tensor.arange(0, 6, 1).reshape(2, 3), Map.of("k", 1L)));
        runBytes("harness", "refusal", file, f -> {
            throw new IOException(f + ": a problem");
        });
        List<String> caught = new ArrayList<>(failures);
        failures.clear();
        TABLE.remove("harness");
        String all = String.join("\n", caught);
        assertTrue(caught.size() == 9, () -> "expected readers 0, 2, 3, 4, 5, 6, 7, 8, 9 flagged, got:\n" + all);
        for (int i : new int[] {0, 2, 3, 4, 5, 6, 7, 8, 9}) {
            assertTrue(all.contains("reader " + i + ":"), () -> "reader " + i + " not flagged:\n" + all);
        }
    }

    // ------------------------------------------------------------------ generic byte mutations

    private static byte[] set(byte[] b, int at, long v, int width, boolean bigEndian) {
        byte[] c = b.clone();
        for (int i = 0; i < width && at + i < c.length; i++) {
            c[at + i] = (byte) (bigEndian ? v >>> (8 * (width - 1 - i)) : v >>> (8 * i));
        }
        return c;
    }

    private static byte[] concat(byte[] a, int aFrom, int aTo, byte[] b, int bFrom, int bTo) {
        byte[] c = new byte[(aTo - aFrom) + (bTo - bFrom)];
        System.arraycopy(a, aFrom, c, 0, aTo - aFrom);
        System.arraycopy(b, bFrom, c, aTo - aFrom, bTo - bFrom);
        return c;
    }

    interface Sink {
        void accept(String mutant, byte[] bytes) throws IOException;
    }

    /**
     * The format-blind mutations of {@code seed}: truncation at every offset (every {@code truncStep}-th), {@code sets}
     * random bytes set to 0x00/0xFF/0x7F/0x80 or a bit flipped, {@code ranges} byte ranges duplicated or deleted, and
     * as many 32/64-bit fields at random offsets set to extreme lengths.
     */
    private static void blind(byte[] seed, Random r, int truncStep, int sets, int ranges, Sink sink) throws IOException {
        for (int n = 0; n < seed.length; n += truncStep) {
            sink.accept("truncated to " + n, Arrays.copyOf(seed, n));
        }
        int[] values = {0x00, 0xFF, 0x7F, 0x80};
        for (int i = 0; i < sets; i++) {
            int at = r.nextInt(seed.length);
            byte[] c = seed.clone();
            int v = r.nextInt(5);
            if (v == 4) {
                c[at] ^= (byte) (1 << r.nextInt(8));
            } else {
                c[at] = (byte) values[v];
            }
            sink.accept("byte " + at + " " + (v == 4 ? "flipped" : "set to " + values[v]), c);
        }
        for (int i = 0; i < ranges; i++) {
            int from = r.nextInt(seed.length);
            int len = 1 + r.nextInt(Math.min(64, seed.length - from));
            if (r.nextBoolean()) {
                byte[] c = concat(seed, 0, from + len, seed, from, seed.length);
                sink.accept("bytes " + from + "+" + len + " duplicated", c);
            } else {
                byte[] c = concat(seed, 0, from, seed, from + len, seed.length);
                sink.accept("bytes " + from + "+" + len + " deleted", c);
            }
            int at = r.nextInt(Math.max(1, seed.length - 8));
            boolean wide = r.nextBoolean();
            long v = wide ? LENGTHS64[r.nextInt(LENGTHS64.length)] : LENGTHS32[r.nextInt(LENGTHS32.length)];
            boolean be = r.nextBoolean();
            sink.accept((wide ? "u64 " : "u32 ") + at + (be ? " BE" : " LE") + " set to " + v,
                    set(seed, at, v, wide ? 8 : 4, be));
        }
    }

    // ------------------------------------------------------------------ zip structure

    private static int u16(byte[] b, int at) {
        return (b[at] & 0xFF) | (b[at + 1] & 0xFF) << 8;
    }

    private static long u32(byte[] b, int at) {
        return (b[at] & 0xFFL) | (b[at + 1] & 0xFFL) << 8 | (b[at + 2] & 0xFFL) << 16 | (b[at + 3] & 0xFFL) << 24;
    }

    /** Every length and offset field of the zip's headers: {offset, width}. */
    private static List<int[]> zipFields(byte[] b) {
        List<int[]> fields = new ArrayList<>();
        for (int i = 0; i + 4 <= b.length; i++) {
            long sig = u32(b, i);
            if (sig == 0x04034b50L && i + 30 <= b.length) { // local header: sizes, name and extra lengths
                for (int[] f : new int[][] {{14, 4}, {18, 4}, {22, 4}, {26, 2}, {28, 2}, {8, 2}}) {
                    fields.add(new int[] {i + f[0], f[1]});
                }
                int extraAt = i + 30 + u16(b, i + 26);
                int extraLen = u16(b, i + 28);
                for (int e = extraAt; e + 4 <= extraAt + extraLen && e + 4 <= b.length; e += 4 + u16(b, e + 2)) {
                    fields.add(new int[] {e + 2, 2});
                    if (u16(b, e) == 1) {
                        fields.add(new int[] {e + 4, 8});
                        fields.add(new int[] {e + 12, 8});
                    }
                }
            } else if (sig == 0x02014b50L && i + 46 <= b.length) { // central header
                for (int[] f : new int[][] {{10, 2}, {16, 4}, {20, 4}, {24, 4}, {28, 2}, {30, 2}, {32, 2}, {34, 2},
                    {42, 4}}) {
                    fields.add(new int[] {i + f[0], f[1]});
                }
                int extraAt = i + 46 + u16(b, i + 28);
                int extraLen = u16(b, i + 30);
                for (int e = extraAt; e + 4 <= extraAt + extraLen && e + 4 <= b.length; e += 4 + u16(b, e + 2)) {
                    fields.add(new int[] {e + 2, 2});
                    for (int k = e + 4; k + 8 <= e + 4 + u16(b, e + 2) && k + 8 <= b.length; k += 8) {
                        fields.add(new int[] {k, 8});
                    }
                }
            } else if (sig == 0x06054b50L && i + 22 <= b.length) { // end of central directory
                for (int[] f : new int[][] {{4, 2}, {6, 2}, {8, 2}, {10, 2}, {12, 4}, {16, 4}, {20, 2}}) {
                    fields.add(new int[] {i + f[0], f[1]});
                }
            } else if (sig == 0x06064b50L && i + 56 <= b.length) { // zip64 end record
                for (int[] f : new int[][] {{4, 8}, {16, 4}, {20, 4}, {24, 8}, {32, 8}, {40, 8}, {48, 8}}) {
                    fields.add(new int[] {i + f[0], f[1]});
                }
            } else if (sig == 0x07064b50L && i + 20 <= b.length) { // zip64 locator
                for (int[] f : new int[][] {{4, 4}, {8, 8}, {16, 4}}) {
                    fields.add(new int[] {i + f[0], f[1]});
                }
            } else if (sig == 0x08074b50L && i + 16 <= b.length) { // data descriptor
                for (int[] f : new int[][] {{4, 4}, {8, 4}, {12, 4}}) {
                    fields.add(new int[] {i + f[0], f[1]});
                }
            }
        }
        return fields;
    }

    /** Each field set to each extreme for its width, and to the file's size, one more and one less. */
    private static void fields(byte[] seed, List<int[]> fields, boolean bigEndian, Sink sink) throws IOException {
        for (int[] f : fields) {
            int at = f[0];
            int width = f[1];
            List<Long> values = new ArrayList<>();
            if (width == 2) {
                values.addAll(List.of(0L, 1L, 0x7FFFL, 0x8000L, 0xFFFFL));
            } else if (width == 4) {
                for (long v : LENGTHS32) {
                    values.add(v);
                }
            } else {
                for (long v : LENGTHS64) {
                    values.add(v);
                }
            }
            values.addAll(List.of((long) seed.length, seed.length + 1L, seed.length - 1L));
            for (long v : values) {
                sink.accept("field " + at + "/" + width + " set to " + v, set(seed, at, v, width, bigEndian));
            }
        }
    }

    // ------------------------------------------------------------------ torch.save archives

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = ReaderMutationFuzzTest.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("missing resource " + name);
            }
            return in.readAllBytes();
        }
    }

    /** A torch.save archive's records by their names inside its folder, in the file's order. */
    private Map<String, byte[]> records(byte[] file) throws IOException {
        Path p = tmp.resolve("records.pt");
        Files.write(p, file);
        Map<String, byte[]> records = new LinkedHashMap<>();
        try (ZipFile z = new ZipFile(p.toFile())) {
            for (var entry : Collections.list(z.entries())) {
                String name = entry.getName();
                try (InputStream in = z.getInputStream(entry)) {
                    records.put(name.substring(name.indexOf('/') + 1), in.readAllBytes());
                }
            }
        }
        return records;
    }

    /** Writes records (a name may repeat: pairs) as torch.save does, with valid CRC-32s. */
    private static byte[] archive(String folder, List<Map.Entry<String, byte[]>> records) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TorchArchive.Writer w = new TorchArchive.Writer(out, folder);
        for (Map.Entry<String, byte[]> e : records) {
            byte[] bytes = e.getValue();
            w.record(e.getKey(), bytes.length, (o, crc) -> {
                o.write(bytes);
                crc.update(bytes);
            });
        }
        w.finish();
        return out.toByteArray();
    }

    private static byte[] archive(Map<String, byte[]> records) throws IOException {
        return archive("archive", new ArrayList<>(records.entrySet()));
    }

    private static byte[] withRecord(Map<String, byte[]> records, String name, byte[] bytes) throws IOException {
        Map<String, byte[]> m = new LinkedHashMap<>(records);
        m.put(name, bytes);
        return archive(m);
    }

    /** The spans {start, end} of a pickle's opcodes with their arguments, up to STOP or the first unknown opcode. */
    static List<int[]> pickleOps(byte[] p) {
        List<int[]> ops = new ArrayList<>();
        int i = 0;
        while (i < p.length) {
            int op = p[i] & 0xFF;
            int argLen;
            switch (op) {
                case '(': case ')': case ']': case '}': case '.': case 'N': case 0x88: case 0x89: case 'R': case 'b':
                case 'e': case 'a': case 'u': case 's': case 't': case 0x85: case 0x86: case 0x87: case '0': case '1':
                case '2': case 'Q': case 'l': case 'd': case 0x81: case 0x94: case 0x8f: case 0x90: case 0x91:
                case 0x93: case 0x92:
                    argLen = 0;
                    break;
                case 0x80: case 'K': case 'q': case 'h': case 0x82:
                    argLen = 1;
                    break;
                case 'M': case 0x83:
                    argLen = 2;
                    break;
                case 'J': case 'r': case 'j': case 0x84:
                    argLen = 4;
                    break;
                case 'G': case 0x95:
                    argLen = 8;
                    break;
                case 'U': case 'C': case 0x8c: case 0x8a:
                    argLen = i + 1 < p.length ? 1 + (p[i + 1] & 0xFF) : 1;
                    break;
                case 'X': case 'T': case 'B': case 0x8b:
                    argLen = i + 4 < p.length ? 4 + (int) Math.min(u32(p, i + 1), p.length) : 4;
                    break;
                case 'c': {
                    int nl = 0;
                    int j = i + 1;
                    while (j < p.length && nl < 2) {
                        if (p[j++] == '\n') {
                            nl++;
                        }
                    }
                    argLen = j - i - 1;
                    break;
                }
                default:
                    return ops;
            }
            int end = Math.min(p.length, i + 1 + argLen);
            ops.add(new int[] {i, end});
            i = end;
            if (op == '.') {
                break;
            }
        }
        return ops;
    }

    private static byte[] bytes(Object... parts) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (Object p : parts) {
            if (p instanceof Integer i) {
                o.write(i);
            } else if (p instanceof String str) {
                o.writeBytes(str.getBytes(StandardCharsets.ISO_8859_1));
            } else if (p instanceof byte[] b) {
                o.writeBytes(b);
            } else {
                long v = (Long) p; // a 4-byte little-endian field
                for (int k = 0; k < 4; k++) {
                    o.write((int) (v >>> (8 * k)));
                }
            }
        }
        return o.toByteArray();
    }

    /** Pickles made by hand: deep nesting, containers holding themselves, lengths and memo indices the bytes lack. */
    private static Map<String, byte[]> craftedPickles() {
        int n = 200_000;
        Map<String, byte[]> m = new LinkedHashMap<>();
        m.put("deep list", bytes(0x80, 2, "]".repeat(n), "a".repeat(n - 1), "."));
        m.put("deep marks", bytes(0x80, 2, "(".repeat(n), "N."));
        m.put("deep tuple", bytes(0x80, 2, ")", "\u0085".repeat(n), "."));
        m.put("deep dict", bytes(0x80, 2, "}", "K\u0000}".repeat(n), "s".repeat(n), "."));
        m.put("list holding itself", bytes(0x80, 2, "]q", 0, "h", 0, "a."));
        m.put("dict holding itself", bytes(0x80, 2, "}q", 0, "K", 1, "h", 0, "s."));
        m.put("dict keyed by itself", bytes(0x80, 2, "}q", 0, "h", 0, "K", 1, "s."));
        m.put("tuple in list in tuple", bytes(0x80, 2, "]q", 0, "h", 0, 0x85, "a."));
        m.put("binunicode 2^31-1", bytes(0x80, 2, "X", 0x7FFFFFFFL, "abc."));
        m.put("binunicode 2^32-1", bytes(0x80, 2, "X", 0xFFFFFFFFL, "abc."));
        m.put("binbytes 2^31", bytes(0x80, 2, "B", 0x80000000L, "abc."));
        m.put("binbytes8 2^40", bytes(0x80, 2, 0x8e, 0L, 256L, "abc."));
        m.put("binunicode8 2^63-1", bytes(0x80, 2, 0x8d, 0xFFFFFFFFL, 0x7FFFFFFFL, "abc."));
        m.put("long4 2^31-1", bytes(0x80, 2, 0x8b, 0x7FFFFFFFL, "abc."));
        m.put("long1 255", bytes(0x80, 2, 0x8a, 255, "abc."));
        m.put("frame 2^40", bytes(0x80, 4, 0x95, 0L, 256L, "N."));
        m.put("long binget 2^32-1", bytes(0x80, 2, "j", 0xFFFFFFFFL, "."));
        m.put("long binput 2^31-1", bytes(0x80, 2, "Nr", 0x7FFFFFFFL, "."));
        m.put("long binput 2^32-1", bytes(0x80, 2, "Nr", 0xFFFFFFFFL, "."));
        m.put("binget before put", bytes(0x80, 2, "h", 0, "."));
        m.put("proto 5", bytes(0x80, 5, "N."));
        m.put("proto 255", bytes(0x80, 255, "N."));
        m.put("empty", bytes());
        m.put("stop only", bytes("."));
        m.put("pop on empty", bytes(0x80, 2, "0."));
        m.put("appends without mark", bytes(0x80, 2, "]e."));
        m.put("setitems odd", bytes(0x80, 2, "}(K", 1, "u."));
        m.put("reduce of int", bytes(0x80, 2, "K", 1, ")R."));
        m.put("build on None", bytes(0x80, 2, "N}b."));
        m.put("many puts", bytes(0x80, 2, "N", "q\u0000".repeat(n), "."));
        m.put("text int huge", bytes(0x80, 2, "I", "9".repeat(5000), "\n."));
        m.put("text long huge", bytes(0x80, 2, "L", "9".repeat(100_000), "L\n."));
        m.put("global unterminated", bytes(0x80, 2, "ctorch\n_rebuild"));
        m.put("global torch._utils", bytes(0x80, 2, "ctorch._utils\n_rebuild_tensor_v2\n)R."));
        m.put("persid no args", bytes(0x80, 2, ")Q."));
        m.put("persid storage huge", bytes(0x80, 2, "(X", 7L, "storagectorch\nFloatStorage\nX", 1L, "0X", 3L,
            "cpuJ", 0x7FFFFFFFL, "tQ."));
        m.put("rebuild huge sizes", bytes(0x80, 2, "ctorch._utils\n_rebuild_tensor_v2\n((X", 7L,
            "storagectorch\nFloatStorage\nX", 1L, "0X", 3L, "cpuK", 4, "tQK", 0, "J", 0x7FFFFFFFL, "J", 0x7FFFFFFFL,
            0x86, "K", 1, "K", 1, 0x86, 0x89, "ccollections\nOrderedDict\n)RtR."));
        return m;
    }

    private static final byte[] OPCODES = {'(', ')', ']', '}', '.', 'N', (byte) 0x88, 'R', 'b', 'e', 'a', 'u', 's', 't',
        (byte) 0x85, (byte) 0x86, (byte) 0x87, '0', '2', 'Q', 'K', 'q', 'h', 'M', 'J', 'r', 'j', 'X', 'c', (byte) 0x8a,
        'G', (byte) 0x94, (byte) 0x93, (byte) 0x81, 'l', 'd', 'B', 'C', (byte) 0x80};

    /** Pickle opcodes swapped, replaced, deleted and duplicated (arguments kept with their opcode). */
    private static void opcodeMutations(byte[] p, Random r, int count, Sink sink) throws IOException {
        List<int[]> ops = pickleOps(p);
        if (ops.size() < 3) {
            return;
        }
        for (int k = 0; k < count; k++) {
            int a = r.nextInt(ops.size());
            int[] sa = ops.get(a);
            switch (k % 4) {
                case 0: { // swap with another op
                    int bIdx = r.nextInt(ops.size());
                    int[] sb = ops.get(bIdx);
                    if (bIdx == a) {
                        continue;
                    }
                    int[] first = a < bIdx ? sa : sb;
                    int[] second = a < bIdx ? sb : sa;
                    ByteArrayOutputStream o = new ByteArrayOutputStream();
                    o.write(p, 0, first[0]);
                    o.write(p, second[0], second[1] - second[0]);
                    o.write(p, first[1], second[0] - first[1]);
                    o.write(p, first[0], first[1] - first[0]);
                    o.write(p, second[1], p.length - second[1]);
                    sink.accept("pickle ops " + a + " and " + bIdx + " swapped", o.toByteArray());
                    break;
                }
                case 1: { // opcode replaced, argument bytes kept
                    byte[] c = p.clone();
                    c[sa[0]] = OPCODES[r.nextInt(OPCODES.length)];
                    sink.accept("pickle op " + a + " (" + (char) p[sa[0]] + ") replaced by " + (c[sa[0]] & 0xFF), c);
                    break;
                }
                case 2: // deleted
                    sink.accept("pickle op " + a + " deleted", concat(p, 0, sa[0], p, sa[1], p.length));
                    break;
                default: // duplicated
                    sink.accept("pickle op " + a + " duplicated", concat(p, 0, sa[1], p, sa[0], p.length));
                    break;
            }
        }
    }

    private byte[] emberArchive() throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        Tensor base = Tensor.arange(0, 12, 1).to(DType.FLOAT32).reshape(3, 4);
        m.put("f32", base);
        m.put("view", base.transpose(0, 1));
        m.put("i64", Tensor.arange(0, 5, 1).to(DType.INT64));
        m.put("f16", base.to(DType.FLOAT16).reshape(-1).narrow(0, 2, 3));
        m.put("bool", Tensor.arange(0, 3, 1).to(DType.BOOL));
        m.put("scalar", Tensor.arange(0, 1, 1).to(DType.FLOAT64).reshape());
        m.put("meta", List.of(1L, "two", 3.0, List.of(-4L, Long.MAX_VALUE)));
        Path p = tmp.resolve("seed.pt");
        TorchSerialization.save(m, p);
        return Files.readAllBytes(p);
    }

    private void fuzzTorchArchive(String name, byte[] seed, Random r, boolean recordLevel, int sets) throws IOException {
        String reader = "torch.load " + name;
        Reader plain = f -> TorchSerialization.load(f, false);
        Reader mapped = f -> TorchSerialization.load(f, true);
        Reader stateDict = f -> TorchSerialization.loadStateDict(f, false);
        int[] count = {0};
        Sink sink = (m, b) -> {
            int k = count[0]++ & 3;
            runBytes(reader + (k == 3 ? " (mmap)" : k == 2 ? " (loadStateDict)" : ""), m, b,
                    k == 3 ? mapped : k == 2 ? stateDict : plain);
        };
        runBytes(reader, "seed", seed, plain);
        blind(seed, r, seed.length > 2000 ? 5 : 2, sets, sets / 4, sink);
        fields(seed, zipFields(seed), false, sink);
        if (!recordLevel) {
            return;
        }
        Map<String, byte[]> records = records(seed);
        byte[] pickle = records.get("data.pkl");
        // the pickle, behind valid CRC-32s
        Sink pk = (m, b) -> sink.accept("data.pkl: " + m, withRecord(records, "data.pkl", b));
        blind(pickle, r, 1 + pickle.length / 300, sets, sets / 4, pk);
        opcodeMutations(pickle, r, sets, pk);
        for (int i = 0; i < 200; i++) {
            pk.accept("FileMutations", FileMutations.mutate(pickle, r, true));
        }
        for (Map.Entry<String, byte[]> e : craftedPickles().entrySet()) {
            sink.accept("data.pkl: crafted " + e.getKey(), withRecord(records, "data.pkl", e.getValue()));
        }
        // the storages: cut short, extended, emptied
        for (Map.Entry<String, byte[]> e : records.entrySet()) {
            if (e.getKey().startsWith("data/")) {
                byte[] s = e.getValue();
                for (int n : new int[] {0, 1, s.length / 2, Math.max(0, s.length - 1), s.length + 1, s.length + 64}) {
                    sink.accept(e.getKey() + " resized to " + n, withRecord(records, e.getKey(), Arrays.copyOf(s, n)));
                }
            }
        }
        // byteorder and version
        for (String v : new String[] {"big", "", "middle", "little\n", "LITTLE", "\u00ff"}) {
            sink.accept("byteorder " + v, withRecord(records, "byteorder", v.getBytes(StandardCharsets.UTF_8)));
        }
        for (String v : new String[] {"", "0", "-1", "4", "99999999999999999999", "3\n", "x", "\n"}) {
            sink.accept("version " + v, withRecord(records, "version", v.getBytes(StandardCharsets.UTF_8)));
        }
        // records renamed, duplicated, deleted, moved to another folder
        List<String> names = new ArrayList<>(records.keySet());
        for (String n : names) {
            for (String to : new String[] {n + "x", n.toUpperCase(), "../" + n, "data/" + n, n.replace("0", "00"),
                n.replace("1", "99"), ""}) {
                if (to.equals(n)) {
                    continue;
                }
                List<Map.Entry<String, byte[]>> l = new ArrayList<>();
                records.forEach((k, v) -> l.add(Map.entry(k.equals(n) ? to : k, v)));
                sink.accept("record " + n + " renamed " + to, archive("archive", l));
            }
            List<Map.Entry<String, byte[]>> dup = new ArrayList<>(records.entrySet());
            dup.add(Map.entry(n, records.get(n)));
            sink.accept("record " + n + " duplicated", archive("archive", dup));
            List<Map.Entry<String, byte[]>> dup2 = new ArrayList<>();
            records.forEach((k, v) -> {
                if (k.equals(n)) {
                    dup2.add(Map.entry(k, new byte[0]));
                }
                dup2.add(Map.entry(k, v));
            });
            sink.accept("record " + n + " duplicated empty first", archive("archive", dup2));
            List<Map.Entry<String, byte[]>> del = new ArrayList<>();
            records.forEach((k, v) -> {
                if (!k.equals(n)) {
                    del.add(Map.entry(k, v));
                }
            });
            sink.accept("record " + n + " deleted", archive("archive", del));
        }
        for (String folder : new String[] {"", "a/b", ".", "..", "x y"}) {
            sink.accept("folder " + folder, archive(folder, new ArrayList<>(records.entrySet())));
        }
    }

    @Test
    void torchSaveArchivesWrittenByEmber() throws IOException {
        fuzzTorchArchive("(Ember seed)", emberArchive(), new Random(SEED), true, 600);
        assertNoFailures();
    }

    @Test
    void torchSaveArchivesWrittenByPyTorch() throws IOException {
        Random r = new Random(SEED + 1);
        for (String f : new String[] {"state_dict.pt", "checkpoint.pt", "tensors.pt"}) {
            fuzzTorchArchive(f, resource("/torchserialization/" + f), r, true, 250);
        }
        fuzzTorchArchive("legacy.pt", resource("/torchserialization/legacy.pt"), r, false, 250);
        // the legacy format with every dtype, views and parameters (LegacyFormatTest's file)
        fuzzTorchArchive("dtypes_legacy.pt", resource("/legacyformat/dtypes_legacy.pt"), r, false, 250);
        fuzzTorchArchive("torchscript.pt", resource("/torchserialization/torchscript.pt"), r, false, 250);
        assertNoFailures();
    }

    // ------------------------------------------------------------------ safetensors

    private static byte[] safetensorsSeed() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        Tensor base = Tensor.arange(0, 6, 1).to(DType.FLOAT32).reshape(2, 3);
        m.put("f32", base);
        m.put("i64", Tensor.arange(0, 3, 1).to(DType.INT64));
        m.put("bool", Tensor.arange(0, 2, 1).to(DType.BOOL));
        m.put("f16", base.to(DType.FLOAT16).reshape(3, 2));
        m.put("bf16", base.to(DType.BFLOAT16).reshape(-1).narrow(0, 0, 2));
        m.put("c64", base.to(DType.COMPLEX64).reshape(-1).narrow(0, 0, 2));
        m.put("empty", Tensor.arange(0, 0, 1).to(DType.UINT8));
        m.put("f64", Tensor.arange(0, 1, 1).to(DType.FLOAT64).reshape());
        return Safetensors.saveBytes(m, Map.of("format", "pt"));
    }

    /** The header's numbers (offsets, shape sizes) and dtype strings, each replaced by hostile values. */
    private static void headerMutations(byte[] seed, Sink sink) throws IOException {
        int headerLen = (int) u32(seed, 0);
        String header = new String(seed, 8, headerLen, StandardCharsets.UTF_8);
        byte[] data = Arrays.copyOfRange(seed, 8 + headerLen, seed.length);
        long dataLen = data.length;
        Matcher num = Pattern.compile("\\d+").matcher(header);
        String[] numbers = {"-1", "18446744073709551615", "18446744073709551616", "9223372036854775807",
            "9223372036854775808", "4294967296", "2147483648", "1099511627776", String.valueOf(dataLen),
            String.valueOf(dataLen + 1), "1e3", "1.5", "0x10", "00", "-0"};
        while (num.find()) {
            for (String v : numbers) {
                sink.accept("header number at " + num.start() + " set to " + v,
                        safetensors(header.substring(0, num.start()) + v + header.substring(num.end()), data));
            }
        }
        Matcher dtype = Pattern.compile("\"dtype\":\"([A-Z0-9_]+)\"").matcher(header);
        String[] dtypes = {"F64", "I8", "U8", "BOOL", "C64", "F8_E4M3", "F8_E8M0", "F4", "U64", "X", "", "f32"};
        while (dtype.find()) {
            for (String v : dtypes) {
                sink.accept("dtype at " + dtype.start(1) + " set to " + v,
                        safetensors(header.substring(0, dtype.start(1)) + v + header.substring(dtype.end(1)), data));
            }
        }
        for (String bad : new String[] {"{", "[]", "null", "{\"a\":1}", "{\"x\":{\"dtype\":\"F32\",\"shape\":[1],"
            + "\"data_offsets\":[0,4]},\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}",
            "{\"x\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,0]}}",
            "{\"x\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}",
            "{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}}",
            "{\"x\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0]}}",
            "{\"x\":{\"dtype\":\"F32\",\"shape\":null,\"data_offsets\":[0,4]}}",
            "{\"x\":{\"dtype\":7,\"shape\":[1],\"data_offsets\":[0,4]}}",
            "{\"__metadata__\":{\"a\":7}}", "{\"__metadata__\":[]}", "{\"x\":[]}", "{\"x\":null}",
            "{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"extra\":1}}",
            "[".repeat(100_000), "{\"a\":".repeat(50_000), "[".repeat(100_000) + "]".repeat(100_000),
            "{\"__metadata__\":{\"a\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}}",
            "{\"x\":" + "{\"a\":".repeat(100_000) + "1" + "}".repeat(100_000) + "}"}) {
            sink.accept("header " + (bad.length() > 40 ? bad.substring(0, 40) + "..." : bad),
                    safetensors(bad, new byte[16]));
        }
        // the header length itself
        for (long v : new long[] {0, 1, 7, headerLen - 1L, headerLen + 1L, seed.length - 8L, seed.length - 7L,
            seed.length, 100_000_001L, 1L << 40, Long.MAX_VALUE, -1, Long.MIN_VALUE, 0xFFFFFFFFL}) {
            sink.accept("header length set to " + v, set(seed, 0, v, 8, false));
        }
    }

    private static byte[] safetensors(String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[8 + h.length + data.length];
        for (int i = 0; i < 8; i++) {
            out[i] = (byte) ((long) h.length >>> (8 * i));
        }
        System.arraycopy(h, 0, out, 8, h.length);
        System.arraycopy(data, 0, out, 8 + h.length, data.length);
        return out;
    }

    @Test
    void safetensorsFiles() throws IOException {
        byte[] seed = safetensorsSeed();
        Random r = new Random(SEED + 2);
        Reader[] readers = {f -> Safetensors.loadBytes(Files.readAllBytes(f)), Safetensors::load, Safetensors::open,
            Safetensors::loadMetadata};
        String[] names = {"safetensors loadBytes", "safetensors load", "safetensors open+slices",
            "safetensors loadMetadata"};
        int[] count = {0};
        Sink sink = (m, b) -> {
            int k = count[0]++ % 4;
            runBytes(names[k], m, b, readers[k]);
        };
        for (int k = 0; k < 4; k++) {
            runBytes(names[k], "seed", seed, readers[k]);
        }
        blind(seed, r, 1, 3000, 600, sink);
        headerMutations(seed, sink);
        assertNoFailures();
    }

    // ------------------------------------------------------------------ sharded checkpoints

    private static Module model() {
        Ember.manualSeed(47);
        return new Sequential(new Linear(4, 3), new Linear(3, 2), new LayerNorm(new int[] {2}));
    }

    private static String state(Module m) {
        StringBuilder b = new StringBuilder();
        m.stateDict().forEach((k, v) -> b.append(k).append(Arrays.toString(v.shape()))
                .append(Arrays.toString(v.toDoubleArray())));
        return b.toString();
    }

    @Test
    void shardedCheckpoints() throws IOException {
        Path seedDir = tmp.resolve("seed");
        Files.createDirectories(seedDir);
        Module written = model();
        for (Tensor p : written.parameters()) {
            p.detach().mul_(Tensor.scalar(1.5));
        }
        ShardedCheckpoint.save(written, seedDir, 60);
        Map<String, byte[]> files = new TreeMap<>();
        try (var s = Files.list(seedDir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                files.put(p.getFileName().toString(), Files.readAllBytes(p));
            }
        }
        assertTrue(files.size() >= 3 && files.containsKey(ShardedCheckpoint.SAFE_WEIGHTS_INDEX_NAME),
                () -> "several shards and an index: " + files.keySet());
        String initial = state(model());
        Random r = new Random(SEED + 3);
        Path dir = tmp.resolve("mutant");
        for (Map.Entry<String, byte[]> target : files.entrySet()) {
            String reader = target.getKey().endsWith(".json") ? "sharded load (index)" : "sharded load (shard)";
            Sink sink = (m, b) -> {
                if (Files.exists(dir)) {
                    try (var s = Files.list(dir)) {
                        for (Path p : (Iterable<Path>) s::iterator) {
                            Files.delete(p);
                        }
                    }
                } else {
                    Files.createDirectories(dir);
                }
                for (Map.Entry<String, byte[]> e : files.entrySet()) {
                    Files.write(dir.resolve(e.getKey()), e.getKey().equals(target.getKey()) ? b : e.getValue());
                }
                run(reader, target.getKey() + ": " + m, dir, b.length, d -> {
                    Module into = model();
                    try {
                        return ShardedCheckpoint.load(into, d, true);
                    } catch (IOException | RuntimeException e) {
                        if (!state(into).equals(initial)) {
                            throw new AssertionError("a refused load changed the model: " + e, e);
                        }
                        throw e;
                    }
                });
            };
            sink.accept("seed", target.getValue());
            blind(target.getValue(), r, 2, 400, 100, sink);
            if (target.getKey().endsWith(".json")) {
                String json = new String(target.getValue(), StandardCharsets.UTF_8);
                for (String[] rep : new String[][] {{"model-00001", "../model-00001"}, {"model-00001", "/etc/passwd"},
                    {"model-00001", "model-00009"}, {"model-00002", "model-00001"}, {"\"weight_map\"", "\"weights\""},
                    {"\"total_size\": \\d+", "\"total_size\": -1"}, {"\\{", "["}, {"0.weight", "9.weight"},
                    {"0.weight", "0.bias"}, {"\\.safetensors\"", ".safetensors\\\\u0000\""}}) {
                    sink.accept("index " + rep[0] + " -> " + rep[1],
                            json.replaceFirst(rep[0], rep[1]).getBytes(StandardCharsets.UTF_8));
                }
                String deep = "[".repeat(100_000) + "]".repeat(100_000);
                sink.accept("index deeply nested", json.replaceFirst("\\{", "{\"deep\":" + deep + ",")
                        .getBytes(StandardCharsets.UTF_8));
                sink.accept("index metadata deeply nested", json.replaceFirst("\"total_size\": \\d+",
                        "\"total_size\": " + deep).getBytes(StandardCharsets.UTF_8));
            } else {
                headerMutations(target.getValue(), sink);
            }
        }
        assertNoFailures();
    }

    // ------------------------------------------------------------------ training checkpoints (nn.utils.Checkpoint)

    private static final class Training {
        final Module model = model();
        final dev.ember.optim.Optimizer optimizer = new dev.ember.optim.Adam(model.parameters(), 0.01);
        final dev.ember.optim.LRScheduler scheduler = new dev.ember.optim.StepLR(optimizer, 2, 0.5);

        Training(int steps) {
            for (int i = 0; i < steps; i++) {
                optimizer.zeroGrad();
                model.forward(Tensor.arange(0, 8, 1).to(DType.FLOAT32).reshape(2, 4)).sum().backward();
                optimizer.step();
                scheduler.step();
            }
        }

        String state() {
            return ReaderMutationFuzzTest.state(model) + optimizer.stateDict() + scheduler.stateDict();
        }
    }

    /** The JSON text's scalars (numbers, strings, literals), each replaced by values of other types and extremes. */
    private static void jsonMutations(String json, Random r, int count, java.util.function.Consumer<String> sink) {
        Matcher tok = Pattern.compile("-?\\d+(\\.\\d+)?([eE][-+]?\\d+)?|\"(\\\\.|[^\"\\\\])*\"|true|false|null|\\[\\]|\\{\\}")
                .matcher(json);
        List<int[]> spans = new ArrayList<>();
        while (tok.find()) {
            spans.add(new int[] {tok.start(), tok.end()});
        }
        String[] values = {"null", "true", "-1", "0", "1e308", "-1e308", "9223372036854775807", "9223372036854775808",
            "-9223372036854775808", "2147483648", "1.5", "\"x\"", "\"\"", "[]", "{}", "[1,2]", "{\"a\":1}",
            "[[]]", "[{}]", "{\"__tensor__\":\"model.0.weight\"}", "{\"__tensor__\":7}", "{\"__tensor__\":\"nope\"}",
            "{\"__sparse_coo__\":{}}", "{\"__sparse_coo__\":{\"size\":[-1]}}", "NaN"};
        for (int i = 0; i < count; i++) {
            int[] sp = spans.get(r.nextInt(spans.size()));
            String v = values[r.nextInt(values.length)];
            sink.accept(json.substring(0, sp[0]) + v + json.substring(sp[1]));
        }
        for (int[] sp : spans) { // every token deleted (usually breaking the syntax) and duplicated
            sink.accept(json.substring(0, sp[0]) + json.substring(sp[1]));
            sink.accept(json.substring(0, sp[1]) + "," + json.substring(sp[0]));
        }
    }

    @Test
    void trainingCheckpoints() throws IOException {
        Path seedFile = tmp.resolve("train.ckpt");
        Training written = new Training(3);
        dev.ember.nn.utils.Checkpoint.save(seedFile, written.model, written.optimizer, written.scheduler, 3);
        byte[] seed = Files.readAllBytes(seedFile);
        String initial = new Training(1).state();
        Reader load = f -> {
            Training t = new Training(1);
            try {
                return dev.ember.nn.utils.Checkpoint.load(f, t.model, t.optimizer, t.scheduler);
            } catch (IOException | RuntimeException e) {
                if (!t.state().equals(initial)) {
                    throw new AssertionError("a refused load changed the model, optimizer or scheduler: " + e, e);
                }
                throw e;
            }
        };
        Random r = new Random(SEED + 5);
        Sink sink = (m, b) -> runBytes("Checkpoint.load", m, b, load);
        sink.accept("seed", seed);
        blind(seed, r, 11, 400, 100, sink);
        Map<String, String> metadata = Safetensors.loadMetadata(seedFile);
        Map<String, Tensor> tensors = Safetensors.load(seedFile);
        Path rewritten = tmp.resolve("rewritten.ckpt");
        List<String> mutants = new ArrayList<>();
        jsonMutations(metadata.get("ember.checkpoint"), r, 900, mutants::add);
        for (String json : mutants) {
            Map<String, String> md = new LinkedHashMap<>(metadata);
            md.put("ember.checkpoint", json);
            Safetensors.save(tensors, md, rewritten);
            sink.accept("state " + (json.length() > 300 ? json.substring(0, 300) + "..." : json),
                    Files.readAllBytes(rewritten));
        }
        assertNoFailures();
    }

    /**
     * Regression (found by {@link #trainingCheckpoints}, a 4-byte field of rng_state set to 0xFFFFFFFF): a checkpoint
     * whose generator state has the right size but is not a valid MT19937 state ({@code left} = 0 here) was refused by
     * the default generator only after the model had been loaded, so the refused load left the model changed (the
     * optimizer and scheduler were put back, the model not). Now refused before anything changes, as an IOException
     * naming the file and PyTorch's "Invalid mt19937 state".
     */
    @Test
    void checkpointWithAnInvalidGeneratorStateIsRefusedBeforeAnythingChanges() throws IOException {
        org.junit.jupiter.api.Assumptions.assumeTrue(
                Ember.defaultGenerator().algorithm() == dev.ember.Generator.Algorithm.MT19937,
                "only an MT19937 state can be invalid at the right size");
        Path good = tmp.resolve("good.ckpt");
        Training written = new Training(3);
        dev.ember.nn.utils.Checkpoint.save(good, written.model, written.optimizer, written.scheduler, 3);
        Map<String, Tensor> tensors = new LinkedHashMap<>(Safetensors.load(good));
        byte[] rng = tensors.get("rng_state").toByteArray().clone();
        Arrays.fill(rng, 8, 12, (byte) 0); // MT19937's "left" = 0
        tensors.put("rng_state", Tensor.fromArray(rng, DType.UINT8));
        Path bad = tmp.resolve("bad.ckpt");
        Safetensors.save(tensors, Safetensors.loadMetadata(good), bad);
        Training t = new Training(1);
        String before = t.state();
        Tensor generatorBefore = Ember.defaultGenerator().getState();
        IOException e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
                () -> dev.ember.nn.utils.Checkpoint.load(bad, t.model, t.optimizer, t.scheduler));
        assertTrue(e.getMessage().contains(bad.toString()) && e.getMessage().contains("Invalid mt19937 state"),
                e.getMessage());
        org.junit.jupiter.api.Assertions.assertEquals(before, t.state(), "the model, optimizer and scheduler unchanged");
        org.junit.jupiter.api.Assertions.assertArrayEquals(generatorBefore.toByteArray(),
                Ember.defaultGenerator().getState().toByteArray(), "the generator unchanged");
        org.junit.jupiter.api.Assertions.assertEquals(3,
                dev.ember.nn.utils.Checkpoint.load(good, t.model, t.optimizer, t.scheduler), "the good file loads");
        org.junit.jupiter.api.Assertions.assertEquals(written.state(), t.state());
    }

    // ------------------------------------------------------------------ IDX (MNIST, Fashion-MNIST)

    /**
     * MNIST's folder (torchvision's layout: both split files, plain or gzipped), one file mutated at a time; an accepted
     * data set must give every sample ({@code get(i)} for each index, and the negative ones).
     */
    @Test
    void mnistFolders() throws IOException {
        Random r = new Random(SEED + 6);
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        seeds.put("train-images-idx3-ubyte", idx(5, 3, 2));
        seeds.put("train-labels-idx1-ubyte.gz", gzip(idx(5)));
        Path root = tmp.resolve("mnist");
        Path raw = root.resolve("MNIST").resolve("raw");
        Files.createDirectories(raw);
        Reader load = f -> {
            dev.ember.data.MNIST m = new dev.ember.data.MNIST(f, true);
            List<Object> all = new ArrayList<>();
            for (int i = -m.size(); i < m.size(); i++) {
                all.addAll(m.get(i));
            }
            all.add(m.data());
            all.add(m.targets());
            return all;
        };
        for (String target : seeds.keySet()) {
            Sink sink = (m, b) -> {
                for (Map.Entry<String, byte[]> e : seeds.entrySet()) {
                    Files.write(raw.resolve(e.getKey()), e.getKey().equals(target) ? b : e.getValue());
                }
                run("MNIST folder", target + ": " + m, root, b.length, load);
            };
            sink.accept("seed", seeds.get(target));
            blind(seeds.get(target), r, 2, 250, 60, sink);
            sink.accept("other count", target.startsWith("train-images") ? idx(4, 3, 2) : gzip(idx(6)));
            sink.accept("no samples", target.startsWith("train-images") ? idx(0, 3, 2) : gzip(idx(0)));
        }
        assertNoFailures();
    }


    private static byte[] idx(int... dims) {
        long n = 1;
        for (int d : dims) {
            n *= d;
        }
        byte[] b = new byte[4 + 4 * dims.length + (int) n];
        b[2] = 0x08;
        b[3] = (byte) dims.length;
        for (int k = 0; k < dims.length; k++) {
            for (int i = 0; i < 4; i++) {
                b[4 + 4 * k + i] = (byte) (dims[k] >>> (8 * (3 - i)));
            }
        }
        for (int i = 4 + 4 * dims.length; i < b.length; i++) {
            b[i] = (byte) (i * 37);
        }
        return b;
    }

    private static byte[] gzip(byte[] b) throws IOException {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        try (GZIPOutputStream g = new GZIPOutputStream(o)) {
            g.write(b);
        }
        return o.toByteArray();
    }

    @Test
    void idxFilesPlainAndGzipped() throws IOException {
        Random r = new Random(SEED + 4);
        byte[] images = idx(3, 4, 5);
        byte[] labels = idx(7);
        Object[][] seeds = {{"idx images", images, (Reader) Idx::readImages, (Reader) Idx::readRawImages},
            {"idx labels", labels, (Reader) Idx::readLabels, (Reader) Idx::readLabels},
            {"idx images gz", gzip(images), (Reader) Idx::readImages, (Reader) Idx::readRawImages},
            {"idx labels gz", gzip(labels), (Reader) Idx::readLabels, (Reader) Idx::readLabels}};
        for (Object[] s : seeds) {
            String name = (String) s[0];
            byte[] seed = (byte[]) s[1];
            int[] count = {0};
            Sink sink = (m, b) -> runBytes(name, m, b, (Reader) s[2 + (count[0]++ & 1)]);
            sink.accept("seed", seed);
            blind(seed, r, 1, 1200, 300, sink);
            List<int[]> fields = new ArrayList<>();
            if (name.endsWith("gz")) {
                // the gzip header's flags and mtime, the trailer's CRC-32 and length
                fields.add(new int[] {3, 1});
                fields.add(new int[] {4, 4});
                fields.add(new int[] {seed.length - 8, 4});
                fields.add(new int[] {seed.length - 4, 4});
                fields(seed, fields, false, sink);
                // a second member appended, one with a header naming extra fields
                byte[] extra = seed.clone();
                extra[3] = 0x04;
                sink.accept("FEXTRA set without the field", extra);
                sink.accept("two members", concat(seed, 0, seed.length, seed, 0, seed.length));
                sink.accept("member and garbage", concat(seed, 0, seed.length, seed, 0, 5));
            } else {
                for (int k = 4; k + 4 <= 4 + 4 * (seed[3] & 0xFF); k += 4) {
                    fields.add(new int[] {k, 4});
                }
                fields(seed, fields, true, sink);
            }
        }
        assertNoFailures();
    }
}
