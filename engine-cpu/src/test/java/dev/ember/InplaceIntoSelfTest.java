package dev.ember;

import dev.ember.nn.Functional;
import dev.ember.nn.LeakyReLU;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Session 55: in-place ops whose kernel writes straight into {@code self} (relu_, sigmoid_, tanh_, exp_, neg_, add_,
 * sub_ with any alpha, mul_ and div_ by an operand without a gradient; sqrt_, rsqrt_, reciprocal_, exp2_, expm1_,
 * tan_, floor_, ceil_, round_, trunc_, frac_, which joined the single-node path; {@code InplaceOps.writesInto}; and the
 * activations whose node saves only the result: leaky_relu_, elu_, selu_, celu_, by the where kernel), under autograd
 * and under no_grad: values, gradients, node names, the version counters of self and of a view of it, the view's
 * regenerated history and gradient, and the saved-tensor errors are PyTorch's ({@code inplaceintoself/make_expected.py});
 * every value is bit-identical to the result-copying path kept behind {@code -Dember.inplace.copyResult=true}; and the
 * direct write makes one storage fewer than that path (no result tensor) except where the node saves self's old values.
 * Session 56: clamp_, pow_ (by a number or a tensor), square_ and hardtanh_ (relu6 in place), whose node saves the
 * original self, write into self from a copy of the old values (that copy the saved self): the same checks, with
 * their refusals, float64, float16/bfloat16 bits, a transposed self and no_grad.
 */
class InplaceIntoSelfTest {
    private static final PyTorchCases TORCH = new PyTorchCases("/inplaceintoself/expected.txt");
    private static final String OLD_PATH = "ember.inplace.copyResult";
    private static final Tensor X0 = TORCH.tensor("inputs", "x");
    private static final Tensor W0 = TORCH.tensor("inputs", "w");
    private static final Tensor C0 = TORCH.tensor("inputs", "c");
    private static final Tensor B0 = TORCH.tensor("inputs", "b");
    /** The sign of x * 1.5 + b: y * S0 is |y|, for sqrt_ and rsqrt_. */
    private static final Tensor S0 = TORCH.tensor("inputs", "s");

    /** An in-place op of the script's {@code OPS} on y, given w (requires grad), b and c. */
    private interface Op {
        void apply(Tensor y, Tensor w, Tensor b, Tensor c);
    }

    private static final Map<String, Op> OPS = new LinkedHashMap<>();

    static {
        OPS.put("relu_", (y, w, b, c) -> y.relu_());
        OPS.put("sigmoid_", (y, w, b, c) -> y.sigmoid_());
        OPS.put("tanh_", (y, w, b, c) -> y.tanh_());
        OPS.put("exp_", (y, w, b, c) -> y.exp_());
        OPS.put("neg_", (y, w, b, c) -> y.neg_());
        OPS.put("add_w", (y, w, b, c) -> y.add_(w));
        OPS.put("sub_w_alpha", (y, w, b, c) -> y.sub_(w, 0.5));
        OPS.put("add_w_alpha", (y, w, b, c) -> y.add_(w, 2));
        OPS.put("mul_c", (y, w, b, c) -> y.mul_(c));
        OPS.put("div_b", (y, w, b, c) -> y.div_(b));
        OPS.put("mul_number", (y, w, b, c) -> y.mul_(3.0));
        OPS.put("div_number", (y, w, b, c) -> y.div_(2.0));
        OPS.put("add_number", (y, w, b, c) -> y.add_(1.0));
        OPS.put("sqrt_", (y, w, b, c) -> y.mul_(S0.to(y.dtype())).sqrt_());
        OPS.put("rsqrt_", (y, w, b, c) -> y.mul_(S0.to(y.dtype())).rsqrt_());
        OPS.put("reciprocal_", (y, w, b, c) -> y.reciprocal_());
        OPS.put("exp2_", (y, w, b, c) -> y.exp2_());
        OPS.put("expm1_", (y, w, b, c) -> y.expm1_());
        OPS.put("tan_", (y, w, b, c) -> y.tan_());
        OPS.put("floor_", (y, w, b, c) -> y.floor_());
        OPS.put("ceil_", (y, w, b, c) -> y.ceil_());
        OPS.put("round_", (y, w, b, c) -> y.round_());
        OPS.put("trunc_", (y, w, b, c) -> y.trunc_());
        OPS.put("frac_", (y, w, b, c) -> y.frac_());
        // the in-place activations whose node saves only the result (helper 8)
        OPS.put("leaky_relu_", (y, w, b, c) -> Functional.leakyRelu(y, 0.1, true));
        OPS.put("leaky_relu_default", (y, w, b, c) -> Functional.leakyRelu_(y, 0.01));
        OPS.put("leaky_relu_module", (y, w, b, c) -> new LeakyReLU(0.2, true).forward(y));
        OPS.put("elu_", (y, w, b, c) -> Functional.elu(y, 1.0, true));
        OPS.put("elu_alpha", (y, w, b, c) -> Functional.elu_(y, 0.7));
        OPS.put("selu_", (y, w, b, c) -> Functional.selu(y, true));
        OPS.put("celu_", (y, w, b, c) -> Functional.celu(y, 1.3, true));
        // session 56: the ops whose node saves the original self, written into self from a copy of the old values
        OPS.put("clamp_", (y, w, b, c) -> y.clamp_(-0.8, 0.9));
        OPS.put("clamp_max", (y, w, b, c) -> y.clamp_(null, 0.5));
        OPS.put("clamp_min", (y, w, b, c) -> y.clamp_(-0.3, null));
        OPS.put("clamp_ints", (y, w, b, c) -> y.clamp_(-1L, 1L));
        OPS.put("pow_2", (y, w, b, c) -> y.pow_(2.0));
        OPS.put("pow_3", (y, w, b, c) -> y.pow_(3L));
        OPS.put("pow_0", (y, w, b, c) -> y.pow_(0.0));
        OPS.put("pow_1", (y, w, b, c) -> y.pow_(1.0));
        OPS.put("pow_-1", (y, w, b, c) -> y.pow_(-1.0));
        OPS.put("pow_-2", (y, w, b, c) -> y.pow_(-2L));
        OPS.put("pow_half", (y, w, b, c) -> y.mul_(S0.to(y.dtype())).pow_(0.5));
        OPS.put("pow_-half", (y, w, b, c) -> y.mul_(S0.to(y.dtype())).pow_(-0.5));
        OPS.put("pow_1.75", (y, w, b, c) -> y.mul_(S0.to(y.dtype())).pow_(1.75));
        OPS.put("pow_0.1", (y, w, b, c) -> y.mul_(S0.to(y.dtype())).pow_(0.1));
        OPS.put("pow_tensor", (y, w, b, c) -> y.mul_(S0.to(y.dtype())).pow_(b));
        OPS.put("pow_tensor_w", (y, w, b, c) -> y.mul_(S0.to(y.dtype())).pow_(w));
        OPS.put("square_", (y, w, b, c) -> y.square_());
        OPS.put("hardtanh_", (y, w, b, c) -> Functional.hardtanh_(y, -0.5, 0.8));
        OPS.put("hardtanh_inplace", (y, w, b, c) -> Functional.hardtanh(y, -1.0, 1.0, true));
        OPS.put("relu6_inplace", (y, w, b, c) -> Functional.relu6(y.mul_(3.0), true));
    }

    /** The ops of {@code OPS} whose node saves the original self (session 56). */
    private static final List<String> SAVES_SELF = List.of("clamp_", "clamp_max", "clamp_min", "clamp_ints", "pow_2",
            "pow_3", "pow_0", "pow_1", "pow_-1", "pow_-2", "pow_half", "pow_-half", "pow_1.75", "pow_0.1", "pow_tensor",
            "pow_tensor_w", "square_", "hardtanh_", "hardtanh_inplace", "relu6_inplace");

    /** The activations of {@code OPS} (each saves its result, so each ends its program). */
    private static final List<String> ACTIVATIONS = List.of("leaky_relu_", "leaky_relu_default", "leaky_relu_module",
            "elu_", "elu_alpha", "selu_", "celu_");

    private static final List<String> CHAIN = List.of("neg_", "add_w", "sub_w_alpha", "mul_c", "div_b", "add_w_alpha",
            "mul_number", "div_number", "add_number", "relu_");

    /** Runs {@code program} with the boolean system property {@code name} set to {@code value}, then restores it. */
    static <T> T withProperty(String name, boolean value, Supplier<T> program) {
        String before = System.getProperty(name);
        System.setProperty(name, Boolean.toString(value));
        try {
            return program.get();
        } finally {
            if (before == null) {
                System.clearProperty(name);
            } else {
                System.setProperty(name, before);
            }
        }
    }

    /** The node names from {@code t}'s node along the first edges, as the scripts' {@code chain}. */
    static String chain(Tensor t) {
        List<String> names = new ArrayList<>();
        Node n = t.gradFn();
        while (n != null) {
            names.add("'" + n.name() + "'");
            List<Node> next = n.nextFunctions();
            n = next.isEmpty() ? null : next.get(0);
        }
        return names.toString();
    }

    /** What the script's {@code program} prints, from Ember. */
    private static final class Run {
        String chain;
        String viewChain;
        int version;
        int viewVersion;
        Map<String, Tensor> values = new LinkedHashMap<>();
    }

    /** The script's {@code program(dtype, ops)}: ops on y = x * 1.5 + b, a view y[1] taken first, two backwards. */
    private static Run program(DType dtype, List<String> ops, boolean copyResult) {
        return withProperty(OLD_PATH, copyResult, () -> {
            Tensor x = X0.to(dtype).clone().requiresGrad_(true);
            Tensor w = W0.to(dtype).clone().requiresGrad_(true);
            Tensor b = B0.to(dtype);
            Tensor c = C0.to(dtype);
            Tensor y = x.mul(1.5).add(b);
            Tensor v = y.select(0, 1);
            for (String op : ops) {
                OPS.get(op).apply(y, w, b, c);
            }
            Run r = new Run();
            r.viewChain = chain(v);
            y.mul(c).sum().backward(null, true);
            r.values.put("y", y.detach());
            r.values.put("grad_x", x.grad().clone());
            r.values.put("grad_w", w.grad() == null ? w.zerosLike() : w.grad().clone());
            x.setGrad(null);
            w.setGrad(null);
            v.mul(c.select(0, 1)).sum().backward();
            r.values.put("view_grad_x", x.grad());
            r.values.put("view_grad_w", w.grad() == null ? w.zerosLike() : w.grad());
            r.chain = chain(y);
            r.version = y.version();
            r.viewVersion = v.version();
            return r;
        });
    }

    private static void same(String key, String field, Tensor actual) {
        same(TORCH, key, field, actual);
    }

    /** {@code actual} equals the tensor {@code field} of case {@code key} of {@code torch} (relative 2e-6). */
    static void same(PyTorchCases torch, String key, String field, Tensor actual) {
        Tensor expected = torch.tensor(key, field);
        assertArrayEquals(expected.shape(), actual.shape(), key + " " + field);
        double[] e = expected.toDoubleArray();
        double[] a = actual.toDoubleArray();
        for (int i = 0; i < e.length; i++) {
            if (!Double.isFinite(e[i])) {
                // NaN (pow_ by a fraction of a negative base, 0 * inf in a gradient) and infinities exactly
                assertEquals(e[i], a[i], key + " " + field + " [" + i + "]");
                continue;
            }
            assertEquals(e[i], a[i], 2e-6 * Math.max(1, Math.abs(e[i])), key + " " + field + " [" + i + "]");
        }
    }

    /** The direct write against PyTorch, and bit for bit against the result-copying path. */
    private static void check(String key, DType dtype, List<String> ops) {
        Run now = program(dtype, ops, false);
        Run old = program(dtype, ops, true);
        assertEquals(TORCH.field(key, "chain"), now.chain, key + " chain");
        assertEquals(TORCH.field(key, "view_chain"), now.viewChain, key + " view chain");
        assertEquals(TORCH.field(key, "version"), Integer.toString(now.version), key + " version");
        assertEquals(TORCH.field(key, "view_version"), Integer.toString(now.viewVersion), key + " view version");
        assertEquals(old.chain, now.chain, key + " chain, old path");
        assertEquals(old.version, now.version, key + " version, old path");
        for (Map.Entry<String, Tensor> e : now.values.entrySet()) {
            same(key, e.getKey(), e.getValue());
            assertEquals(dtype, e.getValue().dtype(), key + " " + e.getKey() + " dtype");
            assertArrayEquals(old.values.get(e.getKey()).toDoubleArray(), e.getValue().toDoubleArray(),
                    key + " " + e.getKey() + ": bits");
        }
    }

    @Test
    void eachOpAloneMatchesPyTorchAndTheCopyingPath() {
        for (String op : OPS.keySet()) {
            check(op, DType.FLOAT32, List.of(op));
        }
    }

    @Test
    void aChainOfOpsInFloat32AndFloat64() {
        check("chain_float32", DType.FLOAT32, CHAIN);
        check("chain_float64", DType.FLOAT64, CHAIN);
    }

    @Test
    void theActivationsAfterDirectArithmeticInFloat64() {
        for (String op : ACTIVATIONS) {
            check(op + "_float64", DType.FLOAT64, List.of("add_w", "mul_c", op));
        }
    }

    /** add_w then each op of {@code ops} in float16 and bfloat16: the copying path's chain, versions and bits. */
    private static void sameBitsAsTheCopyingPath(List<String> ops, boolean viewVersion) {
        for (DType dtype : new DType[] {DType.FLOAT16, DType.BFLOAT16}) {
            for (String op : ops) {
                Run now = program(dtype, List.of("add_w", op), false);
                Run old = program(dtype, List.of("add_w", op), true);
                assertEquals(old.chain, now.chain, dtype + " " + op + " chain");
                assertEquals(old.version, now.version, dtype + " " + op + " version");
                if (viewVersion) {
                    assertEquals(old.viewVersion, now.viewVersion, dtype + " " + op + " view version");
                }
                for (Map.Entry<String, Tensor> e : now.values.entrySet()) {
                    assertEquals(dtype, e.getValue().dtype(), dtype + " " + op + " " + e.getKey() + " dtype");
                    assertArrayEquals(old.values.get(e.getKey()).toDoubleArray(), e.getValue().toDoubleArray(),
                            dtype + " " + op + " " + e.getKey() + ": bits");
                }
            }
        }
    }

    @Test
    void theActivationsInFloat16AndBfloat16GiveTheCopyingPathsBits() {
        sameBitsAsTheCopyingPath(ACTIVATIONS, false);
    }

    @Test
    void theActivationsOnATransposedSelfGiveTheOutOfPlaceValuesAndTheCopyingPathsGradients() {
        // y = x.t() * 1.5 keeps x.t()'s strides (dense, not contiguous, not a view): the where kernel writes it in its
        // own layout; the values are the out-of-place op's, the gradients (from the result: elu_'s differ from elu's in
        // the last bits) the copying path's, with and without autograd
        List<Function<Tensor, Tensor>> inplace = List.of(t -> Functional.leakyRelu_(t, 0.1), t -> Functional.elu_(t, 0.7),
                Functional::selu_);
        List<Function<Tensor, Tensor>> outOfPlace = List.of(t -> Functional.leakyRelu(t, 0.1), t -> Functional.elu(t, 0.7),
                Functional::selu);
        for (int i = 0; i < inplace.size(); i++) {
            for (boolean grad : new boolean[] {true, false}) {
                Function<Tensor, Tensor> op = inplace.get(i);
                Function<Boolean, Tensor[]> run = old -> withProperty(OLD_PATH, old, () -> {
                    Tensor x = X0.clone().requiresGrad_(grad);
                    Tensor y = x.t().mul(1.5);
                    assertEquals(false, y.isContiguous(), "y keeps x.t()'s strides");
                    op.apply(y);
                    if (grad) {
                        y.mul(C0.t()).sum().backward();
                    }
                    return new Tensor[] {y.detach(), grad ? x.grad() : x, Creation.wrap((double) y.version())};
                });
                Tensor[] now = run.apply(false);
                Tensor[] old = run.apply(true);
                String what = "op " + i + ", grad " + grad;
                Tensor ref = outOfPlace.get(i).apply(X0.t().mul(1.5));
                assertArrayEquals(ref.toDoubleArray(), now[0].toDoubleArray(), what + " values");
                assertArrayEquals(old[0].toDoubleArray(), now[0].toDoubleArray(), what + " values, old path");
                assertArrayEquals(old[1].toDoubleArray(), now[1].toDoubleArray(), what + " grad, old path");
                assertEquals(1.0, now[2].item(), what + " version");
            }
        }
    }

    @Test
    void float16AndBfloat16GiveTheCopyingPathsBits() {
        // the reduced types' kernels (float opmath, one rounding) and, for mul_/div_ by a single-element float32
        // tensor, 2.x's reading of that operand in float32 (ArithmeticOps.reducedScalarValue) through the output given
        Tensor half = Creation.wrap(0.1).to(DType.FLOAT32);
        Op byScalarTensor = (y, w, b, c) -> y.mul_(half).div_(half.mul(3.0));
        for (DType dtype : new DType[] {DType.FLOAT16, DType.BFLOAT16}) {
            for (boolean scalars : new boolean[] {false, true}) {
                List<String> ops = new ArrayList<>(CHAIN);
                if (scalars) {
                    OPS.put("scalar_tensor", byScalarTensor);
                    ops.add(0, "scalar_tensor");
                }
                try {
                    Run now = program(dtype, ops, false);
                    Run old = program(dtype, ops, true);
                    assertEquals(old.chain, now.chain, dtype + " chain");
                    assertEquals(old.version, now.version, dtype + " version");
                    assertEquals(old.viewVersion, now.viewVersion, dtype + " view version");
                    for (Map.Entry<String, Tensor> e : now.values.entrySet()) {
                        assertEquals(dtype, e.getValue().dtype(), dtype + " " + e.getKey() + " dtype");
                        assertArrayEquals(old.values.get(e.getKey()).toDoubleArray(), e.getValue().toDoubleArray(),
                                dtype + " " + scalars + " " + e.getKey() + ": bits");
                    }
                } finally {
                    OPS.remove("scalar_tensor");
                }
            }
        }
    }

    @Test
    void changingASavedSelfOrSavedResultIsPyTorchsError() {
        for (boolean old : new boolean[] {false, true}) {
            withProperty(OLD_PATH, old, () -> {
                Tensor y = X0.clone().requiresGrad_(true).mul(1.5);
                Tensor z = y.mul(y);
                y.relu_();
                RuntimeException e = assertThrows(RuntimeException.class, () -> z.sum().backward());
                assertEquals(TORCH.field("saved_self", "error"), e.getMessage(), "saved_self, old path " + old);

                Tensor s = X0.clone().requiresGrad_(true).mul(1.5);
                s.sigmoid_();
                s.mul_(2.0);
                RuntimeException e2 = assertThrows(RuntimeException.class, () -> s.sum().backward());
                assertEquals(TORCH.field("saved_result", "error"), e2.getMessage(), "saved_result, old path " + old);

                Tensor u = X0.clone().requiresGrad_(true).mul(1.5);
                Functional.elu_(u, 1.0);
                u.add_(1.0);
                RuntimeException e3 = assertThrows(RuntimeException.class, () -> u.sum().backward());
                assertEquals(TORCH.field("saved_result_elu", "error"), e3.getMessage(), "saved_result_elu, old path " + old);
                return null;
            });
        }
    }

    @Test
    void underNoGradTheUnaryOpsWriteIntoSelfToo() {
        Function<Boolean, Tensor[]> program = old -> withProperty(OLD_PATH, old, () -> {
            try (GradMode off = Ember.noGrad()) {
                Tensor y = X0.clone();
                Tensor v = y.select(0, 2);
                long before = StorageLease.live();
                y.relu_();
                y.sigmoid_();
                y.tanh_();
                y.exp_();
                y.neg_();
                long made = StorageLease.live() - before;
                y.add_(W0);
                y.mul_(C0);
                Functional.leakyRelu_(y, 0.1);
                Functional.elu_(y, 1.0);
                Functional.celu_(y, 1.3);
                Functional.selu_(y);
                return new Tensor[] {y, Creation.wrap((double) y.version()), Creation.wrap((double) v.version()),
                        Creation.wrap((double) made)};
            }
        });
        Tensor[] now = program.apply(false);
        Tensor[] old = program.apply(true);
        same("no_grad", "y", now[0]);
        assertArrayEquals(old[0].toDoubleArray(), now[0].toDoubleArray(), "no_grad y: bits");
        assertEquals(TORCH.field("no_grad", "version"), Long.toString((long) now[1].item()));
        assertEquals(TORCH.field("no_grad", "view_version"), Long.toString((long) now[2].item()));
        assertEquals(0, (long) now[3].item(), "storages the direct unary ops made");
        assertEquals(5, (long) old[3].item(), "storages the copying unary ops made (one result each)");
    }

    /** How many storages {@code op} makes on a fresh {@code y = x * 1.5} (w needs a gradient), copying or not. */
    private static long storages(boolean copyResult, java.util.function.Consumer<Tensor[]> op) {
        return withProperty(OLD_PATH, copyResult, () -> {
            Tensor y = X0.clone().requiresGrad_(true).mul(1.5);
            Tensor w = W0.clone().requiresGrad_(true);
            long before = StorageLease.live();
            op.accept(new Tensor[] {y, w});
            return StorageLease.live() - before;
        });
    }

    @Test
    void theDirectWriteMakesNoResultTensorUnlessTheNodeSavesSelf() {
        List<java.util.function.Consumer<Tensor[]>> direct = List.of(a -> a[0].relu_(), a -> a[0].sigmoid_(),
                a -> a[0].tanh_(), a -> a[0].exp_(), a -> a[0].neg_(), a -> a[0].add_(a[1]), a -> a[0].sub_(a[1]),
                a -> a[0].add_(a[1], 2), a -> a[0].sub_(a[1], 0.5), a -> a[0].mul_(3.0), a -> a[0].div_(2.0),
                a -> a[0].mul_(a[1].detach()), a -> a[0].div_(B0), a -> a[0].sqrt_(), a -> a[0].reciprocal_(),
                a -> a[0].frac_(), a -> a[0].round_());
        for (int i = 0; i < direct.size(); i++) {
            assertEquals(storages(true, direct.get(i)) - 1, storages(false, direct.get(i)), "op " + i);
        }
        // the activations' compositions (-Dember.cpu.activation.composed=true): no snapshot of self and no result
        // tensor (leaky_relu_: its mask and x * slope remain; elu_ and celu_, scale 1: nor x * 1 and the wrapped 1 it
        // multiplies by; selu_ makes x * scale)
        withProperty("ember.cpu.activation.composed", true, () -> {
            assertEquals(storages(true, a -> Functional.leakyRelu_(a[0], 0.1)) - 2,
                    storages(false, a -> Functional.leakyRelu_(a[0], 0.1)), "leaky_relu_");
            assertEquals(storages(true, a -> Functional.elu_(a[0], 0.7)) - 4,
                    storages(false, a -> Functional.elu_(a[0], 0.7)), "elu_");
            assertEquals(storages(true, a -> Functional.selu_(a[0])) - 2, storages(false, a -> Functional.selu_(a[0])),
                    "selu_");
            assertEquals(storages(true, a -> Functional.celu_(a[0], 1.3)) - 4,
                    storages(false, a -> Functional.celu_(a[0], 1.3)), "celu_");
            return null;
        });
        // session 56, the backend's one-pass kernels: written into self, no storage at all; the copying path makes
        // the snapshot of self and the result
        List<java.util.function.Consumer<Tensor[]>> activations = List.of(a -> Functional.leakyRelu_(a[0], 0.1),
                a -> Functional.elu_(a[0], 0.7), a -> Functional.selu_(a[0]), a -> Functional.celu_(a[0], 1.3));
        for (int i = 0; i < activations.size(); i++) {
            assertEquals(0, storages(false, activations.get(i)), "activation " + i);
            assertEquals(2, storages(true, activations.get(i)), "copying activation " + i);
        }
        // not written directly: mul_/div_ by w (the node saves self's old values); a view of y (CopySlices)
        List<java.util.function.Consumer<Tensor[]>> copying = List.of(a -> a[0].mul_(a[1]), a -> a[0].div_(a[1]),
                a -> a[0].t().select(0, 1).relu_());
        for (int i = 0; i < copying.size(); i++) {
            assertEquals(storages(true, copying.get(i)), storages(false, copying.get(i)), "copying op " + i);
        }
    }
    @Test
    void theOpsSavingSelfInFloat64AndFollowedByMoreInPlaceOps() {
        for (String op : SAVES_SELF) {
            check(op + "_float64", DType.FLOAT64, List.of("add_w", "mul_c", op));
        }
        // their saved self is a copy, not self: changing self after them is no error
        for (String op : List.of("clamp_", "pow_3", "hardtanh_", "pow_-half")) {
            check(op + "_then_more", DType.FLOAT32, List.of(op, "add_w", "mul_number", "relu_"));
        }
    }

    @Test
    void theOpsSavingSelfInFloat16AndBfloat16GiveTheCopyingPathsBits() {
        sameBitsAsTheCopyingPath(SAVES_SELF, true);
    }

    @Test
    void theOpsSavingSelfOnATransposedSelfGiveTheOutOfPlaceValuesAndTheCopyingPathsGradients() {
        // y = |x.t()| * 1.5 + 0.25 keeps x.t()'s strides (dense, not contiguous, not a view): written in its own
        // layout. (Not pow_(0.1): float32's vectorized part and scalar tail differ there, and which elements fall in
        // the tail follows the order the kernel walks, a copy's under autograd in both paths.)
        Tensor e = C0.t().abs();
        List<String> names = List.of("clamp_", "clamp_max", "pow_2", "pow_3", "pow_-half", "pow_1.75",
                "pow_tensor", "hardtanh_", "square_");
        List<Function<Tensor, Tensor>> inplace = List.of(t -> t.clamp_(-0.8, 0.9), t -> t.clamp_(null, 0.5),
                t -> t.pow_(2.0), t -> t.pow_(3L), t -> t.pow_(-0.5), t -> t.pow_(1.75), t -> t.pow_(e),
                t -> Functional.hardtanh_(t, -0.5, 0.8), Tensor::square_);
        List<Function<Tensor, Tensor>> outOfPlace = List.of(t -> t.clamp(-0.8, 0.9), t -> t.clamp(null, 0.5),
                t -> t.pow(2.0), t -> t.pow(3L), t -> t.pow(-0.5), t -> t.pow(1.75), t -> t.pow(e),
                t -> Functional.hardtanh(t, -0.5, 0.8), Tensor::square);
        for (int i = 0; i < inplace.size(); i++) {
            for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
                for (boolean grad : new boolean[] {true, false}) {
                    Function<Tensor, Tensor> op = inplace.get(i);
                    Function<Boolean, Tensor[]> run = old -> withProperty(OLD_PATH, old, () -> {
                        Tensor x = X0.to(dtype).clone().requiresGrad_(grad);
                        Tensor y = x.t().abs().mul(1.5).add(0.25);
                        assertEquals(false, y.isContiguous(), "y keeps x.t()'s strides");
                        op.apply(y);
                        if (grad) {
                            y.mul(C0.t().to(dtype)).sum().backward();
                        }
                        return new Tensor[] {y.detach(), grad ? x.grad() : x, Creation.wrap((double) y.version())};
                    });
                    Tensor[] now = run.apply(false);
                    Tensor[] old = run.apply(true);
                    String what = names.get(i) + " " + dtype + ", grad " + grad;
                    // under autograd both paths compute from the contiguous copy of self's old values (the saved
                    // self), so the elements meet the kernel's vector lanes and tail as that copy's do (pow's vector
                    // and scalar forms may differ in the last bit: AVX2, pow_(1.75)); without, from self's own layout
                    Tensor in = X0.to(dtype).t().abs().mul(1.5).add(0.25);
                    Tensor ref = outOfPlace.get(i).apply(grad ? in.contiguous() : in);
                    assertArrayEquals(ref.toDoubleArray(), now[0].toDoubleArray(), what + " values");
                    assertArrayEquals(old[0].toDoubleArray(), now[0].toDoubleArray(), what + " values, old path");
                    assertArrayEquals(old[1].toDoubleArray(), now[1].toDoubleArray(), what + " grad, old path");
                    assertEquals(1.0, now[2].item(), what + " version");
                }
            }
        }
    }

    @Test
    void theOpsSavingSelfKeepPyTorchsRefusalsAndLeaveTheTensorAsItWas() {
        Tensor b = B0;
        Map<String, Runnable> cases = new LinkedHashMap<>();
        Tensor leaf = X0.clone().requiresGrad_(true);
        Tensor ints = Tensor.tensor(new long[][] {{3, -2, 0}, {1, 5, -7}});
        Tensor expanded = Tensor.zeros(1, 6).expand(4, 6);
        cases.put("clamp_leaf", () -> leaf.clamp_(-1L, 1L));
        cases.put("pow_leaf", () -> leaf.pow_(2.0));
        cases.put("pow_tensor_leaf", () -> leaf.pow_(b));
        cases.put("hardtanh_leaf", () -> Functional.hardtanh_(leaf, -1.0, 1.0));
        cases.put("clamp_view_of_leaf", () -> leaf.select(0, 1).clamp_(-1L, 1L));
        cases.put("pow_view_of_leaf", () -> leaf.select(0, 1).pow_(2.0));
        cases.put("hardtanh_view_of_leaf", () -> Functional.hardtanh_(leaf.select(0, 1), -1.0, 1.0));
        cases.put("clamp_expanded", () -> expanded.clamp_(-1L, 1L));
        cases.put("pow_expanded", () -> expanded.pow_(2.0));
        cases.put("pow_tensor_expanded", () -> expanded.pow_(b));
        cases.put("hardtanh_expanded", () -> Functional.hardtanh_(expanded, -1.0, 1.0));
        cases.put("clamp_int_by_float", () -> ints.clamp_(-0.5, 0.5));
        cases.put("pow_int_by_float", () -> ints.pow_(0.5));
        cases.put("pow_int_by_float_tensor", () -> ints.pow_(Tensor.tensor(new double[] {0.5, 1.0, 2.0})));
        cases.put("pow_broadcast_shape", () -> Tensor.ones(3).pow_(Tensor.ones(2, 3)));
        cases.put("hardtanh_bool", () -> Functional.hardtanh_(Tensor.tensor(new boolean[] {true, false}), -1.0, 1.0));
        for (boolean old : new boolean[] {false, true}) {
            for (Map.Entry<String, Runnable> c : cases.entrySet()) {
                withProperty(OLD_PATH, old, () -> {
                    RuntimeException e = assertThrows(RuntimeException.class, c.getValue()::run, c.getKey());
                    assertEquals(TORCH.field("refusals", c.getKey()), e.getMessage(), c.getKey() + ", old path " + old);
                    return null;
                });
            }
            assertArrayEquals(X0.toDoubleArray(), leaf.toDoubleArray(), "leaf unchanged");
            assertEquals(0, leaf.version(), "leaf version");
            assertArrayEquals(new double[] {3, -2, 0, 1, 5, -7}, ints.toDoubleArray(), "ints unchanged");
            assertEquals(0, ints.version(), "ints version");
            assertEquals(0.0, expanded.abs().sum().item(), "expanded unchanged");
        }
    }

    @Test
    void powByATensorSavesItsResultClampAndHardtanhACopy() {
        for (boolean old : new boolean[] {false, true}) {
            withProperty(OLD_PATH, old, () -> {
                Tensor y = X0.clone().requiresGrad_(true).mul(1.5).abs();
                y.pow_(B0);
                y.add_(1.0);
                RuntimeException e = assertThrows(RuntimeException.class, () -> y.sum().backward());
                assertEquals(TORCH.field("saved_result_pow", "error"), e.getMessage(), "saved_result_pow, old " + old);
                return null;
            });
        }
    }

    @Test
    void underNoGradTheOpsSavingSelfWriteIntoSelf() {
        Function<Boolean, Tensor[]> program = old -> withProperty(OLD_PATH, old, () -> {
            try (GradMode off = Ember.noGrad()) {
                Tensor y = X0.clone().mul(3.0);
                Tensor v = y.select(0, 2);
                long before = StorageLease.live();
                y.clamp_(-2.5, 2.0);
                Functional.hardtanh_(y, -1.5, 1.75);
                y.pow_(3L);
                long made = StorageLease.live() - before;
                y.abs_().pow_(0.1);
                y.pow_(B0);
                y.square_();
                return new Tensor[] {y, Creation.wrap((double) y.version()), Creation.wrap((double) v.version()),
                        Creation.wrap((double) made)};
            }
        });
        Tensor[] now = program.apply(false);
        Tensor[] old = program.apply(true);
        same("no_grad_saves_self", "y", now[0]);
        assertArrayEquals(old[0].toDoubleArray(), now[0].toDoubleArray(), "no_grad y: bits");
        assertEquals(TORCH.field("no_grad_saves_self", "version"), Long.toString((long) now[1].item()));
        assertEquals(TORCH.field("no_grad_saves_self", "view_version"), Long.toString((long) now[2].item()));
        // clamp_ and hardtanh_ write into self (one pass, or two on self); pow_(3) keeps its x * x
        assertEquals((long) old[3].item() - 3, (long) now[3].item(), "storages: no result tensor of the three ops");
    }

    @Test
    void theOpsSavingSelfMakeNoResultTensor() {
        // under autograd both paths copy self's old values (the saved self); the copying path adds the result
        List<java.util.function.Consumer<Tensor[]>> ops = List.of(a -> a[0].clamp_(-0.8, 0.9), a -> a[0].clamp_(null, 0.5),
                a -> a[0].pow_(2.0), a -> a[0].pow_(3L), a -> a[0].pow_(1.75), a -> a[0].pow_(B0),
                a -> a[0].square_(), a -> Functional.hardtanh_(a[0], -0.5, 0.8));
        for (int i = 0; i < ops.size(); i++) {
            assertEquals(storages(true, ops.get(i)) - 1, storages(false, ops.get(i)), "op " + i);
        }
        // pow_(-0.5): 1 / sqrt(x), the square root and its reciprocal both written into self
        assertEquals(storages(true, a -> a[0].pow_(-0.5)) - 2, storages(false, a -> a[0].pow_(-0.5)), "pow_(-0.5)");
    }
}
