package dev.ember.sparse;

import dev.ember.SetupContextFunction;
import dev.ember.Tensor;

/**
 * The autograd nodes of the sparse ops that carry PyTorch's node name on a dense tensor: each forward with its backward,
 * both written with dense ops on the values and the dense operands, so that the backward is itself differentiable
 * (create_graph) and runs on any device. None of them forms the dense form of a sparse operand but {@link ToDense}.
 */
final class SparseFunctions {
    private SparseFunctions() {
    }

    /** {@code shape} with its first {@code sparseDim} dims merged into one of {@code rows}. */
    static int[] flatShape(int[] shape, int sparseDim, int rows) {
        int[] out = new int[shape.length - sparseDim + 1];
        out[0] = rows;
        System.arraycopy(shape, sparseDim, out, 1, shape.length - sparseDim);
        return out;
    }

    /**
     * An autograd function recorded under PyTorch's node name. It implements one of PyTorch's own ops, so it runs under
     * the function transforms (vmap included) as a built-in op does: the setup-context form, with 2.x's generated vmap
     * rule (a context-taking forward is refused there, as 2.x refuses a user's).
     */
    abstract static class Named extends SetupContextFunction {
        private final String name;

        Named(String name) {
            this.name = name;
        }

        @Override
        public String nodeName() {
            return name;
        }

        @Override
        protected boolean generateVmapRule() {
            return true;
        }

        @Override
        protected void setupContext(Context ctx, Tensor[] inputs, Tensor[] outputs) {
        }
    }

    /** An alias of the values under a node name ({@code ValuesBackward0}); the gradient passes through unchanged. */
    static final class Alias extends Named {
        Alias(String name) {
            super(name);
        }

        @Override
        protected Tensor[] forward(Tensor... in) {
            return new Tensor[] {in[0]};
        }

        @Override
        protected Tensor[] backward(Context ctx, Tensor... g) {
            return new Tensor[] {g[0]};
        }
    }

    /**
     * {@code to_dense}: the values summed into zeros of {@code size} (flattened over the sparse dims) at their
     * row-major linear indices {@code lin} (duplicates add up); backward: the gradient's rows at {@code lin}
     * ({@code ToDenseBackward0}).
     */
    static final class ToDense extends Named {
        private final Tensor lin;
        private final int[] size;
        private final int sparseDim;
        private final int rows;

        ToDense(Tensor lin, int[] size, int sparseDim, int rows) {
            super("ToDenseBackward0");
            this.lin = lin;
            this.size = size;
            this.sparseDim = sparseDim;
            this.rows = rows;
        }

        @Override
        protected Tensor[] forward(Tensor... in) {
            Tensor v = in[0];
            int[] flat = flatShape(size, sparseDim, rows);
            if (v.dtype() == dev.ember.DType.BOOL) { // duplicates of a bool tensor combine by "or"
                Tensor n = v.to(dev.ember.DType.INT64);
                return new Tensor[] {n.newZeros(flat).indexAdd(0, lin, n).ne(0).reshape(size)};
            }
            return new Tensor[] {v.newZeros(flat).indexAdd(0, lin, v).reshape(size)};
        }

        @Override
        protected Tensor[] backward(Context ctx, Tensor... g) {
            return new Tensor[] {g[0].reshape(flatShape(size, sparseDim, rows)).indexSelect(0, lin)};
        }
    }

    /**
     * {@code to_sparse}: the rows of the dense input (flattened over its sparse dims) at {@code lin}; backward: the
     * values' gradient summed into zeros of the input's shape ({@code ToSparseBackward0}, {@code ToSparseBackward1} for
     * {@code to_sparse(sparse_dim)}).
     */
    static final class ToSparse extends Named {
        private final Tensor lin;
        private final int[] shape;
        private final int sparseDim;
        private final int rows;

        ToSparse(String name, Tensor lin, int[] shape, int sparseDim, int rows) {
            super(name);
            this.lin = lin;
            this.shape = shape;
            this.sparseDim = sparseDim;
            this.rows = rows;
        }

        @Override
        protected Tensor[] forward(Tensor... in) {
            return new Tensor[] {in[0].reshape(flatShape(shape, sparseDim, rows)).indexSelect(0, lin)};
        }

        @Override
        protected Tensor[] backward(Context ctx, Tensor... g) {
            Tensor gv = g[0];
            return new Tensor[] {gv.newZeros(flatShape(shape, sparseDim, rows)).indexAdd(0, lin, gv).reshape(shape)};
        }
    }

    /**
     * {@code torch.sparse.addmm(input, S, D, beta, alpha)} of a 2-D sparse {@code S} (rows {@code row}, columns
     * {@code col}, its values an input) and a dense matrix: {@code beta * input + alpha * S @ D}, computed as the rows
     * of {@code D} at {@code col} scaled by the values and summed into the result's rows at {@code row}
     * ({@code SparseAddmmBackward0}). Backward, never forming a dense {@code S} or {@code grad @ D^T}: grad of
     * {@code D} is {@code alpha * S^T @ grad} (the gradient's rows at {@code row}, scaled, summed into rows
     * {@code col}); grad of the values is {@code alpha * (grad @ D^T)} at {@code S}'s entries (PyTorch's sparse_mask):
     * the row-wise dot products of {@code grad[row]} and {@code D[col]}; grad of input is {@code beta * grad}.
     * Inputs: {@code (input or null, values, D)}.
     */
    static final class Addmm extends Named {
        private final Tensor row;
        private final Tensor col;
        private final int rows;
        private final double beta;
        private final double alpha;
        /** The result's shape for bmm ({@code [B, M, P]}: rows and the dense operand's rows flattened over batches). */
        private final int[] outShape;

        Addmm(String name, Tensor row, Tensor col, int rows, double beta, double alpha, int[] outShape) {
            super(name);
            this.row = row;
            this.col = col;
            this.rows = rows;
            this.beta = beta;
            this.alpha = alpha;
            this.outShape = outShape;
        }

        /** The dense operand as a matrix: batches of rows flattened for bmm. */
        private static Tensor matrix(Tensor d) {
            return d.dim() == 2 ? d : d.reshape(-1, d.size(-1));
        }

        @Override
        protected Tensor[] forward(Tensor... in) {
            Tensor input = in[0];
            Tensor v = in[1];
            Tensor d = in[2];
            Tensor dm = matrix(d);
            if (row.numel() == 0 && outShape == null) {
                // s_addmm_out_sparse_dense_cpu without entries: beta * input (nan * 0 included), whatever the types;
                // torch.sparse.mm's input is zeros of the dense operand's type
                return new Tensor[] {input == null ? dm.newZeros(rows, dm.size(1)) : input.mul(beta)};
            }
            Tensor prod = dm.newZeros(rows, dm.size(1)).indexAdd(0, row, dm.indexSelect(0, col).mul(v.unsqueeze(1)));
            if (alpha != 1) {
                prod = prod.mul(alpha);
            }
            if (outShape != null) {
                prod = prod.reshape(outShape);
            }
            if (input == null || beta == 0) { // beta 0 ignores input (its nan and inf too), as PyTorch's addmm
                return new Tensor[] {prod};
            }
            return new Tensor[] {(beta == 1 ? input : input.mul(beta)).add(prod)};
        }

        @Override
        protected void setupContext(Context ctx, Tensor[] inputs, Tensor[] outputs) {
            ctx.saveForBackward(inputs[1], inputs[2]);
        }

        @Override
        protected Tensor[] backward(Context ctx, Tensor... g) {
            Tensor[] saved = ctx.savedTensors();
            Tensor v = saved[0];
            Tensor d = saved[1];
            Tensor dm = matrix(d);
            Tensor grad = g[0];
            Tensor gInput = ctx.needsInputGrad(0) ? (beta == 1 ? grad : grad.mul(beta)) : null;
            if (row.numel() == 0 && outShape == null) { // no entries (the types may differ): zero gradients
                return new Tensor[] {gInput, ctx.needsInputGrad(1) ? v.newZeros(v.shape()) : null,
                        ctx.needsInputGrad(2) ? d.newZeros(d.shape()) : null};
            }
            Tensor gRows = (outShape == null ? grad : grad.reshape(rows, -1)).indexSelect(0, row);
            Tensor gValues = null;
            if (ctx.needsInputGrad(1)) {
                gValues = gRows.mul(dm.indexSelect(0, col)).sum(1);
                gValues = alpha == 1 ? gValues : gValues.mul(alpha);
            }
            Tensor gDense = null;
            if (ctx.needsInputGrad(2)) {
                gDense = dm.newZeros(dm.shape()).indexAdd(0, col, gRows.mul(v.unsqueeze(1)));
                gDense = alpha == 1 ? gDense : gDense.mul(alpha);
                gDense = d.dim() == 2 ? gDense : gDense.reshape(d.shape());
            }
            return new Tensor[] {gInput, gValues, gDense};
        }
    }

    /**
     * {@code torch.sparse.sum} over every sparse dim (and {@code denseDims} of the values, numbered as dims of the
     * values): a dense tensor, as PyTorch's {@code SparseSumBackward0}; backward: the gradient broadcast back to every
     * entry.
     */
    static final class SumToDense extends Named {
        private final int[] dims;
        private final int[] valuesShape;

        SumToDense(int[] dims, int[] valuesShape) {
            super("SparseSumBackward0");
            this.dims = dims;
            this.valuesShape = valuesShape;
        }

        @Override
        protected Tensor[] forward(Tensor... in) {
            return new Tensor[] {in[0].sum(dims, false)};
        }

        @Override
        protected Tensor[] backward(Context ctx, Tensor... g) {
            Tensor gv = g[0];
            for (int d : dims) { // ascending: each unsqueeze lands where the summed dim was
                gv = gv.unsqueeze(d);
            }
            return new Tensor[] {gv.expand(valuesShape)};
        }
    }
}
