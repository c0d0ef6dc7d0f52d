package dev.ember.nn;

import dev.ember.DType;
import dev.ember.Tensor;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code torch.save}'s legacy format (PyTorch before 1.6, and later ones with
 * {@code _use_new_zipfile_serialization=False}), read as PyTorch 2.x's {@code torch.load(f, weights_only=True)} reads
 * it ({@code torch.serialization._legacy_load} with the restricted unpickler): five pickles one after another (the
 * magic number, the protocol version 1001, the writer's system information, the object, the storage keys in the order
 * their bytes follow), then for each key an int64 element count and the storage's bytes, little-endian.
 *
 * <p>Nothing in the file is trusted: each pickle's extent is found by walking its opcodes against the file's size
 * before it is read, every storage's size is checked against the bytes left after the pickles in exact arithmetic
 * before anything is allocated for it, each element count written before a storage must be the one its tensors were
 * pickled with, and every storage the object uses must be written. The object's pickle is read twice: first with
 * stand-in storages (every tensor's layout checked, the storages' types and sizes collected), then, once the
 * storages' bytes are read, with them. Quantized and sparse tensors, whose rebuild needs their values, are refused in
 * this format (Ember reads them from the zip format), as are PyTorch 0.3's storage views and the {@code .tar} format
 * older still (which 2.x's weights-only load refuses too).
 */
final class LegacyTorchFile {
    /** torch.serialization.MAGIC_NUMBER. */
    private static final BigInteger MAGIC = new BigInteger("1950a86a20f9469cfc6c", 16);
    /** torch.serialization.PROTOCOL_VERSION. */
    private static final long PROTOCOL_VERSION = 1001;

    private LegacyTorchFile() {
    }

    /** Whether a file's first bytes are a pickle's (the legacy format starts with one, the zip format with "PK"). */
    static boolean isPickle(ByteBuffer head) {
        return head.limit() > 0 && (head.get(0) & 0xFF) == 0x80;
    }

    /** Whether a file's first 512 bytes are a tar header (its "ustar" magic at byte 257). */
    static boolean isTar(ByteBuffer head) {
        if (head.limit() < 262) {
            return false;
        }
        byte[] magic = new byte[5];
        head.get(257, magic);
        return new String(magic, java.nio.charset.StandardCharsets.US_ASCII).equals("ustar");
    }

    /** The refusal of the {@code .tar} format, 2.x's ({@code legacy_load} under {@code weights_only=True}). */
    static IOException tarRefusal(Path file) {
        return new IOException(file + ": Cannot use ``weights_only=True`` with files saved in the legacy .tar format "
                + "(the oldest torch.save files); Ember reads what a weights-only torch.load reads");
    }

    /** 2.x's refusal of {@code mmap=True} for a file that is not in the zip format. */
    static IOException mmapRefusal(Path file) {
        return new IOException(file + ": mmap can only be used with files saved with `torch.save(" + file
                + ", _use_new_zipfile_serialization=True), please torch.save your checkpoint with this option in order to "
                + "use mmap.");
    }

    /** A storage the object's pickle names: its type and element count, and, once read, its tensor. */
    private static final class Entry {
        final Unpickler.StorageType type;
        final long numel;
        Tensor tensor;

        Entry(Unpickler.StorageType type, long numel) {
            this.type = type;
            this.numel = numel;
        }
    }

    /**
     * Reads the object a legacy file holds; with {@code standIns}, every check made and every storage's bytes found in
     * the file but not read, each tensor a stand-in of its dtype and shape.
     *
     * @param source the file's bytes by position (the channel, or what a test wraps around it)
     * @param size   the file's size in bytes
     */
    static Object load(Path file, TensorBytes.Source source, long size, boolean standIns) throws IOException {
        Cursor in = new Cursor(source, size, file);
        Unpickler.Storages none = (key, type, location, numel) -> {
            throw new IOException(file + ": a storage outside the object's pickle");
        };
        Object magic = Unpickler.loadLegacy(in.pickle("the magic number"), file + " (the magic number)", none, false);
        if (!(magic instanceof Long || magic instanceof BigInteger) || !new BigInteger(magic.toString()).equals(MAGIC)) {
            throw new IOException(file + ": Invalid magic number; corrupt file?");
        }
        Object version = Unpickler.loadLegacy(in.pickle("the protocol version"), file + " (the protocol version)", none,
                false);
        if (!(version instanceof Long) || (Long) version != PROTOCOL_VERSION) {
            throw new IOException(file + ": Invalid protocol version: " + (version instanceof byte[] || version instanceof Tensor
                    ? Unpickler.describe(version) : String.valueOf(version)));
        }
        // the writer's sys_info (byte order, type sizes): 2.x reads it and ignores it, the storages being little-endian
        Unpickler.loadLegacy(in.pickle("the system information"), file + " (the system information)", none, false);
        byte[] object = in.pickle("the object");
        long afterObject = in.position;
        String objectSource = file + " (the legacy format's object pickle)";

        // first pass: the storages' types and sizes, every tensor's layout checked against them, nothing allocated
        Map<String, Entry> entries = new LinkedHashMap<>();
        Object standInResult;
        try {
            standInResult = firstPass(file, object, objectSource, entries, size - afterObject);
        } catch (Unpickler.DataNeeded e) {
            if (standIns) {
                throw e; // the caller reads the file with its tensors, and gets the refusal below
            }
            throw new IOException(file + ": holds " + e.what() + " in torch.save's legacy format; Ember reads quantized and "
                    + "sparse tensors from the zip format only (load the file in PyTorch and torch.save it again)", e);
        }


        Object keys = Unpickler.loadLegacy(in.pickle("the storage keys"), file + " (the storage keys)", none, false);
        if (!(keys instanceof List)) {
            throw new IOException(file + ": the storage keys are a " + Unpickler.describe(keys) + ", not a list");
        }
        java.util.Set<String> written = new java.util.HashSet<>();
        for (Object k : (List<?>) keys) {
            Entry e = k instanceof String ? entries.get(k) : null;
            if (e == null) {
                throw new IOException(file + ": storage key " + (k instanceof String ? "'" + k + "'" : Unpickler.describe(k))
                        + " not found in deserialized_objects");
            }
            ByteBuffer count = in.read(8, "storage " + k + "'s element count");
            long numel = count.order(ByteOrder.LITTLE_ENDIAN).getLong(0);
            long expected = storageBytes(file, (String) k, e.type, e.numel);
            int item = e.type.dtype().itemSize();
            if (numel != e.numel) {
                throw new IOException(file + ": storage " + k + " has wrong byte size: expected " + expected + " got "
                        + (numel < 0 || numel > Long.MAX_VALUE / item ? numel + " elements" : String.valueOf(numel * item)));
            }
            if (expected > size - in.position) {
                throw new IOException(file + ": storage " + k + " needs " + expected + " bytes at byte " + in.position
                        + ", but the file ends at byte " + size + " (truncated)");
            }
            if (!standIns) {
                Object array = TensorBytes.read(source, in.position, e.type.dtype(), (int) e.numel, ByteOrder.LITTLE_ENDIAN,
                        null, file);
                e.tensor = TensorBytes.tensor(array, e.type.dtype(), new int[] {(int) e.numel});
            }
            in.position += expected;
            written.add((String) k);
        }
        for (String key : entries.keySet()) {
            if (!written.contains(key)) {
                throw new IOException(file + ": storage " + key + " is used by the object but its bytes are never written "
                        + "(the file is truncated or corrupt)");
            }
        }
        if (standIns) {
            return standInResult;
        }
        // second pass: the object over the storages just read (the same pickle, so the same keys, types and sizes)
        return Unpickler.loadLegacy(object, objectSource, (key, type, location, numel) -> {
            Entry e = entries.get(key);
            if (e == null || e.type.dtype() != type.dtype() || e.numel != numel) {
                throw new IllegalStateException("the object's pickle read storage " + key + " differently the second time");
            }
            return e.tensor;
        }, false);
    }

    /**
     * The object's pickle read with stand-in storages: every tensor's layout checked, the storages' types and sizes
     * collected into {@code entries} (in the order the pickle names them), their bytes and 8-byte counts checked to fit
     * in the {@code left} bytes after the pickles.
     */
    private static Object firstPass(Path file, byte[] object, String objectSource, Map<String, Entry> entries, long left)
            throws IOException {
        long[] claimed = {0};
        return Unpickler.loadLegacy(object, objectSource, (key, type, location, numel) -> {
            Entry e = entries.get(key);
            if (e == null) {
                if (type.dtype() == null) {
                    throw new IOException(file + ": storage " + key + " is a " + type.name() + ", which Ember cannot hold");
                }
                long bytes = storageBytes(file, key, type, numel);
                // each storage's bytes and its 8-byte count follow the pickles: they must fit in what the file has left
                claimed[0] = Math.addExact(claimed[0], Math.addExact(bytes, 8));
                if (claimed[0] > left) {
                    throw new IOException(file + ": the storages the object uses need more than the " + left
                            + " bytes the file has after its pickles (storage " + key + " of " + numel + " "
                            + type.dtype().torchName() + " elements); the file is truncated or corrupt");
                }
                e = new Entry(type, numel);
                entries.put(key, e);
            } else if (e.type.dtype() != type.dtype() || e.numel != numel) {
                throw new IOException(file + ": storage " + key + " is read as " + numel + " " + type.name() + " elements after "
                        + e.numel + " " + e.type.name() + " ones");
            }
            return Unpickler.standIn(type.dtype(), (int) numel);
        }, true);
    }

    /** A storage's size in bytes, checked against what one Ember tensor can hold. */
    private static long storageBytes(Path file, String key, Unpickler.StorageType type, long numel) throws IOException {
        DType dtype = type.dtype();
        int perElement = dtype.isComplex() ? 2 : 1;
        if (numel > TensorBytes.MAX_ELEMENTS / perElement) {
            throw new IOException(file + ": storage " + key + " has " + numel + " elements; Ember holds at most "
                    + TensorBytes.MAX_ELEMENTS / perElement + " in one tensor of " + dtype.torchName());
        }
        return numel * dtype.itemSize();
    }

    /** The file read forward: pickles found by walking their opcodes, then fixed-size fields. */
    private static final class Cursor {
        private final TensorBytes.Source source;
        private final long size;
        private final Path file;
        long position;
        private ByteBuffer window = ByteBuffer.allocate(0);
        private long windowStart;

        Cursor(TensorBytes.Source source, long size, Path file) {
            this.source = source;
            this.size = size;
            this.file = file;
        }

        ByteBuffer read(int n, String what) throws IOException {
            if (n > size - position) {
                throw new IOException(file + ": the file ends at byte " + size + " inside " + what + " (truncated)");
            }
            ByteBuffer b = ByteBuffer.allocate(n);
            TensorBytes.readFully(source, b, position, file);
            position += n;
            return b;
        }

        private int u8(long at, String what) throws IOException {
            if (at >= size) {
                throw new IOException(file + ": the file ends at byte " + size + " inside " + what + " (truncated)");
            }
            if (at < windowStart || at >= windowStart + window.limit()) {
                window = ByteBuffer.allocate((int) Math.min(1 << 16, size - at));
                TensorBytes.readFully(source, window, at, file);
                windowStart = at;
            }
            return window.get((int) (at - windowStart)) & 0xFF;
        }

        private long le(long at, int n, String what) throws IOException {
            long v = 0;
            for (int i = 0; i < n; i++) {
                v |= (long) u8(at + i, what) << (8 * i);
            }
            return v;
        }

        /**
         * The next pickle's bytes: its opcodes walked with their arguments up to STOP (or up to and with an opcode the
         * unpickler does not take, whose refusal it then gives), its extent checked against the file before it is read.
         */
        byte[] pickle(String what) throws IOException {
            long p = position;
            boolean done = false;
            while (!done) {
                int op = u8(p++, what);
                long skip;
                switch (op) {
                    case '.':
                        skip = 0;
                        done = true;
                        break;
                    case 0x80: case 'K': case 'h': case 'q':
                        skip = 1;
                        break;
                    case 'M':
                        skip = 2;
                        break;
                    case 'J': case 'j': case 'r':
                        skip = 4;
                        break;
                    case 'G':
                        skip = 8;
                        break;
                    case 'U': case 0x8a: // SHORT_BINSTRING, LONG1: a one-byte length
                        skip = 1 + u8(p, what);
                        break;
                    case 'X': // BINUNICODE: a four-byte length
                        skip = 4 + le(p, 4, what);
                        break;
                    case 'c': { // GLOBAL: two lines
                        for (int line = 0; line < 2; line++) {
                            while (u8(p++, what) != '\n') {
                                if (p - position > 1 << 16) {
                                    throw new IOException(file + ": a GLOBAL's name in " + what + " runs past 64 KiB");
                                }
                            }
                        }
                        skip = 0;
                        break;
                    }
                    case 0x81: case 'R': case 'b': case 'a': case 'e': case 's': case 'u': case '(': case 't':
                    case 0x85: case 0x86: case 0x87: case 'N': case 0x88: case 0x89: case ')': case ']': case '}':
                    case 0x8f: case 'Q':
                        skip = 0;
                        break;
                    default: // the unpickler refuses it, with its message
                        skip = 0;
                        done = true;
                }
                if (skip > size - p) {
                    throw new IOException(file + ": the file ends at byte " + size + " inside " + what + " (truncated)");
                }
                p += skip;
            }
            long n = p - position;
            if (n > TensorBytes.MAX_ELEMENTS) {
                throw new IOException(file + ": " + what + " is a pickle of " + n + " bytes; Ember reads pickles of up to "
                        + TensorBytes.MAX_ELEMENTS);
            }
            ByteBuffer b = read((int) n, what);
            return b.array();
        }
    }
}
