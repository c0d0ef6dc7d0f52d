package dev.ember;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * PyTorch 2.3's unsigned types uint16, uint32 and uint64 ("limited support") on the CPU, against the exact rule of
 * unsigned/make_expected.py (PyTorch 1.13 has none; the rule follows 2.x's c10 source): casts to and from every integer
 * type and float32/float64 at the corners (uint64 beyond 2^63, float32 ties), floating values into them, promotion
 * (a floating type wins, anything else refuses), iinfo and printing; creation, fill, copies, views and cat on the bits,
 * and the refusals of the ops 2.x's kernels lack.
 */
class UnsignedDTypeTest {
    private static final PyTorchCases CASES = new PyTorchCases("/unsigned/expected.txt");
    private static final DType[] UNSIGNED = {DType.UINT16, DType.UINT32, DType.UINT64};

    private static String name(DType t) {
        return t.torchName().substring("torch.".length());
    }

    private static DType dtype(String n) {
        for (DType t : DType.values()) {
            if (t.torchName().equals("torch." + n)) {
                return t;
            }
        }
        throw new IllegalArgumentException(n);
    }

    /** Parses unsigned decimal values into their bits (a long read as unsigned for uint64). */
    private static long[] longs(String key) {
        return Arrays.stream(CASES.value(key).split(" ")).mapToLong(s -> new BigInteger(s).longValue()).toArray();
    }

    /** A tensor of the unsigned type {@code t} holding {@code values} (their low bits), made from int64 by a cast. */
    private static Tensor of(DType t, long[] values) {
        return Tensor.tensor(values).to(t);
    }

    /** The bits of an unsigned tensor, zero-extended for uint16 and uint32 (row-major). */
    private static long[] bitsOf(Tensor t) {
        return t.toLongArray();
    }

    private static <T extends Throwable> String refusal(Class<T> type, Supplier<?> op) {
        return assertThrows(type, op::get).getMessage();
    }

    // ------------------------------------------------------------------ casts

    @Test
    void castsToEveryIntegerTypeWrap() {
        for (DType u : UNSIGNED) {
            long[] v = longs("from." + name(u));
            Tensor x = of(u, v);
            assertEquals(u, x.dtype());
            assertArrayEquals(v, bitsOf(x), "values kept in " + u);
            for (String t : new String[] {"bool", "uint8", "int8", "int16", "int32", "int64", "uint16", "uint32",
                "uint64"}) {
                long[] expected = longs("cast." + name(u) + "." + t);
                Tensor y = x.to(dtype(t));
                assertEquals(dtype(t), y.dtype());
                long[] got = dtype(t) == DType.BOOL ? boolsAsLongs(y.toBooleanArray()) : bitsOf(y);
                assertArrayEquals(expected, got, u + " to " + t);
            }
        }
    }

    private static long[] boolsAsLongs(boolean[] b) {
        long[] out = new long[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = b[i] ? 1 : 0;
        }
        return out;
    }

    @Test
    void castsToFloatRoundOnceFromTheUnsignedValue() {
        for (DType u : UNSIGNED) {
            Tensor x = of(u, longs("from." + name(u)));
            String[] f64 = CASES.value("cast." + name(u) + ".float64").split(" ");
            String[] f32 = CASES.value("cast." + name(u) + ".float32").split(" ");
            double[] d = x.to(DType.FLOAT64).toDoubleArray();
            float[] f = x.to(DType.FLOAT32).toFloatArray();
            for (int i = 0; i < d.length; i++) {
                assertEquals(new BigDecimal(f64[i]), new BigDecimal(d[i]), u + " to float64 #" + i);
                assertEquals(new BigDecimal(f32[i]), new BigDecimal(f[i]), u + " to float32 #" + i);
            }
            // float16 and bfloat16 go through float32 (c10's Half(float)); the in-range values agree with float32's
            Tensor small = of(u, new long[] {0, 1, 2, 1024, 2049});
            assertArrayEquals(new float[] {0, 1, 2, 1024, 2048}, small.to(DType.FLOAT16).toFloatArray());
            assertArrayEquals(new float[] {0, 1, 2, 1024, 2048}, small.to(DType.BFLOAT16).toFloatArray());
            Tensor c = small.to(DType.COMPLEX128);
            assertArrayEquals(new double[] {0, 1, 2, 1024, 2049}, c.real().toDoubleArray());
            assertArrayEquals(new double[5], c.imag().toDoubleArray());
        }
    }

    @Test
    void signedIntegersIntoUnsignedKeepTheirLowBits() {
        for (DType u : UNSIGNED) {
            for (String t : new String[] {"int8", "int16", "int32", "int64"}) {
                long[] src = longs("into." + name(u) + "." + t + ".src");
                Tensor s = Tensor.tensor(src).to(dtype(t));
                assertArrayEquals(longs("into." + name(u) + "." + t), bitsOf(s.to(u)), t + " into " + u);
            }
            Tensor b = Tensor.tensor(new boolean[] {true, false, true}).to(u);
            assertArrayEquals(new long[] {1, 0, 1}, bitsOf(b));
            Tensor b8 = Tensor.tensor(new long[] {0, 200, 255}).to(DType.UINT8).to(u);
            assertArrayEquals(new long[] {0, 200, 255}, bitsOf(b8), "uint8 zero-extends");
        }
    }

    @Test
    void floatingValuesTruncateTowardZero() {
        for (DType u : UNSIGNED) {
            double[] src = Arrays.stream(CASES.value("float." + name(u) + ".src").split(" "))
                    .mapToDouble(Double::parseDouble).toArray();
            long[] expected = longs("float." + name(u));
            assertArrayEquals(expected, bitsOf(Tensor.fromArray(src).to(u)), "float64 into " + u);
            // float32 sources: the ones float32 holds exactly
            Tensor f32 = Tensor.fromArray(src).to(DType.FLOAT32);
            double[] back = f32.to(DType.FLOAT64).toDoubleArray();
            long[] got = bitsOf(f32.to(u));
            for (int i = 0; i < src.length; i++) {
                if (back[i] == src[i]) {
                    assertEquals(expected[i], got[i], "float32 " + src[i] + " into " + u);
                }
            }
        }
    }

    // ------------------------------------------------------------------ binary ops

    @Test
    void eqNeMulAndBitwiseAsTwoXKernels() {
        for (DType u : UNSIGNED) {
            String n = name(u);
            Tensor a = of(u, longs("binary." + n + ".a"));
            Tensor b = of(u, longs("binary." + n + ".b"));
            assertArrayEquals(longs("binary." + n + ".eq"), boolsAsLongs(a.eq(b).toBooleanArray()), n + " eq");
            assertArrayEquals(longs("binary." + n + ".ne"), boolsAsLongs(a.ne(b).toBooleanArray()), n + " ne");
            Tensor m = a.mul(b);
            assertEquals(u, m.dtype());
            assertArrayEquals(longs("binary." + n + ".mul"), bitsOf(m), n + " mul");
            assertArrayEquals(longs("binary." + n + ".and"), bitsOf(a.bitwiseAnd(b)), n + " and");
            assertArrayEquals(longs("binary." + n + ".or"), bitsOf(a.bitwiseOr(b)), n + " or");
            assertArrayEquals(longs("binary." + n + ".xor"), bitsOf(a.bitwiseXor(b)), n + " xor");
            Tensor m3 = a.mul(3L);
            assertEquals(u, m3.dtype(), "a Python int keeps the type");
            assertArrayEquals(longs("binary." + n + ".mul3"), bitsOf(m3), n + " mul 3");
            assertArrayEquals(longs("binary." + n + ".eqmax"), boolsAsLongs(a.eq(-1L).toBooleanArray()),
                    n + " eq -1 (wrapped to the largest)");
            Tensor c = a.clone();
            c.mul_(b);
            assertArrayEquals(longs("binary." + n + ".mul"), bitsOf(c), n + " mul_");
            // the ops whose kernels dispatch no unsigned type refuse, leaving the operands as they were
            String t = u.scalarTypeName();
            assertEquals("\"add_stub\" not implemented for '" + t + "'", refusal(UnsupportedOperationException.class,
                    () -> a.add(b)));
            assertEquals("\"add_stub\" not implemented for '" + t + "'", refusal(UnsupportedOperationException.class,
                    () -> a.sub(b)));
            assertEquals("\"lt_cpu\" not implemented for '" + t + "'", refusal(UnsupportedOperationException.class,
                    () -> a.lt(b)));
            assertEquals("\"ge_cpu\" not implemented for '" + t + "'", refusal(UnsupportedOperationException.class,
                    () -> a.ge(b)));
            assertEquals("\"bitwise_not_cpu\" not implemented for '" + t + "'",
                    refusal(UnsupportedOperationException.class, a::bitwiseNot));
            assertEquals("\"lshift_cpu\" not implemented for '" + t + "'", refusal(UnsupportedOperationException.class,
                    () -> a.bitwiseLeftShift(b)));
            assertEquals("\"maximum_cpu\" not implemented for '" + t + "'",
                    refusal(UnsupportedOperationException.class, () -> a.maximum(b)));
            assertArrayEquals(longs("binary." + n + ".a"), bitsOf(a), "unchanged");
            assertArrayEquals(longs("binary." + n + ".b"), bitsOf(b), "unchanged");
        }
    }

    // ------------------------------------------------------------------ promotion, iinfo

    @Test
    void promotionAsC10() {
        int cases = 0;
        for (DType u : UNSIGNED) {
            for (DType o : DType.values()) {
                for (DType[] p : new DType[][] {{u, o}, {o, u}}) {
                    String key = "promote." + name(p[0]) + "." + name(p[1]);
                    try {
                        String v = CASES.value(key);
                        assertEquals(dtype(v), DType.promote(p[0], p[1]), key);
                        assertEquals(dtype(v), Tensor.promoteTypes(p[0], p[1]), key);
                    } catch (IllegalStateException notValue) {
                        assertEquals(CASES.error(key), refusal(IllegalArgumentException.class,
                                () -> DType.promote(p[0], p[1])), key);
                    }
                    cases++;
                }
            }
        }
        assertEquals(3 * DType.values().length * 2, cases);
        // an op between types that do not promote refuses with the same words
        Tensor a = Tensor.ones(DType.UINT16, 2);
        Tensor b = Tensor.ones(DType.INT32, 2);
        assertEquals(CASES.error("promote.uint16.int32"), refusal(IllegalArgumentException.class, () -> a.add(b)));
        assertArrayEquals(new long[] {1, 1}, bitsOf(a), "unchanged");
    }

    @Test
    void iinfo() {
        for (DType u : UNSIGNED) {
            String[] v = CASES.value("iinfo." + name(u)).split(" ", 4);
            DTypeInfo.IInfo info = Tensor.iinfo(u);
            assertEquals(Integer.parseInt(v[0]), info.bits());
            assertEquals(Long.parseLong(v[1]), info.min());
            assertEquals(new BigInteger(v[2]), info.exactMax());
            assertEquals(v[3], info.toString());
            assertFalse(u.isFloatingPoint());
            assertTrue(u.isBarebonesUnsigned());
        }
        assertEquals("18446744073709551615", Tensor.iinfo(DType.UINT64).exactMax().toString());
    }

    // ------------------------------------------------------------------ creation, printing, data moves

    @Test
    void printsAs2x() {
        for (DType u : UNSIGNED) {
            for (String k : new String[] {"vector", "matrix", "small", "long"}) {
                String key = "print." + name(u) + "." + k;
                long[] v = Arrays.stream(CASES.field(key, "value").split(" ")).mapToLong(s -> new BigInteger(s)
                        .longValue()).toArray();
                int[] shape = Arrays.stream(CASES.field(key, "shape").split(" ")).mapToInt(Integer::parseInt).toArray();
                Tensor x = Tensor.fromArray(v, DType.UINT64).to(u).reshape(shape);
                assertEquals(CASES.field(key, "repr").replace("\\n", "\n"), x.toString(), key);
            }
        }
        // a 0-dim tensor and an empty one print as an int32 one does (1.13: tensor(5, dtype=torch.int32),
        // tensor([], dtype=torch.int32)), the value unsigned
        assertEquals("tensor(18446744073709551615, dtype=torch.uint64)", Tensor.full(DType.UINT64, -1L).toString());
        assertEquals("tensor(65535, dtype=torch.uint16)", Tensor.full(DType.UINT16, 65535L).toString());
        assertEquals("tensor([], dtype=torch.uint32)", Tensor.zeros(DType.UINT32, 0).toString());
        // item(): the value as a double (2^64 - 1 rounds to 2^64), longItem() the bits
        assertEquals(0x1p64, Tensor.full(DType.UINT64, -1L).item());
        assertEquals(-1L, Tensor.full(DType.UINT64, -1L).longItem());
        assertEquals(4294967295.0, Tensor.full(DType.UINT32, 4294967295L).item());
    }

    @Test
    void creationAndFill() {
        for (DType u : UNSIGNED) {
            assertArrayEquals(new long[] {0, 0, 0}, bitsOf(Tensor.zeros(u, 3)));
            assertArrayEquals(new long[] {1, 1}, bitsOf(Tensor.ones(u, 2)));
            assertEquals(u, Tensor.empty(u, 2, 2).dtype());
            long max = u.maxValue();
            assertArrayEquals(new long[] {max, max}, bitsOf(Tensor.full(u, max, 2)), "full with the largest");
            // a Python int may be negative down to -max (c10's overflows lets it wrap): -1 is the largest
            assertArrayEquals(new long[] {max}, bitsOf(Tensor.full(u, -1L, 1)));
            assertArrayEquals(new long[] {7, 7}, bitsOf(Tensor.full(u, 7.9, 2)), "a double truncates");
            assertEquals("value cannot be converted to type " + Unsigned.cName(u) + " without overflow",
                    refusal(IllegalArgumentException.class, () -> Tensor.full(u, -1.0, 2)));
            assertEquals("value cannot be converted to type " + Unsigned.cName(u) + " without overflow",
                    refusal(IllegalArgumentException.class, () -> Tensor.full(u, Double.NaN, 2)));
            if (u != DType.UINT64) {
                assertEquals("value cannot be converted to type " + Unsigned.cName(u) + " without overflow",
                        refusal(IllegalArgumentException.class, () -> Tensor.full(u, max + 1, 2)));
            }
            Tensor t = Tensor.zeros(u, 4);
            t.fill_(5L);
            assertArrayEquals(new long[] {5, 5, 5, 5}, bitsOf(t));
            t.fill_(-2L);
            assertArrayEquals(new long[] {max - 1, max - 1, max - 1, max - 1}, bitsOf(t));
            t.zero_();
            assertArrayEquals(new long[4], bitsOf(t));
            Tensor d = Tensor.tensor(new long[] {1, 2, 3}, u);
            assertEquals(u, d.dtype());
            assertArrayEquals(new long[] {1, 2, 3}, bitsOf(d));
        }
        Tensor big = Tensor.full(DType.UINT64, Long.MIN_VALUE + 5, 2);
        assertEquals("tensor([9223372036854775813, 9223372036854775813], dtype=torch.uint64)", big.toString());
    }

    @Test
    void onTheMetaDevice() {
        // a meta kernel dispatches on no element type: shapes and types without data, as for the fp8 types
        for (DType u : UNSIGNED) {
            Tensor m = Tensor.empty(u, Device.META, 2, 3);
            assertEquals(u, m.dtype());
            assertTrue(m.isMeta());
            Tensor f = m.to(DType.FLOAT32);
            assertEquals(DType.FLOAT32, f.dtype());
            assertArrayEquals(new int[] {2, 3}, f.shape());
            Tensor back = Tensor.empty(DType.INT64, Device.META, 4).to(u);
            assertEquals(u, back.dtype());
            assertArrayEquals(new int[] {2, 3}, m.mul(m).shape());
        }
    }

    /** Regression: moving an unsigned tensor to another device asked for its (refused) storage; its bits move. */
    @Test
    void movesBetweenDevicesAsItsBits() {
        Backends2.registerFakeCuda();
        for (DType u : UNSIGNED) {
            long[] v = longs("from." + name(u));
            Tensor d = of(u, v).to(Device.cuda(0));
            assertEquals(u, d.dtype());
            assertEquals(Device.cuda(0), d.device());
            Tensor back = d.to(Device.CPU);
            assertEquals(u, back.dtype());
            assertArrayEquals(v, bitsOf(back));
        }
    }

    @Test
    void factoriesWhoseKernelsRefuse() {
        for (DType u : UNSIGNED) {
            String n = u.scalarTypeName();
            // RangeFactoriesKernel.cpp's arange_cpu/linspace_cpu/logspace_cpu and randperm_cpu dispatch no unsigned type
            assertEquals("\"arange_cpu\" not implemented for '" + n + "'", refusal(IllegalArgumentException.class,
                    () -> Tensor.arange(0, 5, 1, u)));
            assertEquals("\"linspace_cpu\" not implemented for '" + n + "'", refusal(UnsupportedOperationException.class,
                    () -> Tensor.linspace(0, 5, 3, u)));
            assertEquals("\"randperm\" not implemented for '" + n + "'", refusal(IllegalArgumentException.class,
                    () -> Tensor.randperm(4, u, new Generator(0))));
        }
    }

    @Test
    void copiesViewsAndCatMoveTheBits() {
        for (DType u : UNSIGNED) {
            long[] v = longs("from." + name(u));
            Tensor x = of(u, v);
            Tensor c = x.clone();
            assertEquals(u, c.dtype());
            assertArrayEquals(v, bitsOf(c));
            Tensor m = x.narrow(0, 0, 6).reshape(2, 3);
            assertArrayEquals(Arrays.copyOf(v, 6), bitsOf(m));
            Tensor tr = m.t();
            assertArrayEquals(new long[] {v[0], v[3], v[1], v[4], v[2], v[5]}, bitsOf(tr.contiguous()));
            Tensor cat = Tensor.cat(java.util.List.of(x.narrow(0, 0, 2), x.narrow(0, 2, 2)), 0);
            assertEquals(u, cat.dtype());
            assertArrayEquals(Arrays.copyOf(v, 4), bitsOf(cat));
            Tensor dst = Tensor.zeros(u, 3);
            dst.copy_(Tensor.tensor(new long[] {-1, 2, 3}));
            assertArrayEquals(new long[] {u.maxValue(), 2, 3}, bitsOf(dst), "copy_ from int64 wraps");
            Tensor f = Tensor.zeros(DType.FLOAT64, 2);
            f.copy_(of(u, new long[] {u.maxValue(), 3}));
            assertArrayEquals(new double[] {Unsigned.toDouble(u.maxValue()), 3}, f.toDoubleArray());
        }
    }

    // ------------------------------------------------------------------ files

    /** A loaded file's tensors against the rule's lines: {@code name dtype shape values | ...}. */
    private static void checkFile(String key, java.util.Map<?, ?> loaded) {
        String[] parts = CASES.value(key).split(" \\| ");
        assertEquals(parts.length, loaded.size(), key);
        for (String part : parts) {
            String[] f = part.split(" ");
            Tensor t = (Tensor) loaded.get(f[0]);
            assertEquals(dtype(f[1]), t.dtype(), key + " " + f[0]);
            assertArrayEquals(Arrays.stream(f[2].split(",")).mapToInt(Integer::parseInt).toArray(), t.shape(), key);
            long[] expected = Arrays.stream(f, 3, f.length).mapToLong(v -> new BigInteger(v).longValue()).toArray();
            assertArrayEquals(expected, bitsOf(t), key + " " + f[0]);
        }
    }

    @Test
    void filesAsTwoXWritesThem() throws Exception {
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("uint");
        String[] names = {"twox_uint.pt", "twox_uint.safetensors", "round.pt", "round.safetensors"};
        try {
            for (String f : new String[] {names[0], names[1]}) {
                try (java.io.InputStream in = UnsignedDTypeTest.class.getResourceAsStream("/unsigned/" + f)) {
                    java.nio.file.Files.write(dir.resolve(f), in.readAllBytes());
                }
            }
            java.util.Map<?, ?> pt = (java.util.Map<?, ?>) dev.ember.nn.TorchSerialization.load(dir.resolve(names[0]));
            checkFile("file.pt", pt);
            java.util.Map<String, Tensor> st = dev.ember.nn.Safetensors.load(dir.resolve(names[1]));
            checkFile("file.safetensors", st);
            // Ember's torch.save of the loaded tensors (views included) loads back the same
            dev.ember.nn.TorchSerialization.save(pt, dir.resolve(names[2]));
            checkFile("file.pt", (java.util.Map<?, ?>) dev.ember.nn.TorchSerialization.load(dir.resolve(names[2])));
            // Ember's safetensors writer gives the reference writer's bytes (U64, then U32, then U16)
            java.util.Map<String, Tensor> contiguous = new java.util.LinkedHashMap<>();
            for (java.util.Map.Entry<?, ?> e : pt.entrySet()) {
                contiguous.put((String) e.getKey(), ((Tensor) e.getValue()).contiguous());
            }
            dev.ember.nn.Safetensors.save(contiguous, dir.resolve(names[3]));
            assertArrayEquals(java.nio.file.Files.readAllBytes(dir.resolve(names[1])),
                    java.nio.file.Files.readAllBytes(dir.resolve(names[3])));
        } finally {
            for (String f : names) {
                java.nio.file.Files.deleteIfExists(dir.resolve(f));
            }
            java.nio.file.Files.delete(dir);
        }
    }

    /**
     * Regression: asStrided asked an fp8 or unsigned tensor for its (refused) storage to bound the view, so
     * {@code as_strided}, which 2.x runs on every type, refused them (and torch.load of a uint16 view with it).
     */
    @Test
    void asStridedOnTheStorageTypes() {
        Tensor u = of(DType.UINT32, new long[] {1, 2, 3, 4, 4294967295L, 6});
        Tensor v = u.asStrided(new int[] {2, 2}, new int[] {1, 2}, 1);
        assertEquals(DType.UINT32, v.dtype());
        assertArrayEquals(new long[] {2, 4, 3, 4294967295L}, bitsOf(v.contiguous()));
        Tensor f = Tensor.tensor(new float[] {1, 2, 3, 4}).to(DType.FLOAT8_E4M3FN);
        Tensor fv = f.asStrided(new int[] {2}, new int[] {2}, 0);
        assertArrayEquals(new float[] {1, 3}, fv.to(DType.FLOAT32).toFloatArray());
        // beyond the 6 elements (24 bytes): offset 3 + 1 + 2 reaches a 7th element, 28 bytes
        assertEquals("setStorage: sizes [2, 2], strides [1, 2], storage offset 3, and itemsize 4 requiring a storage "
                + "size of 28 are out of bounds for storage of size 24", refusal(IllegalArgumentException.class,
                        () -> u.asStrided(new int[] {2, 2}, new int[] {1, 2}, 3)));
    }

    @Test
    void otherOpsRefuseWith2xWords() {
        for (DType u : UNSIGNED) {
            Tensor x = Tensor.ones(u, 3);
            String n = u.scalarTypeName();
            // neg_kernel and addmm_impl_cpu_ dispatch no unsigned type in 2.x
            assertEquals("\"neg_cpu\" not implemented for '" + n + "'", refusal(UnsupportedOperationException.class,
                    x::neg));
            Tensor m = Tensor.ones(u, 2, 2);
            assertEquals("\"addmm_impl_cpu_\" not implemented for '" + n + "'",
                    refusal(UnsupportedOperationException.class, () -> m.mm(m)));
            assertArrayEquals(new long[] {1, 1, 1}, bitsOf(x), "unchanged");
        }
    }
}
