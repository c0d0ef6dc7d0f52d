package dev.ember;

import java.util.List;

/**
 * {@code torch.linalg.eig} and {@code torch.linalg.eigvals}: eigenvalues and unit-norm right eigenvectors of batches of
 * general square matrices ({@code [..., n, n]}, float32, float64, complex64 or complex128; the results complex64 for
 * float32 and complex64 input, complex128 otherwise). As in PyTorch, where LAPACK's {@code geev} runs on the CPU for
 * every device, the decomposition is computed on the host in double precision ({@link EigSolver}, LAPACK's algorithm
 * step by step, so the eigenvalues' order and the eigenvectors' phases are LAPACK's) and the results are copied to the
 * input's device. One node, LinalgEigBackward0, over both outputs, whose formula is PyTorch 2.x's
 * {@code linalg_eig_backward} written in recorded (complex) ops, so it is differentiable again; a real input's gradient
 * is its real part (the engine's {@code handle_r_to_c}).
 */
final class LinalgEig {
    private LinalgEig() {
    }

    /** The gauge check's tolerance (PyTorch's {@code allclose(Im diag(V^H gV), 0, rtol = 1e-2, atol = 1e-2)}). */
    private static final double GAUGE_TOL = 1e-2;

    /** {@code torch.linalg.eig(A)}. */
    static EigResult eig(Tensor a) {
        if (Autocast.on()) {
            // PyTorch's CPU autocast list: linalg_eig runs in float32
            return Autocast.apply("linalg_eig", t -> eig(t[0]), a);
        }
        Tensor[] lv = compute(a, "linalg.eig", true);
        Tensor l = lv[0];
        Tensor v = lv[1];
        MultiOutput.record("LinalgEigBackward0", new Tensor[] {a}, new Tensor[] {l, v}, node -> {
            SavedTensor sl = node.saveOutput(l);
            SavedTensor sv = node.saveOutput(v);
            return g -> new Tensor[] {backward(g[0], g[1], sl.get(), sv.get())};
        });
        return new EigResult(l, v);
    }

    /**
     * {@code torch.linalg.eigvals(A)}: as PyTorch 2.x's composite {@code linalg_eigvals}, {@code linalg_eig(A)}'s
     * eigenvalues when A requires grad (so the node is LinalgEigBackward0 and the errors name linalg.eig), else the
     * eigenvalues alone, without the non-finite check (a non-finite input gives NaN eigenvalues).
     */
    static Tensor eigvals(Tensor a) {
        if (Autocast.on()) {
            return Autocast.apply("linalg_eigvals", t -> eigvals(t[0]), a);
        }
        if (ArithmeticOps.needsGrad(a)) {
            return eig(a).eigenvalues();
        }
        return compute(a, "linalg.eigvals", false)[0];
    }

    /** The checks in PyTorch's order, then the host decomposition: {eigenvalues, eigenvectors (null unless vectors)}. */
    private static Tensor[] compute(Tensor a, String fn, boolean vectors) {
        DType t = a.dtype;
        if (!t.isFloatingPoint() && !t.isComplex()) {
            // toComplexType, before anything else
            throw new IllegalArgumentException("Unknown Complex ScalarType for " + Format.scalarType(t));
        }
        boolean cx = t.isComplex();
        if (a.device.isMeta()) {
            // PyTorch 2.x's meta_linalg_eig / meta__linalg_eigvals: the square check, complex results of A's shapes
            LinalgDecompositions.checkSquare(a, fn, "A");
            DType c = cx ? t : t.toComplex();
            Tensor values = Creation.empty(java.util.Arrays.copyOf(a.shape, a.dim() - 1), c, a.device);
            return new Tensor[] {values, vectors ? Creation.empty(a.shape.clone(), c, a.device) : null};
        }
        double[] host;
        try (GradMode off = Ember.noGrad()) {
            host = (cx ? a.viewAsReal() : a).contiguous().toDoubleArray();
        }
        boolean finite = true;
        for (double x : host) {
            finite &= Double.isFinite(x);
        }
        if (vectors && !finite) {
            throw new IllegalArgumentException("torch.linalg.eig: input tensor should not contain infs or NaNs.");
        }
        LinalgDecompositions.checkSquare(a, fn, "A");
        if (t.isReducedFloatingPoint()) {
            throw Refusals.unsupported("linalg_eig_out_cpu", t);
        }
        int n = a.size(-1);
        int batches = LinalgDecompositions.batchOf(a.shape);
        double[] lr = new double[batches * n];
        double[] li = new double[batches * n];
        double[] vr = vectors ? new double[batches * n * n] : null;
        double[] vi = vectors ? new double[batches * n * n] : null;
        int nn = n * n;
        for (int b = 0; b < batches; b++) {
            EigSolver.Result r;
            if (!finite) {
                r = new EigSolver.Result(n, false);
                java.util.Arrays.fill(r.wr, Double.NaN);
                java.util.Arrays.fill(r.wi, Double.NaN);
            } else if (cx) {
                double[] re = new double[nn];
                double[] im = new double[nn];
                for (int p = 0; p < nn; p++) {
                    re[p] = host[2 * (b * nn + p)];
                    im[p] = host[2 * (b * nn + p) + 1];
                }
                r = EigSolver.complex(re, im, n, vectors);
            } else {
                r = EigSolver.real(java.util.Arrays.copyOfRange(host, b * nn, (b + 1) * nn), n, vectors);
            }
            if (r.info > 0) {
                throw new LinAlgError("torch." + fn + ": " + (a.dim() > 2 ? "(Batch element " + b + "): " : "")
                        + "The algorithm failed to converge because the input matrix is ill-conditioned or has too many "
                        + "repeated eigenvalues (error code: " + r.info + ").");
            }
            System.arraycopy(r.wr, 0, lr, b * n, n);
            System.arraycopy(r.wi, 0, li, b * n, n);
            if (vectors) {
                System.arraycopy(r.vr, 0, vr, b * nn, nn);
                System.arraycopy(r.vi, 0, vi, b * nn, nn);
            }
        }
        DType out = cx ? t : t.toComplex();
        int[] lShape = java.util.Arrays.copyOf(a.shape, a.dim() - 1);
        try (GradMode off = Ember.noGrad()) {
            Tensor l = complexOf(lr, li, lShape, out, a.device);
            Tensor v = vectors ? complexOf(vr, vi, a.shape.clone(), out, a.device) : null;
            return new Tensor[] {l, v};
        }
    }

    /** A fresh complex tensor of the given parts, type and device, without history. */
    private static Tensor complexOf(double[] re, double[] im, int[] shape, DType type, Device device) {
        Tensor z = Tensor.complex(Creation.fromFlat(re, shape, DType.FLOAT64, Device.CPU),
                Creation.fromFlat(im, shape, DType.FLOAT64, Device.CPU));
        return z.to(type).to(device).contiguous();
    }

    /**
     * PyTorch 2.x's {@code linalg_eig_backward} (is_hermitian = false): with gV, after the gauge check,
     * {@code gA = V^-H (diag(gL) + (V^H gV - V^H V Re(diag(V^H gV))) / conj(E)) V^H}, E the eigenvalue gaps (the diagonal
     * of the bracket gL, or kept when gL is undefined); without gV, {@code V^-H diag(gL) V^H}.
     */
    static Tensor backward(Tensor gL, Tensor gV, Tensor l, Tensor v) {
        Tensor vh = v.conj().mT();
        if (gV == null) {
            return solve(vh, gL.unsqueeze(-1).mul(vh));
        }
        int n = v.size(-1);
        DType real = v.dtype.toReal();
        Tensor vhgv = vh.matmul(gV);
        // the diagonal's parts: [..., 2, n]
        Tensor parts = vhgv.viewAsReal().diagonal(0, -3, -2);
        checkGauge(parts.select(-2, 1));
        Tensor re = parts.select(-2, 0);
        vhgv = vhgv.sub(vh.matmul(v.mul(re.unsqueeze(-2))));
        Tensor eye = LinalgDecompositions.eye(n, real, v.device);
        Tensor lc = l.conj();
        Tensor e = lc.unsqueeze(-2).sub(lc.unsqueeze(-1)).add(eye);
        Tensor ret = vhgv.div(e);
        if (gL != null) {
            ret = ret.mul(eye.rsub(1.0)).add(gL.unsqueeze(-2).mul(eye));
        }
        return solve(vh, ret.matmul(vh));
    }

    /** Refuses a loss that depends on the eigenvectors' phases: Im(diag(V^H gV)) not all within the tolerance of 0. */
    private static void checkGauge(Tensor imDiag) {
        double[] x;
        try (GradMode off = Ember.noGrad()) {
            x = imDiag.detach().contiguous().toDoubleArray();
        }
        for (double d : x) {
            if (!(Math.abs(d) <= GAUGE_TOL)) {
                throw new IllegalStateException("linalg_eig_backward: The eigenvectors in the complex case are specified up "
                        + "to multiplication by e^{i phi}. The specified loss function depends on this quantity, so it is "
                        + "ill-defined.");
            }
        }
    }

    /**
     * X with {@code M X = B} for complex M [..., n, n] and B [..., n, k], through the real system
     * {@code [[Re M, -Im M], [Im M, Re M]] [Re X; Im X] = [Re B; Im B]}, in recorded ops (differentiable again).
     */
    private static Tensor solve(Tensor m, Tensor b) {
        int n = m.size(-1);
        Tensor mr = m.real();
        Tensor mi = m.imag();
        Tensor big = Tensor.cat(List.of(Tensor.cat(List.of(mr, mi.neg()), -1), Tensor.cat(List.of(mi, mr), -1)), -2);
        Tensor x = big.linalgSolve(Tensor.cat(List.of(b.real(), b.imag()), -2));
        return Tensor.complex(x.narrow(-2, 0, n), x.narrow(-2, n, n));
    }
}
