package dev.ember;

import dev.ember.nn.Functional;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Saved-tensor hooks ({@code torch.autograd.graph.saved_tensors_hooks}, {@code save_on_cpu},
 * {@code disable_saved_tensors_hooks}) against PyTorch 1.13 (savedhooks/make_expected.py): for each op and small model,
 * the tensors its nodes pack (count, type, shape, sums), the gradients with identity hooks, and the gradients when
 * unpack returns twice the packed tensor (which shows the backward reads unpack's result, and which tensors each formula
 * reads); then the rules and errors of PyTorch's SavedVariable.
 */
class SavedTensorsHooksTest {
    private static final DType D = DType.FLOAT64;

    /** One case of the script: its inputs (name, tensor, requires grad), w, packs and gradients. */
    private static final class Case {
        final String name;
        final List<String> inputNames = new ArrayList<>();
        final List<Tensor> inputs = new ArrayList<>();
        final List<Boolean> requiresGrad = new ArrayList<>();
        Tensor w;
        final List<String> packs = new ArrayList<>();
        int packCount = -1;
        final Map<String, double[]> grad = new LinkedHashMap<>();
        final Map<String, double[]> grad2 = new LinkedHashMap<>();

        Case(String name) {
            this.name = name;
        }
    }

    private static final Map<String, String> RULES = new LinkedHashMap<>();
    private static final Map<String, Case> CASES = load();

    private static Map<String, Case> load() {
        Map<String, Case> cases = new LinkedHashMap<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                SavedTensorsHooksTest.class.getResourceAsStream("/savedhooks/expected.txt"), StandardCharsets.UTF_8))) {
            Case c = null;
            for (String line; (line = r.readLine()) != null; ) {
                if (line.startsWith("=== ")) {
                    c = new Case(line.substring(4));
                    cases.put(c.name, c);
                    continue;
                }
                String[] halves = line.split(" : ", 2);
                if (line.startsWith("rule ")) {
                    RULES.put(halves[0].substring(5), halves[1]);
                    continue;
                }
                String[] head = halves[0].split(" ");
                switch (head[0]) {
                    case "input" -> {
                        c.inputNames.add(head[1]);
                        c.inputs.add(tensor(head[2], head[3], halves[1]));
                        c.requiresGrad.add(head[4].equals("1"));
                    }
                    case "w" -> c.w = tensor("float64", head[1], halves[1]);
                    case "packs" -> c.packCount = Integer.parseInt(head[1]);
                    case "pack" -> c.packs.add(line.substring(5));
                    case "grad" -> c.grad.put(head[1], numbers(halves[1]));
                    case "grad2" -> c.grad2.put(head[1], numbers(halves[1]));
                    default -> throw new IllegalStateException("unexpected line " + line);
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return cases;
    }

    private static int[] shape(String s) {
        return s.equals("-") ? new int[0] : Arrays.stream(s.split(",")).mapToInt(Integer::parseInt).toArray();
    }

    private static double[] numbers(String s) {
        return Arrays.stream(s.trim().split(" ")).mapToDouble(Double::parseDouble).toArray();
    }

    private static Tensor tensor(String dtype, String shape, String values) {
        double[] v = numbers(values);
        if (dtype.equals("int64")) {
            return Tensor.tensor(Arrays.stream(v).mapToLong(x -> (long) x).toArray()).reshape(shape(shape));
        }
        return Tensor.tensor(v, D).reshape(shape(shape));
    }

    /** The Java side of each case of the script. */
    private static final Map<String, Function<Tensor[], Tensor>> OPS = new LinkedHashMap<>();

    static {
        OPS.put("mul", t -> t[0].mul(t[1]));
        OPS.put("mul_one_grad", t -> t[0].mul(t[1]));
        OPS.put("mul_scalar", t -> t[0].mul(2));
        OPS.put("div", t -> t[0].div(t[1]));
        OPS.put("add", t -> t[0].add(t[1]));
        OPS.put("exp", t -> t[0].exp());
        OPS.put("tanh", t -> t[0].tanh());
        OPS.put("sigmoid", t -> t[0].sigmoid());
        OPS.put("relu", t -> t[0].relu());
        OPS.put("gelu", t -> Functional.gelu(t[0]));
        OPS.put("silu", t -> Functional.silu(t[0]));
        OPS.put("leaky_relu", t -> Functional.leakyRelu(t[0], 0.1));
        OPS.put("elu", t -> Functional.elu(t[0]));
        OPS.put("softplus", t -> Functional.softplus(t[0]));
        OPS.put("hardswish", t -> Functional.hardswish(t[0]));
        OPS.put("softmax", t -> t[0].softmax(1));
        OPS.put("log_softmax", t -> t[0].logSoftmax(1));
        OPS.put("mm", t -> t[0].mm(t[1]));
        OPS.put("bmm", t -> t[0].bmm(t[1]));
        OPS.put("matmul_3d_2d", t -> t[0].matmul(t[1]));
        OPS.put("linear", t -> Functional.linear(t[0], t[1], t[2]));
        OPS.put("conv1d", t -> Functional.conv1d(t[0], t[1], t[2], new int[] {1}, new int[] {1}, new int[] {1}, 1));
        OPS.put("conv2d", t -> Functional.conv2d(t[0], t[1], t[2], new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1}, 1));
        OPS.put("conv_transpose2d", t -> Functional.convTranspose2d(t[0], t[1], t[2]));
        OPS.put("max_pool2d", t -> Functional.maxPool2d(t[0], 2));
        OPS.put("avg_pool2d", t -> Functional.avgPool2d(t[0], 2));
        OPS.put("adaptive_avg_pool2d", t -> Functional.adaptiveAvgPool2d(t[0], 3));
        OPS.put("max_pool1d", t -> Functional.maxPool1d(t[0], 2));
        OPS.put("avg_pool1d", t -> Functional.avgPool1d(t[0], 2));
        OPS.put("max_pool3d", t -> Functional.maxPool3d(t[0], 2));
        OPS.put("avg_pool3d", t -> Functional.avgPool3d(t[0], 2));
        OPS.put("adaptive_max_pool2d", t -> Functional.adaptiveMaxPool2d(t[0], 4));
        OPS.put("adaptive_avg_pool3d", t -> Functional.adaptiveAvgPool3d(t[0], 3));
        OPS.put("conv3d", t -> Functional.conv3d(t[0], t[1], t[2]));
        OPS.put("layer_norm", t -> Functional.layerNorm(t[0], new int[] {5}, t[1], t[2], 1e-5));
        OPS.put("group_norm", t -> Functional.groupNorm(t[0], 2, t[1], t[2], 1e-5));
        OPS.put("batch_norm_train", t -> Functional.batchNorm(t[0], Tensor.zeros(D, 3), Tensor.ones(D, 3), t[1], t[2],
                true, 0.1, 1e-5));
        OPS.put("embedding", t -> Functional.embedding(t[1], t[0]));
        OPS.put("mse_loss", t -> Functional.mseLoss(t[0], t[1]));
        OPS.put("cross_entropy", t -> Functional.crossEntropy(t[0], t[1]));
        OPS.put("nll_loss", t -> Functional.nllLoss(t[0], t[1]));
        OPS.put("bce", t -> Functional.binaryCrossEntropy(t[0], t[1]));
        OPS.put("smooth_l1", t -> Functional.smoothL1Loss(t[0], t[1]));
        OPS.put("multilabel_margin", t -> Functional.multilabelMarginLoss(t[0], t[1]));
        OPS.put("multi_margin", t -> Functional.multiMarginLoss(t[0], t[1]));
        OPS.put("mlp", t -> Functional.linear(Functional.linear(t[0], t[1], t[2]).relu(), t[3], t[4]).tanh());
        OPS.put("convnet", t -> Functional.linear(Functional.maxPool2d(Functional.batchNorm(
                Functional.conv2d(t[0], t[1], t[2]), Tensor.zeros(D, 3), Tensor.ones(D, 3), t[3], t[4], true, 0.1, 1e-5), 2)
                .relu().flatten(1), t[5], t[6]).logSoftmax(1));
        Tensor off = Tensor.tensor(new long[] {0, 3, 5});
        OPS.put("embedding_bag_sum", t -> Functional.embeddingBag(t[1], t[0], off, "sum"));
        OPS.put("embedding_bag_mean", t -> Functional.embeddingBag(t[1], t[0], off, "mean"));
        OPS.put("embedding_bag_max", t -> Functional.embeddingBag(t[1], t[0], off, "max"));
        OPS.put("embedding_bag_padding", t -> Functional.embeddingBag(t[1], t[0], off, null, 2, false, "mean", null, false, 4L));
        OPS.put("embedding_bag_2d", t -> Functional.embeddingBag(t[1], t[0], null, "mean"));
        OPS.put("embedding_bag_psw", t -> Functional.embeddingBag(t[1], t[0], off, null, 2, false, "sum", t[2], false, null));
        OPS.put("pdist", t -> Functional.pdist(t[0]));
        long[] il = {5, 4};
        long[] tl = {2, 1};
        OPS.put("ctc_loss_none", t -> Functional.ctcLoss(t[0], t[1], il, tl, 0, "none", false));
        OPS.put("ctc_loss_mean", t -> Functional.ctcLoss(t[0], t[1], Tensor.tensor(il), Tensor.tensor(tl)));
        OPS.put("ctc_loss_concatenated", t -> Functional.ctcLoss(t[0], t[1], il, tl, 0, "sum", false));
    }

    /** A pack hook's record of a tensor, as the script prints it: type, shape, sum, sum of squares. */
    private static String describe(Tensor t) {
        Tensor d = t.detach().to(D);
        String shape = t.dim() == 0 ? "-" : String.join(",", Arrays.stream(t.shape()).mapToObj(Integer::toString)
                .toArray(String[]::new));
        return t.dtype().torchName().replace("torch.", "") + " " + shape + " " + d.sum().item() + " " + d.mul(d).sum().item();
    }

    /** Runs a case with the given unpack, returning the packed descriptions; gradients land in the inputs' grad. */
    private static List<String> run(Case c, Tensor[] ins, Function<Tensor, Tensor> unpack) {
        List<String> packs = new ArrayList<>();
        Tensor out;
        try (SavedTensorsHooks h = Autograd.savedTensorsHooks((Tensor t) -> {
            packs.add(describe(t));
            return t;
        }, unpack)) {
            out = OPS.get(c.name).apply(ins);
        }
        out.mul(c.w).sum().backward();
        return packs;
    }

    private static Tensor[] fresh(Case c) {
        Tensor[] ins = new Tensor[c.inputs.size()];
        for (int i = 0; i < ins.length; i++) {
            ins[i] = c.inputs.get(i).clone();
            if (c.requiresGrad.get(i)) {
                ins[i].requiresGrad_(true);
            }
        }
        return ins;
    }

    /**
     * Two descriptions agree: same type and shape, sums within 1e-9 relative; "*" sums (values PyTorch's kernel leaves
     * uninitialized, as part of ctc_loss's log_alpha) compare type and shape only.
     */
    private static boolean same(String want, String got) {
        String[] w = want.split(" ");
        String[] g = got.split(" ");
        if (!w[0].equals(g[0]) || !w[1].equals(g[1])) {
            return false;
        }
        if (w[2].equals("*")) {
            return true;
        }
        for (int k = 2; k < 4; k++) {
            double a = Double.parseDouble(w[k]);
            double b = Double.parseDouble(g[k]);
            if (Math.abs(a - b) > 1e-9 * Math.max(1, Math.abs(a))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Where Ember's node saves other tensors than PyTorch's (listed in the report): the indices (in the script's order)
     * of the pack lines Ember does not pack, and the type and shape of what Ember packs in their place. max_pool2d:
     * uint8 window codes instead of int64 flat indices; batch_norm in training: not running_mean and running_var (read
     * by PyTorch's backward only in eval mode; Ember's running-statistics update bumps their version, which a saved
     * copy would report as an in-place change at the next forward).
     */
    private static final Map<String, Object[]> DIFFERENT = Map.of(
            "max_pool2d", new Object[] {new int[] {1}, new String[] {"uint8 2,3,3,3"}},
            "batch_norm_train", new Object[] {new int[] {2, 3}, new String[0]},
            "convnet", new Object[] {new int[] {4, 5, 9}, new String[] {"uint8 2,3,2,2"}});

    /** The packed tensors as a multiset: each expected one matched by a distinct packed one. */
    private static void assertPacks(Case c, List<String> got) {
        assertEquals(c.packCount, c.packs.size(), c.name);
        List<String> wanted = new ArrayList<>(c.packs);
        List<String> left = new ArrayList<>(got);
        Object[] diff = DIFFERENT.get(c.name);
        if (diff != null) {
            int[] skipped = (int[]) diff[0];
            for (int k = skipped.length - 1; k >= 0; k--) {
                wanted.remove(skipped[k]);
            }
            for (String instead : (String[]) diff[1]) {
                assertTrue(left.removeIf(g -> g.startsWith(instead + " ")), c.name + ": Ember packs no " + instead);
            }
        }
        for (String want : wanted) {
            int k = -1;
            for (int i = 0; i < left.size() && k < 0; i++) {
                if (same(want, left.get(i))) {
                    k = i;
                }
            }
            assertTrue(k >= 0, c.name + ": PyTorch packs " + want + ", Ember packed " + got);
            left.remove(k);
        }
        assertTrue(left.isEmpty(), c.name + ": Ember packed more than PyTorch: " + left + " (PyTorch " + c.packs + ")");
    }

    private static void assertGrads(Case c, Tensor[] ins, Map<String, double[]> want, String what) {
        for (int i = 0; i < ins.length; i++) {
            double[] w = want.get(c.inputNames.get(i));
            if (w == null) {
                continue;
            }
            double[] g = ins[i].grad().toDoubleArray();
            assertEquals(w.length, g.length, c.name + " " + what + " " + c.inputNames.get(i));
            for (int k = 0; k < w.length; k++) {
                assertEquals(w[k], g[k], 1e-10 * Math.max(1, Math.abs(w[k])),
                        c.name + " " + what + " " + c.inputNames.get(i) + "[" + k + "]");
            }
        }
    }

    @TestFactory
    Stream<DynamicTest> packsAndGradientsMatchPyTorch() {
        assertEquals(CASES.keySet(), OPS.keySet());
        return CASES.values().stream().map(c -> DynamicTest.dynamicTest(c.name, () -> {
            Tensor[] ins = fresh(c);
            List<String> packs = run(c, ins, t -> t);
            assertPacks(c, packs);
            assertGrads(c, ins, c.grad, "grad");
            Tensor[] ins2 = fresh(c);
            run(c, ins2, t -> t.dtype().isFloatingPoint() ? t.mul(2) : t);
            assertGrads(c, ins2, c.grad2, "grad with unpack returning 2 t");
        }));
    }
    // ---------------------------------------------------------------- rules (the script's "rule" lines)

    private static Tensor rule(String key) {
        return Tensor.tensor(numbers(RULES.get(key)), D);
    }

    private static void assertClose(String key, Tensor got) {
        double[] w = numbers(RULES.get(key));
        double[] g = got.toDoubleArray();
        assertEquals(w.length, g.length, key);
        for (int k = 0; k < w.length; k++) {
            assertEquals(w[k], g[k], 1e-12 * Math.max(1, Math.abs(w[k])), key + "[" + k + "]");
        }
    }

    /** Identity hooks whose pack adds {@code entry} to {@code calls}. */
    private static <T> SavedTensorsHooks recording(List<T> calls, T entry) {
        return Autograd.savedTensorsHooks((Tensor t) -> {
            calls.add(entry);
            return t;
        }, t -> t);
    }

    @Test
    void innermostPairWinsAndClosingRestoresTheOuter() {
        List<String> calls = new ArrayList<>();
        Tensor a = rule("a").requiresGrad_(true);
        Tensor b = rule("b").requiresGrad_(true);
        try (SavedTensorsHooks outer = recording(calls, "outer")) {
            Tensor y;
            try (SavedTensorsHooks inner = recording(calls, "inner")) {
                y = a.mul(b);
            }
            y.exp();
        }
        assertEquals(RULES.get("nesting"), String.join(" ", calls));
        a.mul(b).exp(); // all closed: nothing packed
        assertEquals(RULES.get("nesting"), String.join(" ", calls));
    }

    @Test
    void hooksBelongToTheThreadThatOpenedThem() throws InterruptedException {
        List<String> calls = new ArrayList<>();
        Tensor a = rule("a").requiresGrad_(true);
        Tensor b = rule("b").requiresGrad_(true);
        try (SavedTensorsHooks h = recording(calls, "main")) {
            Thread other = new Thread(() -> a.mul(b).exp());
            other.start();
            other.join();
            a.mul(b);
        }
        assertEquals(RULES.get("thread"), String.join(" ", calls));
    }

    @Test
    void throughHooksTheVersionIsNotCheckedAndTheUnpackedTensorIsUsed() {
        Tensor a = rule("a").requiresGrad_(true);
        Tensor b = rule("b").requiresGrad_(true);
        Tensor y;
        try (SavedTensorsHooks h = Autograd.savedTensorsHooks((Tensor t) -> t, t -> t)) {
            y = a.mul(b).sum();
        }
        try (GradMode off = Ember.noGrad()) {
            b.mul_(3);
        }
        y.backward();
        assertClose("nocheck_grad_a", a.grad());
        // without hooks the same change is PyTorch's in-place error
        Tensor a2 = rule("a").requiresGrad_(true);
        Tensor b2 = rule("b").requiresGrad_(true);
        Tensor y2 = a2.mul(b2).sum();
        try (GradMode off = Ember.noGrad()) {
            b2.mul_(3);
        }
        IllegalStateException e = assertThrows(IllegalStateException.class, y2::backward);
        assertTrue(e.getMessage().startsWith("one of the variables needed for gradient computation has been modified"),
                e.getMessage());
    }

    @Test
    void unpackedTensorsKeepTheirHistoryForDoubleBackward() {
        Tensor x = rule("a").requiresGrad_(true);
        Tensor g;
        try (SavedTensorsHooks h = Autograd.savedTensorsHooks(Tensor::clone, (Tensor t) -> t.mul(1.0))) {
            Tensor y = x.mul(x).mul(x).sum();
            g = Autograd.grad(List.of(y), List.of(x), null, true).get(0);
        }
        g.sum().backward();
        assertClose("double_g", g);
        assertClose("double_grad", x.grad());
    }

    /** x^3 saving x for its backward, as the script's Cube. */
    static final class Cube extends AutogradFunction {
        @Override
        protected Tensor[] forward(Context ctx, Tensor... in) {
            ctx.saveForBackward(in[0]);
            return new Tensor[] {in[0].pow(3)};
        }

        @Override
        protected Tensor[] backward(Context ctx, Tensor... g) {
            Tensor x = ctx.savedTensors()[0];
            return new Tensor[] {x.mul(x).mul(3).mul(g[0])};
        }
    }

    @Test
    void customFunctionSavesGoThroughTheHooks() {
        List<int[]> calls = new ArrayList<>();
        Tensor x = rule("a").requiresGrad_(true);
        Tensor y;
        try (SavedTensorsHooks h = Autograd.savedTensorsHooks((Tensor t) -> {
            calls.add(t.shape());
            return t;
        }, t -> t.mul(2))) {
            y = new Cube().apply(x);
        }
        y.sum().backward();
        assertEquals(Integer.parseInt(RULES.get("custom_packs")), calls.size());
        assertClose("custom_grad", x.grad());
    }

    @Test
    void saveOnCpuGivesTheSameGradients() {
        for (boolean pin : new boolean[] {false, true}) {
            Tensor x = rule("a").reshape(1, 3).requiresGrad_(true);
            Tensor w = Tensor.arange(6).to(D).reshape(2, 3).div(5).requiresGrad_(true);
            Tensor y;
            try (SavedTensorsHooks h = Autograd.saveOnCpu(pin)) {
                y = x.mm(w.t()).tanh().sum();
            }
            y.backward();
            int k = pin ? 1 : 0;
            assertClose("cpu_" + k + "_x", x.grad());
            assertClose("cpu_" + k + "_w", w.grad());
        }
    }

    @Test
    void packedObjectsNeedNotBeTensors() {
        // the packed form is the caller's: here a key into a store, as an offloading hook would keep
        Map<Integer, Tensor> store = new LinkedHashMap<>();
        Tensor a = rule("a").requiresGrad_(true);
        Tensor b = rule("b").requiresGrad_(true);
        Tensor y;
        try (SavedTensorsHooks h = Autograd.savedTensorsHooks((Tensor t) -> {
            store.put(store.size(), t.clone());
            return store.size() - 1;
        }, (Integer key) -> store.remove(key))) {
            y = a.mul(b).sum();
        }
        assertEquals(2, store.size());
        y.backward();
        assertTrue(store.isEmpty(), "each packed tensor unpacked once");
        assertClose("b", a.grad());
        assertClose("a", b.grad());
    }

    @Test
    void packChangingItsInputInPlaceFails() {
        Tensor a = rule("a").requiresGrad_(true);
        Tensor c = a.clone();
        IllegalStateException e;
        try (SavedTensorsHooks h = Autograd.savedTensorsHooks((Tensor t) -> t.add_(1), t -> t)) {
            e = assertThrows(IllegalStateException.class, () -> c.mul(c));
        }
        assertEquals(RULES.get("err_pack_inplace"), e.getMessage());
    }

    @Test
    void unpackReturningNullFails() {
        Tensor a = rule("a").requiresGrad_(true);
        Tensor y;
        try (SavedTensorsHooks h = Autograd.savedTensorsHooks((Tensor t) -> t, t -> null)) {
            y = a.mul(a).sum();
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, y::backward);
        assertEquals(RULES.get("err_unpack_none"), e.getMessage());
        assertEquals(null, a.grad(), "no gradient reached the leaf");
    }

    @Test
    void secondBackwardThroughHooksIsPyTorchsError() {
        Tensor a = rule("a").requiresGrad_(true);
        Tensor y;
        int[] unpacks = {0};
        try (SavedTensorsHooks h = Autograd.savedTensorsHooks((Tensor t) -> t, t -> {
            unpacks[0]++;
            return t;
        })) {
            y = a.mul(a).sum();
        }
        y.backward();
        assertEquals(2, unpacks[0]);
        IllegalStateException e = assertThrows(IllegalStateException.class, y::backward);
        assertTrue(e.getMessage().startsWith(RULES.get("err_twice").substring(0, 60)), e.getMessage());
        assertEquals(2, unpacks[0], "the packed objects were dropped by the first backward");
    }

    @Test
    void retainGraphKeepsThePackedObjects() {
        Tensor a = rule("a").requiresGrad_(true);
        Tensor y;
        try (SavedTensorsHooks h = Autograd.savedTensorsHooks((Tensor t) -> t, t -> t)) {
            y = a.mul(a).sum();
        }
        y.backward(null, true, false);
        y.backward();
        assertClose("a", a.grad().div(4));
    }

    @Test
    void disabledHooksRefuseToOpenWithTheCallersMessage() {
        try (SavedTensorsHooks.Disabled off = Autograd.disableSavedTensorsHooks("hooks are off here")) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> Autograd.savedTensorsHooks((Tensor t) -> t, t -> t));
            assertEquals(RULES.get("err_disabled"), e.getMessage());
            assertThrows(IllegalStateException.class, () -> Autograd.saveOnCpu(false));
        }
        try (SavedTensorsHooks h = Autograd.savedTensorsHooks((Tensor t) -> t, t -> t)) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> Autograd.disableSavedTensorsHooks("too late"));
            assertEquals(RULES.get("err_disable_active"), e.getMessage());
        }
        // both failures left hooks usable
        List<Integer> calls = new ArrayList<>();
        Tensor a = rule("a").requiresGrad_(true);
        try (SavedTensorsHooks h = recording(calls, 1)) {
            a.mul(a);
        }
        assertEquals(Integer.parseInt(RULES.get("after_errors")), calls.size());
    }

    @Test
    void nestedDisableRestoresTheOuterMessage() {
        try (SavedTensorsHooks.Disabled outer = Autograd.disableSavedTensorsHooks("outer")) {
            try (SavedTensorsHooks.Disabled inner = Autograd.disableSavedTensorsHooks("inner")) {
                assertEquals("inner", assertThrows(IllegalStateException.class,
                        () -> Autograd.savedTensorsHooks((Tensor t) -> t, t -> t)).getMessage());
            }
            assertEquals("outer", assertThrows(IllegalStateException.class,
                    () -> Autograd.savedTensorsHooks((Tensor t) -> t, t -> t)).getMessage());
        }
        Autograd.savedTensorsHooks((Tensor t) -> t, t -> t).close();
    }

    @Test
    void wrappedNumbersAndGradFreeOpsPackNothing() {
        List<Tensor> packed = new ArrayList<>();
        Tensor a = rule("a").requiresGrad_(true);
        try (SavedTensorsHooks h = Autograd.savedTensorsHooks((Tensor t) -> {
            packed.add(t);
            return t;
        }, t -> t)) {
            a.mul(2.5).div(3);
            try (GradMode off = Ember.noGrad()) {
                a.mul(a).exp();
            }
            rule("b").mul(rule("b")); // no input requires grad: no node
        }
        assertEquals(0, packed.size());
    }

    @Test
    void packSeesTheSavedTensorItselfWithAutogradOff() {
        List<Boolean> gradModes = new ArrayList<>();
        List<Tensor> packed = new ArrayList<>();
        Tensor a = rule("a").requiresGrad_(true);
        Tensor y;
        try (SavedTensorsHooks h = Autograd.savedTensorsHooks((Tensor t) -> {
            gradModes.add(GradMode.isEnabled());
            packed.add(t);
            return t;
        }, t -> t)) {
            y = a.exp();
        }
        assertEquals(List.of(false), gradModes);
        assertSame(y, packed.get(0), "exp saves its result");
        assertEquals("ExpBackward0", packed.get(0).gradFn().name());
    }

    @Test
    void nullHooksAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Autograd.savedTensorsHooks(null, (Tensor t) -> t));
        assertEquals("saved_tensors_hooks(): argument 'pack_hook' (position 1) must be Callable, not null", e.getMessage());
        Tensor a = rule("a").requiresGrad_(true);
        List<Tensor> packed = new ArrayList<>();
        try (SavedTensorsHooks h = Autograd.savedTensorsHooks((Tensor t) -> {
            packed.add(t);
            return t;
        }, t -> t)) {
            a.exp();
        }
        assertEquals(1, packed.size(), "the refused pair left no hooks behind");
    }
    @Test
    void inPlaceOpsSaveThroughTheHooks() {
        // exp_, sigmoid_ and relu_ save their result: packed once, and the gradient is the one without hooks
        for (String name : new String[] {"exp_", "sigmoid_", "relu_", "mul_"}) {
            Tensor[] grads = new Tensor[2];
            int[] packs = new int[2];
            for (int withHooks = 0; withHooks < 2; withHooks++) {
                Tensor leaf = rule("a").requiresGrad_(true);
                Tensor other = rule("b").requiresGrad_(true);
                Tensor y;
                int k = withHooks;
                Tensor a = leaf.mul(1.5);
                try (SavedTensorsHooks h = withHooks == 1 ? Autograd.savedTensorsHooks((Tensor t) -> {
                    packs[k]++;
                    return t.detach().clone();
                }, (Tensor t) -> t) : null) {
                    y = switch (name) {
                        case "exp_" -> a.exp_();
                        case "sigmoid_" -> a.sigmoid_();
                        case "relu_" -> a.relu_();
                        default -> a.mul_(other);
                    };
                }
                y.mul(rule("b")).sum().backward();
                grads[withHooks] = leaf.grad();
            }
            assertTrue((" " + RULES.get("inplace_packs") + " ").contains(" " + name + "=" + packs[1] + " "),
                    name + " packed " + packs[1] + "; PyTorch: " + RULES.get("inplace_packs"));
            assertArrayEquals(grads[0].toDoubleArray(), grads[1].toDoubleArray(), 1e-15, name);
        }
    }
}
