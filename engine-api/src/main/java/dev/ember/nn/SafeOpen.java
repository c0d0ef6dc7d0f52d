package dev.ember.nn;

import dev.ember.Index;
import dev.ember.Tensor;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A safetensors file open for reading one tensor at a time, as {@code safetensors.safe_open(file, framework="pt")}
 * ({@link Safetensors#open}): the header was read and checked when the file was opened (every field, shape and byte
 * range, as {@link Safetensors#load} checks them), and {@link #getTensor} reads only the bytes of the tensor asked for,
 * so a checkpoint larger than memory can be loaded, converted or inspected tensor by tensor. Reads may come from
 * several threads at once (positional reads of one channel). Close it, as {@code with safe_open(...) as f:} does.
 *
 * <pre>{@code
 * try (SafeOpen f = Safetensors.open(path)) {
 *     for (String name : f.keys()) {
 *         Tensor t = f.getTensor(name).to(DType.FLOAT32);
 *     }
 * }
 * }</pre>
 */
public final class SafeOpen implements AutoCloseable {
    private final Path file;
    private final FileChannel channel;
    /** Where the tensors' bytes are read: the channel, or what a test wraps around it. */
    private final TensorBytes.Source source;
    private final Safetensors.Header header;
    private final Map<String, Safetensors.Entry> byName = new LinkedHashMap<>();
    private volatile boolean closed;

    private SafeOpen(Path file, FileChannel channel, TensorBytes.Source source, Safetensors.Header header) {
        this.file = file;
        this.channel = channel;
        this.source = source;
        this.header = header;
        for (Safetensors.Entry e : header.entries()) {
            byName.put(e.name, e);
        }
    }

    static SafeOpen open(Path file) throws IOException {
        return open(file, s -> s);
    }

    /** {@link #open(Path)}, the tensors' bytes read through {@code wrap} of the file (a test counts them). */
    static SafeOpen open(Path file, java.util.function.UnaryOperator<TensorBytes.Source> wrap) throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
        try {
            return new SafeOpen(file, ch, wrap.apply(ch::read), Safetensors.readHeader(ch::read, ch.size(), file));
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("File is closed");
        }
    }

    private Safetensors.Entry entry(String name) {
        checkOpen();
        if (name == null) {
            throw new IllegalArgumentException("the tensor's name must not be null");
        }
        Safetensors.Entry e = byName.get(name);
        if (e == null) {
            throw new IllegalArgumentException("File does not contain tensor " + name);
        }
        return e;
    }

    /** The file this reads. */
    public Path path() {
        return file;
    }

    /**
     * The names of the tensors, sorted, as the reference's {@code keys()} returns them.
     *
     * @throws IllegalStateException once closed
     */
    public List<String> keys() {
        checkOpen();
        List<String> keys = new ArrayList<>(byName.keySet());
        keys.sort(SafeOpen::byCodePoints);
        return Collections.unmodifiableList(keys);
    }

    /**
     * The names of the tensors in the order of their data in the file, as the reference's {@code offset_keys()}.
     *
     * @throws IllegalStateException once closed
     */
    public List<String> offsetKeys() {
        checkOpen();
        List<Safetensors.Entry> entries = new ArrayList<>(header.entries());
        entries.sort(Comparator.comparingLong((Safetensors.Entry e) -> e.begin).thenComparingLong(e -> e.end));
        List<String> keys = new ArrayList<>();
        entries.forEach(e -> keys.add(e.name));
        return Collections.unmodifiableList(keys);
    }

    /**
     * The file's {@code __metadata__}, in the file's order; empty where it has none (the reference returns
     * {@code None}).
     *
     * @throws IllegalStateException once closed
     */
    public Map<String, String> metadata() {
        checkOpen();
        return Collections.unmodifiableMap(header.metadata());
    }

    /**
     * The tensor {@code name}, on the CPU, reading only its bytes.
     *
     * @throws IllegalArgumentException for a name the file does not hold (the reference's {@code File does not contain
     *     tensor name})
     * @throws IllegalStateException once closed
     * @throws IOException if the bytes cannot be read, or the tensor has more elements than Ember holds in one tensor
     */
    public Tensor getTensor(String name) throws IOException {
        return Safetensors.readTensor(source, file, header, entry(name));
    }

    /**
     * A handle on the tensor {@code name} that tells its shape and dtype without reading it, and reads a part of it,
     * as the reference's {@code get_slice(name)}.
     *
     * @throws IllegalArgumentException for a name the file does not hold
     * @throws IllegalStateException once closed
     */
    public Slice getSlice(String name) {
        return new Slice(entry(name));
    }

    /** Closes the file; later calls throw {@link IllegalStateException}. Closing twice does nothing. */
    @Override
    public void close() throws IOException {
        closed = true;
        channel.close();
    }

    /** Python's string order: by code point, where Java's compareTo orders UTF-16 units. */
    static int byCodePoints(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Boolean.compare(i < a.length(), j < b.length());
    }

    /** One tensor of an open file, as the reference's {@code PySafeSlice}. */
    public final class Slice {
        private final Safetensors.Entry entry;

        private Slice(Safetensors.Entry entry) {
            this.entry = entry;
        }

        /** The whole tensor's shape ({@code get_shape()}). */
        public int[] getShape() {
            return entry.shape.clone();
        }

        /** The whole tensor's dtype as the file names it ({@code get_dtype()}): {@code "F32"}, {@code "BF16"}, ... */
        public String getDtype() {
            return Safetensors.code(entry.dtype);
        }

        /**
         * {@code slice[indices]}: the tensor indexed as PyTorch indexes it ({@link Tensor#index}), contiguous. With ints,
         * slices, new axes and an ellipsis only the selected elements' bytes are read (runs of them, close ones with
         * one read; at most the bytes from the first selected element to the last), so a part of a tensor larger than
         * memory can be taken; with a tensor index the whole tensor is read and indexed.
         *
         * @throws IllegalStateException once the file is closed
         * @throws IOException if the bytes cannot be read
         * @throws IllegalArgumentException as {@link Tensor#index} for an index that does not fit (and
         *     IndexOutOfBoundsException where it throws that), before anything is read
         */
        public Tensor get(Index... indices) throws IOException {
            checkOpen();
            if (indices == null) {
                throw new IllegalArgumentException("indices must not be null");
            }
            Tensor part = SliceRead.index(source, file, header.dataStart(), entry, indices);
            return part != null ? part : Safetensors.readTensor(source, file, header, entry).index(indices);
        }

        /**
         * {@code slice[start:start + length]} along {@code dim}, as {@link Tensor#narrow} (the tensor-parallel cut of a
         * weight's rows or columns), contiguous: only the selected elements' bytes are read, as {@link #get} reads
         * them.
         *
         * @throws IllegalStateException once the file is closed
         * @throws IOException if the bytes cannot be read
         * @throws IllegalArgumentException as {@link Tensor#narrow} for a dimension or range that does not fit, before
         *     anything is read
         */
        public Tensor narrow(int dim, int start, int length) throws IOException {
            checkOpen();
            return SliceRead.narrow(source, file, header.dataStart(), entry, dim, start, length);
        }
    }
}
