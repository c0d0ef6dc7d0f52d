package dev.ember;

import dev.ember.nn.utils.Rnn;
import dev.ember.optim.CosineAnnealingLR;
import dev.ember.optim.ExponentialLR;
import dev.ember.optim.LRScheduler;
import dev.ember.optim.LambdaLR;
import dev.ember.optim.MultiStepLR;
import dev.ember.optim.MultiplicativeLR;
import dev.ember.optim.NAdam;
import dev.ember.optim.Optimizer;
import dev.ember.optim.SGD;
import dev.ember.optim.StepLR;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The differences from PyTorch that session 32 listed and left (resources/looseends/make_expected.py, PyTorch 1.13;
 * 2.x's behaviour where it differs, said beside the case).
 */
class LooseEndsTest {
    private static final ExpectedLines EXPECTED = ExpectedLines.load("/looseends/expected.txt");

    private static void assertText(String key, Object got) {
        assertEquals(EXPECTED.text(key), String.valueOf(got), key);
    }

    // ---- 1. results PyTorch returns as tuples print as Python tuples (before: Java's [a, b])

    @Test
    void tupleResultsPrintAsPythonTuples() {
        Tensor x = Tensor.arange(5);
        Tensor m = Tensor.arange(6).reshape(2, 3);
        Tensor c = Tensor.arange(8).reshape(2, 2, 2);
        assertText("tuple.split", x.split(2));
        assertText("tuple.split1", x.split(5));
        assertText("tuple.splitSizes", x.split(new int[] {2, 3}, 0));
        assertText("tuple.chunk", x.chunk(2));
        assertText("tuple.unbind", x.unbind());
        assertText("tuple.unbind1", Tensor.arange(2).reshape(1, 2).unbind(0));
        assertText("tuple.tensorSplit", x.tensorSplit(2));
        assertText("tuple.tensorSplitIdx", x.tensorSplit(new int[] {1, 4}, 0));
        assertText("tuple.hsplit", m.hsplit(3));
        assertText("tuple.vsplit", m.vsplit(new int[] {1}));
        assertText("tuple.dsplit", c.dsplit(2));
        assertText("tuple.splitWithSizes", x.splitWithSizes(new int[] {2, 3}));
        assertText("tuple.unsafeSplit", x.unsafeSplit(2, 0));
        assertText("tuple.unsafeChunk", x.unsafeChunk(2, 0));
        assertText("tuple.unsafeSplitWithSizes", x.unsafeSplitWithSizes(new int[] {4, 1}, 0));
        Tensor a2 = x.narrow(0, 0, 2);
        Tensor a3 = x.narrow(0, 0, 3);
        assertText("tuple.meshgrid", Tensor.meshgrid(List.of(a2, a3)));
        assertText("tuple.meshgridXy", Tensor.meshgrid(List.of(a2, a3), "xy"));
        assertText("tuple.broadcast", Tensor.broadcastTensors(List.of(x, x.narrow(0, 0, 1))));
        assertText("tuple.nonzero", x.nonzeroAsTuple());
        assertText("tuple.where", Tensor.where(m.gt(2L)));
        assertText("tuple.gradient", Tensor.gradient(Tensor.tensor(new double[] {1, 4, 9}, DType.FLOAT32)));
    }

    @Test
    void autogradGradPrintsAsATuple() {
        Tensor a = Tensor.tensor(new double[] {1, 2}, DType.FLOAT32).requiresGrad_(true);
        Tensor b = Tensor.tensor(new double[] {3}, DType.FLOAT32).requiresGrad_(true);
        assertText("tuple.grad", Autograd.grad(List.of(a.mul(a).sum()), List.of(a)));
        List<Tensor> unused = Autograd.grad(List.of(a.mul(a).sum()), List.of(a, b), null, false, false, true);
        assertNull(unused.get(1));
        assertText("tuple.gradUnused", unused);
        assertText("tuple.gradCreate", Autograd.grad(List.of(a.mul(a).sum()), List.of(a), null, true));
    }

    @Test
    void listResultsStayLists() {
        // unpad_sequence returns a Python list: printed as one
        Tensor padded = Tensor.tensor(new double[][] {{1, 2}, {3, 0}}, DType.FLOAT32);
        assertText("list.unpad", Rnn.unpadSequence(padded, Tensor.tensor(new long[] {2, 1}, DType.INT64), false));
    }

    @Test
    void tuplesAreUnmodifiableListsEqualToOtherLists() {
        Tensor x = Tensor.arange(5);
        List<Tensor> parts = x.split(2);
        assertThrows(UnsupportedOperationException.class, () -> parts.set(0, x));
        assertThrows(UnsupportedOperationException.class, () -> parts.add(x));
        assertEquals(3, parts.size());
        List<Tensor> copy = new ArrayList<>(parts);
        assertEquals(copy, parts);
        assertEquals(parts, copy);
        assertEquals(copy.hashCode(), parts.hashCode());
        assertEquals("()", TensorTuple.of(List.of()).toString());
        assertTrue(Arrays.asList(parts.toArray()).containsAll(copy));
        assertThrows(IndexOutOfBoundsException.class, () -> parts.get(3));
    }

    // ---- 2. number-first remainder and floor division (before: no API; Python's 7 % t and 7 // t)

    private static Tensor t(DType type, double... v) {
        return Tensor.tensor(v, DType.FLOAT64).to(type);
    }

    /** The int64 values of {@code key}'s tensor line, read as longs (never through a double). */
    private static void assertLongs(String key, Tensor got) {
        String line = EXPECTED.get(key);
        assertEquals(line.substring(0, line.indexOf(':')).trim(), got.dtype().toString().replace("torch.", "") + " "
                + Arrays.toString(got.shape()), key + " dtype and shape");
        String values = line.substring(line.indexOf(':') + 1).trim();
        assertEquals(values, Arrays.toString(got.toLongArray()), key);
    }

    private static void assertError(String key, Class<? extends Throwable> type, org.junit.jupiter.api.function.Executable f) {
        Throwable e = assertThrows(type, f);
        String want = EXPECTED.get(key);
        assertEquals(want.substring(want.indexOf(": ") + 2), e.getMessage(), key);
    }

    @Test
    void numberFirstRemainderAndFloorDivide() {
        Tensor xi = Tensor.tensor(new long[] {3, -3, 2, -2, 5}, DType.INT64);
        Tensor xf = t(DType.FLOAT32, 3, -3, 2.5, -0.0, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN);
        EXPECTED.assertExact("rem.int", Tensor.remainder(7L, xi));
        EXPECTED.assertExact("rem.intNeg", Tensor.remainder(-7L, xi));
        EXPECTED.assertExact("fdiv.int", Tensor.floorDivide(7L, xi));
        EXPECTED.assertExact("fdiv.intNeg", Tensor.floorDivide(-7L, xi));
        EXPECTED.assertExact("rem.floatNumIntTensor", Tensor.remainder(7.5, xi));
        EXPECTED.assertExact("fdiv.floatNumIntTensor", Tensor.floorDivide(7.5, xi));
        EXPECTED.assertExact("rem.float", Tensor.remainder(7L, xf));
        EXPECTED.assertExact("fdiv.float", Tensor.floorDivide(7L, xf));
        EXPECTED.assertExact("rem.floatNeg", Tensor.remainder(-7.0, xf));
        EXPECTED.assertExact("fdiv.floatNeg", Tensor.floorDivide(-7.0, xf));
        EXPECTED.assertExact("rem.float64", Tensor.remainder(7L, t(DType.FLOAT64, 2.5, -0.75)));
        EXPECTED.assertExact("rem.int32", Tensor.remainder(7L, t(DType.INT32, 2, -4)));
        EXPECTED.assertExact("fdiv.int8", Tensor.floorDivide(-7L, t(DType.INT8, 2, -3)));
        EXPECTED.assertExact("fdiv.uint8", Tensor.floorDivide(7L, t(DType.UINT8, 2, 3)));
        EXPECTED.assertExact("rem.bf16", Tensor.remainder(7L, t(DType.BFLOAT16, 2.5, -1.5)));
        EXPECTED.assertExact("fdiv.int32byFloat", Tensor.floorDivide(7.25, t(DType.INT32, 2, -3)));
        EXPECTED.assertExact("rem.boolDivisor", Tensor.remainder(7L, t(DType.BOOL, 1)));
        EXPECTED.assertExact("rem.empty", Tensor.remainder(7L, Tensor.zeros(DType.INT64, 2, 0)));
        long big = (1L << 62) + 1;
        assertLongs("rem.big", Tensor.remainder(big, Tensor.tensor(new long[] {1L << 62, 3}, DType.INT64)));
        assertLongs("fdiv.big", Tensor.floorDivide(big, Tensor.tensor(new long[] {3, -2}, DType.INT64)));
    }

    @Test
    void numberFirstDivisionRefusals() {
        Tensor zero = Tensor.tensor(new long[] {1, 0}, DType.INT64);
        assertError("rem.zero", IllegalArgumentException.class, () -> Tensor.remainder(7L, zero));
        assertError("fdiv.zero", IllegalArgumentException.class,
            () -> Tensor.floorDivide(7L, Tensor.tensor(new long[] {0, 1}, DType.INT64)));
        assertError("rem.zeroInt32", IllegalArgumentException.class, () -> Tensor.remainder(7L, t(DType.INT32, 0)));
        assertEquals("[1, 0]", Arrays.toString(zero.toLongArray()), "the divisor is unchanged");
    }

    @Test
    void numberFirstDivisionHasNoDerivative() {
        // PyTorch 2.x's derivatives.yaml has remainder.Scalar and remainder.Tensor but no remainder.Scalar_Tensor, and
        // no floor_divide: both results get the NotImplemented node
        Tensor x = Tensor.tensor(new double[] {3, -2.5, 4}, DType.FLOAT32).requiresGrad_(true);
        Tensor r = Tensor.remainder(7L, x);
        assertText("rem.grad", r);
        assertError("rem.backward", IllegalStateException.class, () -> r.sum().backward());
        Tensor f = Tensor.floorDivide(7L, x);
        assertText("fdiv.grad", f);
        assertError("fdiv.backward", IllegalStateException.class, () -> f.sum().backward());
        assertNull(x.grad());
    }

    // ---- 3. int64 beyond 2^53: Python ints exact, Python floats converted once (checked)

    /** {@code key}'s line {@code dtype [values]} (the generator's ints()), compared as text, never through a double. */
    private static void assertInts(String key, Tensor got) {
        String values = got.dtype() == DType.BOOL
            ? Arrays.toString(got.to(DType.INT64).toLongArray()).replace("1", "True").replace("0", "False")
            : Arrays.toString(got.toLongArray());
        assertEquals(EXPECTED.get(key), got.dtype().toString().replace("torch.", "") + " " + values, key);
    }

    @Test
    void int64ValuesBeyondTwoTo53AreExact() {
        long big = (1L << 62) + 1;
        Tensor x = Tensor.tensor(new long[] {0, 1}, DType.INT64);
        Tensor y = Tensor.tensor(new long[] {big, big - 1}, DType.INT64);
        Tensor m = Tensor.tensor(new boolean[] {true, false}, DType.BOOL);
        Tensor idx = Tensor.tensor(new long[] {1}, DType.INT64);
        assertInts("int.add53", x.add((1L << 53) + 1));
        assertInts("int.add", x.add(big));
        assertInts("int.rsub", x.rsub(big));
        assertInts("int.clamp", x.clamp(big, big + 2));
        assertInts("int.clampMax", x.clampMax(-big));
        assertInts("int.where", Tensor.where(m, big, x));
        assertInts("int.fillD60", x.clone().fill_(Math.pow(2, 60)));
        assertInts("int.fill2.5", x.clone().fill_(-2.5));
        assertInts("int.fullD60", Tensor.full(DType.INT64, Math.pow(2, 60), 2));
        assertInts("int.fullInt", Tensor.full(new int[] {2}, (1L << 53) + 1));
        assertInts("int.maskedD62", x.maskedFill(m, Math.pow(2, 62)));
        assertInts("int.indexD62", x.indexFill(0, idx, Math.pow(2, 62)));
        assertError("int.fillD1e19", IllegalArgumentException.class, () -> x.clone().fill_(1e19));
        assertError("int.maskedD1e19", IllegalArgumentException.class, () -> x.maskedFill(m, 1e19));
        assertInts("int.eq", y.eq(big));
        assertInts("int.and", y.bitwiseAnd(big));
        assertInts("int.mulInplace", Tensor.tensor(new long[] {1, 2}, DType.INT64).mul_(big));
    }

    /**
     * The overloads that took only a double: a Java long widened to it and lost its low bits beyond 2^53 (x.newFull of
     * 2^62 + 1 gave 2^62, y.greater(2^62) compared with 2^62 rounded), and an int given to subtract/multiply made an
     * int64 tensor float32. Fails on the old code.
     */
    @Test
    void longOverloadsOfTheDoubleOnlyMethods() {
        long big = (1L << 62) + 1;
        Tensor x = Tensor.tensor(new long[] {0, 1}, DType.INT64);
        Tensor y = Tensor.tensor(new long[] {big, big - 1}, DType.INT64);
        Tensor idx = Tensor.tensor(new long[] {1}, DType.INT64);
        assertInts("int.newFull", x.newFull(new int[] {2}, big));
        Tensor i32 = Tensor.zeros(DType.INT32, 1);
        assertInts("int.newFullInt32", i32.newFull(new int[] {2}, -7L));
        assertError("int.newFullInt32Overflow", IllegalArgumentException.class, () -> i32.newFull(new int[] {2}, 1L << 40));
        assertInts("int.scatter", x.scatter(0, idx, big));
        assertInts("int.scatter_", x.clone().scatter_(0, idx, -big));
        assertInts("int.indexPut_", x.clone().indexPut_(new Index[] {Index.of(idx)}, big, false));
        assertInts("int.indexPutAcc", x.indexPut(new Index[] {Index.of(idx)}, big, true));
        assertInts("int.fillDiagonal", Tensor.zeros(DType.INT64, 3, 2).fillDiagonal_(big, true));
        assertInts("int.greater", y.greater(big - 1));
        assertInts("int.greaterEqual", y.greaterEqual(big));
        assertInts("int.less", y.less(big));
        assertInts("int.lessEqual", y.lessEqual(big - 1));
        assertInts("int.notEqual", y.notEqual(big));
        assertInts("int.eq_", y.clone().eq_(big));
        assertInts("int.ge_", y.clone().ge_(big));
        assertInts("int.lt_", y.clone().lt_(big));
        assertInts("int.subtract", x.subtract(big));
        assertInts("int.subtractSmall", x.subtract(2L));
        assertInts("int.multiply", Tensor.tensor(new long[] {1, 3}, DType.INT64).multiply(big));
        assertInts("int.clip_", x.clone().clip_(big, big + 2));
        assertEquals("[0, 1]", Arrays.toString(x.toLongArray()), "x unchanged by the out-of-place calls");
    }

    // ---- 4. schedulers resumed by last_epoch (before: no lastEpoch constructor)

    private static SGD twoGroups() {
        SGD opt = new SGD(List.of(Tensor.zeros(1).requiresGrad_(true)), 0.1);
        opt.addParamGroup(List.of(Tensor.zeros(1).requiresGrad_(true)), Map.of("lr", 0.05));
        return opt;
    }

    /** The generator's sched_case: 4 epochs of a first scheduler, then one resumed with lastEpoch 4, stepped on. */
    private static void assertResumed(String key, Function<Optimizer, LRScheduler> make,
                                      BiFunction<Optimizer, Long, LRScheduler> resumed, int more) {
        SGD opt = twoGroups();
        LRScheduler s = make.apply(opt);
        for (int i = 0; i < 4; i++) {
            opt.step();
            s.step();
        }
        LRScheduler r = resumed.apply(opt, 4L);
        List<String> got = new ArrayList<>();
        for (int i = 0; ; i++) {
            for (double lr : r.getLastLr()) {
                got.add(Double.toString(lr));
            }
            if (i == more) {
                break;
            }
            opt.step();
            r.step();
        }
        String[] want = EXPECTED.get(key).split(" ");
        assertEquals(want.length, got.size(), key);
        for (int i = 0; i < want.length; i++) {
            assertEquals(Double.parseDouble(want[i]), Double.parseDouble(got.get(i)), key + " [" + i + "]");
        }
    }

    @Test
    void schedulersResumeAtLastEpoch() {
        assertResumed("sched.step", o -> new StepLR(o, 3, 0.5), (o, e) -> new StepLR(o, 3, 0.5, e), 6);
        assertResumed("sched.step5", o -> new StepLR(o, 5, 0.5), (o, e) -> new StepLR(o, 5, 0.5, e), 6);
        List<Integer> ms = List.of(2, 5, 5, 8);
        assertResumed("sched.multiStep", o -> new MultiStepLR(o, ms, 0.5), (o, e) -> new MultiStepLR(o, ms, 0.5, e), 6);
        // ExponentialLR, CosineAnnealingLR and MultiplicativeLR: 2.x's initial step keeps the rates (see the generator)
        assertResumed("sched.exponential", o -> new ExponentialLR(o, 0.9), (o, e) -> new ExponentialLR(o, 0.9, e), 6);
        assertResumed("sched.cosine", o -> new CosineAnnealingLR(o, 7, 0.01),
            (o, e) -> new CosineAnnealingLR(o, 7, 0.01, e), 12);
        assertResumed("sched.lambda", o -> new LambdaLR(o, ep -> 1.0 / (ep + 1)),
            (o, e) -> new LambdaLR(o, ep -> 1.0 / (ep + 1), e), 6);
        assertResumed("sched.multiplicative", o -> new MultiplicativeLR(o, ep -> 0.8),
            (o, e) -> new MultiplicativeLR(o, ep -> 0.8, e), 6);
    }

    @Test
    void resumingWithoutInitialLrIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> new StepLR(new SGD(List.of(Tensor.zeros(1).requiresGrad_(true)), 0.1), 3, 0.1, 2));
        assertEquals(EXPECTED.get("sched.noInitialLr"), e.getMessage());
        SGD opt = new SGD(List.of(Tensor.zeros(1).requiresGrad_(true)), 0.1);
        opt.addParamGroup(List.of(Tensor.zeros(1).requiresGrad_(true)), Map.of());
        opt.paramGroups().get(0).set("initial_lr", 0.1);
        e = assertThrows(IllegalArgumentException.class, () -> new ExponentialLR(opt, 0.9, 2));
        assertEquals(EXPECTED.get("sched.noInitialLr1"), e.getMessage());
        String lrs = "[" + opt.paramGroups().get(0).lr() + ", " + opt.paramGroups().get(1).lr() + "] ["
            + (opt.paramGroups().get(0).has("initial_lr") ? "True" : "False") + ", "
            + (opt.paramGroups().get(1).has("initial_lr") ? "True" : "False") + "]";
        assertEquals(EXPECTED.get("sched.noInitialLr1.lrs"), lrs, "nothing changed");
    }

    // ---- 5. NAdam's mu_product keeps the type load_state_dict gave it (a float64 or bfloat16 parameter)

    /** The generator's nadam_run: 3 steps, stateDict into a new NAdam over the same parameter, 3 more steps. */
    private static void nadamRun(DType type, double tolerance) {
        Tensor p = Tensor.tensor(new double[] {1, -2, 3}, DType.FLOAT64).to(type).requiresGrad_(true);
        Tensor g = Tensor.tensor(new double[] {0.5, -1.5, 2.0}, DType.FLOAT64).to(type);
        String name = type.toString().replace("torch.", "");
        NAdam opt = new NAdam(List.of(p), 0.1);
        for (int k = 0; k < 3; k++) {
            p.setGrad(g.mul((long) (k + 1)));
            opt.step();
        }
        assertMuProduct("nadam." + name + ".mu3", opt);
        NAdam resumed = new NAdam(List.of(p), 0.1);
        resumed.loadStateDict(opt.stateDict());
        for (int k = 3; k < 6; k++) {
            p.setGrad(g.mul((long) (k + 1)));
            resumed.step();
        }
        assertMuProduct("nadam." + name + ".mu6", resumed);
        Tensor step = (Tensor) stateOf(resumed).get("step");
        assertEquals(EXPECTED.get("nadam." + name + ".step6"), step.dtype().toString().replace("torch.", "") + " "
            + step.item(), "step is not cast (PyTorch keeps its float32)");
        Tensor want = EXPECTED.tensor("nadam." + name + ".p6");
        double[] w = want.toDoubleArray();
        double[] got = p.detach().to(DType.FLOAT64).toDoubleArray();
        for (int i = 0; i < w.length; i++) {
            assertEquals(w[i], got[i], tolerance * Math.abs(w[i]), "nadam." + name + ".p6[" + i + "]");
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> stateOf(NAdam opt) {
        return (Map<String, Object>) ((Map<Integer, Object>) opt.stateDict().get("state")).get(0);
    }

    private static void assertMuProduct(String key, NAdam opt) {
        Tensor mu = (Tensor) stateOf(opt).get("mu_product");
        String[] want = EXPECTED.get(key).split(" ");
        assertEquals(want[0], mu.dtype().toString().replace("torch.", ""), key + " dtype");
        if (mu.dtype() == DType.BFLOAT16) {
            // 1.13 rounds the factor mu to bfloat16 before the product (its TensorIterator casts the wrapped number);
            // 2.x's reduced-float mul reads it as float (original_scalar_value<opmath_t>), as Ember does: a few
            // bfloat16 ulps apart after three products
            assertEquals(Double.parseDouble(want[1]), mu.item(), 1e-2 * Double.parseDouble(want[1]), key);
        } else {
            assertEquals(Double.parseDouble(want[1]), mu.item(), key);
        }
    }

    /**
     * Before, the loaded mu_product was rounded to the parameter's type once and then every later product to float32
     * (the default scalar type): for a float64 parameter the parameters moved 2e-10 relative from PyTorch's after three
     * more steps, and the state dict said float32. Fails on the old code.
     */
    @Test
    void nadamMuProductKeepsTheLoadedType() {
        // Ember's update rounds differently from 2.x's lerp/addcdiv by an ulp or so: 1e-13 relative, far below the
        // 2e-10 the float32 re-rounding made
        nadamRun(DType.FLOAT64, 1e-13);
        // bfloat16: mu_product's products rounded to bfloat16 after the load; the parameter within a few bfloat16 ulps
        nadamRun(DType.BFLOAT16, 2e-2);
    }

    // ---- 6. complex by real and real by complex divide as complex numbers (the real operand promoted to (x, +0))

    private static Tensor complexOf(DType type, double... reIm) {
        DType real = type == DType.COMPLEX64 ? DType.FLOAT32 : DType.FLOAT64;
        return Tensor.tensor(reIm, DType.FLOAT64).to(real).reshape(reIm.length / 2, 2).viewAsComplex();
    }

    /**
     * Before, a real divisor divided each part ((1+infj) / 2 gave 0.5+infj, PyTorch nan+infj; a divisor of -0 gave
     * -inf where PyTorch's a / |c| gives +inf; 0 / 1e-40 in complex64 gave 0 where 1 / c overflows to nan; (3+7j) / 7
     * in complex64 rounded once where PyTorch's 3 * (1/7) rounds twice): fails on the old code.
     */
    @Test
    void complexDivisionByARealOperandIsComplexDivision() {
        double inf = Double.POSITIVE_INFINITY;
        double nan = Double.NaN;
        for (DType type : new DType[] {DType.COMPLEX64, DType.COMPLEX128}) {
            DType real = type == DType.COMPLEX64 ? DType.FLOAT32 : DType.FLOAT64;
            double tiny = type == DType.COMPLEX64 ? 1e-40 : 1e-310;
            String tag = type.toString().replace("torch.", "");
            Tensor z = complexOf(type, 1, 2, inf, 1, 1, inf, nan, 1, 0, 0, -0.0, -0.0, 3, 7, tiny, -tiny, 2, -3,
                -1.5, 0.25);
            Tensor r = t(real, 3, 2, 2, 2, tiny, -0.0, 7, tiny, inf, -0.0);
            EXPECTED.assertExact("cdiv." + tag + ".byReal", z.div(r));
            EXPECTED.assertExact("cdiv." + tag + ".byNumber", z.div(2.0));
            EXPECTED.assertExact("cdiv." + tag + ".byNegZero", z.div(-0.0));
            Tensor w = t(real, 3, -0.0, 1, inf, tiny, 0, 2, 5, -1, 1);
            EXPECTED.assertExact("cdiv." + tag + ".realByComplex", w.div(z));
        }
    }

    // ---- 7. qat.Conv2d.fromFloat of a Conv2d with a padding string (before: refused), per-channel FixedQParams

    /**
     * PyTorch's from_float passes the float layer's padding on, a string included: the QAT layer pads as the float
     * one and prints {@code padding=same}. Before, Ember refused it; fails on the old code.
     */
    @Test
    void qatConv2dFromFloatKeepsAPaddingString() {
        for (String[] c : new String[][] {{"same3", "3", "same"}, {"same4", "4", "same"}, {"valid", "3", "valid"}}) {
            String key = "qat." + c[0];
            int k = Integer.parseInt(c[1]);
            dev.ember.nn.Conv2d conv = new dev.ember.nn.Conv2d(2, 3, new int[] {k, k}, new int[] {1, 1}, c[2],
                new int[] {1, 1}, 1, true, "zeros");
            try (GradMode off = Ember.noGrad()) {
                conv.getParameter("weight").copy_(EXPECTED.tensor(key + ".weight"));
                conv.getParameter("bias").copy_(EXPECTED.tensor(key + ".bias"));
            }
            dev.ember.ao.nn.qat.Conv2d q = dev.ember.ao.nn.qat.Conv2d.fromFloat(conv,
                dev.ember.ao.quantization.QConfig.getDefaultQatQconfig("x86"));
            Tensor out = q.apply(EXPECTED.tensor(key + ".x"));
            // float32 convolutions in another order than PyTorch's: a few ulps (as QatTest)
            ReferenceCases.assertClose(key + ".out", EXPECTED.tensor(key + ".out"), out, 2e-6);
            assertText(key + ".repr", q);
        }
    }

    @Test
    void fixedQParamsTakeAPerChannelSchemeAsPyTorch() {
        dev.ember.ao.quantization.FixedQParamsObserver perChannel = new dev.ember.ao.quantization.FixedQParamsObserver(
            1 / 256.0, 0, dev.ember.ao.quantization.QuantDType.QUINT8,
            dev.ember.ao.quantization.QScheme.PER_CHANNEL_AFFINE, 0, 255);
        assertError("fixedqparams.perChannel", IllegalArgumentException.class,
            () -> new dev.ember.ao.quantization.FixedQParamsFakeQuantize(perChannel));
        // the observer itself takes it unchecked (2.x's __init__ too)
        dev.ember.ao.quantization.FixedQParamsObserver o = new dev.ember.ao.quantization.FixedQParamsObserver(
            1 / 256.0, 0, dev.ember.ao.quantization.QuantDType.QUINT8,
            dev.ember.ao.quantization.QScheme.PER_CHANNEL_SYMMETRIC, 0, 255);
        assertText("fixedqparams.observerPerChannel", o + " " + o.qscheme() + " " + o.calculateQparams());
    }

    /** GradScaler.stateDict() printed as Java's map {scale=65536.0, ...}; PyTorch prints its dict. Fails on the old code. */
    @Test
    void gradScalerStateDictPrintsAsADict() {
        assertText("scaler.default", new dev.ember.amp.GradScaler("cpu").stateDict());
        assertText("scaler.custom", new dev.ember.amp.GradScaler("cpu", 1024.0, 3.0, 0.25, 7, true).stateDict());
        assertText("scaler.disabled", new dev.ember.amp.GradScaler("cpu", 65536.0, 2.0, 0.5, 2000, false).stateDict());
        Map<String, Object> sd = new dev.ember.amp.GradScaler("cpu").stateDict();
        assertThrows(UnsupportedOperationException.class, () -> sd.put("scale", 1.0));
        assertEquals(65536.0, sd.get("scale"));
    }
}
