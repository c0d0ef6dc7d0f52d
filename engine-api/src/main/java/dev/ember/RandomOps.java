package dev.ember;

import dev.ember.backend.Philox;
import dev.ember.backend.RandomKind;

import java.util.Arrays;
import java.util.List;

/**
 * Random sampling beyond the factories: {@code randperm}, {@code multinomial}, {@code bernoulli}, {@code normal} with
 * tensor parameters, the in-place fills {@code normal_}, {@code uniform_}, {@code exponential_}, {@code bernoulli_}, and
 * {@code randint_like}. Every number comes from the {@link Generator}'s Philox stream (a draw reserves one counter per
 * element), so a seed gives the same numbers on every device: elementwise draws run the backend's random kernel (CUDA
 * draws a kind its kernel lacks on the host, see {@code CudaBackend.random}); {@code randperm} and {@code multinomial},
 * whose elements depend on each other, are computed on the host from the same stream and copied to the device. PyTorch's
 * own streams differ (Philox on CUDA, Mersenne Twister on the CPU), so the numbers are Ember's, with PyTorch's
 * distributions, checks, messages and autograd nodes (the backward of a random op is zero).
 */
final class RandomOps {
    private RandomOps() {
    }

    /** A kernel's name in PyTorch's "not implemented" errors: {@code "normal_kernel_cpu" not implemented for 'Long'}. */
    private static void requireFloating(Tensor t, String kernel) {
        if (!t.dtype.isFloatingPoint()) {
            throw new IllegalArgumentException("\"" + kernel + "\" not implemented for '" + Format.scalarType(t.dtype) + "'");
        }
    }

    /** A fresh tensor of {@code like}'s shape, type and device drawn from {@code kind}. */
    private static Tensor draw(Tensor like, RandomKind kind, double a, double b, Generator g) {
        return Creation.random(kind, like.shape, like.dtype, a, b, g, like.device);
    }

    /** The in-place form: {@code values} (drawn by {@code op}) written into {@code self} with PyTorch's in-place rules. */
    private static Tensor fill(Tensor self, List<Tensor> others, String node, java.util.function.Function<Tensor, Tensor> values) {
        return InplaceOps.inplace(self, others, old -> {
            Tensor v = values.apply(old);
            Tensor[] inputs = new Tensor[1 + others.size()];
            inputs[0] = old;
            for (int i = 0; i < others.size(); i++) {
                inputs[i + 1] = others.get(i);
            }
            // derivatives.yaml: self: zeros_like(grad), and zeros for a tensor parameter
            return ArithmeticOps.record(v, node, inputs, n -> g -> {
                Tensor[] grads = new Tensor[inputs.length];
                grads[0] = g.zerosLike();
                for (int i = 1; i < inputs.length; i++) {
                    grads[i] = n.needsInputGrad(i) ? Creation.zeros(inputs[i].shape, g.dtype, g.device) : null;
                }
                return grads;
            });
        });
    }

    // ------------------------------------------------------------------ in-place fills

    static Tensor normal_(Tensor self, double mean, double std, Generator g) {
        if (!(std >= 0.0)) {
            throw new IllegalArgumentException("normal expects std >= 0.0, but found std " + Format.cpp(std));
        }
        requireFloating(self, "normal_kernel_cpu");
        return fill(self, List.of(), "NormalBackward0", old -> draw(old, RandomKind.NORMAL, mean, std, g));
    }

    static Tensor uniform_(Tensor self, double from, double to, Generator g) {
        requireFloating(self, "check_uniform_bounds");
        // check_uniform_bounds: both ends within the type's range, in order, and their difference too
        double max = self.dtype == DType.FLOAT32 ? Float.MAX_VALUE : Double.MAX_VALUE;
        String type = NNOps.cTypeName(self.dtype);
        if (!(from >= -max && from <= max)) {
            throw new IllegalArgumentException("from is out of bounds for " + type);
        }
        if (!(to >= -max && to <= max)) {
            throw new IllegalArgumentException("to is out of bounds for " + type);
        }
        if (from > to) {
            throw new IllegalArgumentException("uniform_ expects to return a [from, to) range, but found from="
                    + Format.cpp(from) + " > to=" + Format.cpp(to));
        }
        if (!(to - from <= max)) {
            throw new IllegalArgumentException("uniform_ expects to-from <= std::numeric_limits<" + Format.scalarType(self.dtype)
                    + ">::max(), but found to=" + Format.cpp(to) + " and from=" + Format.cpp(from)
                    + " which result in to-from to exceed the limit");
        }
        return fill(self, List.of(), "UniformBackward0", old -> draw(old, RandomKind.UNIFORM, from, to, g));
    }

    static Tensor exponential_(Tensor self, double lambd, Generator g) {
        if (!(lambd > 0.0)) {
            throw new IllegalArgumentException("exponential_ expects lambda > 0.0, but found lambda=" + Format.cpp(lambd));
        }
        requireFloating(self, "exponential_cpu");
        return fill(self, List.of(), "ExponentialBackward0", old -> draw(old, RandomKind.EXPONENTIAL, lambd, 0, g));
    }

    private static void checkP(double p) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("bernoulli_ expects p to be in [0, 1], but got p=" + Format.cpp(p));
        }
    }

    static Tensor bernoulli_(Tensor self, double p, Generator g) {
        checkP(p);
        return fill(self, List.of(), "BernoulliBackward2", old -> draw(old, RandomKind.BERNOULLI, p, 0, g));
    }

    static Tensor bernoulli_(Tensor self, Tensor p, Generator g) {
        ArithmeticOps.checkSameDevice(self, p);
        checkProbabilities(p);
        Tensor pe;
        try (GradMode off = Ember.noGrad()) {
            pe = p.detach().expand(self.shape);
        }
        return fill(self, List.of(p), "BernoulliBackward1", old -> below(pe, old.shape, old.dtype, old.device, g));
    }

    /** CPU's {@code TORCH_CHECK(p_in >= 0 && p_in <= 1)} without a message of its own. */
    private static void checkProbabilities(Tensor p) {
        if (p.numel() == 0) {
            return;
        }
        boolean ok;
        try (GradMode off = Ember.noGrad()) {
            Tensor q = p.detach().to(DType.FLOAT64);
            ok = q.ge(0.0).logicalAnd(q.le(1.0)).all();
        }
        if (!ok) {
            throw new IllegalArgumentException("Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could this error "
                    + "message be improved?  If so, please report an enhancement request to PyTorch.)");
        }
    }

    /** {@code u < p} for u uniform on [0, 1) in float64 (one counter per element), as a tensor of {@code dtype}. */
    private static Tensor below(Tensor p, int[] shape, DType dtype, Device device, Generator g) {
        try (GradMode off = Ember.noGrad()) {
            Tensor u = Creation.random(RandomKind.UNIFORM, shape, DType.FLOAT64, 0, 1, g, device);
            return ArithmeticOps.cast(u.lt(p.detach().to(DType.FLOAT64)), dtype);
        }
    }

    // ------------------------------------------------------------------ new tensors

    /** {@code torch.bernoulli(input)}: 1 with probability {@code input} elementwise. */
    static Tensor bernoulli(Tensor p, Generator g) {
        requireFloating(p, "bernoulli_tensor_cpu_p_");
        checkProbabilities(p);
        Tensor out = below(p, p.shape, p.dtype, p.device, g);
        return ArithmeticOps.record(out, "BernoulliBackward0", new Tensor[] {p}, n -> grad -> new Tensor[] {grad.zerosLike()});
    }

    /** {@code torch.bernoulli(input, p)}: input's shape and type, 1 with probability {@code p} (no history, as PyTorch's). */
    static Tensor bernoulli(Tensor like, double p, Generator g) {
        checkP(p);
        return draw(like, RandomKind.BERNOULLI, p, 0, g);
    }

    static Tensor normal(double mean, double std, int[] size, Generator g) {
        if (!(std >= 0.0)) {
            throw new IllegalArgumentException("normal expects std >= 0.0, but found std " + Format.cpp(std));
        }
        return Creation.random(RandomKind.NORMAL, size, Ember.getDefaultDtype(), mean, std, g);
    }

    /**
     * {@code torch.normal} with tensor parameters: {@code mean + std * N(0, 1)}, the two broadcast; a null mean or std is
     * the number {@code meanValue} or {@code stdValue}. Nodes NormalBackward1 (tensor mean), NormalBackward2 (tensor std),
     * NormalBackward3 (both), whose gradients are zeros.
     */
    static Tensor normal(Tensor mean, double meanValue, Tensor std, double stdValue, Generator g) {
        if (mean != null && std != null) {
            ArithmeticOps.checkSameDevice(mean, std);
        }
        Tensor ref = mean != null ? mean : std;
        requireFloating(ref, "normal_kernel_cpu");
        if (std == null && !(stdValue >= 0.0)) {
            throw new IllegalArgumentException("normal expects std >= 0.0, but found std " + Format.cpp(stdValue));
        }
        if (std != null && std.numel() > 0) {
            boolean ok;
            try (GradMode off = Ember.noGrad()) {
                ok = std.detach().to(DType.FLOAT64).ge(0.0).all();
            }
            if (!ok) {
                throw new IllegalArgumentException("normal expects all elements of std >= 0.0");
            }
        }
        int[] shape = mean != null && std != null ? Shapes.broadcast(mean.shape, std.shape) : ref.shape;
        DType type = mean != null && std != null ? ArithmeticOps.resultType(mean, std) : ref.dtype;
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            Tensor z = Creation.random(RandomKind.NORMAL, shape, type, 0, 1, g, ref.device);
            Tensor scaled = std != null ? z.mul(std.detach()) : z.mul(stdValue);
            out = mean != null ? scaled.add(mean.detach()) : scaled.add(meanValue);
            if (!Arrays.equals(out.shape, shape) || out.dtype != type) {
                out = ArithmeticOps.cast(out.expand(shape).contiguous(), type);
            }
        }
        if (mean != null && std != null) {
            return ArithmeticOps.record(out, "NormalBackward3", new Tensor[] {mean, std}, n -> grad -> new Tensor[] {
                n.needsInputGrad(0) ? Creation.zeros(mean.shape, grad.dtype, grad.device) : null,
                n.needsInputGrad(1) ? Creation.zeros(std.shape, grad.dtype, grad.device) : null});
        }
        Tensor input = mean != null ? mean : std;
        return ArithmeticOps.record(out, mean != null ? "NormalBackward1" : "NormalBackward2", new Tensor[] {input},
                n -> grad -> new Tensor[] {Creation.zeros(input.shape, grad.dtype, grad.device)});
    }

    /** {@code torch.randint_like(input, low, high)}: integers on [low, high) in input's shape, type and device. */
    static Tensor randintLike(Tensor like, long low, long high, Generator g) {
        if (low >= high) {
            throw new IllegalArgumentException("random_ expects 'from' to be less than 'to', but got from=" + low + " >= to="
                    + high);
        }
        Creation.checkRandomRange(low, high, like.dtype);
        return draw(like, RandomKind.INTEGERS, low, high, g);
    }

    // ------------------------------------------------------------------ host algorithms on the Philox stream

    /** A 64-bit word of counter {@code c}. */
    private static long word(long seed, long c, int[] words) {
        Philox.block(seed, c, words);
        return ((words[0] & 0xFFFFFFFFL) << 32) | (words[1] & 0xFFFFFFFFL);
    }

    /**
     * {@code torch.randperm(n)}: a Fisher-Yates shuffle as PyTorch's CPU kernel ({@code r[i]} swapped with
     * {@code r[i + z]}, {@code z = random() % (n - i)}), its words from the generator's stream (counter per step).
     */
    static Tensor randperm(long n, DType dtype, Generator g) {
        if (n < 0) {
            throw new IllegalArgumentException("Trying to create tensor with negative dimension " + n + ": [" + n + "]");
        }
        if (dtype == DType.BOOL) {
            throw new IllegalArgumentException("\"randperm\" not implemented for 'Bool'");
        }
        int size = Shapes.toSize(n, "randperm(" + n + ")");
        if (dtype == DType.FLOAT32 && n > (1 << 24)) {
            throw new IllegalArgumentException("n cannot be greater than 2^24+1 for Float type.");
        }
        if (dtype.isIntegral() && n > 0 && n - 1 > dtype.maxValue()) {
            throw new IllegalArgumentException("value cannot be converted to type " + ArithmeticOps.cTypeScalarName(dtype)
                    + " without overflow");
        }
        Shapes.storageNumel(new int[] {size}, DType.INT64);
        long[] r = new long[size];
        for (int i = 0; i < size; i++) {
            r[i] = i;
        }
        long first = g.advance(Math.max(size - 1, 0));
        long seed = g.initialSeed();
        int[] words = new int[4];
        for (int i = 0; i < size - 1; i++) {
            long z = Long.remainderUnsigned(word(seed, first + i, words), size - i);
            long t = r[i];
            r[i] = r[i + (int) z];
            r[i + (int) z] = t;
        }
        return Creation.fromFlat(r, new int[] {size}, DType.INT64, Ember.defaultDevice()).to(dtype);
    }

    /**
     * {@code torch.multinomial}: with replacement, each sample inverts the row's cumulative distribution at a uniform
     * draw (53 bits); without replacement (and for one sample), PyTorch's exponential trick: the {@code numSamples} largest
     * {@code p / q}, q drawn from Exp(1), in descending order (ties to the lower index). Rows reserve
     * {@code max(C, numSamples)} counters each.
     */
    static Tensor multinomial(Tensor probs, int numSamples, boolean replacement, Generator g) {
        if (probs.dim() < 1 || probs.dim() > 2) {
            throw new IllegalArgumentException("prob_dist must be 1 or 2 dim");
        }
        if (!probs.dtype.isFloatingPoint()) {
            throw new IllegalArgumentException("multinomial only supports floating-point dtypes for input, got: "
                    + Format.scalarType(probs.dtype));
        }
        if (numSamples <= 0) {
            throw new IllegalArgumentException("cannot sample n_sample <= 0 samples");
        }
        int categories = probs.size(-1);
        if (!replacement && numSamples > categories) {
            throw new IllegalArgumentException("cannot sample n_sample > prob_dist.size(-1) samples without replacement");
        }
        if (categories > (1 << 24)) {
            throw new IllegalArgumentException("number of categories cannot exceed 2^24");
        }
        int rows = probs.dim() == 1 ? 1 : probs.shape[0];
        int[] outShape = probs.dim() == 1 ? new int[] {numSamples} : new int[] {rows, numSamples};
        Shapes.storageNumel(outShape, DType.INT64);
        double[] p = probs.toDoubleArray();
        boolean trick = !replacement || numSamples == 1;
        for (int r = 0; r < rows; r++) {
            double sum = 0;
            for (int c = 0; c < categories; c++) {
                double v = p[r * categories + c];
                if (trick) {
                    if (!(v >= 0) || v == Double.POSITIVE_INFINITY) {
                        throw new IllegalArgumentException("probability tensor contains either `inf`, `nan` or element < 0");
                    }
                } else {
                    if (!(v >= 0)) {
                        throw new IllegalArgumentException("invalid multinomial distribution (encountering probability entry < 0)");
                    }
                    if (Double.isInfinite(v)) {
                        throw new IllegalArgumentException("invalid multinomial distribution (encountering probability entry = "
                                + "infinity or NaN)");
                    }
                }
                sum += v;
            }
            if (!(sum > 0) && rows > 0) {
                throw new IllegalArgumentException("invalid multinomial distribution (sum of probabilities <= 0)");
            }
        }
        int perRow = Math.max(categories, numSamples);
        long first = g.advance((long) rows * perRow);
        long seed = g.initialSeed();
        long[] out = new long[rows * numSamples];
        int[] words = new int[4];
        double[] cdf = new double[categories];
        double[] key = new double[categories];
        Integer[] order = new Integer[categories];
        for (int r = 0; r < rows; r++) {
            long base = first + (long) r * perRow;
            int at = r * categories;
            if (trick) {
                for (int c = 0; c < categories; c++) {
                    Philox.block(seed, base + c, words);
                    double q = -Math.log1p(-Philox.uniformDouble(words[0], words[1]));
                    key[c] = p[at + c] / q;
                    order[c] = c;
                }
                Arrays.sort(order, (x, y) -> {
                    int cmp = Double.compare(key[y], key[x]);
                    return cmp != 0 ? cmp : Integer.compare(x, y);
                });
                for (int s = 0; s < numSamples; s++) {
                    out[r * numSamples + s] = order[s];
                }
            } else {
                double total = 0;
                for (int c = 0; c < categories; c++) {
                    total += p[at + c];
                    cdf[c] = total;
                }
                for (int s = 0; s < numSamples; s++) {
                    Philox.block(seed, base + s, words);
                    double u = Philox.uniformDouble(words[0], words[1]) * total;
                    // the first category whose cumulative sum exceeds u (a zero-probability one never does)
                    int lo = 0;
                    int hi = categories - 1;
                    while (lo < hi) {
                        int mid = (lo + hi) >>> 1;
                        if (cdf[mid] > u) {
                            hi = mid;
                        } else {
                            lo = mid + 1;
                        }
                    }
                    while (lo > 0 && p[at + lo] == 0) {
                        lo--; // rounding at the top end: fall back to the last category with mass
                    }
                    out[r * numSamples + s] = lo;
                }
            }
        }
        return Creation.fromFlat(out, outShape, DType.INT64, probs.device);
    }
}
