package dev.ember.cpu;

import dev.ember.DType;
import dev.ember.backend.BinaryOp;
import dev.ember.backend.UnaryOp;

/**
 * The narrow integer types (int32, int16, int8, uint8) in the elementwise kernels: as PyTorch's CPU kernels do for its
 * half types, a row is widened on load into a per-thread buffer of longs, computed in long, and narrowed on store
 * (C's conversion: two's complement wrap-around, so int8 {@code 100 * 3} is 44 and uint8 {@code 5 - 6} is 255, as in
 * PyTorch). Rows are done in chunks of {@link #CHUNK} elements, so the buffers stay small and no call allocates.
 */
final class NarrowLoops {
    private NarrowLoops() {
    }

    static final int CHUNK = 512;

    private static final ThreadLocal<long[][]> BUFFERS = ThreadLocal.withInitial(() -> new long[3][CHUNK]);

    /** This thread's three chunk buffers (two operands and a result). */
    static long[][] buffers() {
        return BUFFERS.get();
    }

    /** {@code n} elements of {@code s} from {@code off} by {@code st}, widened to longs (floats truncated by Java's cast). */
    static void load(CpuStorage s, int off, int st, long[] buf, int n) {
        switch (s.dtype) {
            case INT64: {
                long[] a = (long[]) s.array;
                for (int i = 0; i < n; i++) {
                    buf[i] = a[off + i * st];
                }
                return;
            }
            case INT32: {
                int[] a = (int[]) s.array;
                for (int i = 0; i < n; i++) {
                    buf[i] = a[off + i * st];
                }
                return;
            }
            case INT16: {
                short[] a = (short[]) s.array;
                for (int i = 0; i < n; i++) {
                    buf[i] = a[off + i * st];
                }
                return;
            }
            case INT8: {
                byte[] a = (byte[]) s.array;
                for (int i = 0; i < n; i++) {
                    buf[i] = a[off + i * st];
                }
                return;
            }
            case UINT8: {
                byte[] a = (byte[]) s.array;
                for (int i = 0; i < n; i++) {
                    buf[i] = a[off + i * st] & 0xFF;
                }
                return;
            }
            case FLOAT32: {
                float[] a = (float[]) s.array;
                for (int i = 0; i < n; i++) {
                    buf[i] = (long) a[off + i * st];
                }
                return;
            }
            case FLOAT64: {
                double[] a = (double[]) s.array;
                for (int i = 0; i < n; i++) {
                    buf[i] = (long) a[off + i * st];
                }
                return;
            }
            default: {
                boolean[] a = (boolean[]) s.array;
                for (int i = 0; i < n; i++) {
                    buf[i] = a[off + i * st] ? 1 : 0;
                }
            }
        }
    }

    /** Stores {@code n} longs into {@code d} from {@code off} by {@code st}: wrapped for integers, rounded once for floats. */
    static void store(long[] buf, int n, CpuStorage d, int off, int st) {
        switch (d.dtype) {
            case INT64: {
                long[] a = (long[]) d.array;
                for (int i = 0; i < n; i++) {
                    a[off + i * st] = buf[i];
                }
                return;
            }
            case INT32: {
                int[] a = (int[]) d.array;
                for (int i = 0; i < n; i++) {
                    a[off + i * st] = (int) buf[i];
                }
                return;
            }
            case INT16: {
                short[] a = (short[]) d.array;
                for (int i = 0; i < n; i++) {
                    a[off + i * st] = (short) buf[i];
                }
                return;
            }
            case INT8:
            case UINT8: {
                byte[] a = (byte[]) d.array;
                for (int i = 0; i < n; i++) {
                    a[off + i * st] = (byte) buf[i];
                }
                return;
            }
            case FLOAT32: {
                float[] a = (float[]) d.array;
                for (int i = 0; i < n; i++) {
                    a[off + i * st] = (float) buf[i];
                }
                return;
            }
            case FLOAT64: {
                double[] a = (double[]) d.array;
                for (int i = 0; i < n; i++) {
                    a[off + i * st] = (double) buf[i];
                }
                return;
            }
            default: {
                boolean[] a = (boolean[]) d.array;
                for (int i = 0; i < n; i++) {
                    a[off + i * st] = buf[i] != 0;
                }
            }
        }
    }

    /** A row converted from {@code s} to {@code d} through longs (not for a bool destination of a floating source). */
    static void convertRow(CpuStorage s, int so, int ss, CpuStorage d, int dOff, int ds, int n) {
        if (s.dtype == DType.UINT8 && d.dtype == DType.FLOAT32) {
            // images into a network: one loop, no buffer
            byte[] a = (byte[]) s.array;
            float[] o = (float[]) d.array;
            for (int i = 0; i < n; i++) {
                o[dOff + i * ds] = a[so + i * ss] & 0xFF;
            }
            return;
        }
        long[] buf = buffers()[0];
        for (int done = 0; done < n; done += CHUNK) {
            int m = Math.min(CHUNK, n - done);
            load(s, so + done * ss, ss, buf, m);
            store(buf, m, d, dOff + done * ds, ds);
        }
    }

    /** {@code o = op(a)} for an integer unary op on a narrow type (a and o of one type). */
    static void unaryRow(UnaryOp op, CpuStorage a, int ao, int as, CpuStorage o, int oo, int os, int n) {
        long[] buf = buffers()[0];
        for (int done = 0; done < n; done += CHUNK) {
            int m = Math.min(CHUNK, n - done);
            load(a, ao + done * as, as, buf, m);
            for (int i = 0; i < m; i++) {
                buf[i] = ElementwiseKernels.applyLong(op, buf[i]);
            }
            store(buf, m, o, oo + done * os, os);
        }
    }

    /** {@code o = a op b} for a narrow type (a, b and o of one type), in long arithmetic narrowed on store. */
    static void binaryRow(BinaryOp op, CpuStorage a, int ao, int as, CpuStorage b, int bo, int bs, CpuStorage o, int oo,
                          int os, int n) {
        long[][] bufs = buffers();
        long[] x = bufs[0];
        long[] y = bufs[1];
        int bits = 8 * o.dtype.itemSize();
        boolean unsigned = o.dtype == DType.UINT8;
        for (int done = 0; done < n; done += CHUNK) {
            int m = Math.min(CHUNK, n - done);
            load(a, ao + done * as, as, x, m);
            load(b, bo + done * bs, bs, y, m);
            for (int i = 0; i < m; i++) {
                x[i] = apply(op, x[i], y[i], bits, unsigned);
            }
            store(x, m, o, oo + done * os, os);
        }
    }

    /**
     * One op on widened operands of a type of {@code bits} bits. Shifts follow PyTorch 2.x for that width: a count
     * outside {@code [0, bits)} (read as signed) gives 0 to the left and, to the right, the sign (0 for uint8).
     * Everything else is the int64 arithmetic, whose low bits are the narrow type's.
     */
    static long apply(BinaryOp op, long x, long y, int bits, boolean unsigned) {
        switch (op) {
            case LEFT_SHIFT: {
                long count = signedCount(y, bits);
                return count < 0 || count >= bits ? 0 : x << count;
            }
            case RIGHT_SHIFT: {
                long count = signedCount(y, bits);
                int max = unsigned ? bits : bits - 1;
                return count < 0 || count >= max ? (unsigned ? 0 : x >> 63) : x >> count;
            }
            default:
                return ElementwiseKernels.applyLong(op, x, y);
        }
    }

    /** A shift count as PyTorch reads it: the count's bits as the signed type of the operand's width. */
    private static long signedCount(long y, int bits) {
        return bits == 64 ? y : (y << (64 - bits)) >> (64 - bits);
    }
}
