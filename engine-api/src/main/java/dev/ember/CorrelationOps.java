package dev.ember;

/**
 * Covariance and correlation ({@code torch.cov}, {@code torch.corrcoef}): PyTorch's compositions (ATen's
 * {@code Correlation.cpp}), so values, promotion, gradients and nodes are PyTorch's; its checks in its order and words.
 */
final class CorrelationOps {
    private static final System.Logger LOG = System.getLogger("dev.ember");

    private CorrelationOps() {
    }

    /**
     * {@code cov(input, correction, fweights, aweights)}: rows are variables and columns observations (a 1-D input is
     * one variable); the observations weighted by the product of the frequency and the analytic weights.
     */
    static Tensor cov(Tensor self, int correction, Tensor fweights, Tensor aweights) {
        if (self.dim() > 2) {
            throw new IllegalArgumentException("cov(): expected input to have two or fewer dimensions but got an input with "
                    + self.dim() + " dimensions");
        }
        if (self.dtype == DType.BOOL) {
            throw new IllegalArgumentException("cov(): bool dtype is not supported for input");
        }
        Tensor in = self.dim() < 2 ? self.view(1, -1) : self;
        int observations = in.size(1);
        Tensor w = null;
        if (fweights != null) {
            checkWeights(fweights, "fweights", observations);
            if (!fweights.dtype.isIntegral()) {
                throw new IllegalArgumentException("cov(): expected fweights to have integral dtype but got fweights with "
                        + Format.scalarType(fweights.dtype) + " dtype");
            }
            checkCount(fweights, "fweights", observations);
            w = fweights;
        }
        if (aweights != null) {
            checkWeights(aweights, "aweights", observations);
            if (!aweights.dtype.isFloatingPoint()) {
                throw new IllegalArgumentException("cov(): expected aweights to have floating point dtype but got aweights "
                        + "with " + Format.scalarType(aweights.dtype) + " dtype");
            }
            checkCount(aweights, "aweights", observations);
            w = w == null ? aweights : w.mul(aweights);
        }
        Tensor wSum = w != null ? w.sum() : Tensor.tensor((long) observations).to(in.device);
        if (w != null && wSum.ne(0L).item() == 0) {
            throw new IllegalArgumentException("cov(): weights sum to zero, can't be normalized");
        }
        Tensor avg = (w != null ? in.mul(w) : in).sum(new int[] {1}, false).div(wSum);
        Tensor norm;
        if (w != null && aweights != null && correction != 0) {
            norm = wSum.sub(w.mul(aweights).sum().mul((double) correction).div(wSum));
        } else {
            norm = wSum.sub((long) correction);
        }
        if (norm.le(0L).item() != 0) {
            LOG.log(System.Logger.Level.WARNING, "cov(): degrees of freedom is <= 0");
            norm = norm.zerosLike();
        }
        in = in.sub(avg.unsqueeze(1));
        Tensor c = in.mm(ComplexMath.conjIfComplex((w != null ? in.mul(w) : in).t())); // the conjugate for complex
        return c.div(norm).squeeze();
    }

    private static void checkWeights(Tensor weights, String name, int observations) {
        if (weights.dim() > 1) {
            throw new IllegalArgumentException("cov(): expected " + name + " to have one or fewer dimensions but got "
                    + name + " with " + weights.dim() + " dimensions");
        }
    }

    private static void checkCount(Tensor weights, String name, int observations) {
        if (weights.numel() != observations) {
            throw new IllegalArgumentException("cov(): expected " + name + " to have the same numel as there are "
                    + "observations in the input but got " + weights.numel() + " != " + observations);
        }
        if (observations > 0 && weights.min().lt(0L).item() != 0) {
            throw new IllegalArgumentException("cov(): " + name + " cannot be negative");
        }
    }

    /**
     * {@code corrcoef(input)}: the covariance normalized by the standard deviations on both sides and clipped to
     * [-1, 1]; one variable gives {@code c / c} (1, or NaN for a constant one).
     */
    static Tensor corrcoef(Tensor self) {
        if (self.dim() > 2) {
            throw new IllegalArgumentException("corrcoef(): expected input to have two or fewer dimensions but got an input "
                    + "with " + self.dim() + " dimensions");
        }
        Tensor c = cov(self, 1, null, null);
        if (c.dim() == 0) {
            return c.div(c);
        }
        Tensor d = c.diagonal();
        Tensor std = (d.isComplex() ? d.real() : d).sqrt();
        c = c.div(std.view(-1, 1));
        c = c.div(std.view(1, -1));
        if (c.isComplex()) {
            // each part clipped to [-1, 1], as PyTorch's
            return Tensor.complex(c.real().clamp(-1.0, 1.0), c.imag().clamp(-1.0, 1.0));
        }
        return c.clamp(-1.0, 1.0);
    }
}
