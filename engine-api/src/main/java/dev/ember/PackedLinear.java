package dev.ember;

import dev.ember.backend.Layout;

/**
 * A linear layer's weight packed once by its backend for many products with the same few rows
 * ({@link dev.ember.backend.Backend#packLinearWeight}): an RNN layer's {@code W_hh}, applied at every step of a
 * sequence at batch 1 to 8, where the unpacked product reads W by rows and sums each output's lanes at the end
 * (RESULTS.md, session 39). Used only where no graph is recorded: the packed product is not an autograd node, and its
 * bits differ from {@link dev.ember.nn.Functional#linear}'s in the last places (another summation order, the same for
 * every thread count).
 */
final class PackedLinear implements AutoCloseable {
    /** Below this many rows of the input per product the packed path is worth a pack; above, the GEMM's own. */
    static final int MAX_ROWS = 8;

    private final Tensor packed;
    private final Tensor bias;
    private final int n;
    private final int k;
    private final int rows;

    private PackedLinear(Tensor packed, Tensor bias, int n, int k, int rows) {
        this.packed = packed;
        this.bias = bias;
        this.n = n;
        this.k = k;
        this.rows = rows;
    }

    /**
     * {@code weight} ({@code [n, k]}) packed for {@code rows}-row products, or null where the packed path does not
     * apply: another dtype or a device kind without the backend's path, more than {@link #MAX_ROWS} rows, or a bias of
     * another dtype or shape. The caller has checked that no graph is recorded and no autocast region is open
     * (RecurrentOps' noGraph).
     */
    static PackedLinear of(Tensor weight, Tensor bias, int rows) {
        if (rows < 1 || rows > MAX_ROWS || weight.dim() != 2 || weight.dtype() != DType.FLOAT32
                || (bias != null && (bias.dtype() != DType.FLOAT32 || bias.dim() != 1 || bias.size(0) != weight.size(0)
                || !bias.device().equals(weight.device())))) {
            return null;
        }
        int n = weight.size(0);
        int k = weight.size(1);
        long length = weight.backend.linearPackedLength(DType.FLOAT32, n, k, rows);
        if (length <= 0 || length > Integer.MAX_VALUE || n == 0 || k == 0) {
            return null;
        }
        Tensor packed = Creation.empty(new int[] {(int) length}, DType.FLOAT32, weight.device());
        weight.backend.packLinearWeight(weight.storage(), weight.layout(), rows, packed.storage());
        return new PackedLinear(packed, bias, n, k, rows);
    }

    /**
     * {@code x W^T + b} for a {@code [rows, k]} x on the weight's device (the rows this was packed for), or null when x
     * does not match (the caller then runs {@link dev.ember.nn.Functional#linear}).
     */
    Tensor apply(Tensor x) {
        if (x.dim() != 2 || x.size(0) != rows || x.size(1) != k || x.dtype() != DType.FLOAT32
                || !x.device().equals(packed.device())) {
            return null;
        }
        Tensor out = Creation.empty(new int[] {rows, n}, DType.FLOAT32, x.device());
        x.backend.linearPacked(x.storage(), x.layout(), packed.storage(), n, out.storage(), out.layout());
        return bias == null ? out : out.add_(bias);
    }

    /** Frees the packed weight. */
    @Override
    public void close() {
        packed.close();
    }
}
