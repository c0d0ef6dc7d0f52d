package dev.ember;

import dev.ember.nn.Functional;
import dev.ember.optim.Adagrad;
import dev.ember.optim.Adam;
import dev.ember.optim.Adamax;
import dev.ember.optim.NAdam;
import dev.ember.optim.Optimizer;
import dev.ember.optim.RAdam;
import dev.ember.optim.RMSprop;
import dev.ember.optim.SGD;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every op's kernels honour the layout of every tensor they read or write: its storage offset and its strides, forward
 * and backward. Each case builds its inputs once, as fresh contiguous tensors with seeded random values, and runs the
 * op on them (the reference). It then runs the op again with the same values placed in odd layouts, one input at a time
 * and all at once:
 * <ul>
 *   <li>{@link Place#OFFSET}: a contiguous view starting three elements into a larger storage;</li>
 *   <li>{@link Place#STRIDED}: every second element along every dimension, past the storage's first element;</li>
 *   <li>{@link Place#TRANSPOSED}: the dimensions allocated in reverse order and permuted back, past the first
 *       element.</li>
 * </ul>
 * Index tensors (int64, int32) and masks (bool) are placed so too. Where the op is differentiable, the backward runs
 * with a seeded random output gradient, itself fresh or in each odd layout (with fresh inputs, and with every input in
 * the same odd layout), and once more as a broadcast view ({@link Place#EXPANDED}, stride 0, as {@code sum()}'s
 * backward passes one) against the same values dense. Where the op has a second derivative, all of that runs again with the
 * backward recorded and a seeded random combination of the gradients differentiated once more.
 *
 * <p>Every run must give the reference's outputs and the gradients of every input that requires grad exactly, bit for
 * bit (the kernels reduce in one order whatever the layout), unless a case says why not; then within a tolerance times
 * the largest magnitude of the expected tensor: attention (a strided last dimension takes the composition instead of
 * the fused kernel), the LSTM's second order, and a broadcast output gradient ({@link #EXPANDED_TOL}). The storage
 * around every odd-layout view is filled with garbage (NaN, a huge integer, true): each run also checks that it is
 * still there (no write outside a view), that the inputs an op does not take in place and the output gradients keep
 * their values, and a run that throws where the reference did not fails the case. Optimizers take two steps on a
 * parameter placed in each layout with gradients placed in each layout.
 */
class LayoutSweepTest {
    private static final Generator GEN = new Generator(20240611);
    private static final long INDEX_GARBAGE = 1_000_000_007L;

    // --------------------------------------------------------------------------------------------------------------
    // inputs and layouts

    /** What an input is: a floating input that requires grad, a floating one that does not, indices, a mask. */
    private enum Kind { DIFF, CONST, INDEX, MASK }

    private record In(Kind kind, Tensor value) {
    }

    /** Where a tensor's values are placed ({@link #EXPANDED} only for values constant along a dimension). */
    private enum Place { FRESH, OFFSET, STRIDED, TRANSPOSED, EXPANDED }

    private static final Place[] ODD = {Place.OFFSET, Place.STRIDED, Place.TRANSPOSED};

    /**
     * The tolerance with a broadcast (stride 0) output gradient: a reduction does not iterate a broadcast dimension but
     * multiplies by its size (ReductionOps.reduceKernel), so a bias gradient {@code g.sum(dims)} rounds otherwise than
     * over the same values dense.
     */
    private static final double EXPANDED_TOL = 1e-14;

    /** A tensor placed in a layout: the view holding the values and the storage behind it (null when fresh). */
    private record Placed(Tensor view, Tensor base) {
    }

    private static double garbage(DType dtype) {
        return switch (dtype) {
            case BOOL -> 1;
            case UINT8 -> 251;
            case INT8 -> 123;
            case INT16 -> 32_001;
            case INT32, INT64 -> INDEX_GARBAGE;
            default -> Double.NaN;
        };
    }

    private static int numel(int[] shape) {
        int n = 1;
        for (int s : shape) {
            n *= s;
        }
        return n;
    }

    /** {@code values} copied into a tensor of layout {@code p}, its storage otherwise filled with garbage. */
    private static Placed place(Tensor values, Place p) {
        int[] shape = values.shape();
        DType dtype = values.dtype();
        int n = numel(shape);
        Tensor base;
        Tensor view;
        switch (p) {
            case FRESH -> {
                return new Placed(Tensor.empty(dtype, shape).copy_(values), null);
            }
            case OFFSET -> {
                base = Tensor.full(dtype, garbage(dtype), n + 5);
                view = base.narrow(0, 3, n).view(shape);
            }
            case STRIDED -> {
                int[] doubled = new int[shape.length];
                for (int d = 0; d < shape.length; d++) {
                    doubled[d] = 2 * shape[d];
                }
                int m = numel(doubled);
                base = Tensor.full(dtype, garbage(dtype), m + 2);
                view = base.narrow(0, 1, m).view(doubled);
                for (int d = 0; d < shape.length; d++) {
                    view = view.slice(d, 0, doubled[d], 2);
                }
            }
            case EXPANDED -> {
                int d = expandedDim(shape);
                if (d < 0) {
                    return place(values, Place.OFFSET);
                }
                int[] one = shape.clone();
                one[d] = 1;
                int m = numel(one);
                base = Tensor.full(dtype, garbage(dtype), m + 4);
                Tensor small = base.narrow(0, 2, m).view(one);
                small.copy_(values.narrow(d, 0, 1));
                view = small.expand(shape);
                if (!same(values, view)) {
                    throw new AssertionError("the test's values are not constant along dimension " + d);
                }
                return new Placed(view, base);
            }
            case TRANSPOSED -> {
                int r = shape.length;
                int[] reversed = new int[r];
                int[] back = new int[r];
                for (int d = 0; d < r; d++) {
                    reversed[d] = shape[r - 1 - d];
                    back[d] = r - 1 - d;
                }
                base = Tensor.full(dtype, garbage(dtype), n + 2);
                view = base.narrow(0, 1, n).view(reversed).permute(back);
            }
            default -> throw new AssertionError(p);
        }
        if (view.storageOffset() == 0 || !Arrays.equals(view.shape(), shape)) {
            throw new AssertionError("the test's layout " + p + " is not what it claims");
        }
        view.copy_(values);
        return new Placed(view, base);
    }

    /** Describes where a placed view wrote outside itself: garbage overwritten in its storage; null if nowhere. */
    private static String garbageOverwritten(Placed p) {
        if (p.base() == null) {
            return null;
        }
        Tensor v = p.view();
        int total = (int) p.base().numel();
        boolean[] inside = new boolean[total];
        int[] shape = v.shape();
        int[] stride = v.stride();
        int[] at = new int[shape.length];
        for (int k = 0; k < numel(shape); k++) {
            int pos = v.storageOffset();
            for (int d = 0; d < shape.length; d++) {
                pos += at[d] * stride[d];
            }
            inside[pos] = true;
            for (int d = shape.length - 1; d >= 0; d--) {
                if (++at[d] < shape[d]) {
                    break;
                }
                at[d] = 0;
            }
        }
        DType dtype = p.base().dtype();
        if (dtype == DType.BOOL) {
            boolean[] b = p.base().toBooleanArray();
            for (int i = 0; i < total; i++) {
                if (!inside[i] && !b[i]) {
                    return "storage element " + i + " (outside the view) was overwritten with false";
                }
            }
            return null;
        }
        double[] b = p.base().toDoubleArray();
        double g = garbage(dtype);
        for (int i = 0; i < total; i++) {
            if (!inside[i] && !(Double.isNaN(g) ? Double.isNaN(b[i]) : b[i] == g)) {
                return "storage element " + i + " (outside the view) was overwritten with " + b[i];
            }
        }
        return null;
    }

    // input builders; every one draws from the one seeded generator, in the order the cases are declared

    private static Tensor uniform(DType dtype, double lo, double hi, int... shape) {
        return Tensor.rand(GEN, dtype, shape).mul(hi - lo).add(lo).detach();
    }

    /** Differentiable float64, uniform on (-1, 1). */
    private static In f(int... shape) {
        return new In(Kind.DIFF, uniform(DType.FLOAT64, -1, 1, shape));
    }

    /** Differentiable float64, uniform on (lo, hi). */
    private static In u(double lo, double hi, int... shape) {
        return new In(Kind.DIFF, uniform(DType.FLOAT64, lo, hi, shape));
    }

    /** Differentiable float32, uniform on (-1, 1). */
    private static In f32(int... shape) {
        return new In(Kind.DIFF, uniform(DType.FLOAT32, -1, 1, shape));
    }

    /** Differentiable float32, uniform on (lo, hi). */
    private static In u32(double lo, double hi, int... shape) {
        return new In(Kind.DIFF, uniform(DType.FLOAT32, lo, hi, shape));
    }

    /** Differentiable, of a floating type, uniform on (lo, hi) (drawn in float64, then rounded to the type). */
    private static In ft(DType dtype, double lo, double hi, int... shape) {
        return new In(Kind.DIFF, uniform(DType.FLOAT64, lo, hi, shape).to(dtype));
    }

    /** Random integers in [lo, hi) of an integral type. */
    private static In it(DType dtype, long lo, long hi, int... shape) {
        return new In(Kind.INDEX, Tensor.rand(GEN, DType.FLOAT64, shape).mul(hi - lo).add(lo).floor().to(dtype));
    }

    /** Float64 that does not require grad, uniform on (lo, hi). */
    private static In c(double lo, double hi, int... shape) {
        return new In(Kind.CONST, uniform(DType.FLOAT64, lo, hi, shape));
    }

    /** Float64 with small integer values (ties, equal elements), differentiable or not. */
    private static In ints(Kind kind, int levels, int... shape) {
        return new In(kind, Tensor.rand(GEN, DType.FLOAT64, shape).mul(levels).floor().detach());
    }

    /** Any tensor as an input of a kind. */
    private static In of(Kind kind, Tensor t) {
        return new In(kind, t);
    }

    /** Random int64 indices in [0, high). */
    private static In idx(long high, int... shape) {
        return new In(Kind.INDEX, Tensor.rand(GEN, DType.FLOAT64, shape).mul(high).floor().toLong());
    }

    /** Given int64 indices, reshaped. */
    private static In idxOf(long[] values, int... shape) {
        return new In(Kind.INDEX, Tensor.tensor(values, DType.INT64).reshape(shape));
    }

    /** A random permutation of [0, n) as int64 indices, its first k. */
    private static In perm(int n, int k) {
        return new In(Kind.INDEX, Tensor.randperm(n, GEN).narrow(0, 0, k).contiguous());
    }

    /** A random mask, true with probability one half. */
    private static In mask(int... shape) {
        return new In(Kind.MASK, Tensor.rand(GEN, DType.FLOAT64, shape).lt(0.5));
    }

    /** A symmetric positive definite float64 n x n matrix. */
    private static In spd(int n) {
        Tensor m = uniform(DType.FLOAT64, -1, 1, n, n);
        return new In(Kind.DIFF, m.mm(m.t()).add(Tensor.eye(n, n, DType.FLOAT64).mul(n)).detach());
    }

    private static int[] ia(int... v) {
        return v;
    }

    // --------------------------------------------------------------------------------------------------------------
    // cases

    /** One op case: its inputs and the op, which returns a tensor, a list or array of tensors, or a record of them. */
    private static final class Case {
        final String name;
        final Function<Tensor[], Object> fn;
        final In[] ins;
        double tol;
        String tolWhy;
        double tol2;
        String tol2Why;
        boolean[] mutated;

        Case(String name, Function<Tensor[], Object> fn, In[] ins) {
            this.name = name;
            this.fn = fn;
            this.ins = ins;
            this.mutated = new boolean[ins.length];
        }

        /** Compares within {@code tol} times the expected tensor's largest magnitude, for the reason given. */
        Case tol(double tol, String why) {
            this.tol = tol;
            this.tolWhy = why;
            return this;
        }

        /** Compares second-order gradients within {@code tol} times the largest expected magnitude, for the reason. */
        Case tol2(double tol, String why) {
            this.tol2 = tol;
            this.tol2Why = why;
            return this;
        }

        /** The op writes these inputs in place: their values after the op are compared as outputs are, not kept. */
        Case mutates(int... inputs) {
            for (int i : inputs) {
                mutated[i] = true;
            }
            return this;
        }
    }

    private static Case op(List<Case> list, String name, Function<Tensor[], Object> fn, In... ins) {
        Case c = new Case(name, fn, ins);
        list.add(c);
        return c;
    }

    /** The tensors an op returned, in order: a tensor, a list or array of them, or a record's tensor components. */
    private static List<Tensor> outputs(Object o) {
        List<Tensor> out = new ArrayList<>();
        if (o instanceof Tensor t) {
            out.add(t);
        } else if (o instanceof Object[] a) {
            for (Object e : a) {
                out.addAll(outputs(e));
            }
        } else if (o instanceof List<?> l) {
            for (Object e : l) {
                out.addAll(outputs(e));
            }
        } else if (o instanceof Record r) {
            for (RecordComponent rc : r.getClass().getRecordComponents()) {
                try {
                    Object v = rc.getAccessor().invoke(r);
                    if (v != null) {
                        out.addAll(outputs(v));
                    }
                } catch (ReflectiveOperationException e) {
                    throw new AssertionError(e);
                }
            }
        } else if (o != null) {
            throw new AssertionError("unexpected output " + o.getClass());
        }
        return out;
    }

    // --------------------------------------------------------------------------------------------------------------
    // running and comparing

    /**
     * What one run gave: outputs, input values after the op, gradients (null entries: unused), and second-order
     * gradients (empty unless asked for).
     */
    private record Run(List<Tensor> outs, List<Tensor> insAfter, List<Tensor> grads, List<Tensor> grads2) {
    }

    /**
     * Runs a case with each input placed as {@code inPlace[i]} and the output gradients, {@code gradValues}, placed as
     * {@code gradPlace}; an empty {@code gradValues} is filled with seeded random gradients (the reference run). With
     * {@code second}, the backward records its graph and a seeded random combination of the gradients is differentiated
     * again.
     */
    private static Run run(Case c, Place[] inPlace, Place gradPlace, List<Tensor> gradValues, boolean second,
                           List<String> problems, String label) {
        Placed[] placed = new Placed[c.ins.length];
        Tensor[] xs = new Tensor[c.ins.length];
        List<Tensor> diff = new ArrayList<>();
        for (int i = 0; i < xs.length; i++) {
            placed[i] = place(c.ins[i].value(), inPlace[i]);
            xs[i] = placed[i].view();
            if (c.ins[i].kind() == Kind.DIFF) {
                xs[i].requiresGrad_(true);
                diff.add(xs[i]);
            }
        }
        List<Tensor> outs = outputs(c.fn.apply(xs));
        List<Tensor> grads = new ArrayList<>();
        List<Tensor> grads2 = new ArrayList<>();
        List<Tensor> diffOuts = new ArrayList<>();
        for (Tensor o : outs) {
            if (o.requiresGrad()) {
                diffOuts.add(o);
            }
        }
        if (!diffOuts.isEmpty() && !diff.isEmpty()) {
            if (gradValues.isEmpty()) {
                Generator g = new Generator(c.name.hashCode());
                for (Tensor o : diffOuts) {
                    gradValues.add(Tensor.rand(g, o.dtype(), o.shape()).mul(2).sub(1).detach());
                }
            }
            List<Placed> gp = new ArrayList<>();
            List<Tensor> gradOuts = new ArrayList<>();
            for (Tensor gv : gradValues) {
                Placed p = place(gv, gradPlace);
                gp.add(p);
                gradOuts.add(p.view());
            }
            grads = Autograd.grad(diffOuts, diff, gradOuts, second, second, true);
            if (second) {
                Generator g = new Generator(c.name.hashCode() + 1L);
                Tensor s = null;
                for (Tensor gi : grads) {
                    if (gi != null && gi.requiresGrad()) {
                        Tensor term = gi.mul(Tensor.rand(g, gi.dtype(), gi.shape())).sum();
                        s = s == null ? term : s.add(term);
                    }
                }
                if (s != null) {
                    grads2 = Autograd.grad(List.of(s), diff, null, false, false, true);
                }
                List<Tensor> detached = new ArrayList<>();
                for (Tensor gi : grads) {
                    detached.add(gi == null ? null : gi.detach());
                }
                grads = detached;
            }
            for (int j = 0; j < gp.size(); j++) {
                String g = garbageOverwritten(gp.get(j));
                if (g != null) {
                    problems.add(label + ": output gradient " + j + ": " + g);
                }
                if (!same(gradValues.get(j), gp.get(j).view())) {
                    problems.add(label + ": the backward changed output gradient " + j);
                }
            }
        }
        List<Tensor> after = new ArrayList<>();
        for (int i = 0; i < xs.length; i++) {
            String g = garbageOverwritten(placed[i]);
            if (g != null) {
                problems.add(label + ": input " + i + ": " + g);
            }
            after.add(xs[i].detach());
            if (!c.mutated[i] && !same(c.ins[i].value(), xs[i])) {
                problems.add(label + ": the op changed input " + i + ", which it does not take in place");
            }
        }
        return new Run(outs, after, grads, grads2);
    }

    /** Whether two tensors have one shape, one type and equal values (NaN equal to NaN). */
    private static boolean same(Tensor expected, Tensor got) {
        return mismatch(expected, got, 0) == null;
    }

    /** How {@code got} differs from {@code expected}, within {@code tol} when not 0; null when it does not. */
    private static String mismatch(Tensor expected, Tensor got, double tol) {
        if (expected == null || got == null) {
            return expected == got ? null : "expected " + expected + " got " + got;
        }
        if (!Arrays.equals(expected.shape(), got.shape())) {
            return "shape " + Arrays.toString(got.shape()) + ", expected " + Arrays.toString(expected.shape());
        }
        if (expected.dtype() != got.dtype()) {
            return "dtype " + got.dtype() + ", expected " + expected.dtype();
        }
        if (expected.dtype() == DType.BOOL) {
            boolean[] e = expected.detach().toBooleanArray();
            boolean[] g = got.detach().toBooleanArray();
            for (int i = 0; i < e.length; i++) {
                if (e[i] != g[i]) {
                    return "at flat index " + i + " expected " + e[i] + " got " + g[i];
                }
            }
            return null;
        }
        double[] e = expected.detach().toDoubleArray();
        double[] g = got.detach().toDoubleArray();
        double scale = 0;
        for (double v : e) {
            if (Double.isFinite(v)) {
                scale = Math.max(scale, Math.abs(v));
            }
        }
        int first = -1;
        int count = 0;
        double worst = 0;
        for (int i = 0; i < e.length; i++) {
            boolean ok = e[i] == g[i] || Double.isNaN(e[i]) && Double.isNaN(g[i])
                    || tol > 0 && Math.abs(e[i] - g[i]) <= tol * scale;
            if (!ok) {
                count++;
                worst = Math.max(worst, Double.isNaN(g[i] - e[i]) ? Double.POSITIVE_INFINITY : Math.abs(g[i] - e[i]));
                if (first < 0) {
                    first = i;
                }
            }
        }
        if (first < 0) {
            return null;
        }
        return count + " of " + e.length + " elements differ; first at flat index " + first + ": expected " + e[first]
                + " got " + g[first] + "; largest |difference| " + worst;
    }

    private static String describe(Place[] inPlace, Place gradPlace, boolean second) {
        StringBuilder s = new StringBuilder(second ? "second order, inputs [" : "inputs [");
        for (int i = 0; i < inPlace.length; i++) {
            s.append(i > 0 ? ", " : "").append(inPlace[i]);
        }
        return s.append("], output gradient ").append(gradPlace).toString();
    }

    private static void compareAll(List<Tensor> expected, List<Tensor> got, double tol, String what, String label,
                                   List<String> problems) {
        if (got.size() != expected.size()) {
            problems.add(label + ": " + got.size() + " " + what + "s, expected " + expected.size());
            return;
        }
        for (int j = 0; j < expected.size(); j++) {
            String m = mismatch(expected.get(j), got.get(j), tol);
            if (m != null) {
                problems.add(label + ": " + what + " " + j + ": " + m);
            }
        }
    }

    private static void compare(Case c, Run ref, Run r, double tol, String label, List<String> problems) {
        compareAll(ref.outs(), r.outs(), c.tol, "output", label, problems);
        for (int i = 0; i < c.ins.length; i++) {
            if (c.mutated[i]) {
                String m = mismatch(ref.insAfter().get(i), r.insAfter().get(i), c.tol);
                if (m != null) {
                    problems.add(label + ": input " + i + " after the in-place op: " + m);
                }
            }
        }
        // gradients are numbered by the differentiable inputs, in order
        compareAll(ref.grads(), r.grads(), tol, "gradient of differentiable input", label, problems);
        compareAll(ref.grads2(), r.grads2(), Math.max(tol, c.tol2), "second-order gradient of differentiable input",
                label, problems);
    }

    /** {@code t}'s values made constant along its first dimension of size above 1, so that an expand can hold them. */
    private static Tensor constantAlongOneDim(Tensor t) {
        int d = expandedDim(t.shape());
        return d < 0 ? t : t.narrow(d, 0, 1).expand(t.shape()).contiguous();
    }

    /** The dimension {@link Place#EXPANDED} broadcasts: the first of size above 1; -1 if none. */
    private static int expandedDim(int[] shape) {
        for (int d = 0; d < shape.length; d++) {
            if (shape[d] > 1) {
                return d;
            }
        }
        return -1;
    }

    /** Runs one variant against a reference, recording what differs or what it threw. */
    private static void variant(Case c, Run ref, Place[] inPlace, Place gradPlace, List<Tensor> gradValues,
                                boolean second, List<String> problems) {
        String label = describe(inPlace, gradPlace, second);
        try {
            Run r = run(c, inPlace, gradPlace, gradValues, second, problems, label);
            compare(c, ref, r, Math.max(c.tol, gradPlace == Place.EXPANDED ? EXPANDED_TOL : 0), label, problems);
        } catch (RuntimeException | AssertionError e) {
            problems.add(label + ": threw " + e);
        }
    }

    /**
     * Runs a case in every layout against its fresh reference, failing with every difference found: each input alone in
     * each odd layout, all inputs in it, the output gradient in it (with fresh inputs and with all inputs in it), a
     * broadcast (stride 0) output gradient, and, where the op has a second derivative, all of that again differentiated
     * twice.
     */
    private static void check(Case c) {
        int n = c.ins.length;
        Place[] fresh = new Place[n];
        Arrays.fill(fresh, Place.FRESH);
        List<String> problems = new ArrayList<>();
        List<Tensor> gradValues = new ArrayList<>();
        Run ref = run(c, fresh, Place.FRESH, gradValues, false, problems, "reference");
        Run ref2 = null;
        if (!gradValues.isEmpty()) {
            try {
                ref2 = run(c, fresh, Place.FRESH, gradValues, true, problems, "reference, second order");
                if (ref2.grads2().isEmpty()) {
                    ref2 = null;
                }
            } catch (RuntimeException e) {
                ref2 = null; // no second derivative (or not one that records): first order only
            }
        }
        for (boolean second : ref2 == null ? new boolean[] {false} : new boolean[] {false, true}) {
            Run expected = second ? ref2 : ref;
            for (Place p : ODD) {
                Place[] all = new Place[n];
                Arrays.fill(all, p);
                for (int i = 0; i < n; i++) {
                    Place[] one = fresh.clone();
                    one[i] = p;
                    variant(c, expected, one, Place.FRESH, gradValues, second, problems);
                }
                if (n > 1) {
                    variant(c, expected, all, Place.FRESH, gradValues, second, problems);
                }
                if (!gradValues.isEmpty()) {
                    variant(c, expected, fresh, p, gradValues, second, problems);
                    variant(c, expected, all, p, gradValues, second, problems);
                }
            }
            if (!gradValues.isEmpty()) {
                // a broadcast output gradient (as sum()'s backward gives), against the same values fresh
                List<Tensor> broadcast = new ArrayList<>();
                for (Tensor g : gradValues) {
                    broadcast.add(constantAlongOneDim(g));
                }
                String label = (second ? "second order, " : "") + "reference with the broadcast gradient's values";
                Run bref = run(c, fresh, Place.FRESH, broadcast, second, problems, label);
                Place[] strided = new Place[n];
                Arrays.fill(strided, Place.STRIDED);
                variant(c, bref, fresh, Place.EXPANDED, broadcast, second, problems);
                variant(c, bref, strided, Place.EXPANDED, broadcast, second, problems);
            }
        }
        if (!problems.isEmpty()) {
            fail(c.name + (c.tolWhy != null ? " (tolerance " + c.tol + ": " + c.tolWhy + ")" : "")
                    + (c.tol2Why != null ? " (second-order tolerance " + c.tol2 + ": " + c.tol2Why + ")" : "") + ": "
                    + problems.size() + " problems:\n  " + String.join("\n  ", problems));
        }
    }

    private static List<DynamicTest> tests(List<Case> cases) {
        List<DynamicTest> t = new ArrayList<>();
        for (Case c : cases) {
            t.add(DynamicTest.dynamicTest(c.name, () -> check(c)));
        }
        return t;
    }

    // --------------------------------------------------------------------------------------------------------------
    // the ops

    @TestFactory
    List<DynamicTest> unary() {
        List<Case> t = new ArrayList<>();
        op(t, "neg", x -> x[0].neg(), f(5, 7));
        op(t, "exp", x -> x[0].exp(), f(5, 7));
        op(t, "log", x -> x[0].log(), u(0.5, 2, 5, 7));
        op(t, "sqrt", x -> x[0].sqrt(), u(0.5, 2, 5, 7));
        op(t, "rsqrt", x -> x[0].rsqrt(), u(0.5, 2, 5, 7));
        op(t, "abs", x -> x[0].abs(), f(5, 7));
        op(t, "sign", x -> x[0].sign(), f(5, 7));
        op(t, "sgn", x -> x[0].sgn(), f(5, 7));
        op(t, "reciprocal", x -> x[0].reciprocal(), u(0.5, 2, 5, 7));
        op(t, "square", x -> x[0].square(), f(5, 7));
        op(t, "pow scalar", x -> x[0].pow(2.5), u(0.5, 2, 5, 7));
        op(t, "pow long", x -> x[0].pow(3L), f(5, 7));
        op(t, "sin cos tan", x -> new Tensor[] {x[0].sin(), x[0].cos(), x[0].tan()}, f(5, 7));
        op(t, "asin acos atan", x -> new Tensor[] {x[0].asin(), x[0].acos(), x[0].atan()}, u(-0.9, 0.9, 5, 7));
        op(t, "sinh cosh tanh", x -> new Tensor[] {x[0].sinh(), x[0].cosh(), x[0].tanh()}, f(5, 7));
        op(t, "asinh atanh", x -> new Tensor[] {x[0].asinh(), x[0].atanh()}, u(-0.9, 0.9, 5, 7));
        op(t, "acosh", x -> x[0].acosh(), u(1.5, 3, 5, 7));
        op(t, "log1p expm1 log2 log10 exp2", x -> new Tensor[] {x[0].log1p(), x[0].expm1(), x[0].log2(), x[0].log10(),
            x[0].exp2()}, u(0.5, 2, 5, 7));
        op(t, "erf erfc erfinv", x -> new Tensor[] {x[0].erf(), x[0].erfc(), x[0].erfinv()}, u(-0.9, 0.9, 5, 7));
        op(t, "lgamma digamma polygamma", x -> new Tensor[] {x[0].lgamma(), x[0].digamma(), x[0].polygamma(1)},
                u(0.5, 3, 5, 7));
        op(t, "sigmoid", x -> x[0].sigmoid(), f(5, 7));
        op(t, "relu", x -> x[0].relu(), f(5, 7));
        op(t, "floor ceil round trunc frac", x -> new Tensor[] {x[0].floor(), x[0].ceil(), x[0].round(), x[0].trunc(),
            x[0].frac()}, u(-3, 3, 5, 7));
        op(t, "clamp clampMin clampMax", x -> new Tensor[] {x[0].clamp(-0.5, 0.5), x[0].clampMin(0.1),
            x[0].clampMax(-0.2)}, f(5, 7));
        op(t, "logSigmoid", x -> x[0].logSigmoid(), f(5, 7));
        op(t, "nanToNum", x -> x[0].div(x[0].gt(0.5).toDouble()).nanToNum(), f(5, 7));
        op(t, "isnan isinf isfinite isposinf isneginf", x -> {
            Tensor y = x[0].div(x[0].gt(0).toDouble().sub(x[0].lt(-0.5).toDouble()));
            return new Tensor[] {y.isnan(), y.isinf(), y.isfinite(), y.isposinf(), y.isneginf()};
        }, c(-1, 1, 5, 7));
        op(t, "gelu", x -> Functional.gelu(x[0]), f(5, 7));
        op(t, "gelu tanh", x -> Functional.gelu(x[0], "tanh"), f(5, 7));
        op(t, "silu mish softplus", x -> new Tensor[] {Functional.silu(x[0]), Functional.mish(x[0]),
            Functional.softplus(x[0], 2, 1)}, u(-3, 3, 5, 7));
        op(t, "elu selu celu", x -> new Tensor[] {Functional.elu(x[0]), Functional.selu(x[0]), Functional.celu(x[0], 1.5)},
                u(-3, 3, 5, 7));
        op(t, "leakyRelu hardtanh relu6 hardswish", x -> new Tensor[] {Functional.leakyRelu(x[0], 0.1),
            Functional.hardtanh(x[0]), Functional.relu6(x[0]), Functional.hardswish(x[0])}, u(-7, 7, 5, 7));
        op(t, "dropout eval", x -> Functional.dropout(x[0], 0.5, false), f(5, 7));
        op(t, "dropout train (seeded)", x -> {
            Ember.manualSeed(11);
            return Functional.dropout(x[0], 0.3, true);
        }, f(5, 7));
        op(t, "float32 exp tanh", x -> new Tensor[] {x[0].exp(), x[0].tanh()}, f32(3, 37));
        op(t, "float32 relu", x -> x[0].relu(), f32(3, 37));
        // PyTorch's own bits differ between layouts here too: oneDNN's GELU kernel on a contiguous float32 tensor,
        // GeluKernelImpl on others (OneDnnGeluTest holds the contiguous bits to PyTorch's; Ember's strided runs keep
        // its float formula with the nearest-float exp), up to a few units of 1e-7 apart
        String oneDnnOrNot = "oneDNN's GELU on contiguous tensors, another formula on strided ones, as PyTorch";
        op(t, "float32 gelu", x -> Functional.gelu(x[0]), f32(3, 37)).tol(0x1p-20, oneDnnOrNot);
        // PyTorch's own bits differ between layouts here: Sleef's exp over a contiguous run's whole vector passes,
        // glibc's expf (Ember: the nearest float) elsewhere, 1 ulp apart on some inputs (SiluBitsTest holds each
        // layout to PyTorch's bits)
        String sleefOrLibm = "Sleef's exp on contiguous runs, the C library's on strided ones, as PyTorch: 1 ulp";
        op(t, "float32 sigmoid silu", x -> new Tensor[] {x[0].sigmoid(), Functional.silu(x[0])}, f32(3, 37))
                .tol(0x1p-22, sleefOrLibm);
        op(t, "float32 log sqrt reciprocal", x -> new Tensor[] {x[0].log(), x[0].sqrt(), x[0].reciprocal()},
                u32(0.5, 2, 3, 37));
        op(t, "float32 neg abs square", x -> new Tensor[] {x[0].neg(), x[0].abs(), x[0].square()}, f32(3, 37));
        op(t, "int64 abs neg", x -> new Tensor[] {x[0].abs(), x[0].neg()}, idxOf(new long[] {3, -2, 5, -7, 0, 1}, 2, 3));
        op(t, "toFloat toLong toDouble", x -> new Tensor[] {x[0].toFloat(), x[0].mul(10).toLong(), x[0].toFloat().toDouble()},
                c(-1, 1, 5, 7));
        op(t, "contiguous clone", x -> new Tensor[] {x[0].contiguous(), x[0].clone()}, f(5, 7));
        return tests(t);
    }

    @TestFactory
    List<DynamicTest> binary() {
        List<Case> t = new ArrayList<>();
        op(t, "add same shape", x -> x[0].add(x[1]), f(5, 7), f(5, 7));
        op(t, "add broadcast", x -> x[0].add(x[1]), f(4, 1, 5), f(3, 5));
        op(t, "add alpha", x -> x[0].add(x[1], 2.5), f(3, 1), f(1, 4));
        op(t, "add scalar", x -> x[0].add(3.0), f(5, 7));
        op(t, "sub broadcast", x -> x[0].sub(x[1]), f(2, 1, 3), f(4, 1));
        op(t, "sub alpha", x -> x[0].sub(x[1], 0.5), f(5, 7), f(7));
        op(t, "rsub rdiv", x -> new Tensor[] {x[0].rsub(2.0), x[0].rdiv(1.5)}, u(0.5, 2, 5, 7));
        op(t, "mul broadcast", x -> x[0].mul(x[1]), f(5, 7), f(5, 1));
        op(t, "mul same tensor", x -> x[0].mul(x[0]), f(5, 7));
        op(t, "mul scalar", x -> x[0].mul(-1.5), f(5, 7));
        op(t, "div", x -> x[0].div(x[1]), f(5, 7), u(0.5, 2, 7));
        op(t, "div floor trunc", x -> new Tensor[] {x[0].div(x[1], "floor"), x[0].div(x[1], "trunc"), x[0].floorDivide(x[1])},
                c(-5, 5, 5, 7), c(0.5, 2, 5, 7));
        op(t, "pow tensor", x -> x[0].pow(x[1]), u(0.5, 2, 5, 7), f(7));
        op(t, "maximum minimum", x -> new Tensor[] {x[0].maximum(x[1]), x[0].minimum(x[1])}, f(5, 7), f(5, 1));
        op(t, "fmax fmin", x -> new Tensor[] {x[0].fmax(x[1]), x[0].fmin(x[1])}, f(5, 7), f(7));
        op(t, "atan2 hypot", x -> new Tensor[] {x[0].atan2(x[1]), x[0].hypot(x[1])}, f(5, 7), f(5, 7));
        op(t, "fmod remainder", x -> new Tensor[] {x[0].fmod(x[1]), x[0].remainder(x[1])}, u(-5, 5, 5, 7), u(0.5, 2, 5, 7));
        op(t, "copysign", x -> x[0].copysign(x[1]), f(5, 7), f(5, 7));
        op(t, "xlogy", x -> x[0].xlogy(x[1]), f(5, 7), u(0.5, 2, 5, 7));
        op(t, "lerp scalar", x -> x[0].lerp(x[1], 0.3), f(5, 7), f(5, 7));
        op(t, "lerp tensor", x -> x[0].lerp(x[1], x[2]), f(5, 7), f(7), f(5, 1));
        op(t, "float32 add mul sub div", x -> new Tensor[] {x[0].add(x[1]), x[0].mul(x[1]), x[0].sub(x[1]),
            x[0].div(x[1])}, f32(3, 37), u32(0.5, 2, 3, 37));
        op(t, "float32 add broadcast", x -> x[0].add(x[1]).mul(x[2]), f32(4, 37), f32(37), f32(4, 1));
        op(t, "float32 maximum", x -> x[0].maximum(x[1]), f32(3, 37), f32(3, 37));
        op(t, "int64 add mul", x -> new Tensor[] {x[0].add(x[1]), x[0].mul(x[1]), x[0].sub(3L)}, idx(10, 5, 7), idx(10, 7));
        op(t, "bitwise", x -> new Tensor[] {x[0].bitwiseAnd(x[1]), x[0].bitwiseOr(x[1]), x[0].bitwiseXor(x[1]),
            x[0].bitwiseNot(), x[0].bitwiseLeftShift(2L), x[0].bitwiseRightShift(x[1].remainder(3L))},
                idx(64, 5, 7), idx(64, 5, 7));
        op(t, "mixed float64 + float32", x -> x[0].add(x[1]), f(5, 7), f32(5, 7));
        op(t, "mixed float + int64", x -> x[0].mul(x[1]), f(5, 7), idx(5, 5, 7));
        return tests(t);
    }

    @TestFactory
    List<DynamicTest> comparisonsAndWhere() {
        List<Case> t = new ArrayList<>();
        op(t, "eq ne lt le gt ge", x -> new Tensor[] {x[0].eq(x[1]), x[0].ne(x[1]), x[0].lt(x[1]), x[0].le(x[1]),
            x[0].gt(x[1]), x[0].ge(x[1])}, ints(Kind.CONST, 3, 5, 7), ints(Kind.CONST, 3, 7));
        op(t, "comparisons with a scalar", x -> new Tensor[] {x[0].eq(1.0), x[0].lt(1.0), x[0].ge(2L)},
                ints(Kind.CONST, 3, 5, 7));
        op(t, "float32 lt", x -> x[0].lt(x[1]), f32(3, 37), f32(3, 37));
        op(t, "logical and or xor not", x -> new Tensor[] {x[0].logicalAnd(x[1]), x[0].logicalOr(x[1]),
            x[0].logicalXor(x[1]), x[0].logicalNot()}, mask(5, 7), mask(5, 7));
        op(t, "isclose", x -> x[0].isclose(x[1], 0.1, 0.1, false), f(5, 7), f(5, 7));
        op(t, "where", x -> Tensor.where(x[0], x[1], x[2]), mask(5, 7), f(5, 7), f(5, 7));
        op(t, "where broadcast", x -> Tensor.where(x[0], x[1], x[2]), mask(5, 1), f(7), f(5, 7));
        op(t, "where scalar", x -> Tensor.where(x[0], x[1], 2.5), mask(5, 7), f(5, 7));
        op(t, "where float32", x -> Tensor.where(x[0], x[1], x[2]), mask(3, 37), f32(3, 37), f32(3, 37));
        op(t, "where(cond) nonzero argwhere", x -> new Object[] {Tensor.where(x[0]), x[0].nonzero(), x[0].argwhere()},
                mask(4, 5));
        return tests(t);
    }

    @TestFactory
    List<DynamicTest> reductions() {
        List<Case> t = new ArrayList<>();
        op(t, "sum", x -> x[0].sum(), f(5, 7));
        op(t, "sum dim", x -> x[0].sum(1), f(5, 7));
        op(t, "sum dims keepdim", x -> x[0].sum(ia(0, 2), true), f(3, 4, 5));
        op(t, "sum dim 0 of 3-D", x -> x[0].sum(0), f(3, 4, 5));
        op(t, "mean", x -> new Tensor[] {x[0].mean(), x[0].mean(0), x[0].mean(ia(1, 2), true)}, f(3, 4, 5));
        op(t, "prod", x -> new Tensor[] {x[0].prod(), x[0].prod(1, true)}, u(0.5, 1.5, 4, 5));
        op(t, "max min all", x -> new Tensor[] {x[0].max(), x[0].min()}, f(5, 7));
        op(t, "max dim", x -> x[0].max(1, false), f(5, 7));
        op(t, "min dim keepdim", x -> x[0].min(0, true), f(5, 7));
        op(t, "max dim of 3-D", x -> x[0].max(1, true), f(3, 4, 5));
        op(t, "argmax argmin", x -> new Tensor[] {x[0].argmax(), x[0].argmax(1, false), x[0].argmin(0, true),
            x[0].argmin()}, c(-1, 1, 5, 7));
        op(t, "amax amin", x -> new Tensor[] {x[0].amax(ia(0, 2), false), x[0].amin(ia(1), true)}, f(3, 4, 5));
        op(t, "amax with ties", x -> x[0].amax(ia(1), false), ints(Kind.DIFF, 3, 4, 6));
        op(t, "var std", x -> new Tensor[] {x[0].var(), x[0].std()}, f(5, 7));
        op(t, "var dims correction", x -> new Tensor[] {x[0].var(ia(1), 0, true), x[0].std(ia(0, 2), 1, false)},
                f(3, 4, 5));
        op(t, "varMean stdMean", x -> new Object[] {x[0].varMean(ia(1), 1, false), x[0].stdMean(ia(0), 0, true)},
                f(4, 6));
        op(t, "logsumexp", x -> new Tensor[] {x[0].logsumexp(1), x[0].logsumexp(ia(0, 2), true)}, f(3, 4, 5));
        op(t, "norm", x -> new Tensor[] {x[0].norm(), x[0].norm(1), x[0].norm(2, ia(1), true),
            x[0].norm(Double.POSITIVE_INFINITY, ia(0), false)}, f(5, 7));
        op(t, "vectorNorm matrixNorm", x -> new Tensor[] {x[0].vectorNorm(3, ia(1), false), x[0].matrixNorm(),
            x[0].matrixNorm(1, ia(0, 1), false)}, f(5, 7));
        op(t, "any all countNonzero", x -> new Tensor[] {x[0].any(ia(1), false), x[0].all(0), x[0].countNonzero(1)},
                mask(5, 3));
        op(t, "nansum nanmean", x -> {
            Tensor y = x[0].div(x[0].gt(-0.7).toDouble().sub(x[0].lt(-0.9).toDouble()));
            return new Tensor[] {y.nansum(), y.nansum(ia(1), false), y.nanmean(ia(0), true)};
        }, c(-1, 1, 5, 7));
        op(t, "sum of int64 into float64", x -> new Tensor[] {x[0].sum(DType.FLOAT64), x[0].sum(ia(1), false, DType.FLOAT64)},
                idx(100, 5, 7));
        op(t, "softmax", x -> new Tensor[] {x[0].softmax(1), x[0].softmax(0)}, f(5, 7));
        op(t, "logSoftmax", x -> new Tensor[] {x[0].logSoftmax(1), x[0].logSoftmax(0)}, f(5, 7));
        op(t, "softmax middle dim of 3-D", x -> Functional.softmax(x[0], 1), f(3, 4, 5));
        op(t, "logSoftmax last dim of 3-D", x -> Functional.logSoftmax(x[0], -1), f(3, 4, 5));
        op(t, "float32 sum mean", x -> new Tensor[] {x[0].sum(), x[0].sum(1), x[0].mean(0)}, f32(6, 37));
        op(t, "float32 softmax logSoftmax", x -> new Tensor[] {x[0].softmax(1), x[0].logSoftmax(1)}, f32(6, 37));
        op(t, "float32 amax var", x -> new Tensor[] {x[0].amax(ia(1), false), x[0].var(ia(1), 1, false)}, f32(6, 37));
        return tests(t);
    }

    @TestFactory
    List<DynamicTest> scans() {
        List<Case> t = new ArrayList<>();
        op(t, "cumsum", x -> new Tensor[] {x[0].cumsum(0), x[0].cumsum(1)}, f(5, 7));
        op(t, "cumprod", x -> new Tensor[] {x[0].cumprod(0), x[0].cumprod(1)}, u(0.5, 1.5, 5, 7));
        op(t, "cummax cummin", x -> new Object[] {x[0].cummax(1), x[0].cummin(0)}, f(5, 7));
        op(t, "logcumsumexp", x -> x[0].logcumsumexp(1), f(5, 7));
        op(t, "cumsum 3-D middle dim", x -> x[0].cumsum(1), f(3, 4, 5));
        op(t, "float32 cumsum", x -> x[0].cumsum(1), f32(3, 37));
        op(t, "int64 cumsum", x -> x[0].cumsum(1), idx(10, 5, 7));
        return tests(t);
    }

    @TestFactory
    List<DynamicTest> sorting() {
        List<Case> t = new ArrayList<>();
        op(t, "sort", x -> x[0].sort(), f(5, 7));
        op(t, "sort dim 0 descending", x -> x[0].sort(0, true), f(5, 7));
        op(t, "sort stable with ties", x -> x[0].sort(1, false, true), ints(Kind.DIFF, 3, 5, 7));
        op(t, "argsort", x -> new Tensor[] {x[0].argsort(), x[0].argsort(0, true, true)}, c(-1, 1, 5, 7));
        op(t, "topk", x -> new Object[] {x[0].topk(3), x[0].topk(2, 0, false, true)}, f(5, 7));
        op(t, "kthvalue", x -> new Object[] {x[0].kthvalue(2), x[0].kthvalue(3, 0, true)}, f(5, 7));
        op(t, "median", x -> new Object[] {x[0].median(), x[0].median(1, false)}, f(5, 7));
        op(t, "nanmedian", x -> new Object[] {x[0].nanmedian(), x[0].nanmedian(0, true)}, f(5, 7));
        op(t, "mode", x -> x[0].mode(1, false), ints(Kind.CONST, 3, 5, 7));
        op(t, "unique", x -> new Object[] {x[0].unique(), x[0].unique(true, true, true)}, ints(Kind.CONST, 4, 5, 7));
        op(t, "unique dim", x -> x[0].unique(true, true, true, 0), ints(Kind.CONST, 2, 6, 3));
        op(t, "uniqueConsecutive", x -> x[0].uniqueConsecutive(true, true), ints(Kind.CONST, 2, 12));
        op(t, "searchsorted bucketize", x -> new Tensor[] {Tensor.searchsorted(x[0], x[1]),
            Tensor.searchsorted(x[0], x[1], true), x[1].bucketize(x[0])},
                of(Kind.CONST, Tensor.linspace(-1, 1, 9).toDouble()), c(-1.2, 1.2, 4, 5));
        op(t, "searchsorted batched with sorter", x -> Tensor.searchsorted(x[0], x[1], false, x[2]),
                of(Kind.CONST, Tensor.tensor(new double[][] {{3, 1, 2, 0}, {0.5, -1, 2, 1}}, DType.FLOAT64)),
                c(-1, 3, 2, 5), idxOf(new long[] {3, 1, 2, 0, 1, 0, 3, 2}, 2, 4));
        op(t, "histc", x -> x[0].histc(7, -1, 1), c(-1, 1, 5, 7));
        op(t, "bincount", x -> new Tensor[] {x[0].bincount(), x[0].bincount(x[1], 12)}, idx(10, 20), c(0, 1, 20));
        op(t, "float32 sort topk", x -> new Object[] {x[0].sort(1, true), x[0].topk(5)}, f32(3, 37));
        return tests(t);
    }

    @TestFactory
    List<DynamicTest> linearAlgebra() {
        List<Case> t = new ArrayList<>();
        op(t, "mm", x -> x[0].mm(x[1]), f(5, 7), f(7, 6));
        op(t, "mm large", x -> x[0].mm(x[1]), f(33, 47), f(47, 29));
        op(t, "mm float32 large", x -> x[0].mm(x[1]), f32(33, 47), f32(47, 29));
        op(t, "bmm", x -> x[0].bmm(x[1]), f(3, 4, 5), f(3, 5, 6));
        op(t, "matmul batched broadcast", x -> x[0].matmul(x[1]), f(2, 1, 3, 4), f(3, 4, 5));
        op(t, "matmul 2d@1d 1d@2d", x -> new Tensor[] {x[0].matmul(x[1]), x[1].matmul(x[2])}, f(5, 7), f(7), f(7, 3));
        op(t, "matmul 1d@batched", x -> x[0].matmul(x[1]), f(4), f(2, 4, 3));
        op(t, "dot mv outer", x -> new Tensor[] {x[0].dot(x[1]), x[2].mv(x[0]), x[0].outer(x[1])}, f(7), f(7), f(4, 7));
        op(t, "addmm", x -> x[0].addmm(x[1], x[2], 0.5, 2.0), f(4, 6), f(4, 5), f(5, 6));
        op(t, "addmv", x -> x[0].addmv(x[1], x[2], 0.5, 2.0), f(4), f(4, 5), f(5));
        op(t, "baddbmm addbmm", x -> new Tensor[] {x[0].baddbmm(x[1], x[2]), x[3].addbmm(x[1], x[2], 0.5, 1.5)},
                f(2, 3, 4), f(2, 3, 5), f(2, 5, 4), f(3, 4));
        op(t, "linear", x -> Functional.linear(x[0], x[1], x[2]), f(2, 3, 7), f(5, 7), f(5));
        op(t, "linear float32", x -> Functional.linear(x[0], x[1], x[2]), f32(9, 37), f32(17, 37), f32(17));
        op(t, "einsum", x -> Tensor.einsum("bij,bjk->bik", x[0], x[1]), f(2, 3, 4), f(2, 4, 5));
        op(t, "tensordot", x -> Tensor.tensordot(x[0], x[1], 2), f(3, 4, 5), f(4, 5, 2));
        op(t, "kron cross", x -> new Tensor[] {x[0].kron(x[1]), x[2].cross(x[3], 1)}, f(2, 3), f(3, 2), f(4, 3), f(4, 3));
        op(t, "trace diagonal diag", x -> new Tensor[] {x[0].trace(), x[0].diagonal(), x[0].diagonal(1, 0, 1),
            x[0].diag(-1)}, f(5, 5));
        op(t, "tril triu", x -> new Tensor[] {x[0].tril(), x[0].triu(1), x[0].tril(-1)}, f(5, 7));
        op(t, "diagEmbed", x -> x[0].diagEmbed(), f(3, 4));
        op(t, "inverse det slogdet", x -> new Object[] {x[0].linalgInv(), x[0].linalgDet(), x[0].linalgSlogdet()},
                spd(4));
        op(t, "solve", x -> x[0].linalgSolve(x[1]), spd(4), f(4, 3));
        op(t, "cholesky", x -> x[0].linalgCholesky(), spd(4));
        op(t, "qr", x -> x[0].linalgQr(), f(5, 4));
        op(t, "eigh", x -> x[0].linalgEigvalsh(), spd(4));
        op(t, "svdvals", x -> x[0].linalgSvdvals(), f(5, 4));
        return tests(t);
    }

    @TestFactory
    List<DynamicTest> convolutionAndPooling() {
        List<Case> t = new ArrayList<>();
        op(t, "conv2d", x -> Functional.conv2d(x[0], x[1], x[2], ia(1, 1), ia(1, 1), ia(1, 1), 1),
                f(2, 3, 7, 6), f(4, 3, 3, 3), f(4));
        op(t, "conv2d stride dilation no bias", x -> Functional.conv2d(x[0], x[1], null, ia(2, 1), ia(0, 2), ia(1, 2), 1),
                f(2, 3, 8, 7), f(4, 3, 3, 2));
        op(t, "conv2d groups", x -> Functional.conv2d(x[0], x[1], x[2], ia(1, 1), ia(1, 0), ia(1, 1), 2),
                f(2, 4, 5, 6), f(6, 2, 3, 3), f(6));
        op(t, "conv2d 1x1", x -> Functional.conv2d(x[0], x[1], x[2], ia(1, 1), ia(0, 0), ia(1, 1), 1),
                f(2, 5, 4, 3), f(6, 5, 1, 1), f(6));
        op(t, "conv2d float32", x -> Functional.conv2d(x[0], x[1], x[2], ia(1, 1), ia(1, 1), ia(1, 1), 1),
                f32(2, 8, 12, 12), f32(16, 8, 3, 3), f32(16));
        op(t, "conv2d float32 LeNet-like", x -> Functional.conv2d(x[0], x[1], x[2], ia(1, 1), ia(0, 0), ia(1, 1), 1),
                f32(4, 1, 16, 16), f32(6, 1, 5, 5), f32(6));
        op(t, "conv1d", x -> Functional.conv1d(x[0], x[1], x[2], ia(1), ia(1), ia(1), 1), f(2, 3, 9), f(4, 3, 3), f(4));
        op(t, "convTranspose2d", x -> Functional.convTranspose2d(x[0], x[1], x[2], ia(2, 2), ia(1, 1), ia(1, 0), 1,
                ia(1, 1)), f(2, 3, 4, 5), f(3, 2, 3, 3), f(2));
        op(t, "maxPool2d", x -> Functional.maxPool2d(x[0], 2), f(2, 3, 6, 8));
        op(t, "maxPool2d k3 s2 p1", x -> Functional.maxPool2d(x[0], ia(3, 3), ia(2, 2), ia(1, 1), ia(1, 1), false),
                f(2, 3, 7, 6));
        op(t, "maxPool2d ceil dilation", x -> Functional.maxPool2d(x[0], ia(2, 2), ia(2, 1), ia(0, 1), ia(2, 1), true),
                f(2, 2, 7, 6));
        op(t, "maxPool2dWithIndices", x -> Tensor.maxPool2dWithIndices(x[0], ia(2, 2), ia(2, 2), ia(0, 0), ia(1, 1), false),
                f(2, 3, 6, 6));
        op(t, "maxPool2d 3-D input", x -> Functional.maxPool2d(x[0], 2), f(3, 6, 4));
        op(t, "maxPool2d float32", x -> Functional.maxPool2d(x[0], 2), f32(2, 4, 12, 12));
        op(t, "maxPool2d with ties", x -> Functional.maxPool2d(x[0], ia(3, 3), ia(1, 1), ia(0, 0), ia(1, 1), false),
                ints(Kind.DIFF, 2, 1, 2, 5, 5));
        op(t, "avgPool2d", x -> Functional.avgPool2d(x[0], 2), f(2, 3, 6, 8));
        op(t, "avgPool2d k3 s2 p1 excluding padding", x -> Functional.avgPool2d(x[0], ia(3, 3), ia(2, 2), ia(1, 1), false,
                false), f(2, 3, 7, 6));
        op(t, "avgPool2d ceil", x -> Functional.avgPool2d(x[0], ia(2, 3), ia(2, 2), ia(1, 0), true, true), f(2, 2, 7, 6));
        op(t, "avgPool2d float32", x -> Functional.avgPool2d(x[0], 2), f32(2, 4, 12, 12));
        op(t, "adaptiveAvgPool2d", x -> Functional.adaptiveAvgPool2d(x[0], ia(3, 2)), f(2, 3, 7, 5));
        op(t, "adaptiveAvgPool2d to 1", x -> Functional.adaptiveAvgPool2d(x[0], 1), f(2, 3, 4, 5));
        op(t, "adaptiveMaxPool2d", x -> Functional.adaptiveMaxPool2d(x[0], ia(3, 2)), f(2, 3, 7, 5));
        op(t, "adaptiveMaxPool2dWithIndices", x -> Functional.adaptiveMaxPool2dWithIndices(x[0], ia(4, 3)), f(2, 2, 5, 5));
        op(t, "interpolate bilinear", x -> Functional.interpolate(x[0], ia(5, 7), "bilinear"), f(2, 2, 3, 4));
        op(t, "interpolate bilinear align corners", x -> Functional.interpolate(x[0], ia(2, 3), null, "bilinear", true,
                null), f(1, 2, 5, 4));
        op(t, "interpolate nearest", x -> Functional.interpolate(x[0], null, new double[] {1.7, 0.6}, "nearest", null,
                null), f(1, 2, 4, 5));
        op(t, "pixelShuffle pixelUnshuffle", x -> new Tensor[] {Functional.pixelShuffle(x[0], 2),
            Functional.pixelUnshuffle(x[1], 2)}, f(2, 8, 2, 3), f(1, 2, 4, 6));
        return tests(t);
    }

    @TestFactory
    List<DynamicTest> normalization() {
        List<Case> t = new ArrayList<>();
        op(t, "layerNorm", x -> Functional.layerNorm(x[0], ia(7), x[1], x[2], 1e-5), f(3, 5, 7), f(7), f(7));
        op(t, "layerNorm two dims, no affine", x -> Functional.layerNorm(x[0], ia(5, 7)), f(3, 5, 7));
        op(t, "nativeLayerNorm", x -> Tensor.nativeLayerNorm(x[0], ia(6), x[1], x[2], 1e-5), f(4, 6), f(6), f(6));
        op(t, "layerNorm float32", x -> Functional.layerNorm(x[0], ia(37), x[1], x[2], 1e-5), f32(5, 37), f32(37),
                f32(37));
        op(t, "rmsNorm", x -> Functional.rmsNorm(x[0], ia(7), x[1], 1e-6), f(3, 5, 7), f(7));
        op(t, "rmsNorm no weight", x -> Functional.rmsNorm(x[0], ia(5, 7), null, null), f(3, 5, 7));
        op(t, "rmsNorm float32", x -> Functional.rmsNorm(x[0], ia(37), x[1], 1e-6), f32(5, 37), f32(37));
        op(t, "groupNorm", x -> Functional.groupNorm(x[0], 2, x[1], x[2], 1e-5), f(2, 4, 3, 5), f(4), f(4));
        op(t, "groupNorm no affine", x -> Functional.groupNorm(x[0], 3), f(2, 6, 7));
        op(t, "nativeGroupNorm", x -> Tensor.nativeGroupNorm(x[0], x[1], x[2], 2, 1e-5), f(2, 4, 3, 5), f(4), f(4));
        op(t, "groupNorm float32", x -> Functional.groupNorm(x[0], 2, x[1], x[2], 1e-5), f32(2, 8, 6, 6), f32(8), f32(8));
        // PyTorch's own output bits differ between layouts here: its kernel's x * alpha + beta (fused) where the input
        // is contiguous in some format and the parameters and statistics are contiguous, its TensorIterator's
        // ((x - mean) * invstd) * weight + bias elsewhere (BatchNormFormulaTest holds each to PyTorch's bits)
        String kernelOrNot = "PyTorch's kernel on contiguous operands, its TensorIterator's formula on others";
        op(t, "batchNorm training with running stats", x -> new Tensor[] {Functional.batchNorm(x[0], x[3], x[4], x[1],
                x[2], true, 0.1, 1e-5), x[3], x[4]}, f(4, 3, 5, 2), f(3), f(3), c(-1, 1, 3), c(0.5, 2, 3))
                .mutates(3, 4).tol(1e-14, kernelOrNot);
        op(t, "batchNorm eval", x -> Functional.batchNorm(x[0], x[3], x[4], x[1], x[2], false, 0.1, 1e-5),
                f(4, 3, 5, 2), f(3), f(3), c(-1, 1, 3), c(0.5, 2, 3)).tol(1e-14, kernelOrNot);
        op(t, "batchNorm 2-D no stats", x -> Functional.batchNorm(x[0], null, null, x[1], x[2], true, 0.1, 1e-5),
                f(6, 4), f(4), f(4)).tol(1e-14, kernelOrNot);
        op(t, "nativeBatchNorm", x -> Tensor.nativeBatchNorm(x[0], x[1], x[2], x[3], x[4], true, 0.1, 1e-5),
                f(4, 3, 5), f(3), f(3), c(-1, 1, 3), c(0.5, 2, 3)).mutates(3, 4).tol(1e-14, kernelOrNot);
        op(t, "batchNorm float32", x -> Functional.batchNorm(x[0], null, null, x[1], x[2], true, 0.1, 1e-5),
                f32(4, 8, 6, 6), f32(8), f32(8)).tol(0x1p-20, kernelOrNot);
        op(t, "instanceNorm", x -> Functional.instanceNorm(x[0], null, null, x[1], x[2], true, 0.1, 1e-5),
                f(2, 3, 4, 5), f(3), f(3));
        return tests(t);
    }

    @TestFactory
    List<DynamicTest> indexing() {
        List<Case> t = new ArrayList<>();
        op(t, "embedding", x -> Functional.embedding(x[0], x[1]), idx(10, 3, 4), f(10, 5));
        op(t, "embedding padding idx", x -> Tensor.embedding(x[1], x[0], 2, false), idx(6, 3, 5), f(6, 4));
        op(t, "embedding scale grad by freq", x -> Tensor.embedding(x[1], x[0], -1, true), idx(4, 3, 5), f(6, 4));
        op(t, "embedding float32", x -> Functional.embedding(x[0], x[1]), idx(20, 4, 6), f32(20, 37));
        op(t, "embedding int32 indices", x -> Functional.embedding(x[0], x[1]),
                of(Kind.INDEX, Tensor.tensor(new int[] {3, 0, 5, 5, 1, 2}).reshape(2, 3)), f(8, 5));
        op(t, "embeddingBag sum", x -> Functional.embeddingBag(x[0], x[1], x[2], "sum"), idx(8, 10), f(8, 5),
                idxOf(new long[] {0, 3, 3, 7}, 4));
        op(t, "embeddingBag mean", x -> Functional.embeddingBag(x[0], x[1], x[2], "mean"), idx(8, 10), f(8, 5),
                idxOf(new long[] {0, 2, 6}, 3));
        op(t, "embeddingBag max", x -> Functional.embeddingBag(x[0], x[1], x[2], "max"), idx(8, 10), f(8, 5),
                idxOf(new long[] {0, 4, 5}, 3));
        op(t, "embeddingBag per-sample weights", x -> Functional.embeddingBag(x[0], x[1], x[2], null, 2, false, "sum",
                x[3], false, null), idx(8, 10), f(8, 5), idxOf(new long[] {0, 4, 5}, 3), f(10));
        op(t, "indexSelect dim 0", x -> x[0].indexSelect(0, x[1]), f(6, 5), idx(6, 8));
        op(t, "indexSelect dim 1", x -> x[0].indexSelect(1, x[1]), f(4, 6, 3), idx(6, 5));
        op(t, "gather", x -> x[0].gather(1, x[1]), f(4, 6), idx(6, 4, 5));
        op(t, "gather dim 0 of 3-D", x -> x[0].gather(0, x[1]), f(4, 3, 5), idx(4, 2, 3, 4));
        op(t, "scatter src", x -> x[0].scatter(0, x[1], x[2]), f(5, 3),
                idxOf(new long[] {4, 0, 1, 2, 4, 0}, 2, 3), f(2, 3));
        op(t, "scatter value", x -> x[0].scatter(1, x[1], 2.5), f(3, 6), idxOf(new long[] {5, 0, 2, 1, 3, 3}, 3, 2));
        op(t, "scatterAdd", x -> x[0].scatterAdd(1, x[1], x[2]), f(4, 5), idx(5, 4, 7), f(4, 7));
        op(t, "scatterAdd dim 0", x -> x[0].scatterAdd(0, x[1], x[2]), f(3, 5), idx(3, 6, 5), f(6, 5));
        op(t, "scatterReduce sum include self", x -> x[0].scatterReduce(1, x[1], x[2], "sum", true), f(4, 5),
                idx(5, 4, 7), f(4, 7));
        op(t, "scatterReduce prod", x -> x[0].scatterReduce(1, x[1], x[2], "prod", true), u(0.5, 1.5, 4, 5),
                idx(5, 4, 7), u(0.5, 1.5, 4, 7));
        op(t, "scatterReduce mean", x -> x[0].scatterReduce(0, x[1], x[2], "mean", false), f(3, 5), idx(3, 6, 5),
                f(6, 5));
        op(t, "scatterReduce amax amin", x -> new Tensor[] {x[0].scatterReduce(1, x[1], x[2], "amax", true),
            x[0].scatterReduce(1, x[1], x[2], "amin", false)}, f(4, 5), idx(5, 4, 7), f(4, 7));
        op(t, "indexAdd", x -> x[0].indexAdd(0, x[1], x[2], 1.5), f(6, 4), idx(6, 5), f(5, 4));
        op(t, "indexAdd dim 1", x -> x[0].indexAdd(1, x[1], x[2]), f(3, 6, 2), idx(6, 4), f(3, 4, 2));
        op(t, "indexCopy", x -> x[0].indexCopy(0, x[1], x[2]), f(6, 4), perm(6, 3), f(3, 4));
        op(t, "indexFill", x -> new Tensor[] {x[0].indexFill(1, x[1], -2.0), x[0].indexFill(0, x[1].remainder(4L), x[2])},
                f(4, 6), idx(6, 3), of(Kind.DIFF, Tensor.scalar(0.75).toDouble()));
        op(t, "take", x -> x[0].take(x[1]), f(4, 6), idx(24, 3, 5));
        op(t, "takeAlongDim", x -> x[0].takeAlongDim(x[1], 1), f(4, 6), idx(6, 4, 3));
        op(t, "maskedFill scalar", x -> x[0].maskedFill(x[1], -3.0), f(5, 7), mask(5, 7));
        op(t, "maskedFill broadcast mask", x -> x[0].maskedFill(x[1], 1.5), f(5, 7), mask(7));
        op(t, "maskedFill tensor value", x -> x[0].maskedFill(x[1], x[2]), f(5, 7), mask(5, 7),
                of(Kind.DIFF, Tensor.scalar(0.25).toDouble()));
        op(t, "maskedSelect", x -> x[0].maskedSelect(x[1]), f(5, 7), mask(5, 7));
        op(t, "maskedSelect broadcast", x -> x[0].maskedSelect(x[1]), f(5, 7), mask(5, 1));
        op(t, "maskedScatter", x -> x[0].maskedScatter(x[1], x[2]), f(5, 7), mask(5, 7), f(5, 7));
        op(t, "index with a tensor", x -> x[0].index(Index.of(x[1])), f(6, 4), idx(6, 2, 3));
        op(t, "index with two tensors", x -> x[0].index(Index.of(x[1]), Index.all(), Index.of(x[2])), f(5, 3, 6),
                idx(5, 4), idx(6, 4));
        op(t, "index with a mask", x -> x[0].index(Index.of(x[1])), f(5, 7), mask(5, 7));
        op(t, "indexPut accumulate", x -> x[0].indexPut(new Index[] {Index.of(x[1])}, x[2], true), f(6, 4), idx(6, 5),
                f(5, 4));
        op(t, "indexPut unique", x -> x[0].indexPut(new Index[] {Index.of(x[1]), Index.of(x[2])}, x[3], false),
                f(5, 6), perm(5, 4), perm(6, 4), f(4));
        op(t, "indexPut mask", x -> x[0].indexPut(new Index[] {Index.of(x[1])}, -1.0, false), f(5, 7), mask(5, 7));
        op(t, "repeatInterleave", x -> x[0].repeatInterleave(x[1], 1), f(3, 4), idxOf(new long[] {2, 0, 1, 3}, 4));
        op(t, "repeatInterleave of indices", x -> x[0].repeatInterleave(x[1]), idxOf(new long[] {2, 0, 1, 3}, 4),
                idxOf(new long[] {1, 2, 0, 2}, 4));
        return tests(t);
    }

    @TestFactory
    List<DynamicTest> shapes() {
        List<Case> t = new ArrayList<>();
        op(t, "cat", x -> Tensor.cat(List.of(x[0], x[1], x[2]), 1), f(3, 2), f(3, 4), f(3, 1));
        op(t, "cat dim 0", x -> Tensor.cat(List.of(x[0], x[1]), 0), f(2, 5), f(3, 5));
        op(t, "cat int64 and bool", x -> new Tensor[] {Tensor.cat(List.of(x[0], x[1]), 0), Tensor.cat(List.of(x[2], x[3]), 1)},
                idx(9, 2, 3), idx(9, 4, 3), mask(2, 3), mask(2, 5));
        op(t, "stack", x -> Tensor.stack(List.of(x[0], x[1], x[2]), 1), f(3, 4), f(3, 4), f(3, 4));
        op(t, "pad constant", x -> Functional.pad(x[0], ia(1, 2, 0, 1), "constant", 0.5), f(2, 3, 4));
        op(t, "pad reflect", x -> Functional.pad(x[0], ia(2, 1, 1, 2), "reflect"), f(2, 3, 4, 5));
        op(t, "pad replicate", x -> Functional.pad(x[0], ia(2, 1, 1, 2), "replicate"), f(2, 3, 4, 5));
        op(t, "pad circular", x -> Functional.pad(x[0], ia(2, 1, 1, 2), "circular"), f(2, 3, 4, 5));
        op(t, "pad negative", x -> x[0].padNd(ia(-1, 2)), f(3, 5));
        op(t, "flip roll", x -> new Tensor[] {x[0].flip(0, 2), x[0].roll(2, 1), x[0].roll(ia(1, -1), ia(0, 2))},
                f(3, 4, 5));
        op(t, "repeat tile", x -> new Tensor[] {x[0].repeat(2, 1, 3), x[0].tile(2, 2)}, f(3, 4));
        op(t, "repeatInterleave int", x -> x[0].repeatInterleave(2, 0), f(3, 4));
        op(t, "expand then contiguous", x -> x[0].expand(3, 4, 5).contiguous(), f(4, 1));
        op(t, "reshape flatten", x -> new Tensor[] {x[0].reshape(-1), x[0].flatten(1, 2), x[0].reshape(4, 15)},
                f(3, 4, 5));
        op(t, "view ops then arithmetic", x -> x[0].transpose(0, 2).narrow(1, 1, 2).select(0, 3).mul(2.0)
                .add(x[0].permute(1, 0, 2).unsqueeze(0).squeeze(0).narrow(0, 0, 2).sum(2)), f(3, 4, 5));
        op(t, "split chunk unbind", x -> new Object[] {x[0].split(2, 1), x[0].chunk(2), x[0].unbind(1)}, f(3, 5));
        op(t, "tensorSplit unflatten", x -> new Object[] {x[0].tensorSplit(ia(1, 3), 1), x[0].unflatten(1, 2, 3)},
                f(4, 6));
        op(t, "meshgrid broadcastTensors", x -> new Object[] {Tensor.meshgrid(List.of(x[0], x[1]), "ij"),
            Tensor.broadcastTensors(List.of(x[2], x[0])).stream().map(Tensor::contiguous).toList()}, f(3), f(4), f(4, 1));
        op(t, "to float32 and back", x -> x[0].to(DType.FLOAT32).to(DType.FLOAT64), f(5, 7));
        return tests(t);
    }

    @TestFactory
    List<DynamicTest> losses() {
        List<Case> t = new ArrayList<>();
        for (String red : new String[] {"none", "mean", "sum"}) {
            op(t, "mseLoss " + red, x -> Functional.mseLoss(x[0], x[1], red), f(5, 7), f(5, 7));
        }
        op(t, "mseLoss broadcast target", x -> Functional.mseLoss(x[0], x[1], "mean"), f(5, 7), c(-1, 1, 7));
        op(t, "l1Loss", x -> Functional.l1Loss(x[0], x[1], "mean"), f(5, 7), f(5, 7));
        op(t, "smoothL1Loss huberLoss", x -> new Tensor[] {Functional.smoothL1Loss(x[0], x[1], "mean", 0.5),
            Functional.huberLoss(x[0], x[1], "sum", 0.7)}, u(-2, 2, 5, 7), f(5, 7));
        op(t, "crossEntropy", x -> Functional.crossEntropy(x[0], x[1]), f(6, 5), idx(5, 6));
        op(t, "crossEntropy none", x -> Functional.crossEntropy(x[0], x[1], "none", 0), f(6, 5), idx(5, 6));
        op(t, "crossEntropy weight ignore smoothing", x -> Functional.crossEntropy(x[0], x[1], x[2], "mean", 2, 0.1),
                f(8, 5), idx(5, 8), c(0.5, 2, 5));
        op(t, "crossEntropy spatial", x -> Functional.crossEntropy(x[0], x[1], null, "mean", -100, 0), f(2, 4, 3, 5),
                idx(4, 2, 3, 5));
        op(t, "crossEntropy probabilities", x -> Functional.crossEntropy(x[0], x[1], null, "mean", -100, 0.05),
                f(6, 5), u(0, 1, 6, 5));
        op(t, "crossEntropy float32", x -> Functional.crossEntropy(x[0], x[1]), f32(16, 37), idx(37, 16));
        op(t, "nllLoss", x -> Functional.nllLoss(x[0], x[1], "mean"), f(6, 5), idx(5, 6));
        op(t, "nllLoss weight ignore", x -> Functional.nllLoss(x[0], x[1], x[2], "sum", 1), f(8, 5), idx(5, 8),
                c(0.5, 2, 5));
        op(t, "nllLoss spatial none", x -> Functional.nllLoss(x[0], x[1], null, "none", -100), f(2, 4, 3, 5),
                idx(4, 2, 3, 5));
        op(t, "binaryCrossEntropy", x -> Functional.binaryCrossEntropy(x[0], x[1], x[2], "mean"), u(0.05, 0.95, 5, 7),
                u(0, 1, 5, 7), c(0.5, 2, 7));
        op(t, "binaryCrossEntropyWithLogits", x -> Functional.binaryCrossEntropyWithLogits(x[0], x[1], x[2], x[3],
                "mean"), u(-3, 3, 5, 7), u(0, 1, 5, 7), c(0.5, 2, 7), c(0.5, 2, 7));
        op(t, "kLDivLoss", x -> new Tensor[] {Functional.kLDivLoss(x[0], x[1], "batchmean", false),
            Functional.kLDivLoss(x[0], x[1].log(), "sum", true)}, f(5, 7), u(0.1, 1, 5, 7));
        op(t, "cosineEmbeddingLoss", x -> Functional.cosineEmbeddingLoss(x[0], x[1], x[2], 0.1, "mean"), f(6, 5),
                f(6, 5), of(Kind.CONST, Tensor.tensor(new double[] {1, -1, 1, 1, -1, -1}, DType.FLOAT64)));
        op(t, "marginRankingLoss", x -> Functional.marginRankingLoss(x[0], x[1], x[2], 0.2, "mean"), f(8), f(8),
                of(Kind.CONST, Tensor.tensor(new double[] {1, -1, 1, 1, -1, -1, 1, -1}, DType.FLOAT64)));
        return tests(t);
    }

    @TestFactory
    List<DynamicTest> attentionAndRecurrent() {
        List<Case> t = new ArrayList<>();
        // as PyTorch's dispatch, a query, key, value or mask whose last dimension is strided takes the composition
        // (matmul, softmax) instead of the fused kernel: the same math, rounded otherwise
        String sdpa = "a strided last dimension takes the composition instead of the fused kernel";
        op(t, "sdpa", x -> Functional.scaledDotProductAttention(x[0], x[1], x[2]), f(2, 3, 4, 8), f(2, 3, 5, 8),
                f(2, 3, 5, 6)).tol(1e-14, sdpa);
        op(t, "sdpa causal scaled", x -> Functional.scaledDotProductAttention(x[0], x[1], x[2], null, 0, true, 0.3),
                f(2, 2, 5, 4), f(2, 2, 5, 4), f(2, 2, 5, 4)).tol(1e-14, sdpa);
        op(t, "sdpa bool mask", x -> Functional.scaledDotProductAttention(x[0], x[1], x[2], x[3], 0, false, null),
                f(2, 2, 4, 8), f(2, 2, 6, 8), f(2, 2, 6, 8),
                of(Kind.MASK, Tensor.rand(GEN, DType.FLOAT64, 4, 6).lt(0.7).logicalOr(Tensor.eye(4, 6, DType.FLOAT64).gt(0.5))))
                .tol(1e-14, sdpa);
        op(t, "sdpa float mask", x -> Functional.scaledDotProductAttention(x[0], x[1], x[2], x[3], 0, false, null),
                f(2, 4, 8), f(2, 6, 8), f(2, 6, 8), f(2, 4, 6)).tol(1e-14, sdpa);
        op(t, "sdpa dropout (seeded)", x -> Functional.scaledDotProductAttention(x[0], x[1], x[2], null, 0.3, false, null,
                false, new Generator(3)), f(2, 2, 4, 8), f(2, 2, 5, 8), f(2, 2, 5, 8)).tol(1e-14, sdpa);
        op(t, "sdpa gqa", x -> Functional.scaledDotProductAttention(x[0], x[1], x[2], null, 0, false, null, true, null),
                f(1, 4, 3, 8), f(1, 2, 5, 8), f(1, 2, 5, 8)).tol(1e-14, sdpa);
        op(t, "sdpa float32", x -> Functional.scaledDotProductAttention(x[0], x[1], x[2]), f32(2, 4, 16, 32),
                f32(2, 4, 16, 32), f32(2, 4, 16, 32)).tol(1e-6, sdpa);
        op(t, "sdpa float32 causal", x -> Functional.scaledDotProductAttention(x[0], x[1], x[2], null, 0, true, null),
                f32(2, 4, 16, 32), f32(2, 4, 16, 32), f32(2, 4, 16, 32)).tol(1e-6, sdpa);
        op(t, "lstmCell", x -> Tensor.lstmCell(x[0], x[1], x[2], x[3], x[4], x[5], x[6]), f(2, 3), f(2, 4), f(2, 4),
                f(16, 3), f(16, 4), f(16), f(16));
        op(t, "gruCell", x -> Tensor.gruCell(x[0], x[1], x[2], x[3], x[4], x[5]), f(2, 3), f(2, 4), f(12, 3), f(12, 4),
                f(12), f(12));
        op(t, "lstm", x -> Tensor.lstm(x[0], x[1], x[2], List.of(x).subList(3, 7), true, 1, 0, false, false, false),
                f(4, 2, 3), f(1, 2, 4), f(1, 2, 4), f(16, 3), f(16, 4), f(16), f(16))
                .tol2(1e-14, "a strided input's reshape copies instead of viewing, so the graph differs and its "
                        + "second-order contributions add in another order");
        op(t, "gru batch first", x -> Tensor.gru(x[0], x[1], List.of(x).subList(2, 6), true, 1, 0, false, false, true),
                f(2, 3, 2), f(1, 2, 3), f(9, 2), f(9, 3), f(9), f(9));
        return tests(t);
    }

    @TestFactory
    List<DynamicTest> inPlace() {
        List<Case> t = new ArrayList<>();
        op(t, "add_ mul_ sub_ div_", x -> x[0].add_(x[1]).mul_(x[1]).sub_(x[1], 0.5).div_(2.0), c(-1, 1, 5, 7),
                c(-1, 1, 7)).mutates(0);
        op(t, "add_ scalar clamp_", x -> x[0].add_(0.25).clamp_(-0.5, 0.5), c(-1, 1, 5, 7)).mutates(0);
        op(t, "copy_", x -> x[0].copy_(x[1]), c(-1, 1, 5, 7), c(-1, 1, 5, 7)).mutates(0);
        op(t, "copy_ broadcast and cast", x -> x[0].copy_(x[1]), c(-1, 1, 5, 7), f32(7)).mutates(0);
        op(t, "fill_ zero_", x -> new Tensor[] {x[0].fill_(1.5).clone(), x[1].zero_()}, c(-1, 1, 5, 7), c(-1, 1, 3, 4))
                .mutates(0, 1);
        op(t, "maskedFill_", x -> x[0].maskedFill_(x[1], 9.0), c(-1, 1, 5, 7), mask(5, 7)).mutates(0);
        op(t, "scatter_ scatterAdd_", x -> x[0].scatter_(1, x[1], x[2]).scatterAdd_(1, x[1], x[2]), c(-1, 1, 3, 6),
                idxOf(new long[] {5, 0, 2, 1, 3, 4}, 3, 2), c(-1, 1, 3, 2)).mutates(0);
        op(t, "scatterReduce_", x -> x[0].scatterReduce_(0, x[1], x[2], "amax", true), c(-1, 1, 3, 5), idx(3, 4, 5),
                c(-1, 1, 4, 5)).mutates(0);
        op(t, "indexAdd_ indexCopy_ indexFill_", x -> x[0].indexAdd_(0, x[1], x[2], 2.0).indexCopy_(0, x[3], x[4])
                .indexFill_(1, x[1].remainder(3L), -1.0), c(-1, 1, 6, 3), idx(6, 4), c(-1, 1, 4, 3), perm(6, 2),
                c(-1, 1, 2, 3)).mutates(0);
        op(t, "indexPut_", x -> x[0].indexPut_(new Index[] {Index.of(x[1])}, x[2], true), c(-1, 1, 6, 3), idx(6, 4),
                c(-1, 1, 4, 3)).mutates(0);
        op(t, "maskedScatter_", x -> x[0].maskedScatter_(x[1], x[2]), c(-1, 1, 5, 7), mask(5, 7), c(-1, 1, 5, 7))
                .mutates(0);
        op(t, "in-place on a non-leaf, differentiable", x -> x[0].mul(1.0).add_(x[1]).mul_(x[1]), f(5, 7), f(5, 7));
        op(t, "in-place through a view of a non-leaf", x -> {
            Tensor y = x[0].mul(2.0);
            y.narrow(1, 1, 3).mul_(x[1]);
            return y;
        }, f(5, 7), f(5, 3));
        op(t, "in-place float32", x -> x[0].add_(x[1]).mul_(x[1]), of(Kind.CONST, uniform(DType.FLOAT32, -1, 1, 3, 37)),
                of(Kind.CONST, uniform(DType.FLOAT32, -1, 1, 3, 37))).mutates(0);
        return tests(t);
    }

    /**
     * Sizes past the CPU kernels' thresholds, where they split work over threads (2^16 elements for elementwise ops,
     * reductions, normalization), take blocked matrix products or direct convolutions, or sort in parallel.
     */
    @TestFactory
    List<DynamicTest> large() {
        List<Case> t = new ArrayList<>();
        op(t, "large exp float64", x -> x[0].exp(), f(300, 250));
        op(t, "large unary float32", x -> new Tensor[] {x[0].exp(), x[0].tanh()}, f32(300, 250));
        op(t, "large gelu float32", x -> Functional.gelu(x[0]), f32(300, 250))
                .tol(0x1p-20, "oneDNN's GELU on contiguous tensors, another formula on strided ones, as PyTorch");
        op(t, "large add broadcast float32", x -> x[0].add(x[1]).mul(x[2]), f32(300, 250), f32(250), f32(300, 1));
        op(t, "large add float64", x -> x[0].add(x[1]), f(300, 250), f(300, 250));
        op(t, "large scalar ops float32", x -> x[0].mul(1.5).add(0.25).rsub(2.0), f32(300, 250));
        op(t, "large where", x -> Tensor.where(x[0], x[1], x[2]), mask(300, 250), f32(300, 250), f32(300, 250));
        op(t, "large comparison", x -> x[0].gt(x[1]), f32(300, 250), f32(300, 250));
        op(t, "large sum float32", x -> new Tensor[] {x[0].sum(), x[0].sum(1), x[0].sum(0)}, f32(300, 250));
        op(t, "large sum float64", x -> new Tensor[] {x[0].sum(), x[0].mean(1), x[0].amax(ia(0), false)}, f(300, 250));
        op(t, "large max dim", x -> x[0].max(1, false), f32(300, 250));
        op(t, "large softmax logSoftmax", x -> new Tensor[] {x[0].softmax(1), x[0].logSoftmax(0)}, f32(300, 250));
        op(t, "large cumsum", x -> x[0].cumsum(1), f32(300, 250));
        op(t, "large layerNorm", x -> Functional.layerNorm(x[0], ia(256), x[1], x[2], 1e-5), f32(300, 256), f32(256),
                f32(256));
        op(t, "large rmsNorm", x -> Functional.rmsNorm(x[0], ia(256), x[1], 1e-6), f32(300, 256), f32(256));
        op(t, "large batchNorm", x -> Functional.batchNorm(x[0], null, null, x[1], x[2], true, 0.1, 1e-5),
                f32(16, 16, 18, 18), f32(16), f32(16))
                .tol(0x1p-20, "PyTorch's kernel on contiguous operands, its TensorIterator's formula on others");
        op(t, "large groupNorm", x -> Functional.groupNorm(x[0], 4, x[1], x[2], 1e-5), f32(8, 16, 24, 24), f32(16),
                f32(16));
        op(t, "large mm float32", x -> x[0].mm(x[1]), f32(256, 160), f32(160, 256));
        op(t, "large mm float64", x -> x[0].mm(x[1]), f(256, 160), f(160, 256));
        op(t, "large bmm float32", x -> x[0].bmm(x[1]), f32(4, 128, 96), f32(4, 96, 160));
        op(t, "large linear float32", x -> Functional.linear(x[0], x[1], x[2]), f32(512, 128), f32(256, 128), f32(256))
                .tol(1e-5, "the GEMM's depth blocks (Gemm.kc) follow its plan, which the operands' layouts choose: with "
                    + "AVX2's tiles (-XX:UseAVX=2) the weight gradient's 512-deep sums split differently for a strided "
                    + "weight (about 4e-6 of the largest; bit for bit with -Dember.cpu.gemmKc=512)");
        op(t, "large conv2d float32 direct", x -> Functional.conv2d(x[0], x[1], x[2], ia(1, 1), ia(1, 1), ia(1, 1), 1),
                f32(2, 16, 22, 22), f32(32, 16, 3, 3), f32(32));
        op(t, "large conv2d float32 im2col", x -> Functional.conv2d(x[0], x[1], x[2], ia(2, 2), ia(1, 1), ia(1, 1), 1),
                f32(4, 8, 32, 32), f32(12, 8, 3, 3), f32(12));
        op(t, "large maxPool2d avgPool2d", x -> new Tensor[] {Functional.maxPool2d(x[0], 2), Functional.avgPool2d(x[0], 3)},
                f32(8, 16, 32, 32));
        op(t, "large adaptive pools", x -> new Tensor[] {Functional.adaptiveAvgPool2d(x[0], ia(5, 7)),
            Functional.adaptiveMaxPool2d(x[0], ia(4, 4))}, f32(8, 16, 30, 30));
        op(t, "large sdpa float32", x -> Functional.scaledDotProductAttention(x[0], x[1], x[2]), f32(2, 4, 128, 64),
                f32(2, 4, 160, 64), f32(2, 4, 160, 64)).tol(4e-6, "a strided last dimension takes the composition instead "
                + "of the fused kernel: each rounds in float32 on its own (either within about 3 units of 2^-24 of the "
                + "values' scale, |v| < 1, of the float64 result), so the two differ by up to about 6 such units, "
                + "2e-6 of the largest output (about 0.2: an output averages 160 values); the scalar fallback "
                + "(-Dember.cpu.noVector=true) and the vector kernels sum in other orders and both come near that");
        op(t, "large embedding", x -> Functional.embedding(x[0], x[1]), idx(1000, 64, 32), f32(1000, 64));
        op(t, "large indexSelect gather", x -> new Tensor[] {x[0].indexSelect(0, x[1]), x[0].gather(1, x[2])},
                f32(400, 300), idx(400, 300), idx(300, 400, 200));
        op(t, "large crossEntropy", x -> Functional.crossEntropy(x[0], x[1]), f32(512, 200), idx(200, 512));
        op(t, "large sort", x -> x[0].sort(1, false), f32(2, 140_000));
        op(t, "large topk", x -> x[0].topk(10), f32(40, 2000));
        // one op a case: contiguous() of a contiguous tensor is the tensor itself, so the gradients of several outputs
        // would add in another order for the other layouts
        op(t, "large contiguous", x -> x[0].contiguous(), f32(300, 250));
        op(t, "large cast", x -> x[0].to(DType.FLOAT64), f32(300, 250));
        op(t, "large clone", x -> x[0].clone(), f32(300, 250));
        op(t, "large in-place", x -> x[0].add_(x[1]).mul_(2.0), of(Kind.CONST, uniform(DType.FLOAT32, -1, 1, 300, 250)),
                of(Kind.CONST, uniform(DType.FLOAT32, -1, 1, 300, 250))).mutates(0);
        return tests(t);
    }

    /** float16 and bfloat16, whose CPU loops convert through float32 and are their own code. */
    @TestFactory
    List<DynamicTest> halfTypes() {
        List<Case> t = new ArrayList<>();
        for (DType h : new DType[] {DType.FLOAT16, DType.BFLOAT16}) {
            String n = h == DType.FLOAT16 ? "float16 " : "bfloat16 ";
            op(t, n + "unary", x -> new Tensor[] {x[0].exp(), x[0].neg(), x[0].sigmoid(), x[0].relu()},
                    ft(h, -1, 1, 5, 37));
            op(t, n + "binary broadcast", x -> new Tensor[] {x[0].add(x[1]), x[0].mul(x[1]), x[0].div(x[2])},
                    ft(h, -1, 1, 5, 37), ft(h, -1, 1, 37), ft(h, 0.5, 2, 5, 1));
            op(t, n + "scalar ops", x -> x[0].mul(1.5).add(0.25).gt(0.5), ft(h, -1, 1, 5, 37));
            op(t, n + "reductions", x -> new Object[] {x[0].sum(1), x[0].mean(0), x[0].amax(ia(1), false),
                x[0].max(0, false)}, ft(h, -1, 1, 5, 37));
            op(t, n + "softmax logSoftmax", x -> new Tensor[] {x[0].softmax(1), x[0].logSoftmax(0)}, ft(h, -1, 1, 5, 37));
            op(t, n + "matmul", x -> x[0].matmul(x[1]), ft(h, -1, 1, 2, 5, 9), ft(h, -1, 1, 9, 6));
            op(t, n + "linear", x -> Functional.linear(x[0], x[1], x[2]), ft(h, -1, 1, 6, 9), ft(h, -1, 1, 4, 9),
                    ft(h, -1, 1, 4));
            op(t, n + "conv2d", x -> Functional.conv2d(x[0], x[1], x[2], ia(1, 1), ia(1, 1), ia(1, 1), 1),
                    ft(h, -1, 1, 2, 3, 6, 5), ft(h, -1, 1, 4, 3, 3, 3), ft(h, -1, 1, 4));
            op(t, n + "pools", x -> new Tensor[] {Functional.maxPool2d(x[0], 2), Functional.avgPool2d(x[0], 2)},
                    ft(h, -1, 1, 2, 3, 6, 6));
            op(t, n + "layerNorm", x -> Functional.layerNorm(x[0], ia(9), x[1], x[2], 1e-5), ft(h, -1, 1, 4, 9),
                    ft(h, -1, 1, 9), ft(h, -1, 1, 9));
            op(t, n + "indexSelect where", x -> new Tensor[] {x[0].indexSelect(0, x[1]), Tensor.where(x[2], x[0], 0.5)},
                    ft(h, -1, 1, 5, 7), idx(5, 6), mask(5, 7));
            op(t, n + "sort cumsum", x -> new Object[] {x[0].sort(1, false), x[0].cumsum(1)}, ft(h, -1, 1, 5, 7));
            op(t, n + "cast", x -> new Tensor[] {x[0].toFloat(), x[0].toDouble(), x[1].to(h)}, ft(h, -1, 1, 5, 7),
                    c(-1, 1, 5, 7));
        }
        return tests(t);
    }

    /** The narrow integer types, whose elementwise loops are their own code. */
    @TestFactory
    List<DynamicTest> narrowIntegers() {
        List<Case> t = new ArrayList<>();
        for (DType d : new DType[] {DType.INT32, DType.INT16, DType.INT8, DType.UINT8}) {
            String n = d.torchName().substring("torch.".length()) + " ";
            op(t, n + "arithmetic", x -> new Tensor[] {x[0].add(x[1]), x[0].mul(x[1]), x[0].sub(x[1]), x[0].add(3L)},
                    it(d, 0, 10, 5, 37), it(d, 0, 10, 37));
            op(t, n + "bitwise and comparisons", x -> new Tensor[] {x[0].bitwiseAnd(x[1]), x[0].bitwiseXor(x[1]),
                x[0].lt(x[1]), x[0].eq(x[1])}, it(d, 0, 10, 5, 37), it(d, 0, 10, 5, 37));
            op(t, n + "sum max cast", x -> new Object[] {x[0].sum(ia(1), false), x[0].max(0, false), x[0].toFloat(),
                x[0].toLong()}, it(d, 0, 10, 5, 37));
        }
        op(t, "int32 indices: indexSelect gather", x -> new Tensor[] {x[0].indexSelect(0, x[1]), x[0].gather(1, x[2])},
                f(6, 5), it(DType.INT32, 0, 6, 8), idx(5, 6, 3));
        return tests(t);
    }

    // --------------------------------------------------------------------------------------------------------------
    // optimizers: the parameter and its gradient in odd layouts

    /** An optimizer over one parameter; it must not keep anything between two constructions. */
    private interface OptimizerFactory {
        Optimizer make(Tensor param);
    }

    /**
     * Two steps of an optimizer on a parameter placed as {@code pp}, with gradients placed as {@code gp}; the parameter's
     * values after each step.
     */
    private static List<Tensor> optimize(OptimizerFactory factory, Tensor param, Tensor[] grads, Place pp, Place gp,
                                         List<String> problems, String label) {
        Placed p = place(param, pp);
        Tensor w = p.view().requiresGrad_(true);
        Optimizer opt = factory.make(w);
        List<Tensor> after = new ArrayList<>();
        for (Tensor g : grads) {
            Placed pg = place(g, gp);
            w.setGrad(pg.view());
            opt.step();
            after.add(w.detach().clone());
            String bad = garbageOverwritten(pg);
            if (bad != null) {
                problems.add(label + ": gradient: " + bad);
            }
        }
        String bad = garbageOverwritten(p);
        if (bad != null) {
            problems.add(label + ": parameter: " + bad);
        }
        return after;
    }

    private static DynamicTest optimizerCase(String name, DType dtype, OptimizerFactory factory) {
        Tensor param = uniform(dtype, -1, 1, 5, 7);
        Tensor[] grads = {uniform(dtype, -1, 1, 5, 7), uniform(dtype, -1, 1, 5, 7)};
        return DynamicTest.dynamicTest(name, () -> {
            List<String> problems = new ArrayList<>();
            List<Tensor> ref = optimize(factory, param, grads, Place.FRESH, Place.FRESH, problems, "reference");
            Place[] places = {Place.FRESH, Place.OFFSET, Place.STRIDED, Place.TRANSPOSED};
            for (Place pp : places) {
                for (Place gp : places) {
                    if (pp == Place.FRESH && gp == Place.FRESH) {
                        continue;
                    }
                    String label = "parameter " + pp + ", gradient " + gp;
                    try {
                        List<Tensor> got = optimize(factory, param, grads, pp, gp, problems, label);
                        for (int s = 0; s < ref.size(); s++) {
                            String m = mismatch(ref.get(s), got.get(s), 0);
                            if (m != null) {
                                problems.add(label + ": parameter after step " + (s + 1) + ": " + m);
                            }
                        }
                    } catch (RuntimeException | AssertionError e) {
                        problems.add(label + ": threw " + e);
                    }
                }
            }
            if (!problems.isEmpty()) {
                fail(name + ": " + problems.size() + " problems:\n  " + String.join("\n  ", problems));
            }
        });
    }

    @TestFactory
    List<DynamicTest> optimizers() {
        List<DynamicTest> t = new ArrayList<>();
        for (DType dtype : new DType[] {DType.FLOAT64, DType.FLOAT32}) {
            String s = dtype == DType.FLOAT32 ? " float32" : "";
            t.add(optimizerCase("SGD" + s, dtype, w -> new SGD(List.of(w), 0.1)));
            t.add(optimizerCase("SGD momentum nesterov decay" + s, dtype,
                    w -> new SGD(List.of(w), 0.1, 0.9, 0, 0.01, true)));
            t.add(optimizerCase("Adam" + s, dtype, w -> Adam.adam(List.of(w), 0.01)));
            t.add(optimizerCase("Adam amsgrad decay" + s, dtype,
                    w -> Adam.adam(List.of(w), 0.01, 0.9, 0.99, 1e-8, 0.01, true)));
            t.add(optimizerCase("AdamW" + s, dtype, w -> Adam.adamW(List.of(w), 0.01)));
            t.add(optimizerCase("Adamax" + s, dtype, w -> new Adamax(List.of(w), 0.01)));
            t.add(optimizerCase("RMSprop centered momentum" + s, dtype,
                    w -> new RMSprop(List.of(w), 0.01, 0.99, 1e-8, 0.01, 0.9, true)));
            t.add(optimizerCase("Adagrad" + s, dtype, w -> new Adagrad(List.of(w), 0.1)));
            t.add(optimizerCase("NAdam" + s, dtype, w -> new NAdam(List.of(w), 0.01)));
            t.add(optimizerCase("RAdam" + s, dtype, w -> new RAdam(List.of(w), 0.01)));
        }
        return t;
    }
}
