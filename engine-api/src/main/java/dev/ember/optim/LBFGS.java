package dev.ember.optim;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Ember;
import dev.ember.Format;
import dev.ember.GradMode;
import dev.ember.Tensor;
import dev.ember.TensorScope;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * L-BFGS, as {@code torch.optim.LBFGS} (PyTorch 2.x's {@code torch/optim/lbfgs.py}, operation for operation): each
 * {@link #step(Optimizer.Closure)} evaluates the loss and its gradient through the closure, then runs up to
 * {@code max_iter} iterations of the limited-memory BFGS two-loop recursion over the parameters' gradients flattened into one vector,
 * moving by a fixed step {@code lr} or by the step PyTorch's {@code _strong_wolfe} line search (with its
 * {@code _cubic_interpolate}) finds, until {@code max_eval} evaluations, a gradient below {@code tolerance_grad} or a
 * change below {@code tolerance_change}.
 *
 * <p>Options (one group only: "LBFGS doesn't support per-parameter options (parameter groups)"): {@code lr} (default 1),
 * {@code max_iter} (20), {@code max_eval} ({@code max_iter * 5 / 4}), {@code tolerance_grad} (1e-7),
 * {@code tolerance_change} (1e-9), {@code history_size} (100), {@code line_search_fn} (null or
 * {@code "strong_wolfe"}); the counts are stored as doubles, as every number option of an Ember optimizer.
 *
 * <p>State (PyTorch keeps it as the state of the first parameter, index 0 in the state dict): {@code func_evals} and
 * {@code n_iter} (integers), {@code al} (the recursion's scratch list of {@code history_size} entries, 0-dim tensors or
 * null), {@code d} (the last direction), {@code t} (the last step length), {@code old_dirs} and {@code old_stps} (the
 * curvature pairs, lists of flat tensors), {@code ro} (their {@code 1 / (y . s)}, 0-dim tensors), {@code H_diag} (the
 * initial Hessian scale, a 0-dim tensor, or 1 until the first pair), {@code prev_flat_grad}, {@code prev_loss}.
 *
 * <p>The vectors are tensors of the parameters' type and device (so a step runs on CUDA too); the scalars PyTorch keeps
 * as 0-dim tensors (dot products, step lengths) are Java doubles here, which is the same arithmetic for float64
 * parameters and rounds less than PyTorch for float32 ones. All parameters must be on one device and of one type, as in
 * PyTorch.
 */
public final class LBFGS extends Optimizer {
    private static final String GROUPS = "LBFGS doesn't support per-parameter options (parameter groups)";

    /**
     * A closure that clears the gradients, re-evaluates the model, calls {@code backward} and returns the loss (a
     * one-element tensor): {@link Optimizer.Closure}, kept under this name for the code written before every optimizer
     * took a closure.
     */
    @FunctionalInterface
    public interface Closure extends Optimizer.Closure {
    }

    private boolean hasState;
    /** The state map {@link #stateDict()} hands out (null until the first call, and after a load). */
    private Map<String, Object> live;
    private long funcEvals;
    private long nIter;
    private Tensor d;
    private Double t;
    private List<Tensor> oldDirs;
    private List<Tensor> oldStps;
    private List<Double> ro;
    private Double hDiag;
    private boolean hDiagTensor;
    private Tensor prevFlatGrad;
    private Double prevLoss;
    private Double[] al;
    /** Whether a step has reached the iterations and stored d, t, ... (PyTorch's state has those keys then). */
    private boolean storedTail;
    /**
     * Whether {@code al} came after the stored tail (PyTorch's state dict inserts it when its first L-BFGS update needs
     * it: before {@code d} when that happens inside the first step, after {@code prev_loss} when a later step makes it;
     * a loaded state keeps the saved dict's order).
     */
    private boolean alLast;

    /** L-BFGS with PyTorch's defaults: lr 1, max_iter 20, max_eval 25, no line search, history 100. */
    public LBFGS(List<Tensor> params) {
        this(params, 1, 20, null, 1e-7, 1e-9, 100, null);
    }

    /**
     * L-BFGS with every option.
     *
     * @param maxEval the most function evaluations per step; null for {@code maxIter * 5 / 4} (integer division)
     * @param lineSearchFn null (a fixed step {@code lr}) or {@code "strong_wolfe"}
     * @throws IllegalArgumentException with PyTorch's message for a negative (or nan or infinite) learning rate, and for
     *     a negative {@code maxIter} or {@code maxEval}, a {@code historySize} below 1 (PyTorch fails in the first step)
     *     or a line search other than {@code "strong_wolfe"} (PyTorch's "only 'strong_wolfe' is supported", which it
     *     raises at the first step)
     */
    public LBFGS(List<Tensor> params, double lr, int maxIter, Integer maxEval, double toleranceGrad, double toleranceChange,
                 int historySize, String lineSearchFn) {
        super(params, defaults(lr, maxIter, maxEval, toleranceGrad, toleranceChange, historySize, lineSearchFn),
                LBFGS::check);
    }

    private static Map<String, Object> defaults(double lr, int maxIter, Integer maxEval, double toleranceGrad,
                                                double toleranceChange, int historySize, String lineSearchFn) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("lr", lr);
        d.put("max_iter", (double) maxIter);
        d.put("max_eval", maxEval == null ? (double) Math.floorDiv(maxIter * 5L, 4L) : (double) maxEval);
        d.put("tolerance_grad", toleranceGrad);
        d.put("tolerance_change", toleranceChange);
        d.put("history_size", (double) historySize);
        d.put("line_search_fn", lineSearchFn);
        for (Map.Entry<String, Object> e : d.entrySet()) {
            check(e.getKey(), e.getValue());
        }
        return d;
    }

    private static void check(String name, Object value) {
        switch (name) {
            case "max_iter":
            case "max_eval":
                if (!((Double) value >= 0) || (Double) value != Math.rint((Double) value)) {
                    throw new IllegalArgumentException("Invalid " + name + " value: " + Format.repr((Double) value)
                            + " (a non-negative integer)");
                }
                break;
            case "history_size":
                if (!((Double) value >= 1) || (Double) value != Math.rint((Double) value) || (Double) value > 1e9) {
                    throw new IllegalArgumentException("Invalid history_size value: " + Format.repr((Double) value)
                            + " (a positive integer)");
                }
                break;
            case "tolerance_grad":
            case "tolerance_change":
                if (Double.isNaN((Double) value)) {
                    throw new IllegalArgumentException("Invalid " + name + " value: nan");
                }
                break;
            case "line_search_fn":
                if (value != null && !"strong_wolfe".equals(value)) {
                    throw new IllegalArgumentException("only 'strong_wolfe' is supported");
                }
                break;
            default:
                checkCommon(name, value);
        }
    }

    /**
     * Refuses a second group, as PyTorch's constructor: {@code LBFGS doesn't support per-parameter options (parameter
     * groups)}. PyTorch 2.x's {@code add_param_group} accepts it, and each {@code step} then fails with a bare
     * {@code AssertionError} (or, under {@code python -O}, trains the first group only); Ember refuses the call itself
     * and changes nothing.
     *
     * @throws IllegalArgumentException always once the optimizer has its group
     */
    @Override
    public ParamGroup addParamGroup(List<Tensor> params, Map<String, ?> options) {
        if (!paramGroups().isEmpty()) {
            throw new IllegalArgumentException(GROUPS);
        }
        return super.addParamGroup(params, options);
    }

    /**
     * Always refuses: L-BFGS re-evaluates the loss several times per step and needs the closure of
     * {@link #step(Optimizer.Closure)}.
     *
     * @throws IllegalStateException always
     */
    @Override
    public void step() {
        throw new IllegalStateException("LBFGS.step() missing 1 required positional argument: 'closure'");
    }

    /**
     * One L-BFGS step, as PyTorch's {@code optimizer.step(closure)}: the closure is called with gradients enabled (it
     * clears the gradients, computes the loss, calls {@code backward} and returns the loss) as many times as the step
     * needs.
     *
     * @return the loss of the first evaluation (PyTorch's {@code orig_loss})
     * @throws IllegalArgumentException for a null closure, or a closure that returns null or a tensor of more than one
     *     element
     * @throws IllegalStateException for a closed parameter, parameters on several devices or of several types, or a
     *     gradient of another shape, type or device than its parameter (checked after the first evaluation, before the
     *     parameters or the state change; a closure that fails later, during the iterations, leaves the step half done,
     *     as in PyTorch)
     */
    @Override
    public Tensor step(Optimizer.Closure closure) {
        return withStepHooks(() -> update(closure));
    }

    private Tensor update(Optimizer.Closure closure) {
        if (closure == null) {
            throw new IllegalArgumentException("LBFGS.step: closure must not be null");
        }
        try {
            return iterate(closure);
        } finally {
            if (live != null && hasState) {
                fillLive(); // a state dict kept from an earlier call shows this step, as PyTorch's live dict
            }
        }
    }

    /** The step itself (PyTorch's {@code step} body). */
    private Tensor iterate(Optimizer.Closure closure) {
        ParamGroup group = paramGroups().get(0);
        List<Tensor> ps = group.params();
        Tensor first = ps.get(0);
        for (int i = 0; i < ps.size(); i++) {
            Tensor p = ps.get(i);
            if (p.isClosed()) {
                throw new IllegalStateException("LBFGS.step: parameter " + i + " has been closed");
            }
            if (!p.device().equals(first.device()) || p.dtype() != first.dtype()) {
                throw new IllegalStateException("LBFGS.step: all parameters must be on one device and of one type, as in "
                        + "PyTorch; parameter " + i + " is " + p.dtype() + " on " + p.device() + ", parameter 0 is "
                        + first.dtype() + " on " + first.device());
            }
        }
        double lr = group.lr();
        int maxIter = (int) Math.min(Integer.MAX_VALUE, group.getDouble("max_iter"));
        double maxEval = group.getDouble("max_eval");
        double toleranceGrad = group.getDouble("tolerance_grad");
        double toleranceChange = group.getDouble("tolerance_change");
        Object lineSearch = group.get("line_search_fn");
        int historySize = (int) group.getDouble("history_size");

        try (GradMode off = Ember.noGrad()) {
            // the first evaluation and its gradients are checked before the state changes (PyTorch counts first)
            Tensor origLoss = evaluate(closure);
            double loss = origLoss.item();
            Tensor flatGrad = gatherFlatGrad();
            if (!hasState) {
                hasState = true;
                funcEvals = 0;
                nIter = 0;
            }
            long currentEvals = 1;
            funcEvals += 1;
            boolean optCond = flatGrad.abs().max().item() <= toleranceGrad;
            if (optCond) {
                return origLoss;
            }

            Tensor dir = d;
            double step = t == null ? 0 : t;
            List<Tensor> dirs = oldDirs;
            List<Tensor> stps = oldStps;
            List<Double> ros = ro;
            double h = hDiag == null ? 1 : hDiag;
            boolean hTensor = hDiagTensor;
            Tensor prevGrad = prevFlatGrad;
            double prevL = prevLoss == null ? Double.NaN : prevLoss;

            int n = 0;
            while (n < maxIter) {
                n++;
                nIter++;
                // compute the descent direction
                if (nIter == 1) {
                    dir = flatGrad.neg();
                    dirs = new ArrayList<>();
                    stps = new ArrayList<>();
                    ros = new ArrayList<>();
                    h = 1;
                    hTensor = false;
                } else {
                    Tensor y = flatGrad.sub(prevGrad);
                    Tensor s = dir.mul(step);
                    double ys = y.dot(s).item();
                    if (ys > 1e-10) {
                        if (dirs.size() == historySize) {
                            // shift the history by one (limited memory)
                            dirs.remove(0);
                            stps.remove(0);
                            ros.remove(0);
                        }
                        dirs.add(TensorScope.escape(y));
                        stps.add(TensorScope.escape(s));
                        ros.add(1.0 / ys);
                        h = ys / y.dot(y).item();
                        hTensor = true;
                    }
                    int numOld = dirs.size();
                    if (al == null) {
                        al = new Double[historySize];
                        alLast = storedTail;
                    } else if (al.length < historySize) {
                        al = Arrays.copyOf(al, historySize);
                    }
                    Tensor q = flatGrad.neg();
                    for (int i = numOld - 1; i >= 0; i--) {
                        al[i] = stps.get(i).dot(q).item() * ros.get(i);
                        q.add_(dirs.get(i), -al[i]);
                    }
                    Tensor r = q.mul(h);
                    dir = r;
                    for (int i = 0; i < numOld; i++) {
                        double be = dirs.get(i).dot(r).item() * ros.get(i);
                        r.add_(stps.get(i), al[i] - be);
                    }
                }
                if (prevGrad == null) {
                    prevGrad = flatGrad.clone();
                } else {
                    prevGrad.copy_(flatGrad);
                }
                prevL = loss;

                // the step length
                if (nIter == 1) {
                    double inv = 1.0 / flatGrad.abs().sum().item();
                    step = pyMin(1.0, inv) * lr;
                } else {
                    step = lr;
                }
                double gtd = flatGrad.dot(dir).item();
                if (gtd > -toleranceChange) {
                    break;
                }
                long lsFuncEvals = 0;
                if (lineSearch != null) {
                    List<Tensor> xInit = cloneParams();
                    Wolfe w = strongWolfe(closure, xInit, step, dir, loss, flatGrad, gtd, toleranceChange);
                    loss = w.f;
                    flatGrad = w.g;
                    step = w.t;
                    lsFuncEvals = w.evals;
                    addGrad(step, dir);
                    optCond = flatGrad.abs().max().item() <= toleranceGrad;
                } else {
                    addGrad(step, dir);
                    if (n != maxIter) {
                        loss = evaluate(closure).item();
                        flatGrad = gatherFlatGrad();
                        optCond = flatGrad.abs().max().item() <= toleranceGrad;
                        lsFuncEvals = 1;
                    }
                }
                currentEvals += lsFuncEvals;
                funcEvals += lsFuncEvals;

                // the conditions to stop
                if (n == maxIter || currentEvals >= maxEval || optCond) {
                    break;
                }
                if (dir.mul(step).abs().max().item() <= toleranceChange) {
                    break;
                }
                if (Math.abs(loss - prevL) < toleranceChange) {
                    break;
                }
            }
            storedTail = true;
            d = dir == null ? null : TensorScope.escape(dir);
            t = step;
            oldDirs = dirs;
            oldStps = stps;
            ro = ros;
            hDiag = h;
            hDiagTensor = hTensor;
            prevFlatGrad = prevGrad == null ? null : TensorScope.escape(prevGrad);
            prevLoss = prevL;
            return origLoss;
        }
    }

    // ------------------------------------------------------------------ state dict

    /**
     * The optimizer's state, as PyTorch's {@code optimizer.state_dict()}: {@code param_groups} as every optimizer's, and
     * {@code state} holding at most the entry {@code 0} (the first parameter's, where PyTorch keeps L-BFGS's global
     * state; the same map on every call, which each step refreshes, until a load replaces it) with the keys of the
     * class comment, in PyTorch's order; the tensors are the optimizer's own (clone them to
     * keep a snapshot), {@code ro}, {@code al} and a computed {@code H_diag} 0-dim tensors of the parameters' type and
     * device, {@code t} and {@code prev_loss} {@link Double}, {@code func_evals} and {@code n_iter} {@link Long}.
     */
    @Override
    protected Map<String, Object> saveState() {
        Map<String, Object> out = super.saveState();
        if (!hasState) {
            return out;
        }
        // the same map on every call, refreshed after each step until a load replaces it: PyTorch hands out the first
        // parameter's state dict itself
        if (live == null) {
            live = new LinkedHashMap<>();
        }
        fillLive();
        @SuppressWarnings("unchecked")
        Map<Object, Object> st = (Map<Object, Object>) out.get("state");
        st.put(0, live);
        return out;
    }

    /** Refills the live map with the state's entries (the keys of the class comment, in PyTorch's order). */
    private void fillLive() {
        Tensor p0 = params().get(0);
        Map<String, Object> m = live;
        m.clear();
        m.put("func_evals", funcEvals);
        m.put("n_iter", nIter);
        if (al != null && !alLast) {
            m.put("al", alList(p0));
        }
        if (storedTail) {
            m.put("d", d);
            m.put("t", t);
            m.put("old_dirs", oldDirs == null ? null : new ArrayList<>(oldDirs));
            m.put("old_stps", oldStps == null ? null : new ArrayList<>(oldStps));
            List<Object> r = null;
            if (ro != null) {
                r = new ArrayList<>();
                for (Double x : ro) {
                    r.add(scalar(x, p0));
                }
            }
            m.put("ro", r);
            m.put("H_diag", hDiag == null ? null : hDiagTensor ? scalar(hDiag, p0) : (Object) 1L);
            m.put("prev_flat_grad", prevFlatGrad);
            m.put("prev_loss", prevLoss);
        }
        if (al != null && alLast) {
            m.put("al", alList(p0));
        }
    }

    private List<Object> alList(Tensor p0) {
        List<Object> l = new ArrayList<>();
        for (Double a : al) {
            l.add(a == null ? null : scalar(a, p0));
        }
        return l;
    }

    private static Tensor scalar(double v, Tensor like) {
        return Tensor.tensor(v, like.isComplex() ? like.dtype().toReal() : like.dtype(), like.device());
    }

    /**
     * Loads a state from {@link #stateDict()} (of this optimizer or a twin over parameters of the same shapes), as
     * {@code optimizer.load_state_dict(state_dict)}: the group's options become the saved ones and the state the saved
     * one, its tensors converted to the parameters' type and device where they differ, else taken themselves (shared
     * with the map's holder, as PyTorch 2.x's load). Everything is checked before anything changes.
     *
     * @throws IllegalArgumentException as {@link Optimizer#loadStateDict}, and for a state entry other than {@code 0},
     *     a missing or unknown key, or a vector whose length is not the parameters' total number of elements, leaving
     *     the optimizer as it was
     */
    @Override
    protected void loadState(Map<String, ?> stateDict) {
        Object st = stateDict.get("state");
        Map<?, ?> saved = null;
        if (st instanceof Map) {
            for (Map.Entry<?, ?> e : ((Map<?, ?>) st).entrySet()) {
                Object k = e.getKey();
                boolean zero = k instanceof Number && ((Number) k).doubleValue() == 0 || "0".equals(k);
                if (!zero) {
                    throw new IllegalArgumentException("the saved state of LBFGS belongs to parameter 0 only, got an entry for "
                            + k);
                }
                if (!(e.getValue() instanceof Map)) {
                    throw new IllegalArgumentException("the saved state of parameter 0 must be a map, got " + e.getValue());
                }
                saved = (Map<?, ?>) e.getValue();
            }
        }
        Loaded loaded = saved == null ? null : parse(saved);
        Map<String, Object> rest = new LinkedHashMap<>(stateDict);
        if (st instanceof Map) {
            rest.put("state", Map.of());
        }
        try {
            super.loadState(rest);
        } catch (RuntimeException ex) {
            if (loaded != null) {
                loaded.close();
            }
            throw ex;
        }
        hasState = loaded != null;
        live = null;
        storedTail = loaded != null && loaded.tail;
        funcEvals = loaded == null ? 0 : loaded.funcEvals;
        nIter = loaded == null ? 0 : loaded.nIter;
        al = loaded == null ? null : loaded.al;
        alLast = loaded != null && loaded.alLast;
        d = loaded == null ? null : loaded.d;
        t = loaded == null ? null : loaded.t;
        oldDirs = loaded == null ? null : loaded.oldDirs;
        oldStps = loaded == null ? null : loaded.oldStps;
        ro = loaded == null ? null : loaded.ro;
        hDiag = loaded == null ? null : loaded.hDiag;
        hDiagTensor = loaded != null && loaded.hDiagTensor;
        prevFlatGrad = loaded == null ? null : loaded.prevFlatGrad;
        prevLoss = loaded == null ? null : loaded.prevLoss;
    }

    /** A checked saved state, its tensors already copied. */
    private static final class Loaded {
        boolean tail;
        long funcEvals;
        long nIter;
        Double[] al;
        boolean alLast;
        Tensor d;
        Double t;
        List<Tensor> oldDirs;
        List<Tensor> oldStps;
        List<Double> ro;
        Double hDiag;
        boolean hDiagTensor;
        Tensor prevFlatGrad;
        Double prevLoss;
        final List<Tensor> made = new ArrayList<>();

        void close() {
            for (Tensor x : made) {
                x.close();
            }
        }
    }

    private static final List<String> KEYS = List.of("func_evals", "n_iter", "al", "d", "t", "old_dirs", "old_stps", "ro",
            "H_diag", "prev_flat_grad", "prev_loss");

    private Loaded parse(Map<?, ?> saved) {
        for (Object k : saved.keySet()) {
            if (!KEYS.contains(k)) {
                throw new IllegalArgumentException("the saved state of parameter 0 has an entry " + k + " that LBFGS does not "
                        + "keep");
            }
        }
        Loaded l = new Loaded();
        try (GradMode off = Ember.noGrad()) {
            l.funcEvals = count(saved, "func_evals");
            l.nIter = count(saved, "n_iter");
            if (saved.get("al") != null) {
                List<?> a = list(saved, "al");
                l.al = new Double[a.size()];
                for (int i = 0; i < a.size(); i++) {
                    l.al[i] = a.get(i) == null ? null : number("al", a.get(i));
                }
            }
            l.tail = saved.containsKey("d");
            List<Object> order = new ArrayList<>(saved.keySet());
            l.alLast = l.al != null && l.tail && order.indexOf("al") > order.indexOf("d");
            if (l.tail) {
                for (String k : KEYS.subList(3, KEYS.size())) {
                    if (!saved.containsKey(k)) {
                        throw new IllegalArgumentException("the saved state of parameter 0 has d but no " + k);
                    }
                }
                l.d = vector(saved.get("d"), "d", l, true);
                l.t = saved.get("t") == null ? null : number("t", saved.get("t"));
                l.prevFlatGrad = vector(saved.get("prev_flat_grad"), "prev_flat_grad", l, true);
                l.prevLoss = saved.get("prev_loss") == null ? null : number("prev_loss", saved.get("prev_loss"));
                if (saved.get("old_dirs") != null || saved.get("old_stps") != null || saved.get("ro") != null) {
                    List<?> dirs = list(saved, "old_dirs");
                    List<?> stps = list(saved, "old_stps");
                    List<?> ros = list(saved, "ro");
                    if (dirs.size() != stps.size() || dirs.size() != ros.size()) {
                        throw new IllegalArgumentException("the saved state of parameter 0 has old_dirs, old_stps and ro of "
                                + "different lengths: " + dirs.size() + ", " + stps.size() + ", " + ros.size());
                    }
                    l.oldDirs = new ArrayList<>();
                    l.oldStps = new ArrayList<>();
                    l.ro = new ArrayList<>();
                    for (int i = 0; i < dirs.size(); i++) {
                        l.oldDirs.add(vector(dirs.get(i), "old_dirs[" + i + "]", l, false));
                        l.oldStps.add(vector(stps.get(i), "old_stps[" + i + "]", l, false));
                        l.ro.add(number("ro[" + i + "]", ros.get(i)));
                    }
                }
                Object h = saved.get("H_diag");
                l.hDiag = h == null ? null : number("H_diag", h);
                l.hDiagTensor = h instanceof Tensor;
            }
        } catch (RuntimeException ex) {
            l.close();
            throw ex;
        }
        return l;
    }

    private static List<?> list(Map<?, ?> saved, String key) {
        Object v = saved.get(key);
        if (!(v instanceof List)) {
            throw new IllegalArgumentException("the saved state of parameter 0: " + key + " must be a list, got " + v);
        }
        return (List<?>) v;
    }

    private static long count(Map<?, ?> saved, String key) {
        if (!saved.containsKey(key)) {
            throw new IllegalArgumentException("the saved state of parameter 0 has no " + key);
        }
        double v = number(key, saved.get(key));
        if (!(v >= 0 && v == Math.rint(v) && v < 9.0e15)) {
            throw new IllegalArgumentException("the saved state of parameter 0: " + key + " must be a non-negative integer, "
                    + "got " + Format.repr(v));
        }
        return (long) v;
    }

    private static double number(String key, Object v) {
        if (v instanceof Number) {
            return ((Number) v).doubleValue();
        }
        if (v instanceof Tensor && !((Tensor) v).isClosed() && ((Tensor) v).numel() == 1) {
            return ((Tensor) v).item();
        }
        throw new IllegalArgumentException("the saved state of parameter 0: " + key + " must be a number, got " + v);
    }

    private Tensor vector(Object v, String key, Loaded l, boolean nullable) {
        if (v == null && nullable) {
            return null;
        }
        if (!(v instanceof Tensor) || ((Tensor) v).isClosed()) {
            throw new IllegalArgumentException("the saved state of parameter 0: " + key + " must be an open tensor, got " + v);
        }
        Tensor x = (Tensor) v;
        long n = 0;
        for (Tensor p : params()) {
            n += p.isComplex() ? 2 * p.numel() : p.numel(); // a complex parameter's parts, as PyTorch 2.x's _numel
        }
        if (x.dim() != 1 || x.numel() != n || !x.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException("the saved state of parameter 0: " + key + " must be a floating vector of the "
                    + "parameters' " + n + " elements, got shape " + Arrays.toString(x.shape()) + " " + x.dtype());
        }
        Tensor p0 = params().get(0);
        Tensor c = x.to(p0.device()).to(p0.isComplex() ? p0.dtype().toReal() : p0.dtype());
        if (c == x) {
            // PyTorch 2.x's load keeps a tensor that needs no move or cast: the dict's holder and the optimizer share it
            // (prev_flat_grad, which each step overwrites in place, shows the later steps in the dict)
            return TensorScope.escape(x);
        }
        c = TensorScope.escape(c);
        l.made.add(c);
        return c;
    }

    /** Python's {@code min(a, b)}: {@code a} unless {@code b < a}. */
    private static double pyMin(double a, double b) {
        return b < a ? b : a;
    }

    /** Python's {@code max(a, b)}: {@code a} unless {@code b > a}. */
    private static double pyMax(double a, double b) {
        return b > a ? b : a;
    }

    private Tensor evaluate(Optimizer.Closure closure) {
        Tensor loss;
        try (GradMode on = Ember.enableGrad()) {
            loss = closure.call();
        }
        if (loss == null) {
            throw new IllegalArgumentException("LBFGS.step: the closure returned null, not the loss");
        }
        if (loss.numel() != 1) {
            throw new IllegalArgumentException("only one element tensors can be converted to Python scalars");
        }
        return loss;
    }

    /** LBFGS's whole-number defaults: {@code lr=1, max_iter=20, max_eval=max_iter * 5 // 4, history_size=100}. */
    @Override
    java.util.Set<String> intOptions() {
        return java.util.Set.of("lr", "max_iter", "max_eval", "history_size");
    }

    private List<Tensor> params() {
        return paramGroups().get(0).params();
    }

    private Tensor gatherFlatGrad() {
        List<Tensor> views = new ArrayList<>();
        for (int i = 0; i < params().size(); i++) {
            Tensor p = params().get(i);
            Tensor g = p.grad();
            if (g == null) {
                views.add(ComplexParams.real(p.detach()).reshape(-1).zerosLike());
            } else {
                checkLike("LBFGS.step: the gradient of parameter " + i, g, p);
                views.add(ComplexParams.real(g).reshape(-1)); // a complex gradient as its parts, as PyTorch 2.x
            }
        }
        return Tensor.cat(views, 0);
    }

    private void addGrad(double stepSize, Tensor update) {
        int offset = 0;
        for (Tensor param : params()) {
            Tensor p = ComplexParams.real(param);
            int numel = Math.toIntExact(p.numel());
            p.add_(update.narrow(0, offset, numel).viewAs(p), stepSize);
            offset += numel;
        }
    }

    private List<Tensor> cloneParams() {
        List<Tensor> out = new ArrayList<>();
        for (Tensor p : params()) {
            out.add(p.clone());
        }
        return out;
    }

    private void setParams(List<Tensor> data) {
        for (int i = 0; i < data.size(); i++) {
            params().get(i).copy_(data.get(i));
        }
    }

    /** A function value, its flat gradient, a step length and the evaluations it took. */
    private static final class Wolfe {
        final double f;
        final Tensor g;
        final double t;
        final long evals;

        Wolfe(double f, Tensor g, double t, long evals) {
            this.f = f;
            this.g = g;
            this.t = t;
            this.evals = evals;
        }
    }

    /** PyTorch's {@code _directional_evaluate}: the loss and flat gradient at {@code x + t * d}, then back to x. */
    private Wolfe directionalEvaluate(Optimizer.Closure closure, List<Tensor> x, double step, Tensor dir) {
        addGrad(step, dir);
        double loss = evaluate(closure).item();
        Tensor flatGrad = gatherFlatGrad();
        setParams(x);
        return new Wolfe(loss, flatGrad, step, 1);
    }

    /** PyTorch's {@code _cubic_interpolate} (from minFunc's polyinterp), with optional bounds. */
    static double cubicInterpolate(double x1, double f1, double g1, double x2, double f2, double g2, double[] bounds) {
        double xminBound;
        double xmaxBound;
        if (bounds != null) {
            xminBound = bounds[0];
            xmaxBound = bounds[1];
        } else if (x1 <= x2) {
            xminBound = x1;
            xmaxBound = x2;
        } else {
            xminBound = x2;
            xmaxBound = x1;
        }
        double d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2);
        double d2Square = d1 * d1 - g1 * g2;
        if (d2Square >= 0) {
            double d2 = Math.sqrt(d2Square);
            double minPos;
            if (x1 <= x2) {
                minPos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2));
            } else {
                minPos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
            }
            return pyMin(pyMax(minPos, xminBound), xmaxBound);
        }
        return (xminBound + xmaxBound) / 2.;
    }

    /** PyTorch's {@code _strong_wolfe} line search (from minFunc's lswolfe), c1 1e-4, c2 0.9, 25 evaluations at most. */
    private Wolfe strongWolfe(Optimizer.Closure closure, List<Tensor> x, double t, Tensor dir, double f, Tensor g,
                              double gtd, double toleranceChange) {
        final double c1 = 1e-4;
        final double c2 = 0.9;
        final int maxLs = 25;
        double dNorm = dir.abs().max().item();
        g = g.clone();
        Wolfe e = directionalEvaluate(closure, x, t, dir);
        double fNew = e.f;
        Tensor gNew = e.g;
        long lsFuncEvals = 1;
        double gtdNew = gNew.dot(dir).item();

        double tPrev = 0;
        double fPrev = f;
        Tensor gPrev = g;
        double gtdPrev = gtd;
        boolean done = false;
        int lsIter = 0;
        double[] bracket = null;
        double[] bracketF = null;
        Tensor[] bracketG = null;
        double[] bracketGtd = new double[2];
        while (lsIter < maxLs) {
            if (fNew > (f + c1 * t * gtd) || (lsIter > 1 && fNew >= fPrev)) {
                bracket = new double[] {tPrev, t};
                bracketF = new double[] {fPrev, fNew};
                bracketG = new Tensor[] {gPrev, gNew.clone()};
                bracketGtd = new double[] {gtdPrev, gtdNew};
                break;
            }
            if (Math.abs(gtdNew) <= -c2 * gtd) {
                bracket = new double[] {t};
                bracketF = new double[] {fNew};
                bracketG = new Tensor[] {gNew};
                done = true;
                break;
            }
            if (gtdNew >= 0) {
                bracket = new double[] {tPrev, t};
                bracketF = new double[] {fPrev, fNew};
                bracketG = new Tensor[] {gPrev, gNew.clone()};
                bracketGtd = new double[] {gtdPrev, gtdNew};
                break;
            }
            // interpolate
            double minStep = t + 0.01 * (t - tPrev);
            double maxStep = t * 10;
            double tmp = t;
            t = cubicInterpolate(tPrev, fPrev, gtdPrev, t, fNew, gtdNew, new double[] {minStep, maxStep});
            // next step
            tPrev = tmp;
            fPrev = fNew;
            gPrev = gNew.clone();
            gtdPrev = gtdNew;
            e = directionalEvaluate(closure, x, t, dir);
            fNew = e.f;
            gNew = e.g;
            lsFuncEvals++;
            gtdNew = gNew.dot(dir).item();
            lsIter++;
        }
        if (lsIter == maxLs) {
            bracket = new double[] {0, t};
            bracketF = new double[] {f, fNew};
            bracketG = new Tensor[] {g, gNew};
        }

        // zoom: refine the bracket until a point satisfies the conditions
        boolean insufProgress = false;
        int lowPos = bracketF[0] <= bracketF[bracketF.length - 1] ? 0 : 1;
        int highPos = 1 - lowPos;
        while (!done && lsIter < maxLs) {
            if (Math.abs(bracket[1] - bracket[0]) * dNorm < toleranceChange) {
                break;
            }
            t = cubicInterpolate(bracket[0], bracketF[0], bracketGtd[0], bracket[1], bracketF[1], bracketGtd[1], null);
            double bMax = pyMax(bracket[0], bracket[1]);
            double bMin = pyMin(bracket[0], bracket[1]);
            double eps = 0.1 * (bMax - bMin);
            if (pyMin(bMax - t, t - bMin) < eps) {
                if (insufProgress || t >= bMax || t <= bMin) {
                    if (Math.abs(t - bMax) < Math.abs(t - bMin)) {
                        t = bMax - eps;
                    } else {
                        t = bMin + eps;
                    }
                    insufProgress = false;
                } else {
                    insufProgress = true;
                }
            } else {
                insufProgress = false;
            }
            e = directionalEvaluate(closure, x, t, dir);
            fNew = e.f;
            gNew = e.g;
            lsFuncEvals++;
            gtdNew = gNew.dot(dir).item();
            lsIter++;

            if (fNew > (f + c1 * t * gtd) || fNew >= bracketF[lowPos]) {
                bracket[highPos] = t;
                bracketF[highPos] = fNew;
                bracketG[highPos] = gNew.clone();
                bracketGtd[highPos] = gtdNew;
                lowPos = bracketF[0] <= bracketF[1] ? 0 : 1;
                highPos = 1 - lowPos;
            } else {
                if (Math.abs(gtdNew) <= -c2 * gtd) {
                    done = true;
                } else if (gtdNew * (bracket[highPos] - bracket[lowPos]) >= 0) {
                    bracket[highPos] = bracket[lowPos];
                    bracketF[highPos] = bracketF[lowPos];
                    bracketG[highPos] = bracketG[lowPos];
                    bracketGtd[highPos] = bracketGtd[lowPos];
                }
                bracket[lowPos] = t;
                bracketF[lowPos] = fNew;
                bracketG[lowPos] = gNew.clone();
                bracketGtd[lowPos] = gtdNew;
            }
        }
        return new Wolfe(bracketF[lowPos], bracketG[lowPos], bracket[lowPos], lsFuncEvals);
    }
}
