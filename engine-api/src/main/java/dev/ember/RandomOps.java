package dev.ember;

import dev.ember.backend.Layout;
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
        // the fp8 types too: the random kernels dispatch float, double, half and bfloat16 only
        if ((!t.dtype.isFloatingPoint() || t.dtype.isFloat8()) && !t.device.isMeta()) { // meta kernels check no type
            throw Refusals.notImplemented(kernel, t.dtype);
        }
    }

    /** A fresh tensor of {@code like}'s shape, type and device drawn from {@code kind}. */
    private static Tensor draw(Tensor like, RandomKind kind, double a, double b, Generator g) {
        boolean real = (kind != RandomKind.UNIFORM && kind != RandomKind.NORMAL || like.dtype.isFloatingPoint())
                && TorchCpuRandom.dispatches(like.dtype);
        if (!like.isContiguous() && real && !like.device.isMeta()) {
            // PyTorch's CPU kernels fill a strided tensor in the order of its memory
            Tensor t = g.drawCpu(like.device, mt -> TorchCpuRandom.randomLike(kind, like, like.dtype, a, b, mt));
            if (t != null) {
                return t;
            }
        }
        if (!like.isContiguous() && like.dtype.isComplex() && (kind == RandomKind.UNIFORM || kind == RandomKind.NORMAL)
                && !like.device.isMeta()) {
            // a complex one's real view (view_as_real of empty_like: strided too) in the order of its memory
            Tensor t = g.drawCpu(like.device, mt -> TorchCpuRandom.complexLike(kind, like, a, b, mt));
            if (t != null) {
                return t;
            }
        }
        return Creation.random(kind, like.shape, like.dtype, a, b, g, like.device);
    }

    /** {@code rand_like} / {@code randn_like}: {@link #draw} on [0, 1) or N(0, 1). */
    static Tensor like(Tensor like, RandomKind kind, Generator g) {
        return keptStrides(draw(likeTarget(like), kind, 0, 1, g), like);
    }

    /**
     * A draw for a tensor that is contiguous but for the strides of its size-1 dimensions (which PyTorch's empty_like
     * keeps, {@code [3, 1, 2]} with strides {@code (2, 7, 1)}), made row-major: the same storage with those strides
     * (the same memory order); any other as it is.
     */
    private static Tensor keptStrides(Tensor drawn, Tensor like) {
        if (!like.isContiguous() || !drawn.isContiguous() || drawn.layout.offset() != 0
                || Arrays.equals(drawn.layout.strides(), like.layout.strides())) {
            return drawn;
        }
        Tensor t = new Tensor(drawn.lease, new Layout(like.shape, like.layout.strides(), 0), drawn.device, drawn.backend,
                new int[1], drawn.dtype);
        drawn.close(); // the new tensor holds the storage alone, as the draw did
        return t;
    }

    /**
     * What PyTorch's {@code _like} draws fill: {@code empty_like(like)}, which keeps the strides of a non-overlapping and
     * dense tensor, and gives any other (a sliced one, an expanded one) dense strides in the same order of dimensions
     * ({@code infer_dense_strides}): a sliced row-major tensor's are contiguous, so a normal draw of 16 or more takes
     * the fill where the tensor's own strides would take the serial normal.
     */
    private static Tensor likeTarget(Tensor like) {
        if (like.isContiguous() || ShapeOps.nonOverlappingAndDense(like.shape, like.layout.strides())) {
            return like;
        }
        // empty_like's strides (ShapeOps.preservedStrides: infer_dense_strides, whose ties and zero strides keep
        // their place; a stable sort by stride put an expanded dimension innermost, an overlapping view's equal
        // strides in another order)
        return Creation.emptyLike(like);
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
        ComplexRandom.requireFloatingOrComplex(self, "normal_kernel_cpu");
        return fill(self, List.of(), "NormalBackward0", old -> draw(old, RandomKind.NORMAL, mean, std, g));
    }

    static Tensor uniform_(Tensor self, double from, double to, Generator g) {
        ComplexRandom.requireFloatingOrComplex(self, "check_uniform_bounds");
        // check_uniform_bounds: both ends within the type's range, in order, and their difference too (a complex
        // tensor's are its parts', as PyTorch checks its view_as_real)
        DType parts = self.dtype.isComplex() ? self.dtype.toReal() : self.dtype;
        double max = parts == DType.FLOAT32 ? Float.MAX_VALUE : Double.MAX_VALUE;
        String type = NNOps.cTypeName(parts);
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
            throw new IllegalArgumentException("uniform_ expects to-from <= std::numeric_limits<" + Format.scalarType(parts)
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
        if (self.dtype.isFloat8() || p.dtype.isFloat8()) {
            // 2.x's bernoulli_tensor_cpu_self_ dispatches all types, bool, bfloat16 and half
            throw Refusals.unsupported("bernoulli_tensor_cpu_self_", self.dtype.isFloat8() ? self.dtype : p.dtype);
        }
        checkProbabilities(p);
        Tensor pe;
        try (GradMode off = Ember.noGrad()) {
            pe = p.detach().expand(self.shape);
        }
        return fill(self, List.of(p), "BernoulliBackward1", old -> below(pe, old.shape, old.layout.strides(),
                old.dtype, old.device, g));
    }

    /** CPU's {@code TORCH_CHECK(p_in >= 0 && p_in <= 1)} without a message of its own. */
    private static void checkProbabilities(Tensor p) {
        if (p.numel() == 0 || p.device.isMeta()) {
            return; // a meta tensor has no values to check (PyTorch's meta bernoulli checks none)
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
    private static Tensor below(Tensor p, int[] shape, int[] strides, DType dtype, Device device, Generator g) {
        try (GradMode off = Ember.noGrad()) {
            Tensor bits = g.drawCpu(device, mt -> {
                // ATen's bernoulli_tensor_cpu: bernoulli_distribution<double> for a float64 p, <float> for the others,
                // element after element in the order of self's memory (TensorIterator's, self its output)
                boolean wide = p.dtype == DType.FLOAT64;
                int[] perm = strides == null ? TorchCpuRandom.memoryOrder(new int[shape.length])
                        : TorchCpuRandom.memoryOrder(strides);
                double[] q = p.detach().expand(shape).permute(perm).contiguous().to(DType.FLOAT64).toDoubleArray();
                long[] v = new long[q.length];
                for (int i = 0; i < q.length; i++) {
                    v[i] = (wide ? mt.uniformDouble() < q[i] : mt.uniformFloat() < (float) q[i]) ? 1 : 0;
                }
                int[] permuted = new int[perm.length];
                int[] inverse = new int[perm.length];
                for (int i = 0; i < perm.length; i++) {
                    permuted[i] = shape[perm[i]];
                    inverse[perm[i]] = i;
                }
                return Creation.fromFlat(v, permuted, DType.INT64, device).permute(inverse);
            });
            if (bits != null) {
                return ArithmeticOps.cast(bits, dtype);
            }
            Tensor u = Creation.random(RandomKind.UNIFORM, shape, DType.FLOAT64, 0, 1, g, device);
            return ArithmeticOps.cast(u.lt(p.detach().to(DType.FLOAT64)), dtype);
        }
    }

    // ---- random samplers (session 20, helper 3) ----

    /**
     * {@code Tensor.random_(from, to)}: integers uniform on [from, to) in self's type; node RandomBackward0 for
     * {@code random_(from, to)}, RandomBackward1 for {@code random_(to)} ({@code node}).
     */
    static Tensor random_(Tensor self, long from, long to, String node, Generator g) {
        // random_from_to_impl builds its TensorIterator (the overlap check) before it checks the range
        InplaceOps.checkNoSelfOverlap(self);
        long[] range = Creation.randomRange(from, to, self.dtype);
        return fill(self, List.of(), node, old -> {
            Tensor serial = !TorchCpuRandom.dispatches(old.dtype) ? null
                    : g.drawCpu(old.device, mt -> TorchCpuRandom.integersLike(old, range[0], range[1], mt));
            return serial != null ? serial : draw(old, RandomKind.INTEGERS, range[0], range[1], g);
        });
    }

    /**
     * {@code Tensor.random_()}: ATen's {@code uniform_int_distribution} over the type's range ({@code random_kernel}):
     * the word modulo {@code max + 1} for the integer types (64 bits for int64, else 32), {@code 2^d + 1} for the floating
     * types (64 bits for double), its low bit for bool; node RandomBackward2.
     */
    static Tensor random_(Tensor self, Generator g) {
        DType t = self.dtype;
        if (t.isComplex() || t.isFloat8() || t.isBarebonesUnsigned()) {
            throw Refusals.notImplemented("random_kernel_cpu", t);
        }
        // the end of the range as the kernels read it, (long) b as an unsigned number: 2^63 for int64 is -2^63 as a long
        double to;
        switch (t) {
            case INT64: to = -0x1p63; break;
            case FLOAT64: to = 0x1p53 + 1; break;
            case FLOAT32: to = 0x1p24 + 1; break;
            case FLOAT16: to = 0x1p11 + 1; break;
            case BFLOAT16: to = 0x1p8 + 1; break;
            case BOOL: to = 2; break;
            default: to = t.maxValue() + 1.0; break;
        }
        long end = t == DType.INT64 ? Long.MIN_VALUE : t == DType.FLOAT64 ? (1L << 53) + 1 : (long) to;
        return fill(self, List.of(), "RandomBackward2", old -> {
            Tensor serial = g.drawCpu(old.device, mt -> TorchCpuRandom.integersLike(old, 0, end, mt));
            // Philox: the same ranges but float64's, which a double cannot hold: [0, 2^53]
            return serial != null ? serial : draw(old, RandomKind.INTEGERS, 0, to, g);
        });
    }

    /** {@code Tensor.geometric_(p)}: the number of Bernoulli(p) trials up to the first success, node GeometricBackward0. */
    static Tensor geometric_(Tensor self, double p, Generator g) {
        if (!(p > 0 && p < 1)) {
            throw new IllegalArgumentException("geometric_ expects p to be in (0, 1), but got p=" + Format.cpp(p));
        }
        InplaceOps.checkNoSelfOverlap(self); // the TensorIterator, before the kernel's dispatch
        if (self.dtype.isComplex() || self.dtype.isFloat8() || self.dtype.isBarebonesUnsigned()
                || self.dtype == DType.BOOL) { // geometric_cpu: all types, half and bfloat16, no bool
            throw Refusals.notImplemented("geometric_cpu", self.dtype);
        }
        // PyTorch's transformation::geometric: ceil(log(u) / log1p(-p)), u its serial uniform double on [0, 1)
        return fill(self, List.of(), "GeometricBackward0", old -> {
            try (GradMode off = Ember.noGrad()) {
                Tensor u = uniformDoubles(old, g);
                Tensor k = u.log().div(Math.log1p(-p)).ceil().clampMin(1.0);
                return ArithmeticOps.cast(k, old.dtype);
            }
        });
    }

    /**
     * Uniform doubles on [0, 1) of {@code like}'s shape, drawn in the order of its memory as PyTorch's serial CPU kernels
     * draw a strided tensor's elements (row-major for a contiguous one, and on other generators).
     */
    private static Tensor uniformDoubles(Tensor like, Generator g) {
        if (!like.isContiguous() && !like.device.isMeta()) {
            Tensor t = g.drawCpu(like.device, mt -> TorchCpuRandom.inMemoryOrder(like,
                    (shape, n) -> TorchCpuRandom.random(RandomKind.UNIFORM, shape, DType.FLOAT64, 0, 1, mt)));
            if (t != null) {
                return t;
            }
        }
        return Creation.random(RandomKind.UNIFORM, like.shape, DType.FLOAT64, 0, 1, g, like.device);
    }

    /** {@code Tensor.cauchy_(median, sigma)}: {@code median + sigma * tan(pi (u - 1/2))}, node CauchyBackward0. */
    static Tensor cauchy_(Tensor self, double median, double sigma, Generator g) {
        // PyTorch 2.x checks sigma (1.13 did not)
        if (!(sigma > 0.0)) {
            throw new IllegalArgumentException("cauchy_ expects sigma > 0.0, but found sigma=" + Format.cpp(sigma));
        }
        requireFloating(self, "cauchy_cpu");
        return fill(self, List.of(), "CauchyBackward0", old -> {
            try (GradMode off = Ember.noGrad()) {
                // cauchy_distribution<double> on PyTorch's CPU engine: median + sigma * tan(pi * (u - 0.5)) per element in
                // memory order, fused as its x86 builds compile it
                Tensor serial = g.drawCpu(old.device, mt -> TorchCpuRandom.inMemoryOrder(old, (shape, n) -> {
                    double[] v = new double[n];
                    for (int i = 0; i < n; i++) {
                        v[i] = Math.fma(sigma, Math.tan(Math.PI * (mt.uniformDouble() - 0.5)), median);
                    }
                    return ArithmeticOps.cast(Creation.fromFlat(v, shape, DType.FLOAT64, Device.CPU), old.dtype);
                }));
                if (serial != null) {
                    return serial;
                }
                Tensor u = Creation.random(RandomKind.UNIFORM, old.shape, DType.FLOAT64, 0, 1, g, old.device);
                Tensor c = u.sub(0.5).mul(Math.PI).tan().mul(sigma).add(median);
                return ArithmeticOps.cast(c, old.dtype);
            }
        });
    }

    /** {@code Tensor.log_normal_(mean, std)}: {@code exp(N(mean, std))}, node LogNormalBackward0. */
    static Tensor logNormal_(Tensor self, double mean, double std, Generator g) {
        if (!(std > 0.0)) {
            throw new IllegalArgumentException("log_normal_ expects std > 0.0, but found std=" + Format.cpp(std));
        }
        requireFloating(self, "log_normal_cpu");
        return fill(self, List.of(), "LogNormalBackward0", old -> {
            Tensor serial = g.drawCpu(old.device, mt -> TorchCpuRandom.logNormalLike(old, mean, std, mt));
            if (serial != null) {
                return serial;
            }
            try (GradMode off = Ember.noGrad()) {
                Tensor z = Creation.random(RandomKind.NORMAL, old.shape, DType.FLOAT64, mean, std, g, old.device);
                return ArithmeticOps.cast(z.exp(), old.dtype);
            }
        });
    }

    /**
     * A stream of uniform doubles for one element of a host rejection sampler: element {@code i} of a draw owns counter
     * {@code first + i}, and its k-th block of four words is Philox at that counter under the key
     * {@code seed + k * golden}, so an element may draw as many numbers as its algorithm needs, the same on every device.
     */
    static final class ElementStream {
        private final long seed;
        private final long counter;
        private final int[] words = new int[4];
        private int block = -1;
        private int used = 4;
        /** Non-null: every element draws from PyTorch's CPU engine in turn, as its serial kernels do. */
        private final Mt19937 mt;

        ElementStream(long seed, long counter) {
            this.seed = seed;
            this.counter = counter;
            this.mt = null;
        }

        ElementStream(Mt19937 mt) {
            this.seed = 0;
            this.counter = 0;
            this.mt = mt;
        }

        private int next() {
            if (used == 4) {
                block++;
                Philox.block(seed + block * 0x9E3779B97F4A7C15L, counter, words);
                used = 0;
            }
            return words[used++];
        }

        /** Uniform on [0, 1) with 53 bits. */
        double uniform() {
            if (mt != null) {
                return mt.uniformDouble();
            }
            int hi = next();
            int lo = next();
            return Philox.uniformDouble(hi, lo);
        }

        /** Standard normal (Box-Muller of two words; PyTorch's {@code normal_distribution<double>} on its CPU engine). */
        double normal() {
            if (mt != null) {
                return mt.normalDouble();
            }
            int a = next();
            int b = next();
            return Philox.normal(a, b);
        }
    }

    /** One element's draw of a host sampler. */
    interface ElementDraw {
        void draw(int i, ElementStream s);
    }

    /**
     * Runs {@code body} for elements 0 to n-1 with their streams: PyTorch's CPU engine shared in element order when
     * {@code g} draws {@code device}'s tensors with it, else each element's own Philox counter.
     */
    static void eachElement(Generator g, Device device, int n, ElementDraw body) {
        Boolean done = g.drawCpu(device, mt -> {
            ElementStream s = new ElementStream(mt);
            for (int i = 0; i < n; i++) {
                body.draw(i, s);
            }
            return Boolean.TRUE;
        });
        if (done != null) {
            return;
        }
        long[] drawn = g.draw(n);
        for (int i = 0; i < n; i++) {
            body.draw(i, new ElementStream(drawn[0], drawn[1] + i));
        }
    }

    /** A Poisson(rate) draw: Knuth's product of uniforms below 12, else Hormann's PTRS (as PyTorch's sample_poisson). */
    static double samplePoisson(double lambda, ElementStream s) {
        if (lambda >= 10) {
            // transformed rejection with squeeze (Hormann 1993), PyTorch's sample_poisson for lambda >= 10
            double slam = Math.sqrt(lambda);
            double loglam = Math.log(lambda);
            double b = 0.931 + 2.53 * slam;
            double a = -0.059 + 0.02483 * b;
            double invalpha = 1.1239 + 1.1328 / (b - 3.4);
            double vr = 0.9277 - 3.6224 / (b - 2);
            while (true) {
                double u = s.uniform() - 0.5;
                double v = s.uniform();
                double us = 0.5 - Math.abs(u);
                double k = Math.floor((2 * a / us + b) * u + lambda + 0.43);
                if (us >= 0.07 && v <= vr) {
                    return k;
                }
                if (k < 0 || (us < 0.013 && v > us)) {
                    continue;
                }
                if (Math.log(v) + Math.log(invalpha) - Math.log(a / (us * us) + b)
                        <= -lambda + k * loglam - logFactorial(k)) {
                    return k;
                }
            }
        }
        if (lambda == 0) {
            return 0;
        }
        double enlam = Math.exp(-lambda);
        double x = 0;
        double prod = 1.0;
        while (true) {
            prod *= s.uniform();
            if (prod > enlam) {
                x += 1;
            } else {
                return x;
            }
        }
    }

    /** {@code log(k!)} for a whole k: the sum of logs below 21, Stirling's series (error under 1e-15) above. */
    static double logFactorial(double k) {
        if (k < 21) {
            double r = 0;
            for (int i = 2; i <= (int) k; i++) {
                r += Math.log(i);
            }
            return r;
        }
        double x = k + 1;
        double x2 = x * x;
        return (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + 1 / (12 * x) - 1 / (360 * x * x2)
                + 1 / (1260 * x * x2 * x2);
    }

    /** {@code torch.poisson(rates)}: a Poisson draw per element in rates' type, node PoissonBackward0 (zero gradient). */
    static Tensor poisson(Tensor rates, Generator g) {
        if (rates.device.isMeta()) {
            // PyTorch 2.x's meta_poisson: empty_like(self), any type, nothing drawn
            Tensor t = MetaOps.emptyLike(rates, rates.device);
            return ArithmeticOps.record(t, "PoissonBackward0", new Tensor[] {rates}, n -> grad -> new Tensor[] {grad.zerosLike()});
        }
        requireFloating(rates, "poisson_cpu");
        double[] r;
        try (GradMode off = Ember.noGrad()) {
            r = rates.detach().toDoubleArray();
        }
        for (double v : r) {
            if (!(v >= 0)) {
                throw new IllegalArgumentException("invalid Poisson rate, expected rate to be non-negative");
            }
        }
        double[] out = new double[r.length];
        eachElement(g, rates.device, r.length, (i, s) -> out[i] = samplePoisson(r[i], s));
        Tensor t = ArithmeticOps.cast(Creation.fromFlat(out, rates.shape.clone(), DType.FLOAT64, rates.device), rates.dtype);
        return ArithmeticOps.record(t, "PoissonBackward0", new Tensor[] {rates}, n -> grad -> new Tensor[] {grad.zerosLike()});
    }

    /**
     * {@code torch.binomial(count, prob)}: a Binomial(count, prob) draw per element (the two broadcast, of one floating
     * type), counted by the waiting times between successes (geometric jumps; exact, cost proportional to
     * {@code count * min(p, 1 - p)}). PyTorch records a node whose backward is not implemented; the result here has
     * no history.
     */
    static Tensor binomial(Tensor count, Tensor prob, Generator g) {
        MetaOps.refuseDataDependent("aten::binomial", count, prob); // PyTorch 2.x registers no meta binomial
        ArithmeticOps.checkSameDevice(count, prob);
        requireFloating(count, "binomial_cpu");
        if (prob.dtype != count.dtype) {
            throw new IllegalArgumentException("Found dtype " + Format.scalarType(prob.dtype) + " but expected "
                    + Format.scalarType(count.dtype));
        }
        int[] shape = Shapes.broadcast(count.shape, prob.shape);
        double[] n;
        double[] p;
        try (GradMode off = Ember.noGrad()) {
            n = count.detach().expand(shape).contiguous().toDoubleArray();
            p = prob.detach().expand(shape).contiguous().toDoubleArray();
        }
        double[] out = new double[n.length];
        eachElement(g, count.device, n.length, (i, s) -> out[i] = sampleBinomial(n[i], p[i], s));
        return ArithmeticOps.cast(Creation.fromFlat(out, shape, DType.FLOAT64, count.device), count.dtype);
    }

    /**
     * A Binomial(count, prob) draw as ATen's {@code sample_binomial}: the success probability below one half (else
     * {@code count} minus the draw for {@code 1 - prob}), then BTRS (Hormann's transformed rejection, with PyTorch's
     * bound) when {@code count * prob >= 10}, else inversion by geometric waiting times {@code ceil(log(u) / log1p(-p))}
     * until they pass {@code count}. Each uniform is one of the element's stream.
     */
    static double sampleBinomial(double count, double prob, ElementStream s) {
        if (Double.isNaN(count)) {
            return Double.NaN; // PyTorch's inversion would wait for a sum above nan forever
        }
        if (count <= 0 || prob <= 0) {
            return 0;
        }
        if (prob >= 1) {
            return count;
        }
        if (prob <= 0.5) {
            return count * prob >= 10 ? btrs(count, prob, s) : binomialInversion(count, prob, s);
        }
        if (prob > 0.5) {
            double q = 1.0 - prob;
            return count - (count * q >= 10 ? btrs(count, q, s) : binomialInversion(count, q, s));
        }
        return Double.NaN;
    }

    private static double binomialInversion(double count, double prob, ElementStream s) {
        double geomSum = 0;
        double num = 0;
        double logprob = Math.log1p(-prob);
        while (true) {
            double geom = Math.ceil(Math.log(s.uniform()) / logprob);
            geomSum += geom;
            if (geomSum > count) {
                return num;
            }
            num = num + 1;
        }
    }

    /** {@code log(k!) - Stirling's approximation}: ATen's table up to 9, its series beyond. */
    private static double stirlingTail(double k) {
        if (k <= 9) {
            return STIRLING_TAIL[(int) k];
        }
        double kp1sq = (k + 1) * (k + 1);
        return (1.0 / 12 - (1.0 / 360 - 1.0 / 1260 / kp1sq) / kp1sq) / (k + 1);
    }

    private static final double[] STIRLING_TAIL = {0.0810614667953272, 0.0413406959554092, 0.0276779256849983,
        0.02079067210376509, 0.0166446911898211, 0.0138761288230707, 0.0118967099458917, 0.0104112652619720,
        0.00925546218271273, 0.00833056343336287};

    private static double btrs(double count, double prob, ElementStream s) {
        double stddev = Math.sqrt(count * prob * (1 - prob));
        double b = 1.15 + 2.53 * stddev;
        double a = -0.0873 + 0.0248 * b + 0.01 * prob;
        double c = count * prob + 0.5;
        double vr = 0.92 - 4.2 / b;
        double r = prob / (1 - prob);
        double alpha = (2.83 + 5.1 / b) * stddev;
        double m = Math.floor((count + 1) * prob);
        while (true) {
            double u = s.uniform() - 0.5;
            double v = s.uniform();
            double us = 0.5 - Math.abs(u);
            double k = Math.floor((2 * a / us + b) * u + c);
            if (k < 0 || k > count) {
                continue;
            }
            if (us >= 0.07 && v <= vr) {
                return k;
            }
            v = Math.log(v * alpha / (a / (us * us) + b));
            double upper = (m + 0.5) * Math.log((m + 1) / (r * (count - m + 1)))
                    + (count + 1) * Math.log((count - m + 1) / (count - k + 1))
                    + (k + 0.5) * Math.log(r * (count - k + 1) / (k + 1))
                    + stirlingTail(m) + stirlingTail(count - m) - stirlingTail(k) - stirlingTail(count - k);
            if (v <= upper) {
                return k;
            }
        }
    }

    /**
     * A standard Gamma(alpha) draw by Marsaglia and Tsang's method as PyTorch's sample_gamma (alpha below 1 boosted by
     * {@code u^(1/alpha)}).
     */
    static double sampleGamma(double alpha, ElementStream s) {
        return sampleGamma(alpha, false, s);
    }

    /**
     * {@link #sampleGamma(double, ElementStream)} as ATen's {@code sample_gamma<scalar_t, double>}: where
     * {@code single} (a float32 alpha, {@code scalar_t} float) its {@code 1.0f / alpha}, {@code alpha += 1.0f} and
     * {@code alpha - 1.0f / 3.0f} are float operations; the rest is double.
     */
    static double sampleGamma(double alpha, boolean single, ElementStream s) {
        double scale = 1.0;
        if (alpha < 1.0) {
            if (alpha == 0) {
                return 0;
            }
            scale *= Math.pow(1 - s.uniform(), single ? (double) (1.0f / (float) alpha) : 1.0 / alpha);
            alpha = single ? (double) ((float) alpha + 1.0f) : alpha + 1.0;
        }
        // ATen's float constants: 1.0f / 3.0f and 0.0331f
        double d = single ? (double) ((float) alpha - 1.0f / 3.0f) : alpha - (double) (1.0f / 3.0f);
        double c = 1.0 / Math.sqrt(9.0 * d);
        while (true) {
            double x;
            double y;
            do {
                x = s.normal();
                y = 1.0 + c * x;
            } while (y <= 0);
            double v = y * y * y;
            double u = 1 - s.uniform();
            double xsq = x * x;
            if (u < 1.0 - (double) 0.0331f * xsq * xsq) {
                return scale * d * v;
            }
            if (Math.log(u) < 0.5 * xsq + d * (1.0 - v + Math.log(v))) {
                return scale * d * v;
            }
        }
    }

    /**
     * {@code torch._standard_gamma(alpha)}: a standard Gamma draw per element of {@code alpha} (its type and device; a
     * sample clamped to the type's smallest normal number, as PyTorch's kernel), node StandardGammaBackward0 whose
     * gradient is PyTorch's implicit reparameterization {@code grad * _standard_gamma_grad(alpha, result)}.
     */
    static Tensor standardGamma(Tensor alpha, Generator g) {
        requireFloating(alpha, "_standard_gamma");
        double[] a;
        try (GradMode off = Ember.noGrad()) {
            a = alpha.detach().contiguous().toDoubleArray();
        }
        double[] out = new double[a.length];
        double[] grad = new double[a.length];
        double tiny = alpha.dtype == DType.FLOAT64 ? Double.MIN_NORMAL : Float.MIN_NORMAL;
        boolean single = alpha.dtype != DType.FLOAT64; // sample_gamma<float, double> for float32 (and the reduced types)
        eachElement(g, alpha.device, a.length, (i, s) -> out[i] = Math.max(tiny, sampleGamma(a[i], single, s)));
        for (int i = 0; i < a.length; i++) {
            if (alpha.dtype != DType.FLOAT64) {
                out[i] = (float) out[i];
            }
            grad[i] = standardGammaGrad(a[i], out[i]);
        }
        Tensor t = ArithmeticOps.cast(Creation.fromFlat(out, alpha.shape.clone(), DType.FLOAT64, alpha.device), alpha.dtype);
        Tensor dx = ArithmeticOps.cast(Creation.fromFlat(grad, alpha.shape.clone(), DType.FLOAT64, alpha.device), alpha.dtype);
        // derivatives.yaml: self: grad * _standard_gamma_grad(self, result) (not differentiable again)
        return ArithmeticOps.record(t, "StandardGammaBackward0", new Tensor[] {alpha}, n -> gr -> new Tensor[] {gr.mul(dx)});
    }

    /**
     * {@code digamma} of a positive number as ATen's {@code digamma_one<scalar_t, double>} (Distributions.h), which
     * {@code standard_gamma_grad_one} (double here) and {@code dirichlet_grad_one} ({@link DirichletOps}) call: the
     * recurrence up to 10, {@code PSI_10} at exactly 10, else Cephes' asymptotic series (polevl of degree 6 in
     * {@code 1 / x^2}) below {@code 1e17f}. Where {@code single} ({@code scalar_t} float) the argument, its recurrence
     * {@code 1 / x} and {@code x + 1}, {@code x * x}, its {@code log}, {@code 0.5 / x} and the result are rounded to
     * float; the sums are double.
     */
    static double digammaOne(double x, boolean single) {
        x = single ? (float) x : x;
        if (x == 0) {
            return Double.POSITIVE_INFINITY;
        }
        double result = 0;
        while (x < 10) {
            result -= single ? (float) (1 / x) : 1 / x;
            x = single ? (float) (x + 1) : x + 1;
        }
        if (x == 10) {
            double r = result + 2.25175258906672110764;
            return single ? (float) r : r;
        }
        double y = 0;
        if (x < (double) 1.0e17f) {
            double z = 1.0 / (single ? (float) (x * x) : x * x);
            double poly = DIGAMMA_A[0];
            for (int i = 1; i < DIGAMMA_A.length; i++) {
                poly = poly * z + DIGAMMA_A[i];
            }
            y = z * poly;
        }
        double r = single ? result + (float) Math.log(x) - (float) (0.5 / x) - y : result + Math.log(x) - (0.5 / x) - y;
        return single ? (float) r : r;
    }

    /** Cephes' coefficients of ATen's {@code digamma_one}, highest degree first (polevl's order). */
    private static final double[] DIGAMMA_A = {8.33333333333333333333E-2, -2.10927960927960927961E-2,
        7.57575757575757575758E-3, -4.16666666666666666667E-3, 3.96825396825396825397E-3, -8.33333333333333333333E-3,
        8.33333333333333333333E-2};

    /**
     * PyTorch's {@code standard_gamma_grad_one}: {@code -(d/dalpha cdf(x; alpha)) / pdf(x; alpha)} by a Taylor series
     * for small x, Rice's saddle-point expansion for large alpha, else PyTorch's bivariate rational approximation.
     */
    static double standardGammaGrad(double alpha, double x) {
        // ATen's constants are floats: 0.8f, 8.0f, 0.9f, 1.1f (compared in double)
        if (x < (double) 0.8f) {
            double numer = 1;
            double denom = alpha;
            double series1 = numer / denom;
            double series2 = numer / (denom * denom);
            for (int i = 1; i <= 5; ++i) {
                numer *= -x / i;
                denom += 1;
                series1 += numer / denom;
                series2 += numer / (denom * denom);
            }
            double powXAlpha = Math.pow(x, alpha);
            double gammaPdf = Math.pow(x, alpha - 1) * Math.exp(-x);
            double gammaCdf = powXAlpha * series1;
            double gammaCdfAlpha = (Math.log(x) - digammaOne(alpha, false)) * gammaCdf - powXAlpha * series2;
            double result = -gammaCdfAlpha / gammaPdf;
            return Double.isNaN(result) ? 0 : result;
        }
        if (alpha > 8.0) {
            if ((double) 0.9f * alpha <= x && x <= (double) 1.1f * alpha) {
                double numer1 = 1 + 24 * alpha * (1 + 12 * alpha);
                double numer2 = 1440 * (alpha * alpha) + 6 * x * (53 - 120 * x) - 65 * x * x / alpha + alpha * (107 + 3600 * x);
                double denom = 1244160 * (alpha * alpha) * (alpha * alpha);
                return numer1 * numer2 / denom;
            }
            double denom = Math.sqrt(8 * alpha);
            double term2 = denom / (alpha - x);
            double term3 = Math.pow(x - alpha - alpha * Math.log(x / alpha), -1.5);
            double term23 = x < alpha ? term2 - term3 : term2 + term3;
            double term1 = Math.log(x / alpha) * term23 - Math.sqrt(2 / alpha) * (alpha + x) / ((alpha - x) * (alpha - x));
            double stirling = 1 + 1 / (12 * alpha) * (1 + 1 / (24 * alpha));
            double numer = x * term1;
            return -stirling * numer / denom;
        }
        double u = Math.log(x / alpha);
        double v = Math.log(alpha);
        double[] coefV = new double[8];
        for (int i = 0; i < 8; ++i) {
            coefV[i] = GAMMA_GRAD_UV[0][i] + u * (GAMMA_GRAD_UV[1][i] + u * GAMMA_GRAD_UV[2][i]);
        }
        double p = coefV[0] + v * (coefV[1] + v * (coefV[2] + v * coefV[3]));
        double q = coefV[4] + v * (coefV[5] + v * (coefV[6] + v * coefV[7]));
        return Math.exp(p / q);
    }

    private static final double[][] GAMMA_GRAD_UV = {
        {0.16009398, -0.094634809, 0.025146376, -0.0030648343, 1, 0.32668115, 0.10406089, 0.0014179084},
        {0.53487893, 0.1298071, 0.065735949, -0.0015649758, 0.16639465, 0.020070113, -0.0035938915, -0.00058392623},
        {0.040121004, -0.0065914022, -0.0026286047, -0.0013441777, 0.017050642, -0.0021309326, 0.00085092367,
            -1.5247877e-07},
    };

    // ------------------------------------------------------------------ new tensors

    /** {@code torch.bernoulli(input)}: 1 with probability {@code input} elementwise. */
    static Tensor bernoulli(Tensor p, Generator g) {
        requireFloating(p, "bernoulli_tensor_cpu_p_");
        checkProbabilities(p);
        Tensor out = below(p, p.shape, null, p.dtype, p.device, g); // empty_like(p, contiguous)
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
        if (std != null && std.numel() > 0 && !std.device.isMeta()) { // meta: no values to check
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
        // the closures keep the shapes, not the tensors (PyTorch's nodes save sizes)
        if (mean != null && std != null) {
            int[] meanShape = mean.shape;
            int[] stdShape = std.shape;
            return ArithmeticOps.record(out, "NormalBackward3", new Tensor[] {mean, std}, n -> grad -> new Tensor[] {
                n.needsInputGrad(0) ? Creation.zeros(meanShape, grad.dtype, grad.device) : null,
                n.needsInputGrad(1) ? Creation.zeros(stdShape, grad.dtype, grad.device) : null});
        }
        Tensor input = mean != null ? mean : std;
        int[] inShape = input.shape;
        return ArithmeticOps.record(out, mean != null ? "NormalBackward1" : "NormalBackward2", new Tensor[] {input},
                n -> grad -> new Tensor[] {Creation.zeros(inShape, grad.dtype, grad.device)});
    }

    /** {@code torch.randint_like(input, low, high)}: integers on [low, high) in input's shape, type and device. */
    static Tensor randintLike(Tensor like, long low, long high, Generator g) {
        long[] range = Creation.randomRange(low, high, like.dtype);
        Tensor target = likeTarget(like);
        if (!target.device.isMeta() && TorchCpuRandom.dispatches(target.dtype) && !target.dtype.isComplex()) {
            Tensor serial = g.drawCpu(target.device, mt -> TorchCpuRandom.integersLike(target, range[0], range[1], mt));
            if (serial != null) {
                return keptStrides(serial, like);
            }
        }
        return keptStrides(draw(target, RandomKind.INTEGERS, range[0], range[1], g), like);
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
        if (dtype == DType.BOOL || dtype.isFloat8() || dtype.isBarebonesUnsigned()) { // 2.x's randperm: all types, half
            throw Refusals.notImplemented("randperm", dtype);
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
        if (Ember.defaultDevice().isMeta()) {
            return Creation.empty(new int[] {size}, dtype, Ember.defaultDevice()); // the meta kernel draws nothing
        }
        long[] shuffled = g.drawCpu(Ember.defaultDevice(), mt -> TorchCpuRandom.permutation(size, mt));
        if (shuffled != null) {
            return Creation.fromFlat(shuffled, new int[] {size}, DType.INT64, Ember.defaultDevice()).to(dtype);
        }
        long[] r = new long[size];
        for (int i = 0; i < size; i++) {
            r[i] = i;
        }
        long[] drawn = g.draw(Math.max(size - 1, 0));
        long seed = drawn[0];
        long first = drawn[1];
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
     * {@code p / q}, q drawn from Exp(1), in descending order (on PyTorch's CPU generator, equal keys in the order of
     * PyTorch's CPU topk; on a Philox generator, to the lower index). Rows reserve
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
        if (probs.dtype.isFloat8()) {
            // 2.x: without replacement, exponential_ on an empty_like of the input; with it, the "multinomial" kernel
            throw Refusals.unsupported(replacement ? "multinomial" : "exponential_cpu", probs.dtype);
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
        if (probs.device.isMeta()) {
            return Creation.empty(outShape, DType.INT64, probs.device); // the meta kernel: the shape, no draw
        }
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
        int rowCount = rows;
        long[] mtOut = g.drawCpu(probs.device, mt -> TorchCpuRandom.multinomial(p, rowCount, categories, numSamples,
                replacement, probs.dtype, mt));
        if (mtOut != null) {
            return Creation.fromFlat(mtOut, outShape, DType.INT64, probs.device);
        }
        int perRow = Math.max(categories, numSamples);
        long[] drawn = g.draw((long) rows * perRow);
        long seed = drawn[0];
        long first = drawn[1];
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
