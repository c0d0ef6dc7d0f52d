package dev.ember.nn;

/** Python's {@code slice(start, stop, step).indices(length)} and the positions it walks, for the containers' slices. */
final class PySlice {
    private PySlice() {
    }

    /**
     * The positions {@code range(*slice(start, stop, step).indices(length))}: a null bound or step is Python's None
     * (step 1; from the start or the end, by the step's sign), a negative bound counts from the end, and the bounds are
     * clamped as Python's {@code PySlice_AdjustIndices} does (to {@code [0, length]} for a positive step, to
     * {@code [-1, length - 1]} for a negative one).
     *
     * @throws IllegalArgumentException for a step of 0 (Python's {@code ValueError: slice step cannot be zero})
     */
    static int[] positions(Integer start, Integer stop, Integer step, int length) {
        long s = step == null ? 1 : step;
        if (s == 0) {
            throw new IllegalArgumentException("slice step cannot be zero");
        }
        long lo = s < 0 ? -1 : 0;
        long hi = s < 0 ? length - 1L : length;
        long from = start == null ? (s < 0 ? hi : lo) : bound(start, length, lo, hi);
        long to = stop == null ? (s < 0 ? lo : hi) : bound(stop, length, lo, hi);
        long count = s > 0 ? (to > from ? (to - from + s - 1) / s : 0) : (from > to ? (from - to - s - 1) / -s : 0);
        int[] out = new int[(int) count];
        for (int k = 0; k < count; k++) {
            out[k] = (int) (from + k * s);
        }
        return out;
    }

    private static long bound(long v, int length, long lo, long hi) {
        long b = v < 0 ? v + length : v;
        return Math.max(lo, Math.min(hi, b));
    }
}
