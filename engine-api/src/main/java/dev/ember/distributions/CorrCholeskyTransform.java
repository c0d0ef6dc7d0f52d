package dev.ember.distributions;

import dev.ember.DType;
import dev.ember.Tensor;
import dev.ember.nn.Functional;

/**
 * Unconstrained vectors of length D(D-1)/2 to the Cholesky factors of D x D correlation matrices, as
 * {@code torch.distributions.transforms.CorrCholeskyTransform}: tanh to (-1, 1), the values placed row by row in the
 * strict lower triangle, each row then scaled by stick breaking so it has unit norm; bijective, domain event_dim 1,
 * codomain event_dim 2. Equal only to itself (PyTorch defines no {@code __eq__} for it).
 */
public class CorrCholeskyTransform extends Transform {
    /** The transform. */
    public CorrCholeskyTransform() {
    }

    @Override
    public Constraint domain() {
        return Constraint.REAL_VECTOR;
    }

    @Override
    public Constraint codomain() {
        return Constraint.CORR_CHOLESKY;
    }

    @Override
    public boolean bijective() {
        return true;
    }

    /** The row-major flat positions of the lower triangle below diagonal {@code diag} of an n x n matrix. */
    private static Tensor trilPositions(int n, int diag) {
        int count = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                count += j < i + diag + 1 ? 1 : 0;
            }
        }
        long[] pos = new long[count];
        int k = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                if (j < i + diag + 1) {
                    pos[k++] = (long) i * n + j;
                }
            }
        }
        return Tensor.tensor(pos, DType.INT64);
    }

    /** {@code tril_matrix_to_vec(mat, diag)}: the lower triangle below {@code diag}, row by row. */
    static Tensor trilMatrixToVec(Tensor mat, int diag) {
        int n = mat.size(-1);
        int[] s = mat.shape();
        int[] flat = java.util.Arrays.copyOf(s, s.length - 1);
        flat[flat.length - 1] = n * n;
        return mat.reshape(flat).indexSelect(-1, trilPositions(n, diag).to(mat.device()));
    }

    /** {@code vec_to_tril_matrix(vec, diag)} for {@code diag < 0}: the vector placed row by row below {@code diag}. */
    static Tensor vecToTrilMatrix(Tensor vec, int diag, int n) {
        long[] src = new long[n * n];
        long[] pos = trilPositions(n, diag).toLongArray();
        for (int k = 0; k < pos.length; k++) {
            src[(int) pos[k]] = k + 1;
        }
        // a zero in front, gathered: position 0 everywhere off the triangle
        Tensor padded = Functional.pad(vec, new int[] {1, 0}, "constant", 0.0);
        Tensor m = padded.indexSelect(-1, Tensor.tensor(src, DType.INT64).to(vec.device()));
        int[] s = vec.shape();
        return m.reshape(Dist.concat(java.util.Arrays.copyOf(s, s.length - 1), new int[] {n, n}));
    }

    private static int sideOf(int count) {
        int d = (int) Math.round(Math.sqrt(0.25 + 2.0 * count) + 0.5);
        if ((long) d * (d - 1) / 2 != count) {
            throw new IllegalArgumentException("Input is not a flattend lower-diagonal number");
        }
        return d;
    }

    @Override
    protected Tensor call(Tensor x) {
        int count = x.size(-1);
        int n = (int) Math.round((1 + Math.sqrt(1 + 8.0 * count)) / 2);
        if ((long) n * (n - 1) / 2 != count) {
            throw new IllegalArgumentException("The size of last dimension is " + count + " which cannot be expressed as "
                    + "the lower triangular part of a square D x D matrix.");
        }
        Tensor t = x.tanh();
        double eps = Tensor.finfo(t.dtype()).eps();
        t = t.clamp(-1 + eps, 1 - eps);
        Tensor r = vecToTrilMatrix(t, -1, n);
        Tensor z = r.pow(2L);
        Tensor z1mCumprodSqrt = z.rsub(1.0).sqrt().cumprod(-1);
        r = r.add(Tensor.eye(n, n, r.dtype()).to(r.device()));
        return r.mul(Functional.pad(z1mCumprodSqrt.narrow(-1, 0, n - 1), new int[] {1, 0}, "constant", 1.0));
    }

    @Override
    protected Tensor invCall(Tensor y) {
        int n = y.size(-1);
        Tensor yCumsum = y.mul(y).cumsum(-1).rsub(1.0);
        Tensor yCumsumShifted = Functional.pad(yCumsum.narrow(-1, 0, n - 1), new int[] {1, 0}, "constant", 1.0);
        Tensor yVec = trilMatrixToVec(y, -1);
        Tensor yCumsumVec = trilMatrixToVec(yCumsumShifted, -1);
        Tensor t = yVec.div(yCumsumVec.sqrt());
        return t.add(1.0).div(t.rsub(1.0)).log().div(2.0);
    }

    @Override
    protected Tensor ladj(Tensor x, Tensor y) {
        Tensor y1mCumsum = y.mul(y).cumsum(-1).rsub(1.0);
        Tensor y1mCumsumTril = trilMatrixToVec(y1mCumsum, -2);
        Tensor stickBreakingLogdet = y1mCumsumTril.log().sum(-1).mul(0.5);
        Tensor tanhLogdet = x.add(Functional.softplus(x.mul(-2.0))).sub(Math.log(2.0)).sum(-1).mul(-2L);
        return stickBreakingLogdet.add(tanhLogdet);
    }

    @Override
    public int[] forwardShape(int[] shape) {
        Dist.require(shape, "forward_shape", "shape");
        if (shape.length < 1) {
            throw new IllegalArgumentException("Too few dimensions on input");
        }
        int d = sideOf(shape[shape.length - 1]);
        return Dist.concat(java.util.Arrays.copyOf(shape, shape.length - 1), new int[] {d, d});
    }

    @Override
    public int[] inverseShape(int[] shape) {
        Dist.require(shape, "inverse_shape", "shape");
        if (shape.length < 2) {
            throw new IllegalArgumentException("Too few dimensions on input");
        }
        if (shape[shape.length - 2] != shape[shape.length - 1]) {
            throw new IllegalArgumentException("Input is not square");
        }
        long d = shape[shape.length - 1];
        return Dist.concat(java.util.Arrays.copyOf(shape, shape.length - 2), new int[] {Dist.size(d * (d - 1) / 2,
            "inverse_shape")});
    }
}
