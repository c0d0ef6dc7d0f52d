package dev.ember.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * A strict gzip (RFC 1952) decompressing stream. Unlike {@link java.util.zip.GZIPInputStream}, which silently ignores
 * whatever follows the last member when it is not a gzip header, this rejects trailing bytes other than zero padding
 * (as Python's gzip module does), reserved header flags and any truncation; like it, it checks the optional header
 * CRC and each member's CRC-32 and length trailer, and reads concatenated members as one stream (as {@code gunzip}
 * does). Every problem is an {@link IOException} naming the file. A member's trailer is checked when its data has
 * been read, so a caller must read to the end ({@code read() == -1}) to have the whole file verified.
 */
final class GzipInput extends InputStream {
    private static final int FHCRC = 2;
    private static final int FEXTRA = 4;
    private static final int FNAME = 8;
    private static final int FCOMMENT = 16;
    private static final int RESERVED = 0xE0;

    private final InputStream in;
    private final Path file;
    private final byte[] buf = new byte[1 << 16];
    private int pos;
    private int lim;
    private final Inflater inflater = new Inflater(true);
    private final CRC32 crc = new CRC32();
    private long memberLength;
    private boolean ended;

    /** Starts reading a stream whose first bytes are the gzip magic (0x1f 0x8b). */
    GzipInput(InputStream in, Path file) throws IOException {
        this.in = in;
        this.file = file;
        try {
            beginMember(true);
        } catch (IOException e) {
            inflater.end(); // the caller gets no stream to close
            throw e;
        }
    }

    private IOException bad(String problem) {
        return new IOException(file + ": " + problem);
    }

    /** The next compressed-file byte, or -1 at its end. */
    private int next() throws IOException {
        if (pos == lim) {
            int r = in.read(buf, 0, buf.length);
            if (r <= 0) {
                return -1;
            }
            pos = 0;
            lim = r;
        }
        return buf[pos++] & 0xFF;
    }

    private int need(String what) throws IOException {
        int b = next();
        if (b < 0) {
            throw bad("the gzip stream is truncated (it ends inside " + what + ")");
        }
        return b;
    }

    /** Reads a member header; after a member, the end of the file (after any zero padding) ends the stream. */
    private void beginMember(boolean first) throws IOException {
        int id1 = next();
        if (!first) {
            // Zero bytes after a member are padding, as Python's gzip module (which torchvision uses) treats them.
            while (id1 == 0) {
                id1 = next();
            }
            if (id1 < 0) {
                ended = true;
                return;
            }
        }
        int id2 = id1 < 0 ? -1 : next();
        if (id1 != 0x1f || id2 != 0x8b) {
            throw bad(first ? "not a gzip file" : "unexpected bytes after the end of the gzip stream");
        }
        CRC32 h = new CRC32();
        h.update(0x1f);
        h.update(0x8b);
        int cm = need("the header");
        int flags = need("the header");
        h.update(cm);
        h.update(flags);
        if (cm != 8) {
            throw bad("gzip compression method " + cm + " is not deflate (8)");
        }
        if ((flags & RESERVED) != 0) {
            throw bad(String.format("reserved gzip header flags are set (0x%02x)", flags));
        }
        for (int k = 0; k < 6; k++) { // modification time, extra flags, operating system
            h.update(need("the header"));
        }
        if ((flags & FEXTRA) != 0) {
            int lo = need("the header");
            int hi = need("the header");
            h.update(lo);
            h.update(hi);
            for (int k = (hi << 8) | lo; k > 0; k--) {
                h.update(need("the header's extra field"));
            }
        }
        for (int flag : new int[] {FNAME, FCOMMENT}) {
            if ((flags & flag) != 0) {
                int c;
                do {
                    c = need(flag == FNAME ? "the header's file name" : "the header's comment");
                    h.update(c);
                } while (c != 0);
            }
        }
        if ((flags & FHCRC) != 0) {
            int stored = need("the header") | (need("the header") << 8);
            if (stored != (int) (h.getValue() & 0xFFFF)) {
                throw bad("the gzip header CRC does not match the header");
            }
        }
        inflater.reset();
        crc.reset();
        memberLength = 0;
    }

    /** Checks a finished member's trailer, then starts the next member or ends the stream. */
    private void endMember() throws IOException {
        // The inflater holds back the bytes it did not use: they begin the trailer.
        pos = lim - inflater.getRemaining();
        long storedCrc = 0;
        long storedLength = 0;
        for (int k = 0; k < 4; k++) {
            storedCrc |= (long) need("the trailer") << (8 * k);
        }
        for (int k = 0; k < 4; k++) {
            storedLength |= (long) need("the trailer") << (8 * k);
        }
        if (storedCrc != crc.getValue()) {
            throw bad(String.format("gzip CRC-32 mismatch: the trailer says %08x, the data gives %08x (the file is corrupt)",
                    storedCrc, crc.getValue()));
        }
        if (storedLength != (memberLength & 0xFFFFFFFFL)) {
            throw bad("gzip length mismatch: the trailer says " + storedLength + " bytes (mod 2^32), the data has "
                    + memberLength + " (the file is corrupt)");
        }
        beginMember(false);
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int r = read(one, 0, 1);
        return r < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (!ended) {
            int r;
            try {
                r = inflater.inflate(b, off, len);
            } catch (DataFormatException e) {
                throw bad("corrupt gzip data (" + e.getMessage() + ")");
            }
            if (r > 0) {
                crc.update(b, off, r);
                memberLength += r;
                return r;
            }
            if (inflater.finished()) {
                endMember();
            } else if (inflater.needsDictionary()) {
                throw bad("corrupt gzip data (the deflate stream asks for a preset dictionary)");
            } else if (inflater.needsInput()) {
                if (pos == lim) {
                    int got = in.read(buf, 0, buf.length);
                    if (got <= 0) {
                        throw bad("the gzip stream is truncated (it ends inside the compressed data)");
                    }
                    pos = 0;
                    lim = got;
                }
                inflater.setInput(buf, pos, lim - pos);
                pos = lim; // handed to the inflater; endMember takes back what it leaves
            }
        }
        return -1;
    }

    @Override
    public void close() throws IOException {
        inflater.end();
        in.close();
    }
}
