package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.backend.Backend;
import dev.ember.backend.Layout;
import dev.ember.backend.Storage;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * half_kernels.cu run on the host, where g++ is installed (src/test/cuda/half_emulation/half_kernels_test.cpp with
 * index_emulation's shim and half_shim.h). Two references:
 * <ul>
 *   <li>the CPU backend itself: this test converts, through the CPU backend's {@code copy} and {@code fill}
 *   (ElementwiseKernels and HalfLoops), all 65,536 float16 and all 65,536 bfloat16 bit patterns to each of the ten
 *   types, and to float16 and bfloat16 a sweep of float32 values (every exponent and sign, with mantissas at every
 *   rounding boundary class: exact ties at each bit position, one below and one above, the largest and smallest, random
 *   ones; NaNs with payloads, infinities, zeros, subnormals), of float64 values (the float32 sweep nudged by a few
 *   double ulps, which the CPU rounds twice, through float; beyond float's range; tiny), of int64 and int32 values
 *   (edges, powers of two and their neighbours, random), every int16, int8, uint8 and bool value, and fills with the
 *   float64 sweep; it writes the inputs and the CPU's results to a file, and the harness runs the real kernels
 *   (contiguous, and strided with offsets) and compares every result's bytes;</li>
 *   <li>ports of dev.ember.Half / BFloat16 in the harness: every one of the 2^32 float32 bit patterns to float16 and to
 *   bfloat16, and all half bit patterns to float32 and back.</li>
 * </ul>
 * A type copied to itself must keep its bits (NaN payloads), as the CPU's copy does; where_h16 is checked against a
 * bit copy. The native elementwise kernels of half_kernels.cu are compiled out here ({@code -DHALF_CONVERSIONS_ONLY}):
 * they apply ember_kernels.cu's float32 functions between the conversions checked here. It runs the kernels' code
 * without a GPU; CudaHalfTest and CudaHalfOpsTest check them on a GPU where one exists.
 */
class HalfKernelsEmulationTest {
    /** The kernels' type order (HalfKind in half_kernels.cu). */
    private static final DType[] KINDS = {DType.BOOL, DType.UINT8, DType.INT8, DType.INT16, DType.INT32, DType.INT64,
        DType.FLOAT32, DType.FLOAT64, DType.FLOAT16, DType.BFLOAT16};

    @Test
    void halfConversionsGiveTheCpuBackendsBitsOnTheHost() throws Exception {
        Path dir = Path.of("src/test/cuda/half_emulation");
        Assumptions.assumeTrue(Files.isDirectory(dir), "not run from the engine-cuda module directory");
        String gxx = HostToolchain.find("g++");
        Assumptions.assumeTrue(gxx != null, "g++ not found on PATH: cannot run the kernels on the host here");
        Path tmp = Files.createTempDirectory("ember_half_emulation");
        try {
            Files.writeString(tmp.resolve("prelude.h"), HostToolchain.prelude(false));
            Path cases = tmp.resolve("cases.bin");
            int records = writeCases(cases);
            Path exe = tmp.resolve("half_kernels_test");
            String built = HostToolchain.run(List.of(gxx, "-std=c++20", "-O1", "-pthread", "-w", "-ffp-contract=off",
                    "-I", tmp.toString(), "-I", HostToolchain.CUDA.toString(), "-I", HostToolchain.SHIM.toString(),
                    "-I", dir.toString(), "-DHALF_CONVERSIONS_ONLY", "-o", exe.toString(), dir.resolve("half_kernels_test.cpp").toString()));
            String out = HostToolchain.run(List.of(exe.toString(), cases.toString()));
            assertTrue(out.contains(records + " records of the CPU backend"), out + built);
            assertTrue(out.contains(" 0 failures"), out + built);
        } finally {
            HostToolchain.deleteTree(tmp);
        }
    }

    private static int kind(DType t) {
        for (int i = 0; i < KINDS.length; i++) {
            if (KINDS[i] == t) {
                return i;
            }
        }
        throw new IllegalArgumentException(String.valueOf(t));
    }

    /** Writes every record; returns how many. */
    private static int writeCases(Path file) throws Exception {
        Backend cpu = Backend.host();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int records = 0;
        short[] all = new short[65536];
        for (int i = 0; i < all.length; i++) {
            all[i] = (short) i;
        }
        for (DType h : new DType[] {DType.FLOAT16, DType.BFLOAT16}) {
            for (DType d : KINDS) {
                records += record(cpu, bytes, h, all, d);
            }
        }
        List<Object[]> sources = List.of(
                new Object[] {DType.FLOAT32, floatSweep()},
                new Object[] {DType.FLOAT64, doubleSweep()},
                new Object[] {DType.INT64, longSweep()},
                new Object[] {DType.INT32, intSweep()},
                new Object[] {DType.INT16, all},
                new Object[] {DType.INT8, allBytes()},
                new Object[] {DType.UINT8, allBytes()},
                new Object[] {DType.BOOL, new boolean[] {false, true, true, false}});
        for (Object[] s : sources) {
            for (DType h : new DType[] {DType.FLOAT16, DType.BFLOAT16}) {
                records += record(cpu, bytes, (DType) s[0], s[1], h);
            }
        }
        double[] fills = doubleSweep();
        for (DType h : new DType[] {DType.FLOAT16, DType.BFLOAT16}) {
            int n = fills.length;
            try (Storage d = cpu.allocate(h, n, 0)) {
                for (int i = 0; i < n; i++) {
                    cpu.fill(d, new Layout(new int[] {1}, new int[] {1}, i), fills[i]);
                }
                header(bytes, DType.FLOAT64, h, n, 1);
                bytes.write(toBytes(fills));
                bytes.write(toBytes(cpu.toArray(d, Layout.contiguous(n))));
            }
            records++;
        }
        Files.write(file, bytes.toByteArray());
        return records;
    }

    private static int record(Backend cpu, ByteArrayOutputStream bytes, DType st, Object values, DType dt)
            throws Exception {
        int n = java.lang.reflect.Array.getLength(values);
        Layout all = Layout.contiguous(n);
        try (Storage s = cpu.fromArray(values, st, 0); Storage d = cpu.allocate(dt, n, 0)) {
            cpu.copy(s, all, d, all);
            header(bytes, st, dt, n, 0);
            bytes.write(toBytes(values));
            bytes.write(toBytes(cpu.toArray(d, all)));
        }
        return 1;
    }

    private static void header(ByteArrayOutputStream bytes, DType s, DType d, int n, int mode) {
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(kind(s)).putInt(kind(d)).putInt(n).putInt(mode);
        bytes.write(b.array(), 0, 16);
    }

    /** A Java array's elements as the device's little-endian bytes (bool: one byte, 0 or 1). */
    private static byte[] toBytes(Object a) {
        if (a instanceof boolean[]) {
            boolean[] v = (boolean[]) a;
            byte[] out = new byte[v.length];
            for (int i = 0; i < v.length; i++) {
                out[i] = (byte) (v[i] ? 1 : 0);
            }
            return out;
        }
        if (a instanceof byte[]) {
            return ((byte[]) a).clone();
        }
        int n = java.lang.reflect.Array.getLength(a);
        ByteBuffer b;
        if (a instanceof short[]) {
            b = ByteBuffer.allocate(2 * n).order(ByteOrder.LITTLE_ENDIAN);
            b.asShortBuffer().put((short[]) a);
        } else if (a instanceof int[]) {
            b = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
            b.asIntBuffer().put((int[]) a);
        } else if (a instanceof long[]) {
            b = ByteBuffer.allocate(8 * n).order(ByteOrder.LITTLE_ENDIAN);
            b.asLongBuffer().put((long[]) a);
        } else if (a instanceof float[]) {
            // the raw bits (a NaN's payload as it is)
            float[] f = (float[]) a;
            b = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
            for (float v : f) {
                b.putInt(Float.floatToRawIntBits(v));
            }
        } else {
            double[] d = (double[]) a;
            b = ByteBuffer.allocate(8 * n).order(ByteOrder.LITTLE_ENDIAN);
            for (double v : d) {
                b.putLong(Double.doubleToRawLongBits(v));
            }
        }
        return b.array();
    }

    /**
     * float32 values of every sign and exponent, with mantissas at every rounding boundary class of float16 and
     * bfloat16: for each bit position, the tie there (that bit alone below the kept bits, odd and even kept parts), one
     * below and one above it, all ones and all zeros, and random mantissas; NaNs and infinities come with exponent 255.
     */
    static float[] floatSweep() {
        Random r = new Random(18);
        List<Integer> bits = new ArrayList<>();
        for (int sign = 0; sign < 2; sign++) {
            for (int e = 0; e < 256; e++) {
                int head = (sign << 31) | (e << 23);
                for (int k = 0; k < 23; k++) {
                    int tie = 1 << k;
                    for (int kept : new int[] {0, 1 << (k + 1 < 23 ? k + 1 : 22), r.nextInt(1 << 23)}) {
                        int above = kept & ~((tie << 1) - 1) & 0x7FFFFF;
                        bits.add(head | above | tie);
                        bits.add(head | above | (tie - 1));
                        bits.add(head | above | (tie + 1));
                    }
                }
                bits.add(head);
                bits.add(head | 0x7FFFFF);
                for (int i = 0; i < 16; i++) {
                    bits.add(head | r.nextInt(1 << 23));
                }
            }
        }
        float[] out = new float[bits.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = Float.intBitsToFloat(bits.get(i));
        }
        return out;
    }

    /** float64 values: every 8th of the float32 sweep's finite values nudged by -2..2 double ulps, and extremes. */
    static double[] doubleSweep() {
        float[] f = floatSweep();
        List<Double> d = new ArrayList<>();
        for (int i = 0; i < f.length; i += 8) {
            double x = f[i];
            if (Double.isNaN(x) || Double.isInfinite(x)) {
                d.add(x);
                continue;
            }
            for (int k = -2; k <= 2; k++) {
                d.add(Double.longBitsToDouble(Double.doubleToRawLongBits(x) + k));
            }
        }
        for (double x : new double[] {1e300, -1e300, 3.5e38, 3.4028235677973366e38, 65519.99999999999, 65520.0,
            65520.00000000001, 1e-300, -1e-300, 4.9e-324, Double.MIN_NORMAL, Double.NaN,
            Double.longBitsToDouble(0x7FF0000000000001L), Double.longBitsToDouble(0xFFF8000000000123L),
            Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 0.0, -0.0, 0.1, 1.0 / 3}) {
            d.add(x);
        }
        double[] out = new double[d.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = d.get(i);
        }
        return out;
    }

    private static long[] longSweep() {
        Random r = new Random(19);
        List<Long> v = new ArrayList<>();
        for (long x = -300; x <= 300; x++) {
            v.add(x);
        }
        for (int p = 0; p < 63; p++) {
            for (long k = -3; k <= 3; k++) {
                v.add((1L << p) + k);
                v.add(-(1L << p) + k);
            }
        }
        for (long x : new long[] {Long.MAX_VALUE, Long.MIN_VALUE, Long.MAX_VALUE - 1, Long.MIN_VALUE + 1, 65504, 65519,
            65520, 65521, 65535, 65536, 16777217, 16777219}) {
            v.add(x);
        }
        for (int i = 0; i < 5000; i++) {
            v.add(r.nextLong() >> r.nextInt(64));
        }
        long[] out = new long[v.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = v.get(i);
        }
        return out;
    }

    private static int[] intSweep() {
        long[] l = longSweep();
        int[] out = new int[l.length];
        for (int i = 0; i < l.length; i++) {
            out[i] = (int) (l[i] ^ (l[i] >>> 32));
        }
        return out;
    }

    private static byte[] allBytes() {
        byte[] b = new byte[256];
        for (int i = 0; i < 256; i++) {
            b[i] = (byte) i;
        }
        return b;
    }
}
