package dev.ember.nn.utils;

import dev.ember.DType;
import dev.ember.Ember;
import dev.ember.GradMode;
import dev.ember.Tensor;
import dev.ember.nn.ConvTranspose2d;
import dev.ember.nn.Functional;
import dev.ember.nn.Module;

import java.util.Arrays;
import java.util.List;

/**
 * {@code torch.nn.utils.parametrizations} (PyTorch 2.x): {@link #weightNorm}, {@link #spectralNorm} and {@link
 * #orthogonal}, each registering its parametrization module ({@code _WeightNorm}, {@code _SpectralNorm}, {@code
 * _Orthogonal}, printed under those names) through {@link Parametrize}, so that the module's keys, printout and
 * training behave as PyTorch's.
 */
public final class Parametrizations {
    private Parametrizations() {
    }

    private static void notNull(Object value, String what) {
        if (value == null) {
            throw new IllegalArgumentException(what + " must not be null");
        }
    }

    /** PyTorch's {@code getattr(module, name, None)} check of the three functions. */
    private static Tensor tensorOf(Module module, String name) {
        notNull(module, "module");
        notNull(name, "name");
        // only a missing name is None (getattr's AttributeError); a parametrization failing to compute the value
        // raises its own error, as PyTorch's getattr does
        boolean present = Parametrize.isParametrized(module, name) || dev.ember.nn.ModuleInternals.hasParameter(module, name)
                || dev.ember.nn.ModuleInternals.hasBuffer(module, name)
                || dev.ember.nn.ModuleInternals.hasPlainAttribute(module, name);
        Tensor t = present ? module.parametrizedValue(name) : null;
        if (t == null) {
            throw new IllegalArgumentException("Module '" + module + "' has no parameter or buffer with name '" + name + "'");
        }
        return t;
    }

    // ------------------------------------------------------------------ weight_norm

    /**
     * {@code weight_norm(module, name, dim)} (PyTorch 2.x's parametrization): {@code name = g * v / ||v||}, the norm
     * over every dimension but {@code dim} ({@code -1}, PyTorch's None: the whole tensor). The originals are {@code
     * parametrizations.<name>.original0} ({@code g}, the norms, shaped to broadcast) and {@code original1} ({@code v},
     * the weight), registered unsafe, as PyTorch; the value is {@link Tensor#weightNorm} (one node
     * WeightNormInterfaceBackward0 for dim 0 or the last). Returns the module.
     *
     * @throws IllegalArgumentException with PyTorch's message when the module has no tensor of that name
     */
    public static <M extends Module> M weightNorm(M module, String name, int dim) {
        // 2.x's weight_norm has no getattr check of its own (spectral_norm and orthogonal do): a missing name is
        // register_parametrization's refusal
        notNull(module, "module");
        notNull(name, "name");
        return Parametrize.registerParametrization(module, name, new WeightNorm(dim), true);
    }

    /** {@link #weightNorm(Module, String, int)} of {@code "weight"} over dim 0, PyTorch's defaults. */
    public static <M extends Module> M weightNorm(M module) {
        return weightNorm(module, "weight", 0);
    }

    /** PyTorch's {@code _WeightNorm}. */
    static final class WeightNorm extends Parametrization {
        private final int dim;

        WeightNorm(int dim) {
            this.dim = dim;
        }

        @Override
        public Tensor forward(List<Tensor> originals) {
            if (originals.size() != 2) {
                throw new IllegalArgumentException("_WeightNorm.forward() takes 3 positional arguments but "
                        + (originals.size() + 1) + " were given");
            }
            return Tensor.weightNorm(originals.get(1), originals.get(0), dim);
        }

        @Override
        public Tensor forward(Tensor input) {
            throw new IllegalArgumentException("_WeightNorm.forward() missing 1 required positional argument: 'weight_v'");
        }

        @Override
        public List<Tensor> rightInverse(Tensor weight) {
            return List.of(Tensor.normExceptDim(weight, 2, dim), weight);
        }

        @Override
        public boolean rightInverseIsTensor() {
            return false;
        }

        /** {@code torch.nn.utils.weight_norm}'s (the hook-based one's) {@code <name>_g} and {@code <name>_v}. */
        @Override
        public List<String> legacyStateKeys(String tensorName) {
            return List.of(tensorName + "_g", tensorName + "_v");
        }

        @Override
        protected String moduleName() {
            return "_WeightNorm";
        }
    }

    // ------------------------------------------------------------------ spectral_norm

    /**
     * {@code spectral_norm(module, name, n_power_iterations, eps, dim)} (the parametrization): {@code name = W /
     * sigma(W)}, sigma estimated by power iteration on {@code W} as a matrix with {@code dim} first. The vectors are
     * buffers {@code parametrizations.<name>.0._u} and {@code _v}, drawn from the default generator, normalized and
     * iterated 15 times at registration, then {@code nPowerIterations} times at each read in training mode only,
     * each step writing them in place and assigning them again (the global buffer registration hooks run), as 2.x. {@code dim} null is PyTorch's default: 1 for {@link ConvTranspose2d}, else 0. A 1-D tensor is
     * normalized instead. Returns the module.
     *
     * @throws IllegalArgumentException with PyTorch's messages (no such tensor, a non-positive iteration count)
     * @throws IndexOutOfBoundsException for a dim out of range
     */
    public static <M extends Module> M spectralNorm(M module, String name, int nPowerIterations, double eps, Integer dim) {
        Tensor weight = tensorOf(module, name);
        int d = dim != null ? dim : module instanceof ConvTranspose2d ? 1 : 0;
        return Parametrize.registerParametrization(module, name, new SpectralNorm(weight, nPowerIterations, d, eps));
    }

    /** {@link #spectralNorm(Module, String, int, double, Integer)} with PyTorch's defaults: "weight", 1, 1e-12, None. */
    public static <M extends Module> M spectralNorm(M module) {
        return spectralNorm(module, "weight", 1, 1e-12, null);
    }

    /** PyTorch's {@code _SpectralNorm}. */
    static final class SpectralNorm extends Parametrization {
        private final int dim;
        private final double eps;
        private final int nPowerIterations;

        SpectralNorm(Tensor weight, int nPowerIterations, int dim, double eps) {
            int ndim = weight.dim();
            if (dim >= ndim || dim < -ndim) {
                throw new IndexOutOfBoundsException("Dimension out of range (expected to be in range of [-" + ndim + ", "
                        + (ndim - 1) + "] but got " + dim + ")");
            }
            if (nPowerIterations <= 0) {
                throw new IllegalArgumentException("Expected n_power_iterations to be positive, but got n_power_iterations="
                        + nPowerIterations);
            }
            this.dim = dim >= 0 ? dim : dim + ndim;
            this.eps = eps;
            this.nPowerIterations = nPowerIterations;
            if (ndim > 1) {
                try (GradMode off = Ember.noGrad()) {
                    Tensor mat = toMatrix(weight);
                    Tensor u = mat.newEmpty(mat.size(0)).normal_(0, 1);
                    Tensor v = mat.newEmpty(mat.size(1)).normal_(0, 1);
                    registerBuffer("_u", Functional.normalize(u, 2, 0, eps));
                    registerBuffer("_v", Functional.normalize(v, 2, 0, eps));
                    powerMethod(mat, 15);
                }
            }
        }

        /** PyTorch's {@code _reshape_weight_to_matrix}: {@code dim} first, the rest flattened. */
        private Tensor toMatrix(Tensor weight) {
            Tensor w = weight;
            if (dim != 0) {
                int[] perm = new int[w.dim()];
                perm[0] = dim;
                for (int d = 0, k = 1; d < w.dim(); d++) {
                    if (d != dim) {
                        perm[k++] = d;
                    }
                }
                w = w.permute(perm);
            }
            return w.flatten(1, -1);
        }

        /**
         * The power iteration, without recording, as 2.x's {@code _power_method}: each step writes {@code _u}, then
         * {@code _v}, in place ({@code F.normalize(..., out=self._u)}) and assigns the buffer again
         * ({@code self._u = ...}), so the global buffer registration hooks run at every step and a tensor one returns
         * becomes the buffer the next step writes into.
         */
        private void powerMethod(Tensor mat, int iterations) {
            try (GradMode off = Ember.noGrad()) {
                for (int i = 0; i < iterations; i++) {
                    Tensor u = parameter("_u");
                    u.copy_(Functional.normalize(mat.mv(parameter("_v")), 2, 0, eps));
                    setBuffer("_u", u);
                    Tensor v = parameter("_v");
                    v.copy_(Functional.normalize(mat.t().mv(parameter("_u")), 2, 0, eps));
                    setBuffer("_v", v);
                }
            }
        }

        @Override
        public Tensor forward(Tensor weight) {
            if (weight.dim() == 1) {
                return Functional.normalize(weight, 2, 0, eps);
            }
            Tensor mat = toMatrix(weight);
            if (isTraining()) {
                powerMethod(mat, nPowerIterations);
            }
            // clones, so that a later in-place update does not touch what this forward saved (PyTorch's note)
            Tensor u = parameter("_u").clone();
            Tensor v = parameter("_v").clone();
            Tensor sigma = u.dot(mat.mv(v)); // 2.x: torch.vdot, the same for real tensors
            return weight.div(sigma);
        }

        @Override
        public List<Tensor> rightInverse(Tensor value) {
            return List.of(value);
        }

        @Override
        protected String moduleName() {
            return "_SpectralNorm";
        }
    }

    // ------------------------------------------------------------------ orthogonal

    /**
     * {@code orthogonal(module, name, orthogonal_map, use_trivialization=True)}: {@code name} becomes an orthogonal
     * matrix (orthonormal columns when it is tall, rows when it is wide; a batch of them for more than 2 dimensions).
     * {@code orthogonalMap} is "matrix_exp", "cayley" or "householder"; null is PyTorch's default ("matrix_exp" for a
     * square matrix, "householder" otherwise). The trivialization keeps the basis in buffer {@code
     * parametrizations.<name>.0.base}: the tensor's value at registration, orthogonalized by QR when it is not
     * orthogonal (a wide or tall one completed with random normal columns first), as PyTorch. Registered unsafe, as
     * PyTorch. Returns the module.
     *
     * @throws IllegalArgumentException with PyTorch's messages: no such tensor, fewer than 2 dimensions, an unknown map
     */
    public static <M extends Module> M orthogonal(M module, String name, String orthogonalMap) {
        return orthogonal(module, name, orthogonalMap, true);
    }

    /**
     * {@link #orthogonal(Module, String, String)} with PyTorch's {@code use_trivialization}; false keeps no basis: the
     * original is then the map's own parameter (the householder map's: {@code geqrf} of the weight, its diagonal the
     * signs of R's, as PyTorch's {@code right_inverse}; matrix_exp and cayley keep the weight itself and cannot be
     * assigned to). A complex weight's default map is matrix_exp (skew-Hermitian {@code X - X^H}, a unitary value); the
     * householder map refuses it, as PyTorch.
     */
    public static <M extends Module> M orthogonal(M module, String name, String orthogonalMap, boolean useTrivialization) {
        Tensor weight = tensorOf(module, name);
        if (weight.dim() < 2) {
            throw new IllegalArgumentException("Expected a matrix or batch of matrices. Got a tensor of " + weight.dim()
                    + " dimensions.");
        }
        String map = orthogonalMap != null ? orthogonalMap
                : weight.size(-2) == weight.size(-1) || weight.isComplex() ? "matrix_exp" : "householder";
        if (!Arrays.asList("matrix_exp", "cayley", "householder").contains(map)) {
            throw new IllegalArgumentException("orthogonal_map has to be one of \"matrix_exp\", \"cayley\", \"householder\". "
                    + "Got: " + map);
        }
        return Parametrize.registerParametrization(module, name, new Orthogonal(weight, map, useTrivialization), true);
    }

    /** {@link #orthogonal(Module, String, String)} of {@code "weight"} with the default map. */
    public static <M extends Module> M orthogonal(M module) {
        return orthogonal(module, "weight", null);
    }

    /** PyTorch's {@code _Orthogonal}. */
    static final class Orthogonal extends Parametrization {
        private final int[] shape;
        private final String map;
        private final boolean trivialization;

        Orthogonal(Tensor weight, String map, boolean useTrivialization) {
            // PyTorch's Note [Householder complex]: the reflectors cannot parametrize the unitary matrices
            if (weight.isComplex() && map.equals("householder")) {
                throw new IllegalArgumentException("The householder parametrization does not support complex tensors.");
            }
            this.shape = weight.shape();
            this.map = map;
            this.trivialization = useTrivialization;
            if (useTrivialization) {
                registerBuffer("base", null);
            }
        }

        @Override
        public Tensor forward(Tensor x) {
            int n = x.size(-2);
            int k = x.size(-1);
            boolean transposed = n < k;
            if (transposed) {
                x = x.mT();
                int t = n;
                n = k;
                k = t;
            }
            Tensor q;
            if (map.equals("matrix_exp") || map.equals("cayley")) {
                x = x.tril();
                if (n != k) {
                    int[] zs = x.shape().clone();
                    zs[zs.length - 1] = n - k;
                    x = Tensor.cat(List.of(x, x.newZeros(n, n - k).expand(zs)), -1);
                }
                Tensor a = x.sub(x.mH()); // skew-symmetric, or skew-Hermitian for a complex X
                if (map.equals("matrix_exp")) {
                    q = a.matrixExp();
                } else {
                    Tensor id = Tensor.eye(n, n, a.dtype()).to(a.device());
                    q = id.add(a, -0.5).linalgSolve(id.add(a, 0.5));
                }
                if (n != k) {
                    q = q.narrow(-1, 0, k);
                }
            } else {
                Tensor a = x.tril(-1);
                Tensor tau = a.mul(a).sum(new int[] {-2}, false).add(1.0).reciprocal().mul(2.0);
                q = a.linalgHouseholderProduct(tau);
                q = q.mul(x.diagonal(0, -2, -1).to(DType.INT32).unsqueeze(-2));
            }
            if (trivialization) {
                Tensor base = parameter("base");
                if (base == null) {
                    // stacked on another parametrization, registration ran no right inverse: PyTorch's base is still
                    // None, and None @ Q is Python's TypeError
                    throw new IllegalArgumentException("unsupported operand type(s) for @: 'NoneType' and 'Tensor'");
                }
                q = base.matmul(q);
            }
            if (transposed) {
                q = q.mT();
            }
            return q;
        }

        @Override
        public List<Tensor> rightInverse(Tensor qIn) {
            if (!Arrays.equals(qIn.shape(), shape)) {
                throw new IllegalArgumentException("Expected a matrix or batch of matrices of shape " + size(shape) + ". Got a "
                        + "tensor of shape " + size(qIn.shape()) + ".");
            }
            if (!trivialization && !map.equals("householder")) {
                // PyTorch's NotImplementedError (registration reads it as the identity)
                throw new UnsupportedOperationException("It is not possible to assign to the matrix exponential or the "
                        + "Cayley parametrizations when use_trivialization=False.");
            }
            try (GradMode off = Ember.noGrad()) {
                if (!trivialization) {
                    return List.of(householderInverse(qIn));
                }
                Tensor q = qIn;
                int n = q.size(-2);
                int k = q.size(-1);
                if (n < k) {
                    q = q.mT();
                    int t = n;
                    n = k;
                    k = t;
                }
                if (n == k) {
                    q = isOrthogonal(q) ? q.clone() : makeOrthogonal(q);
                } else {
                    int[] ns = q.shape().clone();
                    ns[ns.length - 1] = n - k;
                    Tensor noise = Tensor.randn(q.dtype(), ns).to(q.device());
                    q = makeOrthogonal(Tensor.cat(List.of(q, noise), -1));
                }
                setBuffer("base", q);
                Tensor negId = qIn.zerosLike();
                negId.diagonal(0, -2, -1).fill_(-1.0);
                return List.of(negId);
            }
        }

        @Override
        protected String moduleName() {
            return "_Orthogonal";
        }
    }

    /** Python's repr of a {@code torch.Size}. */
    private static String size(int[] shape) {
        StringBuilder sb = new StringBuilder("torch.Size([");
        for (int i = 0; i < shape.length; i++) {
            sb.append(i > 0 ? ", " : "").append(shape[i]);
        }
        return sb.append("])").toString();
    }

    /**
     * PyTorch's right inverse of the householder map without the trivialization (under no_grad): {@code geqrf} of the
     * (tall, else transposed) matrix, R's diagonal replaced by its signs, negated where tau is zero (LAPACK's exact
     * zero for a reflection it did not apply), transposed back; laid out as LAPACK's column-major A.
     */
    private static Tensor householderInverse(Tensor q) {
        boolean transpose = q.size(-2) < q.size(-1);
        dev.ember.GeqrfResult g = (transpose ? q.mT() : q).geqrf();
        Tensor a = g.a();
        Tensor diag = a.diagonal(0, -2, -1);
        Tensor signs = diag.sign();
        diag.copy_(Tensor.where(g.tau().eq(0.0), signs.neg(), signs));
        // LAPACK's geqrf writes A column-major: PyTorch's original is row-major when transposed back, column-major
        // otherwise (what view(-1) of it, as parameters_to_vector's, sees); Ember's geqrf gives A row-major
        return transpose ? a.mT().contiguous() : a.mT().contiguous().mT();
    }

    /** PyTorch's {@code _is_orthogonal}: {@code Q^H Q} close to the identity, atol {@code 10 n eps} of Q's real type. */
    static boolean isOrthogonal(Tensor q) {
        int n = q.size(-2);
        int k = q.size(-1);
        Tensor id = Tensor.eye(k, k, q.dtype()).to(q.device());
        boolean f64 = q.dtype() == DType.FLOAT64 || q.dtype() == DType.COMPLEX128;
        double eps = 10.0 * n * (f64 ? Math.ulp(1.0) : Math.ulp(1.0f));
        Tensor gram = q.mH().matmul(q);
        return gram.allclose(id.expand(gram.shape()), 1e-5, eps);
    }

    /**
     * PyTorch's {@code _make_orthogonal}: the Q of the QR factorization of a tall {@code A} with {@code diag(R)}
     * non-negative (the Q of {@code linalg.qr}, which is geqrf's and householder_product's, times the signs of
     * {@code diag(R)}).
     */
    static Tensor makeOrthogonal(Tensor a) {
        dev.ember.QrResult qr = a.linalgQr();
        return qr.Q().mul(qr.R().diagonal(0, -2, -1).sgn().unsqueeze(-2));
    }
}
