package dev.ember.nn;

import dev.ember.Tensor;


/**
 * {@code torch.nn.LazyLinear}: a {@link Linear} whose {@code in_features} is the last dimension of its first input. Until
 * then its weight and bias are uninitialized parameters and it prints as {@code LazyLinear(in_features=0,
 * out_features=4, bias=True)}; the first forward materializes them ({@code [out, in]}, {@code [out]}), initializes them as
 * {@code new Linear(in, out)} would from the same generator state, and the module is a Linear from then on (it prints as
 * {@code Linear(...)}). {@link LazyModule} explains the design and where it differs from PyTorch.
 */
public final class LazyLinear extends Linear implements LazyModule {
    /** A lazy layer with bias, {@code nn.LazyLinear(out_features)}. */
    public LazyLinear(int outFeatures) {
        this(outFeatures, true);
    }

    /** A lazy layer, with or without bias, {@code nn.LazyLinear(out_features, bias)}. */
    public LazyLinear(int outFeatures, boolean bias) {
        super(outFeatures, bias, LazyModules.Marker.LAZY);
        LazyModules.warn();
    }

    @Override
    public Tensor forward(Tensor x) {
        if (lazyPending) {
            initializeLazy(x);
            LazyModules.becomeOrdinary(this);
        }
        return super.forward(x);
    }
}
