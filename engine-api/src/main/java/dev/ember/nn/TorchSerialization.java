package dev.ember.nn;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Tensor;
import dev.ember.backend.Storage;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads and writes PyTorch's own checkpoint files, {@code torch.save}/{@code torch.load} (the zip format PyTorch has
 * written since 1.6: {@code .pt}, {@code .pth}, {@code pytorch_model.bin}), so a state dict trained in PyTorch loads
 * into an Ember module and back: {@code model.loadStateDict(TorchSerialization.loadStateDict(Path.of("model.pt")))}.
 *
 * <p>{@link #load} reads what {@code torch.load(f, weights_only=True)} (PyTorch 2.6's default) reads and nothing
 * more: its restricted unpickler allows the same opcodes and the same globals, each a fixed construction in Java, so a
 * file cannot make Ember call anything it names; any other global is refused with PyTorch's message, unless it was
 * allowed with {@link SafeGlobals} (2.4's {@code add_safe_globals}), which maps it to a Java factory. Tensors come
 * back on the CPU (as with {@code map_location="cpu"}), with the dtype, shape, strides and {@code requires_grad} they
 * were saved with; tensors that shared a storage share one again. Python values map to Java as {@code dict} and
 * {@code OrderedDict} to {@link Map}, {@code list} to {@link ArrayList}, {@code tuple} and {@code torch.Size} to an
 * unmodifiable {@link List}, {@code int} to {@link Long} ({@link java.math.BigInteger} beyond 64 bits), {@code float}
 * to {@link Double}, {@code bool} to {@link Boolean}, {@code None} to null, {@code str} to {@link String},
 * {@code bytes} and {@code bytearray} to {@code byte[]}, {@code set} to {@link java.util.Set}, {@code torch.dtype} to {@link DType} and
 * {@code torch.device} to its string.
 *
 * <p>The reader trusts no length in a file: the zip directory's offsets and sizes are checked against the file
 * size, records may not overlap or be compressed, every record's CRC-32 is verified, a storage record's size must be
 * exactly its element count times the element size, and each tensor's view must lie inside its storage, all in exact
 * arithmetic before anything is allocated for it. A malformed, corrupt or hostile file is an {@link IOException}
 * naming the file and the problem. The legacy format (PyTorch before 1.6, or {@code _use_new_zipfile_serialization=False}:
 * old checkpoints and model-zoo weights) is read as 2.x's weights-only {@code torch.load} reads it, with the same
 * checks (each pickle's extent and each storage's size against the bytes the file has, before anything is allocated);
 * in that format quantized and sparse tensors, PyTorch 0.3's storage views and the older {@code .tar} format are
 * refused. Not read: TorchScript archives ({@code torch.jit.save}), and tensors Ember has no type for (complex32,
 * quint2x4, sparse BSR/BSC).
 * A quantized tensor ({@code _rebuild_qtensor} over a {@code QInt8Storage}, {@code QUInt8Storage}
 * or {@code QInt32Storage}, per tensor or per channel, with integer or float zero points, or a {@code QUInt4x2Storage}
 * with float zero points per channel, an embedding's weight) is read as a
 * {@link dev.ember.ao.quantization.QuantizedTensor} and written as PyTorch writes one, {@code torch.qint8}-style dtypes
 * as {@link dev.ember.ao.quantization.QuantDType} and {@code torch.per_tensor_affine}-style schemes as
 * {@link dev.ember.ao.quantization.QScheme}: a quantized model's state dict
 * ({@link dev.ember.ao.quantization.Quantization#stateDict}) goes both ways. A state dict's {@code _metadata} (the
 * modules' versions) is kept ({@link #versions}) and written back. A sparse COO tensor ({@code _rebuild_sparse_tensor}) is read as a
 * {@link dev.ember.sparse.SparseTensor} (an SGD state dict's sparse momentum buffer, say), coalesced where 2.x's file
 * says it is, and {@link #save} writes one as PyTorch 2.x does, its {@code is_coalesced} flag included (1.13 wrote no
 * flag and cannot read it). A sparse CSR or CSC tensor is read as a {@link dev.ember.sparse.SparseCsrTensor}, from
 * 2.x's {@code _rebuild_sparse_tensor(torch.sparse_csr, (crow_indices, col_indices, values, size))} or 1.13's
 * {@code _rebuild_sparse_csr_tensor}, and written as 2.x writes it. Complex tensors (complex64 and complex128, {@code ComplexFloatStorage} and
 * {@code ComplexDoubleStorage}) are read and written as PyTorch does, their parts interleaved.
 *
 * <p>{@link #save} writes the bytes {@code torch.save} writes for the same objects (pickle protocol 2, the same zip
 * layout with 64-byte aligned records), so PyTorch loads Ember's files with {@code torch.load}, weights-only or not.
 */
public final class TorchSerialization {
    private static final String CPU = "cpu";

    private TorchSerialization() {
    }

    /**
     * Reads the object a {@code torch.save} file holds, as {@code torch.load(file, map_location="cpu",
     * weights_only=True)}.
     *
     * @throws IOException              if the file cannot be read, is not a PyTorch zip archive, is malformed or corrupt,
     *                                  or holds something the weights-only loader refuses or Ember cannot represent
     * @throws IllegalArgumentException if {@code file} is null
     */
    public static Object load(Path file) throws IOException {
        return load(file, defaultMmap);
    }

    private static volatile boolean defaultMmap;

    /**
     * {@link #load(Path)} with PyTorch 2.1's {@code mmap}: true reads the storages through a read-only memory map of the
     * file ({@code FileChannel.map}) instead of the channel's reads, with every check of the other path (each length
     * against the bytes the file has, each CRC-32). As 2.x's map is private (copy-on-write), a loaded tensor changed in
     * place never writes to the file; in Ember that holds because CPU tensors live in Java arrays, so each storage is
     * still copied into the heap once (unlike 2.x, whose storages stay backed by the file's pages): the map saves the
     * channel's buffer copies, not the heap. A legacy-format (pre-1.6) file is refused with {@code mmap}, as 2.x refuses
     * it.
     *
     * @param file the file
     * @param mmap whether to read the storages through a memory map
     * @return the object
     * @throws IOException as {@link #load(Path)}
     * @throws IllegalArgumentException if {@code file} is null
     */
    public static Object load(Path file, boolean mmap) throws IOException {
        if (file == null) {
            throw new IllegalArgumentException("file must not be null");
        }
        return load(file, s -> s, false, mmap);
    }

    /**
     * Sets what {@link #load(Path)} and {@link #loadStateDict(Path)} do about {@code mmap}, as PyTorch 2.5's
     * {@code torch.utils.serialization.config.load.mmap} (the default of {@code torch.load(mmap=None)}; false unless
     * set). Process-wide.
     *
     * @param mmap whether loads without an explicit {@code mmap} read through a memory map
     */
    public static void setDefaultLoadMmap(boolean mmap) {
        defaultMmap = mmap;
    }

    /**
     * The default of {@code mmap}, as {@code torch.utils.serialization.config.load.mmap}.
     *
     * @return whether loads read through a memory map by default
     */
    public static boolean getDefaultLoadMmap() {
        return defaultMmap;
    }

    /**
     * {@link #load(Path)}, the storages' bytes read through {@code wrap} of the file; with {@code standIns}, every
     * storage checked (its record, size and CRC-32, read a chunk at a time) but not kept, and every tensor a stand-in of
     * its dtype and shape ({@link Unpickler#loadStandIns}).
     */
    static Object load(Path file, java.util.function.UnaryOperator<TensorBytes.Source> wrap, boolean standIns)
            throws IOException {
        return load(file, wrap, standIns, defaultMmap);
    }

    /** {@link #load(Path, java.util.function.UnaryOperator, boolean)}, through a memory map with {@code mmap}. */
    static Object load(Path file, java.util.function.UnaryOperator<TensorBytes.Source> wrap, boolean standIns,
                       boolean mmap) throws IOException {
        java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.READ);
        boolean handedOver = false;
        try {
            long size = ch.size();
            ByteBuffer head = ByteBuffer.allocate((int) Math.min(size, 512));
            TensorBytes.readFully(ch::read, head, 0, file);
            if (LegacyTorchFile.isTar(head)) {
                throw LegacyTorchFile.tarRefusal(file);
            }
            if (LegacyTorchFile.isPickle(head)) {
                if (mmap) {
                    throw LegacyTorchFile.mmapRefusal(file);
                }
                return LegacyTorchFile.load(file, wrap.apply(ch::read), size, standIns);
            }
            handedOver = true;
        } finally {
            if (!handedOver) {
                ch.close();
            }
        }
        // The zip format: the archive takes over the channel the head was read from (one open per load).
        try (TorchArchive archive = TorchArchive.open(file, ch, wrap, mmap)) {
            if (archive.record("constants.pkl") != null) {
                throw new IOException(file + ": this is a TorchScript archive (torch.jit.save); Ember reads torch.save files");
            }
            TorchArchive.Record version = archive.record("version");
            if (version == null) {
                throw new IOException(file + ": PytorchStreamReader failed locating file version: file not found");
            }
            String v = new String(archive.readAll(version), StandardCharsets.UTF_8).trim();
            if (!v.matches("[1-3]")) {
                throw new IOException(file + ": Attempted to read a PyTorch file with version " + v
                        + ", but the maximum supported version for reading is 3");
            }
            ByteOrder order = ByteOrder.LITTLE_ENDIAN;
            TorchArchive.Record byteorder = archive.record("byteorder");
            if (byteorder != null) {
                String b = new String(archive.readAll(byteorder), StandardCharsets.UTF_8);
                if (!b.equals("little") && !b.equals("big")) {
                    throw new IOException(file + ": Unknown endianness type: " + b);
                }
                order = b.equals("big") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
            }
            TorchArchive.Record pickle = archive.record("data.pkl");
            if (pickle == null) {
                throw new IOException(file + ": PytorchStreamReader failed locating file data.pkl: file not found");
            }
            byte[] data = archive.readAll(pickle);
            ByteOrder byteOrder = order;
            Map<String, Tensor> storages = new HashMap<>();
            Map<String, Unpickler.StorageType> types = new HashMap<>();
            Unpickler.Storages reader = (key, type, location, numel) -> {
                Tensor s = storages.get(key);
                if (s != null) {
                    if (types.get(key).dtype() != type.dtype() || s.numel() != numel) {
                        throw new IOException(file + ": storage " + key + " is read as " + numel + " " + type.name()
                                + " elements after " + s.numel() + " " + types.get(key).name() + " ones");
                    }
                    return s;
                }
                s = storage(archive, key, type, numel, byteOrder, file, standIns);
                storages.put(key, s);
                types.put(key, type);
                return s;
            };
            String source = file + " (" + archive.folder() + "/data.pkl)";
            return standIns ? Unpickler.loadStandIns(data, source, reader) : Unpickler.load(data, source, reader);
        }
    }

    private static Tensor storage(TorchArchive archive, String key, Unpickler.StorageType type, long numel, ByteOrder order,
                                  Path file, boolean standIn) throws IOException {
        TorchArchive.Record r = archive.record("data/" + key);
        if (r == null) {
            throw new IOException(file + ": PytorchStreamReader failed locating file data/" + key + ": file not found");
        }
        // a complex storage: its parts interleaved, twice as many elements of the real type in one Ember tensor
        DType dtype = type.dtype();
        int perElement = dtype.isComplex() ? 2 : 1;
        int size = dtype.itemSize();
        archive.checkStored(r);
        if (numel > r.size() / size || r.size() != numel * size) {
            long bytes = numel > Long.MAX_VALUE / size ? Long.MAX_VALUE : numel * size;
            throw new IOException(file + ": record data/" + key + " holds " + r.size() + " bytes, but its storage of " + numel
                    + " " + type.dtype().torchName() + " elements needs " + (bytes == Long.MAX_VALUE ? "more than 2^63" : bytes));
        }
        if (numel * perElement > TensorBytes.MAX_ELEMENTS) {
            throw new IOException(file + ": storage " + key + " has " + numel + " elements; Ember holds at most "
                    + TensorBytes.MAX_ELEMENTS / perElement + " in one tensor of " + dtype.torchName());
        }
        if (standIn) {
            archive.checkCrc(r);
            return Unpickler.standIn(dtype, (int) numel);
        }
        Object array = archive.readElements(r, dtype, (int) numel, order);
        return TensorBytes.tensor(array, dtype, new int[] {(int) numel});
    }

    /**
     * Reads a state dict (a dict of names to tensors, as {@code module.state_dict()} gives and {@code torch.save}
     * writes) for {@link Module#loadStateDict(Map)}.
     *
     * @throws IOException              as {@link #load}, and if the file holds anything but a dict of {@code str} to
     *                                  tensors (the message says what it holds; read such checkpoints with {@link #load})
     * @throws IllegalArgumentException if {@code file} is null
     */
    public static Map<String, Tensor> loadStateDict(Path file) throws IOException {
        return stateDict(load(file), file);
    }

    /**
     * {@link #loadStateDict(Path)} with {@code mmap}, as {@link #load(Path, boolean)}.
     *
     * @param file the file
     * @param mmap whether to read the storages through a memory map
     * @return the state dict
     * @throws IOException as {@link #loadStateDict(Path)}
     * @throws IllegalArgumentException if {@code file} is null
     */
    public static Map<String, Tensor> loadStateDict(Path file, boolean mmap) throws IOException {
        return stateDict(load(file, mmap), file);
    }

    /** {@link #loadStateDict(Path)}, the storages' bytes read through {@code wrap} of the file. */
    static Map<String, Tensor> loadStateDict(Path file, java.util.function.UnaryOperator<TensorBytes.Source> wrap)
            throws IOException {
        return stateDict(load(file, wrap, false), file);
    }

    /**
     * The names and shapes of a state dict file's tensors, in its order, with every check {@link #loadStateDict(Path)}
     * makes (the archive, every storage's size and CRC-32, every tensor's layout, that it is a state dict), but without
     * its tensors in memory: each storage is read a chunk at a time for its CRC-32 and dropped. A file that is not a
     * plain state dict (one holding a quantized or sparse tensor) is read whole, once, for
     * {@link #loadStateDict(Path)}'s error.
     */
    static Map<String, int[]> stateDictShapes(Path file, java.util.function.UnaryOperator<TensorBytes.Source> wrap)
            throws IOException {
        Object o;
        try {
            o = load(file, wrap, true);
        } catch (Unpickler.DataNeeded e) {
            o = load(file, wrap, false);
        }
        Map<String, int[]> shapes = new LinkedHashMap<>();
        stateDict(o, file).forEach((k, t) -> shapes.put(k, t.shape()));
        return shapes;
    }

    /** What {@link #load} read, as a state dict; else an error saying what it holds. */
    private static Map<String, Tensor> stateDict(Object o, Path file) throws IOException {
        if (!(o instanceof Map)) {
            throw new IOException(file + ": holds a " + Unpickler.describe(o) + ", not a state dict (a dict of str to Tensor)");
        }
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : ((Map<?, ?>) o).entrySet()) {
            if (e.getKey() instanceof String k && (e.getValue() instanceof dev.ember.ao.quantization.QuantizedTensor
                    || e.getValue() instanceof dev.ember.ao.quantization.QuantDType)) {
                throw new IOException(file + ": holds a quantized model's state dict (its entry '" + k + "' is a quantized "
                        + (e.getValue() instanceof dev.ember.ao.quantization.QuantDType ? "dtype" : "tensor") + "): read it "
                        + "with TorchSerialization.load and load it with Quantization.loadStateDict");
            }
            if (!(e.getKey() instanceof String) || !(e.getValue() instanceof Tensor)) {
                throw new IOException(file + ": holds a dict whose entry " + e.getKey() + " is a " + Unpickler.describe(e.getKey())
                        + " key with a " + Unpickler.describe(e.getValue()) + " value, not a state dict (a dict of str to Tensor); "
                        + "read it with TorchSerialization.load and take the state dict out of it");
            }
            out.put((String) e.getKey(), (Tensor) e.getValue());
        }
        return out;
    }

    /**
     * A Python tuple for {@link #save}: an unmodifiable list that is pickled as a tuple ({@link #load} gives tuples in
     * this form too, so they are written back as tuples).
     *
     * @param items the items (null is Python's {@code None})
     * @return the tuple
     */
    public static List<Object> tuple(Object... items) {
        if (items == null) {
            throw new IllegalArgumentException("tuple: items must not be null");
        }
        return new Unpickler.Tuple(java.util.Arrays.asList(items));
    }

    /**
     * The module versions of a state dict's {@code _metadata} ({@code state_dict._metadata[prefix]['version']}), by
     * module prefix ({@code ""} for the root), as a loaded file or {@link #stateDictWithVersions} gives them.
     *
     * @param stateDict a map {@link #load} read, or any map
     * @return the versions, in the file's order; empty when the map carries none
     */
    public static Map<String, Long> versions(Map<?, ?> stateDict) {
        if (stateDict instanceof Unpickler.OrderedDictMap o && o.versions != null) {
            return java.util.Collections.unmodifiableMap(new LinkedHashMap<>(o.versions));
        }
        return Map.of();
    }

    /**
     * A state dict as PyTorch's {@code state_dict()} returns it: an {@code OrderedDict} of the entries (in their order)
     * that carries the modules' versions as its {@code _metadata}, which {@link #save} writes and PyTorch's
     * {@code load_state_dict} reads (a quantized Linear's entries depend on them).
     *
     * @param entries the entries
     * @param versions the versions by module prefix
     * @return the map
     */
    public static Map<String, Object> stateDictWithVersions(Map<String, ?> entries, Map<String, Long> versions) {
        if (entries == null || versions == null) {
            throw new IllegalArgumentException("stateDictWithVersions: entries and versions must not be null");
        }
        Unpickler.OrderedDictMap m = new Unpickler.OrderedDictMap();
        m.putAll(entries);
        m.versions = new LinkedHashMap<>(versions);
        @SuppressWarnings("unchecked")
        Map<String, Object> typed = (Map<String, Object>) (Map<?, ?>) m;
        return typed;
    }

    /**
     * Writes a state dict as {@code torch.save(module.state_dict(), file)} does: an {@code OrderedDict} of the names to
     * the tensors, in the map's order.
     *
     * @throws IllegalArgumentException as {@link #save(Object, Path)}
     */
    public static void saveStateDict(Map<String, Tensor> stateDict, Path file) throws IOException {
        if (stateDict == null) {
            throw new IllegalArgumentException("stateDict must not be null");
        }
        Unpickler.OrderedDictMap ordered = new Unpickler.OrderedDictMap();
        ordered.putAll(stateDict);
        save(ordered, file);
    }

    /**
     * Writes an object as {@code torch.save(obj, file)} does. It may be a {@link Tensor} (on any device: its whole
     * storage is written, as PyTorch does, and tensors sharing a storage share it in the file; a meta tensor as PyTorch
     * writes one, {@code _rebuild_meta_tensor_no_storage(dtype, size, stride, requires_grad)} without data, which
     * {@link #load} reads back as a meta tensor), a sparse COO
     * {@link dev.ember.sparse.SparseTensor} ({@code _rebuild_sparse_tensor(layout, (indices, values, size,
     * is_coalesced))}, as 2.x), a sparse CSR/CSC {@link dev.ember.sparse.SparseCsrTensor} ({@code
     * _rebuild_sparse_tensor(layout, (compressed_indices, plain_indices, values, size))}, as 2.x), a {@link Map}
     * (a Python {@code dict}; a map {@link #load} read as an {@code OrderedDict} is written as one, with its
     * {@code _metadata} versions), a {@link List} (a {@code list}; a {@link #tuple} a {@code tuple}), a
     * {@link dev.ember.ao.quantization.QuantizedTensor}, a {@link dev.ember.ao.quantization.QuantDType} or
     * {@link dev.ember.ao.quantization.QScheme}, a {@link String}, an integer ({@link Long}, {@link Integer}, {@link Short}, {@link Byte},
     * {@link java.math.BigInteger}), a {@link Double} or {@link Float}, a {@link Boolean}, a {@link DType}, a
     * {@code byte[]} or null, nested in any way. An object reached twice is written once, as Python's pickler does.
     * Everything is checked and every tensor copied to the host before the file is opened.
     *
     * @throws IllegalArgumentException for a null file, an object of another class, a string that is not valid Unicode,
     *                                  or nesting deeper than Python's recursion limit (1000)
     * @throws IllegalStateException    for a closed tensor
     */
    public static void save(Object obj, Path file) throws IOException {
        if (file == null) {
            throw new IllegalArgumentException("file must not be null");
        }
        Map<Storage, String> keys = new IdentityHashMap<>();
        Map<String, Tensor> storages = new HashMap<>();
        byte[] pickle = Pickler.dump(obj, t -> {
            // a complex tensor's storage holds its parts: twice its elements, of the real type
            boolean complex = t.dtype().isComplex();
            Storage s = parts(t).storage();
            String key = keys.get(s);
            if (key == null) {
                key = String.valueOf(keys.size());
                keys.put(s, key);
                storages.put(key, t);
            } else if (pickledType(storages.get(key).dtype()) != pickledType(t.dtype())) {
                // a complex tensor and its real view (view_as_real) share one storage
                throw new IllegalArgumentException("Cannot save multiple tensors or storages that view the same data as "
                        + "different types");
            }
            Device d = t.device();
            return new Pickler.TensorReduce(key, t.dtype(), d.isCpu() ? CPU : d.type() + ":" + Math.max(d.index(), 0),
                    complex ? s.numel() / 2 : t.dtype().isBarebonesUnsigned() ? s.numel() * t.dtype().itemSize() : s.numel(),
                    t.storageOffset(), t.shape(), t.stride(), t.requiresGrad());
        });
        // PyTorch writes the storages in the order of their keys as strings: 0, 1, 10, 11, ..., 2
        Map<String, Object> arrays = new TreeMap<>();
        for (Map.Entry<String, Tensor> e : storages.entrySet()) {
            Tensor t = parts(e.getValue());
            long n = t.storage().numel();
            Tensor whole = t.asStrided(new int[] {(int) n}, new int[] {1}, 0);
            arrays.put(e.getKey(), TensorBytes.hostArray(whole.to(Device.CPU)));
        }
        String folder = archiveName(file);
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
            TorchArchive.Writer w = new TorchArchive.Writer(out, folder);
            w.record("data.pkl", pickle.length, (o, crc) -> {
                o.write(pickle);
                crc.update(pickle);
            });
            for (Map.Entry<String, Object> e : arrays.entrySet()) {
                Object a = e.getValue();
                long bytes = (long) java.lang.reflect.Array.getLength(a)
                        * TensorBytes.elementSize(storages.get(e.getKey()).dtype().toReal());
                w.record("data/" + e.getKey(), bytes, (o, crc) -> TensorBytes.write(o, a, crc));
            }
            byte[] version = "3\n".getBytes(StandardCharsets.US_ASCII);
            w.record("version", version.length, (o, crc) -> {
                o.write(version);
                crc.update(version);
            });
            w.finish();
        }
    }

    /** A tensor without history, a complex one as its real view (over the same storage). */
    /**
     * The type a storage pickles as: uint8 for the fp8 types and uint16/uint32/uint64 (2.x pickles them as an
     * UntypedStorage, numel its bytes, which its persistent_id takes as uint8), the tensor's own otherwise; two tensors over one storage must agree on it.
     */
    private static DType pickledType(DType t) {
        return t.isFloat8() || t.isBarebonesUnsigned() ? DType.UINT8 : t;
    }

    private static Tensor parts(Tensor t) {
        Tensor d = t.detach();
        return d.dtype().isComplex() ? d.viewAsReal() : d.dtype().isFloat8() ? d.view(DType.UINT8)
                : d.dtype().isBarebonesUnsigned() ? d.view(d.dtype().storageType()) : d;
    }

    /** PyTorch names the archive's folder after the file: its name without directory and last extension. */
    private static String archiveName(Path file) {
        Path name = file.getFileName();
        String s = name == null ? "" : name.toString();
        int dot = s.lastIndexOf('.');
        String base = dot > 0 ? s.substring(0, dot) : dot == 0 ? "" : s;
        return base.isEmpty() ? "archive" : base;
    }
}
