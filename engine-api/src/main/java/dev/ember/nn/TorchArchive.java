package dev.ember.nn;

import dev.ember.DType;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * The zip container of {@code torch.save} (PyTorch's {@code PyTorchStreamReader}/{@code Writer} over miniz): records
 * stored uncompressed under one folder ({@code archive/data.pkl}, {@code archive/data/0}, ..., {@code archive/version}),
 * each record's data aligned to 64 bytes by an {@code FB} padding field in its local header, a data descriptor after
 * each record, and a zip64 end record. The reader checks every offset and length of the central directory and the
 * local headers against the file's size, that records neither overlap nor reach into the directory, and each record's
 * CRC-32 when it is read; the writer writes the same bytes as PyTorch's.
 */
final class TorchArchive implements AutoCloseable {
    private static final int LOCAL = 0x04034b50;
    private static final int CENTRAL = 0x02014b50;
    private static final int END = 0x06054b50;
    private static final int END64 = 0x06064b50;
    private static final int LOCATOR64 = 0x07064b50;
    private static final int DESCRIPTOR = 0x08074b50;
    private static final long U32 = 0xFFFFFFFFL;
    private static final int ALIGNMENT = 64;
    /** The largest record read whole into memory (the pickle, the version). */
    static final long MAX_SMALL_RECORD = 1L << 28;

    /** One record: where its data starts in the file, its size and its CRC-32. */
    record Record(String name, long offset, long size, int crc, int method) {
    }

    private final Path file;
    private final FileChannel ch;
    /** Where the storages' bytes are read: the channel, or what a test wraps around it. */
    private final TensorBytes.Source source;
    private final String folder;
    private final Map<String, Record> records;

    private TorchArchive(Path file, FileChannel ch, TensorBytes.Source source, String folder, Map<String, Record> records) {
        this.file = file;
        this.ch = ch;
        this.source = source;
        this.folder = folder;
        this.records = records;
    }

    private static IOException bad(Path file, String problem) {
        return new IOException(file + ": " + problem);
    }

    /** The folder all records are in (the file name PyTorch wrote it under). */
    String folder() {
        return folder;
    }

    /** The record of a name inside the folder, or null. */
    Record record(String name) {
        return records.get(name);
    }

    @Override
    public void close() throws IOException {
        ch.close();
    }

    /** Opens a file and reads and checks its central directory and every local header. */
    static TorchArchive open(Path file) throws IOException {
        return open(file, s -> s);
    }

    /**
     * {@link #open(Path)}, the storages' bytes ({@link #readElements}, {@link #checkCrc(Record)}) read through
     * {@code wrap} of the file (a test counts them); the directory, the headers and the small records are read directly.
     */
    static TorchArchive open(Path file, java.util.function.UnaryOperator<TensorBytes.Source> wrap) throws IOException {
        return open(file, wrap, false);
    }

    /**
     * {@link #open(Path, java.util.function.UnaryOperator)}, with {@code mmap} the storages' bytes read through a
     * read-only memory map of the file ({@link TensorBytes#mapped}) instead of the channel's reads.
     */
    static TorchArchive open(Path file, java.util.function.UnaryOperator<TensorBytes.Source> wrap, boolean mmap)
            throws IOException {
        return open(file, FileChannel.open(file, StandardOpenOption.READ), wrap, mmap);
    }

    /**
     * {@link #open(Path, java.util.function.UnaryOperator, boolean)} over a channel the caller has already opened on
     * {@code file} (its position does not matter): the archive owns it from here, and closes it on failure too.
     */
    static TorchArchive open(Path file, FileChannel ch, java.util.function.UnaryOperator<TensorBytes.Source> wrap,
                             boolean mmap) throws IOException {
        try {
            return read(file, ch, wrap.apply(mmap ? TensorBytes.mapped(ch, file) : ch::read));
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    private static ByteBuffer at(FileChannel ch, long position, int n, Path file) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
        TensorBytes.readFully(ch::read, b, position, file);
        return b;
    }

    private static TorchArchive read(Path file, FileChannel ch, TensorBytes.Source source) throws IOException {
        long size = ch.size();
        ByteBuffer head = at(ch, 0, (int) Math.min(size, 4), file);
        if (head.limit() < 4 || head.getInt(0) != LOCAL) {
            boolean pickle = head.limit() > 0 && (head.get(0) & 0xFF) == 0x80;
            throw bad(file, pickle ? "this is torch.save's legacy format (PyTorch before 1.6, or "
                    + "_use_new_zipfile_serialization=False); Ember reads the zip format every PyTorch since 1.6 writes"
                    : "not a PyTorch file (torch.save writes a zip archive; this file does not start with one)");
        }
        // the end record: 22 bytes and a comment of up to 65535, found from the end
        int tail = (int) Math.min(size, 22 + 65535);
        ByteBuffer t = at(ch, size - tail, tail, file);
        int end = -1;
        for (int i = tail - 22; i >= 0; i--) {
            if (t.getInt(i) == END && i + 22 + (t.getShort(i + 20) & 0xFFFF) == tail) {
                end = i;
                break;
            }
        }
        if (end < 0) {
            throw bad(file, "no zip end-of-central-directory record (the file is truncated or not a zip archive)");
        }
        long endPos = size - tail + end;
        long count = t.getShort(end + 10) & 0xFFFF;
        long dirSize = t.getInt(end + 12) & U32;
        long dirOffset = t.getInt(end + 16) & U32;
        long dirLimit = endPos; // the directory ends before the end records
        if (endPos >= 20 && at(ch, endPos - 20, 4, file).getInt(0) == LOCATOR64) {
            ByteBuffer loc = at(ch, endPos - 20, 20, file);
            long end64 = loc.getLong(8);
            if (end64 < 0 || end64 > endPos - 20 - 56) {
                throw bad(file, "the zip64 end record's offset " + end64 + " is outside the file");
            }
            ByteBuffer e = at(ch, end64, 56, file);
            if (e.getInt(0) != END64) {
                throw bad(file, "no zip64 end record at byte " + end64);
            }
            count = e.getLong(32);
            dirSize = e.getLong(40);
            dirOffset = e.getLong(48);
            dirLimit = end64;
        } else if ((t.getShort(end + 4) & 0xFFFF) != 0 || (t.getShort(end + 6) & 0xFFFF) != 0) {
            throw bad(file, "a multi-disk zip archive");
        }
        if (dirOffset < 0 || dirSize < 0 || dirOffset > dirLimit || dirSize > dirLimit - dirOffset) {
            throw bad(file, "the central directory [" + dirOffset + ", +" + dirSize + ") is outside the file of " + size + " bytes");
        }
        if (dirSize > Integer.MAX_VALUE - 8 || count < 0 || count > dirSize / 46) {
            throw bad(file, count + " entries cannot fit a central directory of " + dirSize + " bytes");
        }
        ByteBuffer dir = at(ch, dirOffset, (int) dirSize, file);
        List<long[]> spans = new ArrayList<>(); // {local header offset, data end}
        Map<String, Record> all = new HashMap<>();
        String folder = null;
        int p = 0;
        for (long i = 0; i < count; i++) {
            if (dir.limit() - p < 46 || dir.getInt(p) != CENTRAL) {
                throw bad(file, "central directory entry " + i + " is missing or malformed");
            }
            int flags = dir.getShort(p + 8) & 0xFFFF;
            int method = dir.getShort(p + 10) & 0xFFFF;
            int crc = dir.getInt(p + 16);
            long csize = dir.getInt(p + 20) & U32;
            long usize = dir.getInt(p + 24) & U32;
            int nameLen = dir.getShort(p + 28) & 0xFFFF;
            int extraLen = dir.getShort(p + 30) & 0xFFFF;
            int commentLen = dir.getShort(p + 32) & 0xFFFF;
            long local = dir.getInt(p + 42) & U32;
            if (dir.limit() - p - 46 < (long) nameLen + extraLen + commentLen) {
                throw bad(file, "central directory entry " + i + " runs past the directory");
            }
            String name = utf8(dir, p + 46, nameLen, file);
            // zip64: the fields that hold 0xFFFFFFFF are in the extra field with tag 1, in this order
            int x = p + 46 + nameLen;
            int xEnd = x + extraLen;
            while (xEnd - x >= 4) {
                int tag = dir.getShort(x) & 0xFFFF;
                int len = dir.getShort(x + 2) & 0xFFFF;
                if (len > xEnd - x - 4) {
                    throw bad(file, "record " + name + ": an extra field runs past its entry");
                }
                if (tag == 1) {
                    int q = x + 4;
                    long[] v = {usize, csize, local};
                    for (int k = 0; k < 3; k++) {
                        if (v[k] == U32) {
                            if (q + 8 > x + 4 + len) {
                                throw bad(file, "record " + name + ": the zip64 field lacks a value it needs");
                            }
                            v[k] = dir.getLong(q);
                            q += 8;
                        }
                    }
                    usize = v[0];
                    csize = v[1];
                    local = v[2];
                }
                x += 4 + len;
            }
            if ((flags & 1) != 0) {
                throw bad(file, "record " + name + " is encrypted");
            }
            if (usize < 0 || csize < 0 || local < 0 || local > dirOffset - 30) {
                throw bad(file, "record " + name + ": its local header at " + local + " is outside the file");
            }
            ByteBuffer lh = at(ch, local, 30, file);
            if (lh.getInt(0) != LOCAL) {
                throw bad(file, "record " + name + ": no local header at byte " + local);
            }
            int localName = lh.getShort(26) & 0xFFFF;
            int localExtra = lh.getShort(28) & 0xFFFF;
            long data = local + 30 + localName + localExtra;
            if (data > dirOffset || csize > dirOffset - data) {
                throw bad(file, "record " + name + ": its " + csize + " bytes at " + data + " run into the central directory at " + dirOffset);
            }
            if (!utf8(at(ch, local + 30, localName, file), 0, localName, file).equals(name)) {
                throw bad(file, "record " + name + ": its local header names another file");
            }
            if (folder == null) {
                int slash = name.indexOf('/');
                if (slash < 0) {
                    throw bad(file, "file in archive is not in a subdirectory: " + name);
                }
                folder = name.substring(0, slash);
            }
            if (all.put(name, new Record(name, data, method == 0 && csize == usize ? usize : -1, crc, method)) != null) {
                throw bad(file, "the archive holds " + name + " twice");
            }
            spans.add(new long[] {local, data + csize});
            p += 46 + nameLen + extraLen + commentLen;
        }
        if (folder == null) {
            throw bad(file, "archive does not contain any files");
        }
        spans.sort(Comparator.comparingLong(s -> s[0]));
        for (int i = 1; i < spans.size(); i++) {
            if (spans.get(i)[0] < spans.get(i - 1)[1]) {
                throw bad(file, "two records overlap at byte " + spans.get(i)[0]);
            }
        }
        Map<String, Record> records = new HashMap<>();
        String prefix = folder + "/";
        for (Record r : all.values()) {
            if (r.name().startsWith(prefix)) {
                records.put(r.name().substring(prefix.length()), r);
            }
        }
        return new TorchArchive(file, ch, source, folder, records);
    }

    private static String utf8(ByteBuffer b, int from, int n, Path file) throws IOException {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(b.duplicate().position(from).limit(from + n)).toString();
        } catch (CharacterCodingException e) {
            throw bad(file, "a record name in the zip directory is not valid UTF-8");
        }
    }

    /** A record stored as torch.save stores them: uncompressed. */
    void checkStored(Record r) throws IOException {
        if (r.size() < 0) {
            throw bad(file, "record " + r.name() + " is compressed (method " + r.method() + "); torch.save stores records uncompressed");
        }
    }

    /** A whole record of at most {@link #MAX_SMALL_RECORD} bytes, its CRC-32 checked. */
    byte[] readAll(Record r) throws IOException {
        checkStored(r);
        if (r.size() > MAX_SMALL_RECORD) {
            throw bad(file, "record " + r.name() + " is " + r.size() + " bytes; Ember reads at most " + MAX_SMALL_RECORD);
        }
        ByteBuffer b = at(ch, r.offset(), (int) r.size(), file);
        CRC32 crc = new CRC32();
        crc.update(b.duplicate());
        checkCrc(r, crc);
        return b.array();
    }

    /** A storage record's elements (its size already checked against them), its CRC-32 checked. */
    Object readElements(Record r, DType dtype, int n, ByteOrder order) throws IOException {
        checkStored(r);
        CRC32 crc = new CRC32();
        Object array = TensorBytes.read(source, r.offset(), dtype, n, order, crc, file);
        checkCrc(r, crc);
        return array;
    }

    /**
     * Checks a stored record's CRC-32 without keeping its bytes: they are read a bounded chunk at a time (a storage may
     * be larger than memory allows twice), so a corrupt record is found before anything is built from the file.
     */
    void checkCrc(Record r) throws IOException {
        checkStored(r);
        CRC32 crc = new CRC32();
        ByteBuffer b = ByteBuffer.allocate((int) Math.min(r.size(), TensorBytes.CHUNK));
        for (long done = 0; done < r.size(); done += b.limit()) {
            b.clear().limit((int) Math.min(b.capacity(), r.size() - done));
            TensorBytes.readFully(source, b, r.offset() + done, file); // leaves b flipped: its bytes from 0
            crc.update(b);
        }
        checkCrc(r, crc);
    }

    private void checkCrc(Record r, CRC32 crc) throws IOException {
        if ((int) crc.getValue() != r.crc()) {
            throw bad(file, "record " + r.name() + " fails its CRC-32 check (stored " + Integer.toHexString(r.crc())
                    + ", computed " + Long.toHexString(crc.getValue()) + "): the file is corrupt");
        }
    }

    // ------------------------------------------------------------------ writing

    /** Writes records as PyTorch's {@code PyTorchStreamWriter} does, then the central directory on {@link #finish}. */
    static final class Writer {
        private final OutputStream out;
        private final String folder;
        private final List<long[]> entries = new ArrayList<>(); // {local offset, size, crc}
        private final List<byte[]> names = new ArrayList<>();
        private long position;

        Writer(OutputStream out, String folder) {
            this.out = out;
            this.folder = folder;
        }

        private void put(ByteBuffer b) throws IOException {
            out.write(b.array(), 0, b.position());
            position += b.position();
        }

        private static ByteBuffer buffer(int n) {
            return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
        }

        /** Writes one record whose {@code size} bytes {@code body} writes, counting them into the CRC it is given. */
        void record(String name, long size, Body body) throws IOException {
            byte[] full = (folder + "/" + name).getBytes(StandardCharsets.UTF_8);
            long local = position;
            boolean big = size >= U32 || local >= U32;
            // the zip64 field of the local header, then PyTorch's FB field padding the data to 64 bytes
            int zip64 = big ? 4 + (size >= U32 ? 16 : 0) + (local >= U32 ? 8 : 0) : 0;
            long start = local + 30 + full.length + 4 + zip64;
            int pad = (int) ((ALIGNMENT - start % ALIGNMENT) % ALIGNMENT);
            ByteBuffer h = buffer(30 + full.length + zip64 + 4 + pad);
            // miniz follows a record's data by a descriptor (flag 8), except an empty record's
            short flags = (short) (size == 0 ? 0x0800 : 0x0808);
            h.putInt(LOCAL).putShort((short) (big ? 45 : 0)).putShort(flags).putShort((short) 0)
                    .putInt(0).putInt(0).putInt(big ? -1 : 0).putInt(big ? -1 : 0)
                    .putShort((short) full.length).putShort((short) (zip64 + 4 + pad)).put(full);
            if (big) {
                h.putShort((short) 1).putShort((short) (zip64 - 4));
                if (size >= U32) {
                    h.putLong(size).putLong(size);
                }
                if (local >= U32) {
                    h.putLong(local);
                }
            }
            h.put((byte) 'F').put((byte) 'B').putShort((short) pad);
            for (int i = 0; i < pad; i++) {
                h.put((byte) 'Z');
            }
            put(h);
            CRC32 crc = new CRC32();
            long before = position;
            CountingStream counted = new CountingStream(out);
            body.write(counted, crc);
            position += counted.count;
            if (position - before != size) {
                throw new IllegalStateException("record " + name + " wrote " + (position - before) + " bytes, not " + size);
            }
            if (size > 0) {
                ByteBuffer d = buffer(size >= U32 ? 24 : 16);
                d.putInt(DESCRIPTOR).putInt((int) crc.getValue());
                if (size >= U32) {
                    d.putLong(size).putLong(size);
                } else {
                    d.putInt((int) size).putInt((int) size);
                }
                put(d);
            }
            entries.add(new long[] {local, size, crc.getValue()});
            names.add(full);
        }

        /** Writes the central directory and the zip64 and zip end records. */
        void finish() throws IOException {
            long dirOffset = position;
            for (int i = 0; i < entries.size(); i++) {
                long[] e = entries.get(i);
                byte[] name = names.get(i);
                boolean bigSize = e[1] >= U32;
                boolean bigOffset = e[0] >= U32;
                int extra = bigSize || bigOffset ? 4 + (bigSize ? 16 : 0) + (bigOffset ? 8 : 0) : 0;
                ByteBuffer c = buffer(46 + name.length + extra);
                c.putInt(CENTRAL).putShort((short) 0).putShort((short) (extra > 0 ? 45 : 0)).putShort((short) (e[1] == 0 ? 0x0800 : 0x0808))
                        .putShort((short) 0).putInt(0).putInt((int) e[2])
                        .putInt(bigSize ? -1 : (int) e[1]).putInt(bigSize ? -1 : (int) e[1])
                        .putShort((short) name.length).putShort((short) extra).putShort((short) 0).putShort((short) 0)
                        .putShort((short) 0).putInt(0).putInt(bigOffset ? -1 : (int) e[0]).put(name);
                if (extra > 0) {
                    c.putShort((short) 1).putShort((short) (extra - 4));
                    if (bigSize) {
                        c.putLong(e[1]).putLong(e[1]);
                    }
                    if (bigOffset) {
                        c.putLong(e[0]);
                    }
                }
                put(c);
            }
            long dirSize = position - dirOffset;
            long end64 = position;
            long n = entries.size();
            ByteBuffer z = buffer(56 + 20 + 22);
            z.putInt(END64).putLong(44).putShort((short) 0x031e).putShort((short) 45).putInt(0).putInt(0)
                    .putLong(n).putLong(n).putLong(dirSize).putLong(dirOffset);
            z.putInt(LOCATOR64).putInt(0).putLong(end64).putInt(1);
            short count = (short) (n >= 0xFFFF ? 0xFFFF : n);
            z.putInt(END).putShort((short) 0).putShort((short) 0).putShort(count).putShort(count)
                    .putInt(dirSize >= U32 ? -1 : (int) dirSize).putInt(dirOffset >= U32 ? -1 : (int) dirOffset)
                    .putShort((short) 0);
            put(z);
        }
    }

    /** Writes a record's bytes. */
    interface Body {
        void write(OutputStream out, CRC32 crc) throws IOException;
    }

    private static final class CountingStream extends OutputStream {
        private final OutputStream out;
        long count;

        CountingStream(OutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }
    }
}
