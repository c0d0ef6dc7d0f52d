package dev.ember.ao.quantization;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Ember;
import dev.ember.GradMode;
import dev.ember.Tensor;


/**
 * {@code torch.ao.quantization.PerChannelMinMaxObserver}: the running minimum and maximum of each index of
 * {@code ch_axis} (default 0) over all other dims, for a per-channel scheme (default per-channel affine); its buffers
 * start empty and take the channel count at the first input, or from a loaded state dict (as PyTorch's resize).
 */
public class PerChannelMinMaxObserver extends UniformQuantizationObserverBase {
    /** The channel axis. */
    protected final int chAxis;

    /** Axis 0, quint8, per-channel affine, [0, 255]. */
    public PerChannelMinMaxObserver() {
        this(new ObserverOptions());
    }

    /**
     * The given options (chAxis, dtype, qscheme, reduceRange, quantRange, eps).
     *
     * @throws UnsupportedOperationException for a per-tensor scheme, or a symmetric quint8 scheme with a reduced range
     */
    public PerChannelMinMaxObserver(ObserverOptions o) {
        this(requireScheme(o, true, "PerChannelMinMaxObserver's qscheme only support                     torch.per_channel_symmetric, "
                + "torch.per_channel_affine and torch.per_channel_affine_float_qparams."), true);
    }

    PerChannelMinMaxObserver(ObserverOptions o, boolean checked) {
        super(o, QScheme.PER_CHANNEL_AFFINE);
        this.chAxis = o.chAxis;
        registerBuffer("min_val", Tensor.empty(DType.FLOAT32, 0));
        registerBuffer("max_val", Tensor.empty(DType.FLOAT32, 0));
        if (qscheme == QScheme.PER_CHANNEL_SYMMETRIC && reduceRange && dtype == QuantDType.QUINT8) {
            throw new UnsupportedOperationException("Cannot reduce range for symmetric quantization for quint8");
        }
    }

    /** The channel axis. */
    @Override
    public int chAxis() {
        return chAxis;
    }

    /** Records each channel's minimum and maximum into the running ones; returns the input. */
    @Override
    public Tensor forward(Tensor x) {
        if (x.numel() == 0) {
            return x;
        }
        try (GradMode off = Ember.noGrad()) {
            int n = x.dim();
            int[] perm = new int[n];
            for (int i = 0; i < n; i++) {
                perm[i] = i;
            }
            int at = chAxis < 0 ? chAxis + n : chAxis;
            if (at < 0 || at >= n) {
                throw new IllegalArgumentException("list assignment index out of range");
            }
            perm[at] = 0;
            perm[0] = at;
            Tensor y = x.detach().to(minVal().dtype()).permute(perm).flatten(1);
            Tensor.MinMax cur = y.aminmax(1, false);
            if (minVal().numel() == 0 || maxVal().numel() == 0) {
                assign("min_val", cur.min());
                assign("max_val", cur.max());
            } else {
                observed(cur.min(), cur.max());
            }
        }
        return x;
    }

    /** Folds one input's per-channel extremes into the running ones. */
    void observed(Tensor curMin, Tensor curMax) {
        assign("min_val", curMin.minimum(minVal()));
        assign("max_val", curMax.maximum(maxVal()));
    }

    @Override
    public void resetMinMaxVals() {
        setBuffer("min_val", Tensor.empty(DType.FLOAT32, 0).to(minVal().device()));
        setBuffer("max_val", Tensor.empty(DType.FLOAT32, 0).to(maxVal().device()));
    }

    /** The running extremes take the loaded shapes, as PyTorch's {@code _load_from_state_dict} resizes them. */
    @Override
    protected boolean resizesOnLoad(String buffer) {
        return buffer.equals("min_val") || buffer.equals("max_val");
    }
}
