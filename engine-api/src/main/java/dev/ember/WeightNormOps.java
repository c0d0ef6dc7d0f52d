package dev.ember;

/**
 * PyTorch's {@code torch._weight_norm(v, g, dim)} and {@code torch.norm_except_dim(v, pow, dim)}
 * (aten/src/ATen/native/WeightNorm.cpp, PyTorch 2.x), behind {@code weight_norm}'s parametrization: {@code w = v * (g /
 * ||v||)}, the norm over every dimension but {@code dim}. Where 2.x fuses it (dim 0 or the last, no float16 operand) it
 * is one node {@code WeightNormInterfaceBackward0} ({@code _weight_norm_interface}, CPU and CUDA alike since 2.1; 1.13
 * fused on CUDA only), whose backward is {@code _weight_norm_differentiable_backward} written in Tensor ops (so it
 * differentiates again; the non-differentiable kernel gives the same values). Otherwise it is the composition {@code
 * v * (g / norm_except_dim(v, 2, dim))}, as PyTorch.
 */
final class WeightNormOps {
    private WeightNormOps() {
    }

    /** {@code torch.norm_except_dim(v, pow, dim)}: dim -1 is the norm of all elements. */
    static Tensor normExceptDim(Tensor v, double pow, int dim) {
        if (dim == -1) {
            return v.norm(pow);
        }
        int n = v.dim();
        if (dim == 0) {
            int[] outSize = ones(n);
            outSize[0] = v.size(0);
            return v.contiguous().view(v.size(0), -1).norm(pow, new int[] {1}, false).view(outSize);
        }
        if (dim == n - 1) {
            int[] outSize = ones(n);
            outSize[n - 1] = v.size(n - 1);
            return v.contiguous().view(-1, v.size(n - 1)).norm(pow, new int[] {0}, false).view(outSize);
        }
        return normExceptDim(v.transpose(0, dim), pow, 0).transpose(0, dim);
    }

    private static int[] ones(int n) {
        int[] s = new int[n];
        java.util.Arrays.fill(s, 1);
        return s;
    }

    /** {@code torch._weight_norm(v, g, dim)}. */
    static Tensor weightNorm(Tensor vIn, Tensor gIn, int dim) {
        if (vIn.device != gIn.device) {
            throw new IllegalArgumentException("weight_norm: expected v_in and g_in to be on the same device, but v_in is on "
                    + vIn.device + " and g_in is on " + gIn.device);
        }
        Tensor v = vIn.contiguous();
        Tensor g = gIn.contiguous();
        boolean hasHalf = v.dtype == DType.FLOAT16 || g.dtype == DType.FLOAT16;
        boolean fused = !hasHalf && (dim == 0 || dim == v.dim() - 1);
        if (!fused) {
            return v.mul(g.div(normExceptDim(v, 2, dim)));
        }
        if (!v.dtype.isFloatingPoint()) {
            throw Refusals.notImplemented("weight_norm_first_dim_kernel", v.dtype);
        }
        int last = v.dim() - 1;
        Tensor w;
        Tensor norms;
        try (GradMode off = Ember.noGrad()) {
            // the norm in float for bfloat16, as weight_norm_cpu keeps it; w computed in float and rounded once
            Tensor v32 = ReductionOps.opmath(v);
            Tensor nrm = normExceptDim(v32, 2, dim);
            norms = g.dtype == DType.BFLOAT16 ? nrm : ReductionOps.narrowedBack(nrm, g.dtype);
            Tensor w32 = v32.mul(ReductionOps.opmath(g).div(nrm.view(bcast(v, dim))));
            w = ReductionOps.narrowedBack(w32, v.dtype);
        }
        int[] gShape = g.shape();
        return ArithmeticOps.record(w, "WeightNormInterfaceBackward0", new Tensor[] {v, g}, n -> {
            SavedTensor sv = n.save(v);
            SavedTensor sg = n.save(g);
            SavedTensor sn = n.save(norms);
            return grad -> {
                Tensor gw = grad.contiguous();
                Tensor sv0 = sv.get();
                Tensor sg0 = sg.get();
                DType vt = sv0.dtype;
                Tensor gwo = ReductionOps.opmath(gw);
                Tensor svo = ReductionOps.opmath(sv0);
                Tensor sgo = ReductionOps.opmath(sg0).view(bcast(sv0, dim));
                // the saved norms; when this backward is itself differentiated, the norms again as a function of v
                // (the saved ones are constants here, which would drop their share of the second derivative)
                Tensor nrm = ArithmeticOps.needsGrad(gw, sv0, sg0)
                        ? normExceptDim(svo, 2, dim).view(bcast(sv0, dim))
                        : ReductionOps.opmath(sn.get().to(sg0.dtype)).view(bcast(sv0, dim));
                Tensor perDimSums = dim == 0
                        ? gwo.mul(svo).view(sv0.size(0), -1).sum(new int[] {1}, false).view(bcast(sv0, dim))
                        : gwo.mul(svo).view(-1, sv0.size(last)).sum(new int[] {0}, false).view(bcast(sv0, dim));
                Tensor gradV = sgo.div(nrm).mul(gwo.sub(svo.mul(perDimSums.div(nrm.mul(nrm)))));
                Tensor gradG = perDimSums.div(nrm);
                return new Tensor[] {ReductionOps.narrowedBack(gradV, vt),
                    ReductionOps.narrowedBack(gradG.reshape(gShape), sg0.dtype)};
            };
        });
    }

    /** The shape that broadcasts a per-{@code dim} vector over {@code v}. */
    private static int[] bcast(Tensor v, int dim) {
        int[] s = ones(v.dim());
        s[dim] = v.size(dim);
        return s;
    }
}
