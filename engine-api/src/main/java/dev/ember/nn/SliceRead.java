package dev.ember.nn;

import dev.ember.DType;
import dev.ember.Index;
import dev.ember.Tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The part of a stored tensor that a basic index (ints, slices, new axes, an ellipsis) or a narrow selects, read from
 * the file without the rest: the selection is an arithmetic progression along every dimension, so its elements, in
 * the result's row-major order, are runs of equal length at increasing positions (a run spans the innermost
 * dimensions that are whole and the one before them when its step is 1). The runs are read in order: one as long as
 * {@link #WINDOW} or longer straight into the result, shorter ones gathered from one read of the bytes from a run to
 * the last of the runs after it that lie within {@link #WINDOW} bytes of it and less than {@link #GAP} bytes apart,
 * so a selection costs few reads and reads at most the bytes from its first element to its last.
 */
final class SliceRead implements TensorBytes.Source {
    /** Runs fewer than this many bytes apart are read with one call, the bytes between them read and dropped. */
    static final int GAP = 4096;
    /** The most bytes one gathering read takes; a run at least this long is read into the result directly. */
    static final int WINDOW = 1 << 20;

    /** Where the bytes come from, and what the messages name. */
    private final TensorBytes.Source file;
    private final Object where;
    /** The runs: their length in bytes, the counts and byte steps of the dimensions they repeat along. */
    private final long runBytes;
    private final long[] counts;
    private final long[] steps;
    /** The next run to deliver (or the one being delivered), and the bytes of it left. */
    private final Cursor cursor;
    private long at;
    private long left;
    /** The bytes delivered so far: the position the next read must ask for. */
    private long delivered;
    /** The gathered bytes of the file, {@code [windowStart, windowEnd)}. */
    private ByteBuffer window;
    private long windowStart;
    private long windowEnd;

    /**
     * A selection of a tensor stored contiguously at {@code base}: per dimension, the first index, the count and the
     * step of the indices kept (the caller has checked them against the shape).
     */
    private SliceRead(TensorBytes.Source file, Object where, long base, int elementSize, int[] shape, long[] first,
            long[] count, long[] step) {
        this.file = file;
        this.where = where;
        int rank = shape.length;
        long[] stride = new long[rank]; // in bytes
        long s = elementSize;
        for (int d = rank - 1; d >= 0; d--) {
            stride[d] = s;
            s *= shape[d]; // at most the stored tensor's bytes, which the header checked
        }
        // the innermost dimensions kept whole make one block; the dimension before them joins it with a step of 1
        int inner = rank;
        while (inner > 0 && first[inner - 1] == 0 && step[inner - 1] == 1 && count[inner - 1] == shape[inner - 1]) {
            inner--;
        }
        long block = inner == rank ? elementSize : stride[inner] * shape[inner];
        int outer = inner;
        if (inner > 0 && step[inner - 1] == 1) {
            outer = inner - 1;
            block *= count[inner - 1];
        }
        this.runBytes = block;
        this.counts = Arrays.copyOf(count, outer);
        this.steps = new long[outer];
        long start = base;
        long runs = 1;
        for (int d = 0; d < rank; d++) {
            start += first[d] * stride[d];
            if (d < outer) {
                steps[d] = step[d] * stride[d];
                runs *= count[d];
            }
        }
        for (long c : count) {
            if (c == 0) {
                runs = 0;
            }
        }
        this.cursor = new Cursor(start, runs);
        this.at = start;
        this.left = runs == 0 ? 0 : runBytes;
    }

    /** A position among the runs: the next run's file offset, its indices, and how many runs are left from it. */
    private final class Cursor {
        long offset;
        long remaining;
        final long[] index;

        Cursor(long offset, long remaining) {
            this.offset = offset;
            this.remaining = remaining;
            this.index = new long[counts.length];
        }

        Cursor(Cursor other) {
            this.offset = other.offset;
            this.remaining = other.remaining;
            this.index = other.index.clone();
        }

        /** Moves to the next run; false when this was the last. */
        boolean advance() {
            if (remaining <= 1) {
                remaining = 0;
                return false;
            }
            remaining--;
            for (int d = counts.length - 1; d >= 0; d--) {
                index[d]++;
                offset += steps[d];
                if (index[d] < counts[d]) {
                    return true;
                }
                offset -= steps[d] * counts[d];
                index[d] = 0;
            }
            return true; // unreachable: remaining counted the runs
        }
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
        if (position != delivered) {
            throw new IllegalStateException("the selected bytes are read in order: asked for byte " + position
                    + " after " + delivered);
        }
        int begin = dst.position();
        while (dst.hasRemaining()) {
            if (left == 0) {
                if (!cursor.advance()) {
                    break;
                }
                at = cursor.offset;
                left = runBytes;
            }
            int n = (int) Math.min(dst.remaining(), left);
            if (at >= windowStart && at + n <= windowEnd) {
                int from = (int) (at - windowStart);
                dst.put(window.duplicate().limit(from + n).position(from));
            } else if (runBytes >= WINDOW) {
                ByteBuffer part = dst.slice();
                part.limit(n);
                TensorBytes.readFully(file, part, at, where);
                dst.position(dst.position() + n);
            } else {
                gather();
                continue;
            }
            at += n;
            left -= n;
        }
        int got = dst.position() - begin;
        delivered += got;
        return got == 0 && dst.remaining() > 0 ? -1 : got;
    }

    /** Reads the runs from the current one on that lie close together into the window. */
    private void gather() throws IOException {
        long start = at; // a run's start: a run shorter than the window is read whole into it
        long end = at + left;
        Cursor ahead = new Cursor(cursor);
        while (ahead.advance()) {
            long next = ahead.offset;
            if (next - end >= GAP || next + runBytes - start > WINDOW) {
                break;
            }
            end = next + runBytes;
        }
        int length = (int) (end - start); // at most WINDOW
        if (window == null || window.capacity() < length) {
            window = ByteBuffer.allocate((int) Math.min(WINDOW, Math.max(length, 2L * (window == null ? 0
                    : window.capacity()))));
        }
        window.clear().limit(length);
        TensorBytes.readFully(file, window, start, where);
        windowStart = start;
        windowEnd = end;
    }

    // ------------------------------------------------------------------ the selections

    /**
     * {@code tensor[indices]} of a stored tensor, reading only the selected runs, for indices of ints, slices, new
     * axes and ellipses; null where a tensor index takes part, which the caller reads whole and indexes.
     * Every error is {@link Tensor#index}'s, from indexing a stand-in of the same shape that holds no data.
     */
    static Tensor index(TensorBytes.Source file, Object where, long dataStart, Safetensors.Entry e, Index[] indices)
            throws IOException {
        for (Index ix : indices) {
            if (ix != null && ix.isTensor()) {
                return null;
            }
        }
        int[] shape = e.shape;
        int rank = shape.length;
        int[] resultShape = standIn(shape).index(indices).shape(); // PyTorch's checks and messages, null entries too
        int specified = 0;
        for (Index ix : indices) {
            specified += ix.isInteger() || ix.isSlice() ? 1 : 0;
        }
        long[][] selection = whole(shape);
        long[] first = selection[0];
        long[] count = selection[1];
        long[] step = selection[2];
        // the selection along every dimension, and the shape it gives, which must be the shape Tensor.index gave
        List<Integer> expected = new java.util.ArrayList<>();
        int d = 0;
        for (Index ix : indices) {
            if (ix.isNewAxis()) {
                expected.add(1);
            } else if (ix.isEllipsis()) {
                for (int k = 0; k < rank - specified && d < rank; k++) {
                    expected.add(shape[d++]); // kept whole
                }
            } else if (d == rank) {
                return null; // not a selection Tensor.index accepts (it checked the entries): read it whole
            } else if (ix.isInteger()) {
                long v = ix.integer();
                first[d] = v < 0 ? v + shape[d] : v;
                count[d] = 1;
                d++;
            } else {
                long n = shape[d];
                long by = ix.sliceStep() == null ? 1 : ix.sliceStep();
                long from = adjust(ix.sliceStart() == null ? 0 : ix.sliceStart(), n);
                long to = adjust(ix.sliceEnd() == null ? Long.MAX_VALUE : ix.sliceEnd(), n);
                first[d] = from;
                step[d] = by;
                count[d] = to > from ? (to - from + by - 1) / by : 0;
                expected.add((int) count[d]);
                d++;
            }
        }
        while (d < rank) {
            expected.add(shape[d++]);
        }
        if (!expected.equals(Arrays.stream(resultShape).boxed().toList())) {
            return null;
        }
        return read(file, where, dataStart, e, resultShape, first, count, step);
    }

    /**
     * {@code tensor.narrow(dim, start, length)} of a stored tensor, reading only the selected runs; every error is
     * {@link Tensor#narrow}'s, from narrowing a stand-in of the same shape that holds no data.
     */
    static Tensor narrow(TensorBytes.Source file, Object where, long dataStart, Safetensors.Entry e, int dim, int start,
            int length) throws IOException {
        int[] shape = e.shape;
        int[] resultShape = standIn(shape).narrow(dim, start, length).shape(); // PyTorch's checks and messages
        int rank = shape.length;
        int d = dim < 0 ? dim + rank : dim;
        long[][] selection = whole(shape);
        long[] first = selection[0];
        long[] count = selection[1];
        long[] step = selection[2];
        first[d] = start < 0 ? start + (long) shape[d] : start;
        count[d] = length;
        return read(file, where, dataStart, e, resultShape, first, count, step);
    }

    /** The whole tensor as a selection: per dimension the first index (0), the count (all) and the step (1). */
    private static long[][] whole(int[] shape) {
        long[][] selection = new long[3][shape.length];
        for (int d = 0; d < shape.length; d++) {
            selection[1][d] = shape[d];
            selection[2][d] = 1;
        }
        return selection;
    }

    /** A tensor of {@code shape} with no data (one element, broadcast): what the checks of index and narrow need. */
    private static Tensor standIn(int[] shape) {
        return Tensor.zeros(DType.UINT8).expand(shape);
    }

    /** PySlice_AdjustIndices for a positive step: negative counts from the end, then clamped to [0, length]. */
    private static long adjust(long v, long length) {
        if (v < 0) {
            return Math.max(0, v + length);
        }
        return Math.min(v, length);
    }

    private static Tensor read(TensorBytes.Source file, Object where, long dataStart, Safetensors.Entry e,
            int[] resultShape, long[] first, long[] count, long[] step) throws IOException {
        long numel = 1;
        for (int s : resultShape) {
            numel *= s; // at most the stored tensor's elements
        }
        int size = TensorBytes.elementSize(e.dtype);
        SliceRead source = new SliceRead(file, where, dataStart + e.begin, size, e.shape, first, count, step);
        Safetensors.Entry part = new Safetensors.Entry(e.name, e.dtype, resultShape, numel, 0, numel * size);
        return Safetensors.readTensor(source, where, new Safetensors.Header(0, List.of(), Map.of()), part);
    }
}
