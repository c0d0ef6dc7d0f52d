package dev.ember.nn;

import dev.ember.DType;
import dev.ember.Ember;
import dev.ember.Format;
import dev.ember.GradMode;
import dev.ember.Tensor;

import java.util.Map;

/**
 * What the batch and instance norm modules share, as PyTorch's {@code _NormBase}: an optional affine scale and shift,
 * optional running statistics with a batch counter, registered under PyTorch's state dict keys ({@code weight},
 * {@code bias}, {@code running_mean}, {@code running_var}, {@code num_batches_tracked}), and the printout.
 */
abstract sealed class NormBase extends Module implements HasBias
        permits BatchNorm1d, BatchNorm2d, BatchNorm3d, InstanceNormBase {
    /**
     * Scale [C], or null without affine. The final field holds the tensor registered at construction: once the module's
     * weight is replaced ({@link Module#setParameter}, as a tied weight is) or parametrized
     * ({@link dev.ember.nn.utils.Parametrize}) it still holds that tensor, while the forward, {@code parameters()},
     * {@code stateDict()} and optimizers use the module's current one, {@link #weight()}, which reads it.
     */
    public final Tensor weight;
    /** Shift [C], or null without affine; the tensor registered at construction, as {@link #weight} explains. */
    public final Tensor bias;
    /** The channels: 0 in a lazy layer until its first input gives them. */
    int features;

    final double eps;
    /** Null: a cumulative average ({@code 1 / num_batches_tracked}); {@link #setMomentum} changes it. */
    Double momentum;
    final boolean affine;
    /** Not final: {@link ModuleInternals#batchNormWithoutRunningStats} turns it off, as PyTorch's attribute is set. */
    boolean trackRunningStats;

    NormBase(int features, double eps, Double momentum, boolean affine, boolean trackRunningStats) {
        this.features = features;
        this.eps = eps;
        this.momentum = momentum;
        this.affine = affine;
        this.trackRunningStats = trackRunningStats;
        this.weight = registerParameter("weight", affine ? Tensor.ones(features) : null);
        this.bias = registerParameter("bias", affine ? Tensor.zeros(features) : null);
        registerBuffer("running_mean", trackRunningStats ? Tensor.zeros(features) : null);
        registerBuffer("running_var", trackRunningStats ? Tensor.ones(features) : null);
        registerBuffer("num_batches_tracked", trackRunningStats ? Tensor.zeros(DType.INT64) : null);
    }

    /**
     * A lazy layer's state, as PyTorch's {@code _LazyNormBase.__init__}: {@code num_features} 0; with affine an
     * uninitialized weight and bias, with running statistics an uninitialized running mean and variance (of the default
     * type, on the default device) and a counter at 0.
     */
    NormBase(double eps, Double momentum, boolean affine, boolean trackRunningStats, LazyModules.Marker lazy) {
        this.features = 0;
        this.eps = eps;
        this.momentum = momentum;
        this.affine = affine;
        this.trackRunningStats = trackRunningStats;
        this.lazyPending = true;
        this.weight = registerParameter("weight", affine ? uninitialized(true) : null);
        this.bias = registerParameter("bias", affine ? uninitialized(true) : null);
        registerBuffer("running_mean", trackRunningStats ? uninitialized(false) : null);
        registerBuffer("running_var", trackRunningStats ? uninitialized(false) : null);
        registerBuffer("num_batches_tracked", trackRunningStats ? Tensor.zeros(DType.INT64) : null);
    }

    private static Tensor uninitialized(boolean parameter) {
        return Tensor.uninitialized(parameter, Ember.getDefaultDtype(), Ember.defaultDevice());
    }

    // ---- lazy layers (LazyBatchNorm1d ... LazyInstanceNorm3d) ----

    /**
     * PyTorch's {@code _LazyNormBase.initialize_parameters}: {@code num_features} from the input's channels (dimension
     * {@code channelDim}, which the layer has checked the input has), the uninitialized tensors materialized, then
     * {@code reset_parameters()}: running mean 0, running variance 1, counter 0, weight 1, bias 0.
     */
    void initializeLazy(Tensor input, int channelDim) {
        if (!((LazyModule) this).hasUninitializedParams()) {
            return;
        }
        int channels = input.size(channelDim);
        Map<String, Tensor> own = namedParameters();
        own.putAll(namedBuffers());
        // loaded in part by a state dict (strict=False): PyTorch asserts the affine weight and bias are uninitialized,
        // then calls running_mean.materialize (a plain tensor's AttributeError once loaded); refused before any change
        for (String name : new String[] {"weight", "bias"}) {
            if (affine && own.get(name) != null && !own.get(name).isUninitialized()) {
                throw LazyModules.loadedInPart(this, name);
            }
        }
        for (String name : new String[] {"running_mean", "running_var"}) {
            if (trackRunningStats && own.get(name) != null && !own.get(name).isUninitialized()) {
                throw new IllegalStateException("'Tensor' object has no attribute 'materialize'");
            }
        }
        try (GradMode off = Ember.noGrad()) {
            for (String name : new String[] {"weight", "bias", "running_mean", "running_var"}) {
                Tensor t = own.get(name);
                if (t != null && t.isUninitialized()) {
                    t.materialize_(channels);
                }
            }
            features = channels;
            if (trackRunningStats) {
                own.get("running_mean").zero_();
                own.get("running_var").fill_(1.0);
                own.get("num_batches_tracked").zero_();
            }
            if (affine) {
                own.get("weight").fill_(1.0);
                own.get("bias").zero_();
            }
        }
    }

    /** The layer's check of its input's rank, in PyTorch's words. */
    abstract void checkRank(Tensor x);

    /**
     * The batch norms' forward: the input's rank checked, a lazy layer initialized, then one fused node
     * NativeBatchNormBackward0 (the channels checked by batch_norm itself, in PyTorch's words: "running_mean should
     * contain 4 elements not 3").
     */
    Tensor batchNormForward(Tensor x) {
        Checks.tensor(x, "batch_norm", "input", 1);
        checkRank(x);
        if (lazyPending) {
            firstForward(x, 1);
        }
        return NormLayers.batchNorm(this, x, runningMean(), runningVar(), numBatchesTracked(), parameter("weight"),
                parameter("bias"), momentum, eps, trackRunningStats);
    }

    /** The channels' dimension of an input of a valid rank. */
    int channelDim(Tensor x) {
        return 1;
    }

    /** {@link LazyModule#initializeParameters} of a lazy norm: the rank checked, then the channels inferred. */
    void initializeLazy(Tensor input) {
        Checks.tensor(input, this instanceof InstanceNormBase ? "instance_norm" : "batch_norm", "input", 1);
        checkRank(input);
        initializeLazy(input, channelDim(input));
    }

    /** A lazy layer's first forward, after the layer's own checks of the input: initialization, then the ordinary layer. */
    void firstForward(Tensor input, int channelDim) {
        initializeLazy(input, channelDim);
        LazyModules.becomeOrdinary((LazyModule) this);
    }

    /** The channels, PyTorch's {@code num_features} (0 in a lazy layer before its first input). */
    public int numFeatures() {
        return features;
    }

    /** The epsilon, PyTorch's {@code eps}. */
    public double eps() {
        return eps;
    }

    /** Whether it has a weight and bias, PyTorch's {@code affine}. */
    public boolean affine() {
        return affine;
    }

    /** Whether it keeps running statistics, PyTorch's {@code track_running_stats}. */
    public boolean trackRunningStats() {
        return trackRunningStats;
    }

    /** The running mean the forward uses in eval mode, as PyTorch's {@code bn.running_mean}; null without running statistics. */
    public Tensor runningMean() {
        return parametrizedValue("running_mean");
    }

    /** The running variance, as PyTorch's {@code bn.running_var}; null without running statistics. */
    public Tensor runningVar() {
        return parametrizedValue("running_var");
    }

    /** The count of training batches seen (int64, 0-d), as PyTorch's {@code bn.num_batches_tracked}; null without running statistics. */
    public Tensor numBatchesTracked() {
        return parametrizedValue("num_batches_tracked");
    }

    // ---- momentum and running statistics, for torch.optim.swa_utils.update_bn (session 20) ----

    /** The running statistics' momentum, PyTorch's {@code module.momentum}; null for a cumulative average. */
    public Double momentum() {
        return momentum;
    }

    /**
     * Sets the running statistics' momentum, as PyTorch's {@code module.momentum = value} (null: a cumulative average,
     * {@code 1 / num_batches_tracked}; not checked further, as in PyTorch).
     *
     * @throws IllegalArgumentException for null on an instance norm, with the message PyTorch's forward then gives
     */
    public void setMomentum(Double momentum) {
        if (momentum == null && this instanceof InstanceNormBase) {
            throw new IllegalArgumentException("instance_norm(): argument 'momentum' (position 7) must be float, not NoneType");
        }
        this.momentum = momentum;
    }

    /**
     * Resets the running statistics in place, as PyTorch's {@code reset_running_stats()}: {@code running_mean} to 0,
     * {@code running_var} to 1, {@code num_batches_tracked} to 0; nothing without running statistics.
     */
    public void resetRunningStats() {
        if (trackRunningStats) {
            try (dev.ember.GradMode off = dev.ember.Ember.noGrad()) {
                runningMean().zero_();
                runningVar().fill_(1.0);
                numBatchesTracked().zero_();
            }
        }
    }

    @Override
    public String extraRepr() {
        return features + ", eps=" + Format.repr(eps) + ", momentum=" + (momentum == null ? "None" : Format.repr(momentum))
                + ", affine=" + bool(affine) + ", track_running_stats=" + bool(trackRunningStats);
    }
}
