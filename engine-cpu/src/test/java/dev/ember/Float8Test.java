package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The 8-bit float types (float8_e4m3fn, float8_e5m2 and the fnuz variants) as PyTorch 2.x has them on the CPU, against
 * the exact rule of float8/make_expected.py (PyTorch 1.13 has no fp8; the rule follows 2.x's c10 headers): every bit
 * pattern to float32, float32/float64/int64 inputs at every tie, subnormal, overflow and NaN corner to the bits, casts to
 * every other type, mul and eq (the two binary ops 2.x's CPU kernels run on fp8), finfo, printing; creation, views,
 * copies, fill, cat/stack, view(dtype), the promotion refusal and the kernels' refusals.
 */
class Float8Test {
    private static final PyTorchCases CASES = new PyTorchCases("/float8/expected.txt");
    private static final DType[] FP8 = {DType.FLOAT8_E4M3FN, DType.FLOAT8_E5M2, DType.FLOAT8_E4M3FNUZ,
        DType.FLOAT8_E5M2FNUZ};

    private static String name(DType t) {
        return t.torchName().substring("torch.".length());
    }

    private static String[] tokens(String key) {
        String v = CASES.value(key);
        return v.isEmpty() ? new String[0] : v.split(" ");
    }

    /** A tensor of the fp8 type {@code t} holding the given bits, made as PyTorch's tests make one: uint8 viewed. */
    private static Tensor fromBits(DType t, int[] bits, int... shape) {
        byte[] b = new byte[bits.length];
        for (int i = 0; i < bits.length; i++) {
            b[i] = (byte) bits[i];
        }
        return Tensor.fromArray(b, DType.UINT8).reshape(shape).view(t);
    }

    private static int[] allPatterns() {
        int[] b = new int[256];
        for (int i = 0; i < 256; i++) {
            b[i] = i;
        }
        return b;
    }

    /** The bits of an fp8 tensor, row-major. */
    private static int[] bitsOf(Tensor t) {
        byte[] b = t.contiguous().view(DType.UINT8).toByteArray();
        int[] out = new int[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = b[i] & 0xFF;
        }
        return out;
    }

    private static int[] ints(String[] tok) {
        return Arrays.stream(tok).mapToInt(Integer::parseInt).toArray();
    }

    private static <T extends Throwable> String refusal(Class<T> type, Supplier<?> op) {
        return assertThrows(type, op::get).getMessage();
    }

    // ------------------------------------------------------------------ conversions

    @Test
    void everyPatternToFloat32AndFloat64() {
        for (DType t : FP8) {
            Tensor x = fromBits(t, allPatterns(), 256);
            float[] f = x.to(DType.FLOAT32).toFloatArray();
            double[] d = x.to(DType.FLOAT64).toDoubleArray();
            String[] e32 = tokens("decode." + name(t));
            String[] e64 = tokens("cast." + name(t) + ".float64");
            for (int b = 0; b < 256; b++) {
                String where = t + " bits " + b;
                if (e32[b].equals("nan")) {
                    assertTrue(Float.isNaN(f[b]) && Double.isNaN(d[b]), where);
                } else {
                    assertEquals(Integer.parseUnsignedInt(e32[b]), Float.floatToRawIntBits(f[b]), where);
                    assertEquals(Long.parseUnsignedLong(e64[b]), Double.doubleToRawLongBits(d[b]), where);
                }
            }
        }
    }

    @Test
    void float32ToEveryTypeAtTheCorners() {
        String[] in = tokens("inputs.f32");
        float[] v = new float[in.length];
        for (int i = 0; i < in.length; i++) {
            v[i] = Float.intBitsToFloat(Integer.parseUnsignedInt(in[i]));
        }
        Tensor x = Tensor.fromArray(v);
        for (DType t : FP8) {
            int[] expected = ints(tokens("encode.f32." + name(t)));
            assertArrayEquals(expected, bitsOf(x.to(t)), t.toString());
            // a strided source and a strided destination give the same bits
            Tensor y = Tensor.zeros(t, 2, v.length);
            y.select(0, 1).copy_(Tensor.stack(List.of(x, x), 1).select(1, 0));
            assertArrayEquals(expected, bitsOf(y.select(0, 1)), t + " strided");
        }
    }

    @Test
    void float64AndInt64GoThroughFloat32() {
        String[] in = tokens("inputs.f64");
        double[] d = new double[in.length];
        for (int i = 0; i < in.length; i++) {
            d[i] = Double.longBitsToDouble(Long.parseUnsignedLong(in[i]));
        }
        long[] l = Arrays.stream(tokens("inputs.i64")).mapToLong(Long::parseLong).toArray();
        for (DType t : FP8) {
            assertArrayEquals(ints(tokens("encode.f64." + name(t))), bitsOf(Tensor.fromArray(d).to(t)), t + " f64");
            assertArrayEquals(ints(tokens("encode.i64." + name(t))), bitsOf(Tensor.fromArray(l).to(t)), t + " i64");
        }
    }

    @Test
    void everyPatternToTheOtherTypes() {
        for (DType t : FP8) {
            Tensor x = fromBits(t, allPatterns(), 256);
            short[] h = x.to(DType.FLOAT16).toHalfBits();
            short[] bf = x.to(DType.BFLOAT16).toHalfBits();
            long[] i64 = x.to(DType.INT64).toLongArray();
            long[] i32 = x.to(DType.INT32).toLongArray();
            boolean[] bool = (boolean[]) x.to(DType.BOOL).hostArray();
            String[] eh = tokens("cast." + name(t) + ".float16");
            String[] ebf = tokens("cast." + name(t) + ".bfloat16");
            String[] el = tokens("cast." + name(t) + ".int64");
            String[] ei = tokens("cast." + name(t) + ".int32");
            String[] eb = tokens("cast." + name(t) + ".bool");
            for (int b = 0; b < 256; b++) {
                String where = t + " bits " + b;
                if (eh[b].equals("nan")) {
                    assertTrue(Float.isNaN(Half.toFloat(h[b])) && Float.isNaN(BFloat16.toFloat(bf[b])), where);
                } else {
                    assertEquals(Integer.parseInt(eh[b]), h[b] & 0xFFFF, where);
                    assertEquals(Integer.parseInt(ebf[b]), bf[b] & 0xFFFF, where);
                }
                if (!el[b].equals("x")) {
                    assertEquals(Long.parseLong(el[b]), i64[b], where);
                    assertEquals(Long.parseLong(ei[b]), i32[b], where);
                }
                assertEquals(eb[b].equals("1"), bool[b], where);
            }
            for (DType u : FP8) {
                if (u != t) {
                    assertArrayEquals(ints(tokens("cast." + name(t) + "." + name(u))), bitsOf(x.to(u)), t + " to " + u);
                }
            }
            // a complex64 cast keeps the float32 value as its real part
            Tensor c = x.to(DType.COMPLEX64);
            assertArrayEquals(bitsOf(x.to(DType.FLOAT32).to(t)), bitsOf(c.real().to(t)), t + " complex");
        }
    }

    // ------------------------------------------------------------------ the binary ops 2.x runs: mul, eq, ne

    @Test
    void mulAndEqualityAsTwoXsCpuKernels() {
        String[] pairs = tokens("pairs");
        int[] a = new int[pairs.length];
        int[] b = new int[pairs.length];
        for (int i = 0; i < pairs.length; i++) {
            String[] p = pairs[i].split(",");
            a[i] = Integer.parseInt(p[0]);
            b[i] = Integer.parseInt(p[1]);
        }
        for (DType t : FP8) {
            Tensor x = fromBits(t, a, a.length);
            Tensor y = fromBits(t, b, b.length);
            String[] mul = tokens("mul." + name(t));
            Tensor product = x.mul(y);
            int[] got8 = bitsOf(product);
            float[] gotF = product.to(DType.FLOAT32).toFloatArray();
            for (int i = 0; i < mul.length; i++) {
                if (mul[i].equals("nan")) {
                    assertTrue(Float.isNaN(gotF[i]), t + " mul " + a[i] + "," + b[i]);
                } else {
                    assertEquals(Integer.parseInt(mul[i]), got8[i], t + " mul " + a[i] + "," + b[i]);
                }
            }
            int[] eq = ints(tokens("eq." + name(t)));
            boolean[] got = (boolean[]) x.eq(y).hostArray();
            boolean[] ne = (boolean[]) x.ne(y).hostArray();
            for (int i = 0; i < eq.length; i++) {
                assertEquals(eq[i] == 1, got[i], t + " eq " + a[i] + "," + b[i]);
                assertEquals(eq[i] == 0, ne[i], t + " ne " + a[i] + "," + b[i]);
            }
            // torch.equal: 2.x's equal_cpu dispatches fp8 (NaN unequal); its path for a tensor and itself does not
            Tensor xc = x.clone();
            boolean anyNan = false;
            float[] xf = x.to(DType.FLOAT32).toFloatArray();
            for (float v : xf) {
                anyNan |= Float.isNaN(v);
            }
            assertEquals(!anyNan, x.equal(xc), t + " equal");
            assertTrue(Tensor.ones(t, 3).equal(Tensor.ones(t, 3)));
            assertFalse(Tensor.ones(t, 3).equal(Tensor.zeros(t, 3)));
            assertEquals("\"equal_notnan_cpu\" not implemented for '" + t.scalarTypeName() + "'",
                    refusal(UnsupportedOperationException.class, () -> x.equal(x)));
            // isnan is self != self in 2.x
            Tensor all = fromBits(t, allPatterns(), 256);
            boolean[] nan = (boolean[]) all.isnan().hostArray();
            float[] f = all.to(DType.FLOAT32).toFloatArray();
            for (int i = 0; i < 256; i++) {
                assertEquals(Float.isNaN(f[i]), nan[i], t + " isnan " + i);
            }
            // a number is rounded into the type first, as TensorIterator casts a CPU scalar: 0.3 is 0.3125 in e4m3fn
            Tensor v = Tensor.tensor(new float[] {0.3f, 0.3125f}).to(t);
            assertArrayEquals(new boolean[] {true, true}, (boolean[]) v.eq(0.3).hostArray(), t.toString());
            assertArrayEquals(new boolean[] {false, false}, (boolean[]) v.ne(0.3).hostArray(), t.toString());
            // a second operand of one element takes 2.x's reduced-float path, which refuses fp8
            assertEquals("\"mul_cpu_reduced_float\" not implemented for '" + t.scalarTypeName() + "'",
                    refusal(UnsupportedOperationException.class, () -> x.mul(2.0)));
            assertEquals("\"mul_cpu_reduced_float\" not implemented for '" + t.scalarTypeName() + "'",
                    refusal(UnsupportedOperationException.class, () -> x.mul(y.select(0, 0))));
        }
    }

    @Test
    void promotionWithAnyOtherTypeRefuses() {
        for (DType t : FP8) {
            Tensor x = Tensor.ones(t, 4);
            for (DType o : DType.values()) {
                if (o == t) {
                    continue;
                }
                String msg = "Promotion for Float8 Types is not supported, attempted to promote " + t.scalarTypeName()
                        + " and " + o.scalarTypeName();
                assertEquals(msg, refusal(IllegalArgumentException.class, () -> DType.promote(t, o)));
                Tensor y = Tensor.zeros(o, 4);
                // test_float8.py's test_type_promotion_fails: x + y with y of another floating type
                assertEquals(msg, refusal(IllegalArgumentException.class, () -> x.add(y)), o.toString());
                assertEquals(msg, refusal(IllegalArgumentException.class, () -> x.eq(y)), o.toString());
            }
            assertSame(t, DType.promote(t, t));
            // a number or a 0-dim tensor of a lower category does not promote: the kernel refuses instead
            assertEquals("\"add_stub\" not implemented for '" + t.scalarTypeName() + "'",
                    refusal(UnsupportedOperationException.class, () -> x.add(1.0)));
            assertEquals("\"add_stub\" not implemented for '" + t.scalarTypeName() + "'",
                    refusal(UnsupportedOperationException.class, () -> x.add(x)));
        }
    }

    // ------------------------------------------------------------------ finfo and printing

    @Test
    void finfoAsNumericLimits() {
        for (DType t : FP8) {
            DTypeInfo.FInfo fi = DTypeInfo.finfo(t);
            assertEquals(CASES.value("finfo." + name(t)), fi.toString());
            String[] v = tokens("finfo.values." + name(t));
            assertEquals(Integer.parseInt(v[0]), fi.bits());
            assertEquals(Double.parseDouble(v[1]), fi.eps());
            assertEquals(Double.parseDouble(v[2]), fi.max());
            assertEquals(Double.parseDouble(v[3]), fi.min());
            assertEquals(Double.parseDouble(v[4]), fi.tiny());
            assertEquals(Double.parseDouble(v[5]), fi.smallestNormal());
            assertEquals(Double.parseDouble(v[6]), fi.resolution());
            assertTrue(t.isFloatingPoint() && !t.isReducedFloatingPoint() && !t.isComplex() && !t.isIntegral());
            assertEquals(1, t.itemSize());
            assertEquals(DType.UINT8, t.storageType());
        }
    }

    @Test
    void printsAsTwoXDoes() {
        for (DType t : FP8) {
            for (String c : new String[] {"vector", "matrix", "specials", "scalar", "empty", "long"}) {
                String[] parts = CASES.value("repr." + name(t) + "." + c).split(" \\| ", 3);
                int[] bits = parts[0].isEmpty() ? new int[0] : ints(parts[0].split(" "));
                int[] shape = parts[1].isEmpty() ? new int[0] : ints(parts[1].split(" "));
                assertEquals(parts[2].replace("\\n", "\n"), fromBits(t, bits, shape).toString(), t + " " + c);
            }
        }
    }

    // ------------------------------------------------------------------ creation, copies, views

    @Test
    void creationAndFill() {
        for (DType t : FP8) {
            int one = bitsOf(Tensor.tensor(new float[] {1f}).to(t))[0];
            int[] ones = new int[6];
            Arrays.fill(ones, one);
            assertArrayEquals(new int[6], bitsOf(Tensor.zeros(t, 2, 3)));
            assertArrayEquals(ones, bitsOf(Tensor.ones(t, 2, 3)));
            assertEquals(t, Tensor.empty(t, 2, 3).dtype());
            Tensor x = Tensor.full(t, 3.3, 2, 3);
            int b = bitsOf(Tensor.tensor(new float[] {3.3f}).to(t))[0];
            assertArrayEquals(new int[] {b, b, b, b, b, b}, bitsOf(x));
            assertArrayEquals(new int[6], bitsOf(x.zerosLike()));
            assertArrayEquals(ones, bitsOf(x.onesLike()));
            assertEquals(t, x.emptyLike().dtype());
            assertArrayEquals(ones, bitsOf(x.fullLike(1.0)));
            assertArrayEquals(ones, bitsOf(x.clone().fill_(1.0)));
            assertArrayEquals(new int[6], bitsOf(x.clone().zero_()));
            // fill_ of a transposed view writes the right elements
            Tensor z = Tensor.zeros(t, 2, 3);
            z.t().select(0, 1).fill_(1.0);
            assertArrayEquals(new int[] {0, one, 0, 0, one, 0}, bitsOf(z));
            // -0.0 is filled (its own bits, +0 in the fnuz types), NaN fits every type
            int negZero = t == DType.FLOAT8_E4M3FN || t == DType.FLOAT8_E5M2 ? 0x80 : 0;
            assertEquals(negZero, bitsOf(Tensor.full(t, -0.0, 1))[0]);
            assertTrue(Float.isNaN(Tensor.full(t, Double.NaN, 1).to(DType.FLOAT32).toFloatArray()[0]));
            // c10's checked conversion of the Python number: beyond the finite range, and infinity without infinities
            double max = DTypeInfo.finfo(t).max();
            String overflow = "value cannot be converted to type at::" + t.scalarTypeName() + " without overflow";
            assertEquals(overflow, refusal(IllegalArgumentException.class, () -> Tensor.full(t, max * 1.01, 2)));
            assertEquals(overflow, refusal(IllegalArgumentException.class, () -> Tensor.full(t, -max * 1.01, 2)));
            Tensor kept = Tensor.ones(t, 2);
            assertEquals(overflow, refusal(IllegalArgumentException.class, () -> kept.fill_(max * 2)));
            assertArrayEquals(new int[] {one, one}, bitsOf(kept), "a refused fill_ leaves the tensor unchanged");
            if (t == DType.FLOAT8_E5M2) {
                assertEquals(0x7C, bitsOf(Tensor.full(t, Double.POSITIVE_INFINITY, 1))[0]);
            } else {
                assertEquals(overflow, refusal(IllegalArgumentException.class,
                        () -> Tensor.full(t, Double.POSITIVE_INFINITY, 1)));
            }
            assertEquals(b, bitsOf(Tensor.full(t, max, 1).fill_(3.3))[0]);
        }
    }

    @Test
    void viewsCopiesCatAndStackMoveTheBits() {
        int[] bits = new int[24];
        for (int i = 0; i < 24; i++) {
            bits[i] = (i * 37 + 5) & 0xFF;
        }
        for (DType t : FP8) {
            Tensor x = fromBits(t, bits, 2, 3, 4);
            Tensor u = x.view(DType.UINT8);
            assertEquals(DType.UINT8, u.dtype());
            List<java.util.function.UnaryOperator<Tensor>> views = List.of(
                v -> v.view(6, 4), v -> v.reshape(4, 6), v -> v.transpose(0, 2), v -> v.permute(2, 0, 1),
                v -> v.select(1, 2), v -> v.narrow(2, 1, 2), v -> v.unsqueeze(1).expand(2, 5, 3, 4), v -> v.flatten(),
                v -> v.transpose(0, 1).reshape(12, 2), v -> v.transpose(1, 2), v -> v.squeeze(), v -> v.unsqueeze(0));
            for (int i = 0; i < views.size(); i++) {
                Tensor fv = views.get(i).apply(x);
                Tensor uv = views.get(i).apply(u);
                assertEquals(t, fv.dtype(), "view " + i);
                assertArrayEquals(uv.shape(), fv.shape(), "view " + i);
                assertArrayEquals(bitsOf(uv.view(t)), bitsOf(fv), "view " + i);
                assertArrayEquals(bitsOf(uv.view(t).clone()), bitsOf(fv.clone()), "clone " + i);
            }
            // a view shares the storage: a write through the uint8 view shows in the fp8 tensor
            Tensor y = x.clone();
            y.view(DType.UINT8).select(0, 0).fill_(0x38);
            assertEquals(0x38, bitsOf(y)[0]);
            assertEquals(bits[12], bitsOf(y)[12]);
            assertArrayEquals(bitsOf(u.transpose(0, 2).contiguous().view(t)), bitsOf(x.transpose(0, 2).contiguous()));
            Tensor cat = Tensor.cat(List.of(x, x.select(0, 1).unsqueeze(0)), 0);
            assertArrayEquals(bitsOf(Tensor.cat(List.of(u, u.select(0, 1).unsqueeze(0)), 0).view(t)), bitsOf(cat));
            assertEquals(t, cat.dtype());
            Tensor stack = Tensor.stack(List.of(x, x.clone()), 1);
            assertArrayEquals(bitsOf(Tensor.stack(List.of(u, u.clone()), 1).view(t)), bitsOf(stack));
            // copy_ between fp8 types converts through float32; into itself keeps the bits (NaN payloads too)
            for (DType o : FP8) {
                Tensor dst = Tensor.zeros(o, 2, 3, 4);
                dst.copy_(x);
                assertArrayEquals(bitsOf(x.to(DType.FLOAT32).to(o)), bitsOf(dst), t + " into " + o);
            }
            Tensor same = Tensor.zeros(t, 2, 3, 4).copy_(x);
            assertArrayEquals(bits, bitsOf(same));
            assertThrows(IllegalArgumentException.class, () -> x.view(DType.INT8));
            assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(4).view(t));
        }
    }

    @Test
    void gradientsFlowThroughCasts() {
        for (DType t : FP8) {
            // test_float8.py's test_pt2_traceable_aot_eager, eagerly: x.to(fp8).float().sum().backward()
            Tensor x = Tensor.tensor(new float[] {0.3f, -2f, 500f}).requiresGrad_(true);
            Tensor y = x.to(t);
            assertTrue(y.requiresGrad());
            y.to(DType.FLOAT32).sum().backward();
            assertArrayEquals(new float[] {1f, 1f, 1f}, x.grad().toFloatArray());
            // is_floating_point is True for fp8 in 2.x, so a leaf may require grad
            Tensor leaf = Tensor.ones(t, 2).requiresGrad_(true);
            assertTrue(leaf.requiresGrad());
        }
    }

    // ------------------------------------------------------------------ files

    /** A case {@code name dtype d0,d1 [requires_grad] bits... | ...} of the hand-built 2.x files, checked against a load. */
    private static void checkFile(String key, java.util.Map<?, ?> loaded) {
        for (String part : CASES.value(key).split(" \\| ")) {
            List<String> f = new ArrayList<>(Arrays.asList(part.split(" ")));
            Tensor t = (Tensor) loaded.get(f.get(0));
            assertEquals("torch." + f.get(1), t.dtype().torchName(), key + " " + f.get(0));
            assertArrayEquals(ints(f.get(2).split(",")), t.shape());
            boolean grad = f.get(3).equals("requires_grad");
            assertEquals(grad, t.requiresGrad());
            assertArrayEquals(ints(f.subList(grad ? 4 : 3, f.size()).toArray(new String[0])), bitsOf(t), key + " " + f.get(0));
        }
    }

    @Test
    void loadsTheFilesTwoXWrites() throws Exception {
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("fp8");
        try {
            for (String f : new String[] {"twox_fp8.pt", "twox_fp8.safetensors"}) {
                try (java.io.InputStream in = Float8Test.class.getResourceAsStream("/float8/" + f)) {
                    java.nio.file.Files.write(dir.resolve(f), in.readAllBytes());
                }
            }
            checkFile("file.pt", (java.util.Map<?, ?>) dev.ember.nn.TorchSerialization.load(dir.resolve("twox_fp8.pt")));
            checkFile("file.safetensors", dev.ember.nn.Safetensors.load(dir.resolve("twox_fp8.safetensors")));
        } finally {
            for (String f : new String[] {"twox_fp8.pt", "twox_fp8.safetensors", "round.pt", "round.safetensors"}) {
                java.nio.file.Files.deleteIfExists(dir.resolve(f));
            }
            java.nio.file.Files.delete(dir);
        }
    }

    @Test
    void savesAsTwoXDoes() throws Exception {
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("fp8");
        try {
            java.util.Map<String, Object> state = new java.util.LinkedHashMap<>();
            for (DType t : FP8) {
                Tensor x = fromBits(t, allPatterns(), 16, 16);
                state.put(name(t), x);
                state.put(name(t) + ".t", x.t()); // a view: one storage, saved once
            }
            Tensor leaf = Tensor.ones(DType.FLOAT8_E4M3FN, 3).requiresGrad_(true);
            state.put("leaf", leaf);
            java.nio.file.Path pt = dir.resolve("round.pt");
            dev.ember.nn.TorchSerialization.save(state, pt);
            String pickle;
            try (java.util.zip.ZipFile z = new java.util.zip.ZipFile(pt.toFile())) {
                pickle = new String(z.getInputStream(z.getEntry("round/data.pkl")).readAllBytes(),
                        java.nio.charset.StandardCharsets.ISO_8859_1);
                assertEquals(5, z.stream().filter(e -> e.getName().startsWith("round/data/")).count());
            }
            // 2.x's pickling of a dtype in torch.storage._new_dtypes()
            assertTrue(pickle.contains("ctorch._utils\n_rebuild_tensor_v3\n"));
            assertTrue(pickle.contains("ctorch\nUntypedStorage\n"));
            assertFalse(pickle.contains("_rebuild_tensor_v2"));
            for (DType t : FP8) {
                assertTrue(pickle.contains("ctorch\n" + name(t) + "\n"), t.toString());
            }
            java.util.Map<?, ?> back = (java.util.Map<?, ?>) dev.ember.nn.TorchSerialization.load(pt);
            for (DType t : FP8) {
                Tensor x = (Tensor) back.get(name(t));
                assertEquals(t, x.dtype());
                assertArrayEquals(allPatterns(), bitsOf(x));
                assertArrayEquals(bitsOf(fromBits(t, allPatterns(), 16, 16).t()), bitsOf((Tensor) back.get(name(t) + ".t")));
            }
            assertTrue(((Tensor) back.get("leaf")).requiresGrad());

            java.nio.file.Path st = dir.resolve("round.safetensors");
            java.util.Map<String, Tensor> tensors = new java.util.LinkedHashMap<>();
            tensors.put("a", fromBits(DType.FLOAT8_E4M3FN, allPatterns(), 256));
            tensors.put("b", fromBits(DType.FLOAT8_E5M2, allPatterns(), 16, 16).t());
            dev.ember.nn.Safetensors.save(tensors, st);
            String header = new String(java.nio.file.Files.readAllBytes(st), java.nio.charset.StandardCharsets.ISO_8859_1);
            assertTrue(header.contains("\"a\":{\"dtype\":\"F8_E4M3\",\"shape\":[256],\"data_offsets\":[0,256]}"), header);
            assertTrue(header.contains("\"b\":{\"dtype\":\"F8_E5M2\",\"shape\":[16,16],\"data_offsets\":[256,512]}"));
            java.util.Map<String, Tensor> loaded = dev.ember.nn.Safetensors.load(st);
            assertArrayEquals(allPatterns(), bitsOf(loaded.get("a")));
            assertArrayEquals(bitsOf(tensors.get("b")), bitsOf(loaded.get("b")));
            for (DType t : new DType[] {DType.FLOAT8_E4M3FNUZ, DType.FLOAT8_E5M2FNUZ}) {
                String msg = refusal(IllegalArgumentException.class, () -> {
                    try {
                        dev.ember.nn.Safetensors.save(java.util.Map.of("x", Tensor.zeros(t, 2)), dir.resolve("no.safetensors"));
                        return null;
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                assertEquals("tensor \"x\" is " + t.torchName() + ", which the safetensors format cannot hold: its 8-bit "
                        + "float dtypes are F8_E4M3 (torch.float8_e4m3fn) and F8_E5M2 (torch.float8_e5m2)", msg);
                assertFalse(java.nio.file.Files.exists(dir.resolve("no.safetensors")));
            }
        } finally {
            try (java.util.stream.Stream<java.nio.file.Path> files = java.nio.file.Files.list(dir)) {
                for (java.nio.file.Path f : (Iterable<java.nio.file.Path>) files::iterator) {
                    java.nio.file.Files.delete(f);
                }
            }
            java.nio.file.Files.delete(dir);
        }
    }

    @Test
    void creationFromDataAndBits() {
        for (DType t : FP8) {
            // torch.tensor(data, dtype=fp8): each number through float32 into the type, as a cast of the values
            int[] expected = bitsOf(Tensor.tensor(new double[] {0.3, -1e9, 2.5, 0}).to(t));
            assertArrayEquals(expected, bitsOf(Tensor.tensor(new double[][] {{0.3, -1e9}, {2.5, 0}}, t)));
            assertArrayEquals(new int[] {expected[2]}, bitsOf(Tensor.tensor(2.5, t)));
            assertArrayEquals(expected, bitsOf(Tensor.tensor(new double[] {0.3, -1e9, 2.5, 0}, t)));
            // a byte[] read as the type's bits, shared as fromArray shares
            byte[] raw = {0x38, 0x01, (byte) 0x80};
            Tensor shared = Tensor.fromArray(raw, t);
            assertEquals(t, shared.dtype());
            assertArrayEquals(new int[] {0x38, 0x01, 0x80}, bitsOf(shared));
            raw[0] = 0x40;
            assertEquals(0x40, bitsOf(shared)[0]);
            // repeat and tile are an expand and a copy in 2.x
            Tensor x = fromBits(t, new int[] {1, 2, 3, 4, 5, 6}, 2, 3);
            assertArrayEquals(bitsOf(x.view(DType.UINT8).repeat(2, 1, 2).view(t)), bitsOf(x.repeat(2, 1, 2)));
            assertArrayEquals(bitsOf(x.view(DType.UINT8).tile(2).view(t)), bitsOf(x.tile(2)));
            // under autocast 2.x casts a floating (fp8 included) input to the lower-precision type
            try (AutocastMode m = Ember.autocast(DeviceType.CPU, DType.BFLOAT16)) {
                Tensor ones = Tensor.ones(t, 2, 3);
                Tensor r = ones.matmul(ones.t());
                assertEquals(DType.BFLOAT16, r.dtype());
                assertArrayEquals(new float[] {3, 3, 3, 3}, r.toFloatArray());
            }
            // mul's backward is a mul: an fp8 leaf gets an fp8 gradient
            Tensor a = Tensor.ones(t, 3).requiresGrad_(true);
            a.mul(Tensor.full(t, 2.0, 3)).backward(Tensor.ones(t, 3));
            assertEquals(t, a.grad().dtype());
            assertArrayEquals(new float[] {2, 2, 2}, a.grad().toFloatArray());
        }
    }

    @Test
    void factoriesAndFunctionsRefuseAsTwoX() {
        for (DType t : FP8) {
            Tensor y = Tensor.ones(t, 2, 3);
            String n = "\" not implemented for '" + t.scalarTypeName() + "'";
            Object[][] cases = {
                {"arange_cpu", (Supplier<?>) () -> Tensor.arange(0, 4, 1, t)},
                {"linspace_cpu", (Supplier<?>) () -> Tensor.linspace(0, 1, 4, t)},
                {"logspace_cpu", (Supplier<?>) () -> Tensor.logspace(0, 1, 4, 10, t)},
                {"check_uniform_bounds", (Supplier<?>) () -> Tensor.rand(t, 3)},
                {"normal_kernel_cpu", (Supplier<?>) () -> Tensor.randn(t, 3)},
                {"randperm", (Supplier<?>) () -> Tensor.randperm(Generator.DEFAULT, t, 3)},
                {"where_cpu", (Supplier<?>) () -> Tensor.where(y.eq(y), y, y)},
                {"index_cpu", (Supplier<?>) () -> y.index(Index.of(Tensor.tensor(new long[] {1})))},
                {"masked_fill", (Supplier<?>) () -> y.maskedFill(y.eq(y), 2.0)},
                {"triu_tril_cpu", (Supplier<?>) y::triu}, {"flip_cpu", (Supplier<?>) () -> y.flip(0)},
                {"addmm_impl_cpu_", (Supplier<?>) () -> dev.ember.nn.Functional.linear(y, Tensor.ones(t, 4, 3), null)},
                {"softmax_lastdim_kernel_impl", (Supplier<?>) () -> dev.ember.nn.Functional.softmax(y, 1)},
                {"LayerNormKernelImpl", (Supplier<?>) () -> dev.ember.nn.Functional.layerNorm(y, new int[] {3}, null, null,
                        1e-5)},
                {"GeluKernelImpl", (Supplier<?>) () -> dev.ember.nn.Functional.gelu(y)},
                {"mse_cpu", (Supplier<?>) () -> dev.ember.nn.Functional.mseLoss(y, y)},
                {"pow", (Supplier<?>) y::square}, {"sum_cpu", (Supplier<?>) () -> y.sum(1)}};
            for (Object[] c : cases) {
                @SuppressWarnings("unchecked")
                Supplier<?> op = (Supplier<?>) c[1];
                assertEquals("\"" + c[0] + n, assertThrows(RuntimeException.class, op::get).getMessage(), t + " " + c[0]);
            }
        }
    }

    @Test
    void metaTensorsCarryTheTypeWithoutData() {
        for (DType t : FP8) {
            // a meta kernel dispatches on no element type: shapes and types only, as 2.x's meta tensors
            Tensor m = Tensor.empty(t, Device.META, 2, 3);
            assertEquals(t, m.dtype());
            assertEquals(t, Tensor.empty(DType.FLOAT32, Device.META, 3).to(t).dtype());
            assertEquals(DType.FLOAT32, m.to(DType.FLOAT32).dtype());
            assertEquals(t, Tensor.full(t, Device.META, 2.0, 3).dtype());
            assertEquals(t, Tensor.ones(t, 3).to(Device.META).dtype());
            Tensor sum = m.add(m);
            assertTrue(sum.isMeta());
            assertEquals(t, sum.dtype());
            assertArrayEquals(new int[] {2, 3}, m.mul(m).shape());
            assertTrue(m.toString().endsWith("dtype=" + t.torchName() + ")"));
        }
    }

    // ------------------------------------------------------------------ the refusals

    /** The ops 2.x's CPU kernels refuse on fp8, with 2.x's kernel names. */
    @Test
    void arithmeticReductionsAndMatmulRefuse() {
        for (DType t : FP8) {
            Tensor x = Tensor.ones(t, 2, 2);
            String n = "\" not implemented for '" + t.scalarTypeName() + "'";
            Object[][] cases = {
                {"add_stub", (Supplier<?>) () -> x.add(x)}, {"add_stub", (Supplier<?>) () -> x.sub(x)},
                {"div_true_cpu", (Supplier<?>) () -> x.div(x)}, {"sum_cpu", (Supplier<?>) x::sum},
                {"sum_cpu", (Supplier<?>) x::mean}, {"addmm_impl_cpu_", (Supplier<?>) () -> x.matmul(x)},
                {"addmm_impl_cpu_", (Supplier<?>) () -> x.mm(x)}, {"neg_cpu", (Supplier<?>) x::neg},
                {"abs_cpu", (Supplier<?>) x::abs}, {"exp_vml_cpu", (Supplier<?>) x::exp},
                {"lt_cpu", (Supplier<?>) () -> x.lt(x)}, {"max_all", (Supplier<?>) x::max},
                {"clamp_min_scalar_cpu", (Supplier<?>) x::relu}, {"sigmoid_cpu", (Supplier<?>) x::sigmoid}};
            for (Object[] c : cases) {
                @SuppressWarnings("unchecked")
                Supplier<?> op = (Supplier<?>) c[1];
                assertEquals("\"" + c[0] + n, refusal(UnsupportedOperationException.class, op), t + " " + c[0]);
            }
            int[] before = bitsOf(x);
            assertThrows(UnsupportedOperationException.class, () -> x.add_(x));
            assertArrayEquals(before, bitsOf(x), "a refused in-place op leaves the tensor unchanged");
        }
    }
}
