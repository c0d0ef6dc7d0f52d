package dev.ember;

import dev.ember.ao.quantization.QuantDType;
import dev.ember.ao.quantization.QuantizedTensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Session 44's leftovers: small differences from PyTorch 2.x that earlier sessions noted, each now PyTorch's. Values
 * from {@code leftovers44/make_expected.py} (PyTorch 1.13, and 2.x's rules where 1.13 differs, stated there).
 */
class Leftovers44Test {
    private static final Map<String, String> EXPECTED = ReferenceCases.strings("/leftovers44/expected.txt");

    private static double[] nums(String key) {
        String v = EXPECTED.get(key);
        assertTrue(v != null, "missing expected value " + key);
        return Arrays.stream(v.trim().split(" ")).mapToDouble(Leftovers44Test::num).toArray();
    }

    /** One number as Python's repr writes it ({@code nan}, {@code inf} and {@code -inf} included). */
    private static double num(String s) {
        switch (s) {
            case "nan": return Double.NaN;
            case "inf": return Double.POSITIVE_INFINITY;
            case "-inf": return Double.NEGATIVE_INFINITY;
            default: return Double.parseDouble(s);
        }
    }

    /** A complex tensor of type {@code dtype} from interleaved parts. */
    private static Tensor complex(double[] parts, DType dtype) {
        Tensor r = Tensor.fromArray(parts).reshape(parts.length / 2, 2);
        return r.to(dtype == DType.COMPLEX64 ? DType.FLOAT32 : DType.FLOAT64).viewAsComplex();
    }

    /** Each complex element's parts within {@code tol} of the larger part's magnitude (NaN where NaN). */
    private static void assertComplexClose(String what, double[] e, Tensor got, double tol) {
        double[] g = got.viewAsReal().toDoubleArray();
        assertEquals(e.length, g.length, what + " size");
        for (int i = 0; i < e.length; i += 2) {
            double scale = Math.max(Math.abs(e[i]), Math.abs(e[i + 1]));
            for (int k = i; k < i + 2; k++) {
                boolean ok = Double.isNaN(e[k]) ? Double.isNaN(g[k]) : Math.abs(e[k] - g[k]) <= tol * scale;
                assertTrue(ok, what + "[" + k + "]: PyTorch " + e[k] + ", Ember " + g[k]);
            }
        }
    }

    // ------------------------------------------------------------------ 1. complex sigmoid

    @Test
    void complexSigmoidValuesAndGradientsArePyTorchs() {
        for (String name : new String[] {"c128", "c64"}) {
            DType dt = name.equals("c64") ? DType.COMPLEX64 : DType.COMPLEX128;
            double tol = name.equals("c64") ? 2e-6 : 1e-13;
            Tensor z = complex(nums("sigmoid." + name + ".in"), dt).requiresGrad_(true);
            Tensor y = z.sigmoid();
            assertEquals(EXPECTED.get("sigmoid." + name + ".fn"), y.gradFn().name());
            assertComplexClose("sigmoid " + name, nums("sigmoid." + name + ".out"), y, tol);
            Tensor w = ReferenceCases.weights(new int[] {(int) z.numel(), 2}, dt == DType.COMPLEX64 ? DType.FLOAT32 : DType.FLOAT64);
            y.viewAsReal().mul(w).sum().backward();
            assertComplexClose("sigmoid grad " + name, nums("sigmoid." + name + ".grad"), z.grad(), tol * 10);
        }
    }

    /**
     * Where {@code e^-x} overflows, PyTorch's {@code 1 / (1 + exp(-z))} is NaN, not the limit 0 (was 0: Ember computed
     * {@code e^z / (1 + e^z)} for negative real parts); complex64 overflows at its own range (x below -88.72). The
     * gradient there, {@code grad * conj((1 - y) y)}, is NaN too.
     */
    @Test
    void complexSigmoidOverflowIsNaNAsPyTorchs() {
        for (String name : new String[] {"c128", "c64"}) {
            DType dt = name.equals("c64") ? DType.COMPLEX64 : DType.COMPLEX128;
            Tensor z = complex(nums("sigmoid." + name + ".ext.in"), dt).requiresGrad_(true);
            Tensor y = z.sigmoid();
            double[] e = nums("sigmoid." + name + ".ext.out");
            assertComplexClose("sigmoid overflow " + name, e, y, 1e-15);
            y.viewAsReal().sum().backward();
            double[] g = z.grad().viewAsReal().toDoubleArray();
            for (int i = 0; i < e.length; i++) {
                assertEquals(Double.isNaN(e[i]), Double.isNaN(g[i]), name + " grad[" + i + "] NaN where the value is");
            }
        }
    }

    // ------------------------------------------------------------------ 2. the convolutions' double backward

    private static Tensor real(String key, int... shape) {
        return Tensor.fromArray(nums(key)).reshape(shape);
    }

    private static String desc(Tensor t) {
        return t == null ? "None" : (t.requiresGrad() ? "True" : "False") + " " + (t.gradFn() == null ? "None" : t.gradFn().name());
    }

    /**
     * conv1d's, conv2d's and conv3d's gradients under create_graph are PyTorch's convolution_backward node: each requires grad,
     * grad_fn ConvolutionBackwardBackward0, where the output gradient, the input or the weight does (was: only where it
     * depends on a tensor that requires grad, so that with only the input requiring grad its gradient did not, and
     * the bias's never did); then which second-order gradients are None and which require grad, and their values.
     */
    @Test
    void convolutionDoubleBackwardKeepsPyTorchsEdges() {
        int cases = 0;
        for (String op : new String[] {"conv1d", "conv2d", "conv3d"}) {
            boolean one = op.equals("conv1d");
            boolean three = op.equals("conv3d");
            int[] xs = one ? new int[] {2, 3, 7} : three ? new int[] {1, 2, 3, 4, 3} : new int[] {2, 3, 5, 4};
            int[] ws = one ? new int[] {4, 3, 3} : three ? new int[] {3, 2, 2, 2, 2} : new int[] {4, 3, 3, 2};
            for (String c : new String[] {"nxw", "nx-", "n-w", "bxw", "bx-", "b-w"}) {
                String key = op + "." + c;
                boolean bias = c.charAt(0) == 'b';
                Tensor x = real(key + ".x", xs).requiresGrad_(c.charAt(1) == 'x');
                Tensor w = real(key + ".w", ws).requiresGrad_(c.charAt(2) == 'w');
                Tensor b = bias ? real(key + ".b", ws[0]).requiresGrad_(true) : null;
                Tensor y = one ? Tensor.conv1d(x, w, b, new int[] {1}, new int[] {1}, new int[] {1}, 1)
                        : three ? dev.ember.nn.Functional.conv3d(x, w, b, new int[] {1, 1, 1}, new int[] {1, 0, 1},
                                new int[] {1, 1, 1}, 1)
                        : Tensor.conv2d(x, w, b, new int[] {2, 1}, new int[] {1, 1}, new int[] {1, 1}, 1);
                Tensor v = real(key + ".v", y.shape());
                List<Tensor> ins = new ArrayList<>();
                for (Tensor t : new Tensor[] {x, w, b}) {
                    if (t != null && t.requiresGrad()) {
                        ins.add(t);
                    }
                }
                List<Tensor> gs = Autograd.grad(List.of(y.mul(v).sum()), ins, null, true, true, false);
                assertEquals(Integer.parseInt(EXPECTED.get(key + ".n")), gs.size(), key);
                for (int i = 0; i < gs.size(); i++) {
                    Tensor g = gs.get(i);
                    assertEquals(EXPECTED.get(key + ".g" + i + ".desc"), desc(g), key + " gradient " + i);
                    ReferenceCases.assertClose(key + " gradient " + i, real(key + ".g" + i + ".val", g.shape()), g, 0);
                    List<Tensor> gg = Autograd.grad(List.of(g.mul(g).sum()), ins, null, true, true, true);
                    for (int j = 0; j < gg.size(); j++) {
                        String at = key + ".gg" + i + "." + j;
                        Tensor h = gg.get(j);
                        assertEquals(EXPECTED.get(at + ".desc"), h == null ? "None" : h.requiresGrad() ? "True" : "False", at);
                        if (h != null) {
                            ReferenceCases.assertClose(at, real(at + ".val", h.shape()), h, 0);
                        }
                        cases++;
                    }
                }
            }
        }
        assertEquals(69, cases);
    }

    // ------------------------------------------------------------------ 3. jacrev's chunk_size

    /**
     * {@code jacrev(f, argnums, chunk_size=k)}: the rows k at a time, concatenated, so the unchunked Jacobian
     * (functorch 1.13's) for every k (1: one product per row, a divisor and a non-divisor of the 3 rows, the rows, past
     * them), with respect to either argument, through {@link Func} and {@link FuncTree}; a chunk size below 1 refused
     * with 2.x's message when the transform is made, before f runs.
     */
    @Test
    void jacrevChunkSizeGivesTheOnePassJacobian() {
        Tensor x = real("jacrev.x", 4, 3);
        Tensor w = real("jacrev.w", 3);
        Func.TensorFn f = a -> a[0].mul(a[1]).sin().sum(0).add(a[0].exp().select(0, 1));
        Tensor[] expected = {real("jacrev.arg0", 3, 4, 3), real("jacrev.arg1", 3, 3)};
        for (int arg = 0; arg < 2; arg++) {
            for (Integer chunk : new Integer[] {null, 1, 2, 3, 7}) {
                Tensor jac = Func.jacrev(f, arg, chunk).apply(x, w);
                ReferenceCases.assertClose("jacrev argnums " + arg + " chunk " + chunk, expected[arg], jac, 0);
                Tensor one = Func.jacrev(f, arg).apply(x, w);
                assertArrayEquals(one.toDoubleArray(), jac.toDoubleArray(), 0, "chunk " + chunk + " = one pass");
                Object tree = FuncTree.jacrev(t -> f.apply((Tensor) t[0], (Tensor) t[1]), arg, false, chunk).apply(x, w);
                assertArrayEquals(one.toDoubleArray(), ((Tensor) tree).toDoubleArray(), 0, "tree, chunk " + chunk);
            }
        }
        // nested (the inner Jacobian's graph kept for the outer one, chunk by chunk): the unchunked Hessian
        Func.TensorFn g = a -> a[0].mul(a[0]).sin().sum(0);
        Tensor hessian = Func.jacrev(Func.jacrev(g, 0), 0).apply(x);
        Tensor chunked = Func.jacrev(Func.jacrev(g, 0, 2), 0, 1).apply(x);
        assertArrayEquals(hessian.shape(), chunked.shape());
        assertArrayEquals(hessian.toDoubleArray(), chunked.toDoubleArray(), 0, "chunked Hessian");
        int[] calls = {0};
        Func.TensorFn counted = a -> {
            calls[0]++;
            return a[0].sin();
        };
        for (int bad : new int[] {0, -2}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Func.jacrev(counted, 0, bad));
            assertEquals(EXPECTED.get("jacrev.message"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> FuncTree.jacrev(t -> t[0], 0, true, bad));
            assertEquals(EXPECTED.get("jacrev.message"), e.getMessage());
        }
        assertEquals(0, calls[0]);
    }

    // ------------------------------------------------------------------ 5. qint32 operands of the quantized ops

    private static void assertQuantized(String what, String expected, QuantizedTensor got) {
        double[] e = Arrays.stream(expected.split(" ")).mapToDouble(Leftovers44Test::num).toArray();
        assertEquals(QuantDType.QINT32, got.dtype(), what);
        assertEquals(e[0], got.qScale(), what + " scale");
        assertEquals((long) e[1], got.qZeroPoint(), what + " zero point");
        assertArrayEquals(Arrays.copyOfRange(e, 2, e.length), got.intRepr().toDoubleArray(), 0, what + " int_repr");
    }

    /**
     * quantized add_scalar, mul_scalar, hardswish, elu and leaky_relu of a qint32 tensor are PyTorch's (they were
     * refused: Ember's kernels took quint8 and qint8 only), at sizes that take the scalar path only, whole 16-element
     * vectorized steps, and both; add_scalar also where the zero point leaves the int32 range (the scale widens).
     */
    @Test
    void qint32OperandsOfTheQuantizedPointwiseOpsArePyTorchs() {
        for (int n : new int[] {8, 16, 37}) {
            String key = "q32." + n + ".";
            QuantizedTensor q = QuantizedTensor.quantizePerTensor(real(key + "x", n).to(DType.FLOAT32), 0.25, -3,
                    QuantDType.QINT32);
            assertQuantized(key + "add_scalar", EXPECTED.get(key + "add_scalar"), QuantizedPointwiseOps.addScalar(q, 1.3));
            assertQuantized(key + "add_scalar_neg", EXPECTED.get(key + "add_scalar_neg"),
                    QuantizedPointwiseOps.addScalar(q, -7.9));
            assertQuantized(key + "mul_scalar", EXPECTED.get(key + "mul_scalar"), QuantizedPointwiseOps.mulScalar(q, 0.7));
            assertQuantized(key + "mul_scalar_neg", EXPECTED.get(key + "mul_scalar_neg"),
                    QuantizedPointwiseOps.mulScalar(q, -1.5));
            assertQuantized(key + "mul_scalar_zero", EXPECTED.get(key + "mul_scalar_zero"),
                    QuantizedPointwiseOps.mulScalar(q, 0.0));
            assertQuantized(key + "hardswish", EXPECTED.get(key + "hardswish"), QuantizedPointwiseOps.hardswish(q, 0.07, 4));
            assertQuantized(key + "elu", EXPECTED.get(key + "elu"), QuantizedPointwiseOps.elu(q, 0.07, 4, 1.3));
            assertQuantized(key + "leaky_relu", EXPECTED.get(key + "leaky_relu"),
                    QuantizedPointwiseOps.leakyRelu(q, 0.15, 0.07, 4));
        }
        QuantizedTensor wide = QuantizedTensor.quantizePerTensor(real("q32.wide.x", 3).to(DType.FLOAT32), 1e-9,
                2147483638L, QuantDType.QINT32);
        assertQuantized("wide add_scalar", EXPECTED.get("q32.wide.add_scalar"), QuantizedPointwiseOps.addScalar(wide, -1e-6));
    }

    // ------------------------------------------------------------------ 6. topk's order among ties

    private static long[] longs(String s) {
        return s.isBlank() ? new long[0] : Arrays.stream(s.trim().split(" ")).mapToLong(Long::parseLong).toArray();
    }

    /**
     * topk's indices are PyTorch's CPU kernel's, equal values included (were: a stable sort's, ties in index order):
     * lines of 5 to 1000 small integers with NaN, k on both sides of {@code k * 64 <= n} (partial_sort, or
     * nth_element and sort), largest and smallest, sorted or not, float64, float32 and int64; a 2-D input along either
     * dimension. The values are the input's at those indices.
     */
    @Test
    void topkOrdersTiesAsPyTorchsCpuKernel() {
        int count = Integer.parseInt(EXPECTED.get("topk.count"));
        int checked = 0;
        for (int c = 0; c < count; c++) {
            String[] head = EXPECTED.get("topk." + c + ".x").split(" ", 3);
            DType dt = head[0].equals("float64") ? DType.FLOAT64 : head[0].equals("float32") ? DType.FLOAT32 : DType.INT64;
            int k = Integer.parseInt(head[1]);
            double[] vals = Arrays.stream(head[2].split(" ")).mapToDouble(Leftovers44Test::num).toArray();
            Tensor x = Tensor.fromArray(vals).to(dt);
            String[] idx = EXPECTED.get("topk." + c + ".idx").split(" \\| ", -1);
            int r = 0;
            for (boolean largest : new boolean[] {true, false}) {
                for (boolean sorted : new boolean[] {true, false}) {
                    Tensor.ValuesIndices got = x.topk(k, 0, largest, sorted);
                    long[] want = longs(idx[r++]);
                    String what = "case " + c + " " + head[0] + " n " + vals.length + " k " + k + " largest " + largest
                            + " sorted " + sorted;
                    assertArrayEquals(want, got.indices().toLongArray(), what);
                    assertArrayEquals(x.indexSelect(0, got.indices()).toDoubleArray(), got.values().toDoubleArray(), 0, what);
                    checked++;
                }
            }
        }
        assertEquals(count * 4, checked);
        Tensor x2 = real("topk2d.x", 6, 70);
        assertArrayEquals(longs(EXPECTED.get("topk2d.dim1")), x2.topk(40, 1, true, true).indices().reshape(-1).toLongArray());
        assertArrayEquals(longs(EXPECTED.get("topk2d.dim0")), x2.topk(4, 0, false, false).indices().reshape(-1).toLongArray());
    }

    // ------------------------------------------------------------------ 7. spectral norm's buffer assignments

    /**
     * The spectral norm parametrization assigns {@code _u} and {@code _v} at every power-iteration step, as 2.x's
     * {@code _power_method} does ({@code self._u = F.normalize(..., out=self._u)}, then {@code _v}; stated rule, 1.13 has
     * no registration hooks): the global buffer hooks run {@code 2 n_power_iterations} times in each training forward,
     * alternating, not at all in eval; the buffers stay the same tensors, written in place; a tensor a hook returns
     * becomes the buffer, and the next step writes into it.
     */
    @Test
    void spectralNormAssignsItsVectorsAtEveryPowerIteration() {
        dev.ember.nn.Linear lin = dev.ember.nn.utils.Parametrizations.spectralNorm(new dev.ember.nn.Linear(3, 4), "weight",
                3, 1e-12, null);
        Tensor u = lin.getBuffer("parametrizations.weight.0._u");
        Tensor v = lin.getBuffer("parametrizations.weight.0._v");
        List<String> seen = new ArrayList<>();
        Tensor[] replacement = {null};
        RemovableHandle handle = dev.ember.nn.ModuleRegistrationHooks.registerModuleBufferRegistrationHook(
                (module, name, tensor) -> {
                    seen.add(name + (tensor == u || tensor == v ? "" : " other"));
                    return name.equals("_u") ? replacement[0] : null;
                });
        try {
            Tensor x = real("jacrev.x", 4, 3).to(DType.FLOAT32);
            lin.apply(x);
            assertEquals(List.of("_u", "_v", "_u", "_v", "_u", "_v"), seen, "a training forward, 3 iterations");
            assertSame(u, lin.getBuffer("parametrizations.weight.0._u"));
            assertSame(v, lin.getBuffer("parametrizations.weight.0._v"));
            seen.clear();
            lin.eval();
            lin.apply(x);
            assertEquals(List.of(), seen, "eval: no power iteration");
            lin.train();
            // a unit vector of its own: step 1's _v is computed from it, steps 2 and 3 write into it
            Tensor fresh = u.onesLike().mul(0.5);
            replacement[0] = fresh;
            lin.apply(x);
            assertSame(fresh, lin.getBuffer("parametrizations.weight.0._u"), "the hook's tensor is the buffer");
            assertEquals(List.of("_u", "_v", "_u other", "_v", "_u other", "_v"), seen);
            assertEquals(1.0, fresh.norm().item(), 1e-6, "a unit vector");
            assertTrue(fresh.sub(0.5).abs().max().item() > 1e-3, "later steps wrote into the hook's tensor");
        } finally {
            handle.remove();
        }
    }

    // ------------------------------------------------------------------ 8. FlexAttention's data-dependent mods

    /**
     * attention-gym's mods that read a gathered row as vmap presents it, ported verbatim: Flamingo's vision
     * cross-attention ({@code interval[0]}, {@code interval[1]}: the row's elements) and DeepSeek-V2's MLA RoPE
     * ({@code torch.dot} of two gathered rows). Their call on the broadcast index tensors fails, so FlexAttention
     * evaluates them element by element, as 2.x's vmap does, and gives attention-gym's values
     * ({@code flexgym/make_expected.py}, 2.5's math; FlexAttentionGymTest's adapted ports give the same).
     */
    @Test
    void flexAttentionEvaluatesRowReadingModsPerElementAsVmapDoes() {
        ExpectedTensors gym = ExpectedTensors.load("/flexgym/expected.txt");
        Tensor intervals = Tensor.tensor(new long[] {0, 4, 3, 9}).reshape(2, 2);
        Tensor imageBoundaries = Tensor.arange(0, 2, 1, DType.INT64).repeatInterleave(3, 0);
        FlexAttention.MaskMod flamingo = (b, h, qIdx, kvIdx) -> {
            Tensor imageIdx = imageBoundaries.index(Index.of(kvIdx));
            Tensor interval = intervals.index(Index.of(imageIdx));
            return qIdx.ge(interval.select(0, 0)).logicalAnd(qIdx.lt(interval.select(0, 1)));
        };
        Tensor q = gym.get("x.q").to(DType.FLOAT32);
        Tensor k = gym.get("x.k").to(DType.FLOAT32);
        Tensor v = gym.get("x.v").to(DType.FLOAT32);
        FlexAttention.Result r = FlexAttention.flexAttentionWithLse(q, k, v, null,
                FlexAttention.createBlockMask(flamingo, null, null, 11, 6, 4), null, false);
        gym.assertClose("flamingo.out", r.output(), 2e-5);
        gym.assertClose("flamingo.lse", r.lse(), 2e-5);
        Tensor queryRope = gym.get("mla.qr").to(DType.FLOAT32);
        Tensor keyRope = gym.get("mla.kr").to(DType.FLOAT32);
        FlexAttention.ScoreMod mla = (score, b, h, qIdx, kvIdx) -> {
            Tensor qr = queryRope.index(Index.of(b), Index.of(h), Index.of(qIdx));
            Tensor kr = keyRope.index(Index.of(b), Index.of(h.floorDivide(4)), Index.of(kvIdx));
            return score.add(qr.dot(kr).mul(0.5));
        };
        FlexAttention.MaskMod causal = (b, h, qIdx, kvIdx) -> qIdx.ge(kvIdx);
        Tensor mq = gym.get("mla.q").to(DType.FLOAT32);
        Tensor out = FlexAttention.flexAttention(mq, gym.get("mla.k").to(DType.FLOAT32), gym.get("mla.v").to(DType.FLOAT32),
                mla, FlexAttention.createBlockMask(causal, null, null, mq.size(2), gym.get("mla.k").size(2), 4), null,
                mq.size(1) != gym.get("mla.k").size(1));
        gym.assertClose("mla.out", out, 2e-5);
    }

    // ------------------------------------------------------------------ 4. integer regression losses on meta

    /**
     * mse_loss, huber_loss and smooth_l1_loss of integer tensors on the meta device give PyTorch's meta results (the
     * promoted integer type; 0-dim for mean and sum, the broadcast shape for none) where Ember refused them with the
     * CPU kernel's message; on the CPU they are still refused, as PyTorch's.
     */
    private static DType dtypeNamed(String name) {
        for (DType t : DType.values()) {
            if (t.toString().equals("torch." + name)) {
                return t;
            }
        }
        throw new IllegalArgumentException(name);
    }

    @Test
    void integerRegressionLossesOnMetaArePyTorchs() {
        int checked = 0;
        for (String c : EXPECTED.get("metaloss").split(" \\| ")) {
            String[] w = c.split(" ");
            Tensor a = Tensor.empty(dtypeNamed(w[0]), 2, 3).to(Device.META);
            Tensor b = Tensor.empty(dtypeNamed(w[1]), 3).to(Device.META);
            Tensor r = switch (w[2]) {
                case "mse" -> dev.ember.nn.Functional.mseLoss(a, b, w[3]);
                case "huber" -> dev.ember.nn.Functional.huberLoss(a, b, w[3], 1.0);
                default -> dev.ember.nn.Functional.smoothL1Loss(a, b, w[3], 1.0);
            };
            assertTrue(r.isMeta(), c);
            assertEquals("torch." + w[4], r.dtype().toString(), c);
            assertEquals(w[5].equals("-") ? "[]" : "[" + w[5].replace(",", ", ") + "]", Arrays.toString(r.shape()), c);
            checked++;
        }
        assertEquals(36, checked);
        Tensor cpu = Tensor.empty(DType.INT64, 2, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> dev.ember.nn.Functional.mseLoss(cpu, cpu, "mean"));
        assertEquals("\"mse_cpu\" not implemented for 'Long'", e.getMessage());
    }
}
