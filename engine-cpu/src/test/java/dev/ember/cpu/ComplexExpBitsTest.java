package dev.ember.cpu;

import dev.ember.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Complex exp with PyTorch 2.x's CPU bits, glibc's {@code cexpf} and {@code cexp} per element
 * (complexexpbits/make_expected.py, glibc through ctypes: PyTorch 1.13 here computes Sleef's form instead): the
 * special-value grid (C99 Annex G: infinite and NaN parts, signed zeros, NaN signs included), real parts where cexp
 * scales against overflow, random values across magnitudes and imaginary parts near multiples of pi/2. Each input set
 * runs contiguous, from an odd offset, as a stride-2 view and with the vector loops off
 * ({@code -Dember.complex.oldLoops=true}) or with the vector loop's table read by the old gather
 * ({@code -Dember.complex.cexpGather=true}), so both of Ember's paths are compared (the vector loop's whole vectors,
 * {@link VectorLibm#cexp}, and the scalar form on tails, strided runs and vectors with a large or special part;
 * PyTorch 2.x computes every element alike). complex64: every bit. complex128: every bit where a result part is zero, infinite or NaN
 * or an input part is not finite; elsewhere within 2 ulps (glibc's double exp is ported, {@link LibmDouble}, checked
 * here alone on dexp_x.bin; its sin and cos are not: Java's {@code Math.sin} and {@code cos} stand in, each within an
 * ulp of glibc's), the count that differs bounded and reported.
 */
class ComplexExpBitsTest extends SleefPathFixture {
    @AfterEach
    void loopsOn() {
        System.clearProperty("ember.complex.oldLoops");
        System.clearProperty("ember.complex.sleefExp");
        System.clearProperty("ember.complex.cexpGather");
    }

    private static long[] longs(String name) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(resource("complexexpbits/" + name)).order(ByteOrder.LITTLE_ENDIAN);
        long[] a = new long[b.remaining() / 8];
        b.asLongBuffer().get(a);
        return a;
    }

    /** The ways each input set runs: name and how the complex tensor is made and exp'd. */
    private static List<String> paths() {
        return List.of("contiguous", "offset", "strided", "scalar loop", "gathered table");
    }

    /** exp of the n pairs of {@code parts} (float[] or double[], interleaved) along {@code path}, as interleaved parts. */
    private static Tensor run(String path, Tensor pairs) {
        int n = (int) pairs.size(0);
        UnaryOperator<Tensor> exp = z -> z.exp().viewAsReal().contiguous();
        switch (path) {
            case "offset": {
                Tensor big = Tensor.zeros(pairs.dtype(), n + 1, 2);
                big.narrow(0, 1, n).copy_(pairs);
                return exp.apply(big.narrow(0, 1, n).viewAsComplex());
            }
            case "strided": {
                Tensor big = Tensor.zeros(pairs.dtype(), 2 * n, 2);
                Tensor v = big.slice(0, 0, 2 * n, 2);
                v.copy_(pairs);
                return exp.apply(v.viewAsComplex());
            }
            case "scalar loop":
                System.setProperty("ember.complex.oldLoops", "true");
                try {
                    return exp.apply(pairs.viewAsComplex());
                } finally {
                    System.clearProperty("ember.complex.oldLoops");
                }
            case "gathered table":
                System.setProperty("ember.complex.cexpGather", "true");
                try {
                    return exp.apply(pairs.viewAsComplex());
                } finally {
                    System.clearProperty("ember.complex.cexpGather");
                }
            default:
                return exp.apply(pairs.viewAsComplex());
        }
    }

    @Test
    void doubleExpIsGlibcs() throws IOException {
        long[] x = longs("dexp_x.bin");
        long[] want = longs("dexp.bin");
        assertEquals(x.length, want.length);
        int mathDiffers = 0;
        for (int i = 0; i < x.length; i++) {
            double v = Double.longBitsToDouble(x[i]);
            double got = LibmDouble.exp(v);
            double w = Double.longBitsToDouble(want[i]);
            assertTrue(Double.doubleToRawLongBits(got) == want[i] || got != got && w != w,
                    () -> "exp(" + v + "): got " + got + ", glibc " + w);
            if (Math.exp(v) != w && w == w) {
                mathDiffers++;
            }
        }
        // the data hold inputs where Java's exp is not glibc's (else the test would not tell them apart)
        assertTrue(mathDiffers >= 10, "Math.exp differs from glibc's in " + mathDiffers);
    }

    @Test
    void complex64IsCexpf() throws IOException {
        float[] z = bitsToFloats(resourceInts("complexexpbits/z64.bin"));
        int[] want = resourceInts("complexexpbits/exp64.bin");
        assertEquals(z.length, want.length);
        Tensor pairs = Tensor.fromArray(z).reshape(z.length / 2, 2);
        for (String path : paths()) {
            float[] got = run(path, pairs).toFloatArray();
            List<String> bad = new ArrayList<>();
            for (int i = 0; i < want.length; i++) {
                if (Float.floatToRawIntBits(got[i]) != want[i] && bad.size() < 20) {
                    bad.add(String.format("exp(%s, %s) part %d: got %s (%08x), glibc %s (%08x)", z[i & ~1], z[i | 1],
                            i & 1, got[i], Float.floatToRawIntBits(got[i]), Float.intBitsToFloat(want[i]), want[i]));
                }
            }
            assertTrue(bad.isEmpty(), path + ":\n" + String.join("\n", bad));
        }
    }

    @Test
    void complex128IsCexpAtSpecialValuesAndWithin2UlpsElsewhere() throws IOException {
        long[] zb = longs("z128.bin");
        long[] want = longs("exp128.bin");
        assertEquals(zb.length, want.length);
        double[] z = new double[zb.length];
        for (int i = 0; i < z.length; i++) {
            z[i] = Double.longBitsToDouble(zb[i]);
        }
        Tensor pairs = Tensor.fromArray(z).reshape(z.length / 2, 2);
        for (String path : paths()) {
            double[] got = run(path, pairs).toDoubleArray();
            List<String> bad = new ArrayList<>();
            int lastBit = 0;
            int exactChecked = 0;
            for (int i = 0; i < want.length; i++) {
                double w = Double.longBitsToDouble(want[i]);
                long g = Double.doubleToRawLongBits(got[i]);
                boolean exact = w == 0 || !Double.isFinite(w) || !Double.isFinite(z[i & ~1])
                        || !Double.isFinite(z[i | 1]);
                boolean ok;
                if (exact) {
                    exactChecked++;
                    ok = g == want[i];
                } else {
                    ok = Math.signum(got[i]) == Math.signum(w) && Math.abs(g - want[i]) <= 2;
                    if (g != want[i]) {
                        lastBit++;
                    }
                }
                if (!ok && bad.size() < 20) {
                    bad.add(String.format("exp(%s, %s) part %d: got %s (%016x), glibc %s (%016x)", z[i & ~1],
                            z[i | 1], i & 1, got[i], g, w, want[i]));
                }
            }
            assertTrue(bad.isEmpty(), path + ":\n" + String.join("\n", bad));
            assertTrue(exactChecked > 1000, "special values compared: " + exactChecked);
            // the stand-ins' share of last-bit differences (47 of 21648 parts in session 52) stays small
            assertTrue(lastBit < want.length / 20, path + ": " + lastBit + " of " + want.length
                    + " parts differ from glibc's in a last bit");
        }
    }
}
