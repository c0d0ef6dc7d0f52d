package dev.ember.ao.quantization;

import dev.ember.DType;
import dev.ember.Tensor;
import dev.ember.nn.Module;

/**
 * An observer that records nothing (its forward returns its input) and only names its module's output type, whose
 * {@code calculate_qparams()} PyTorch refuses: the base of {@link PlaceholderObserver} and {@link NoopObserver}.
 */
public abstract class PassThroughObserver extends Module {
    private final DType dtype;

    /**
     * An observer naming {@code dtype}.
     *
     * @param dtype the output type it names
     * @throws IllegalArgumentException for a null type
     */
    protected PassThroughObserver(DType dtype) {
        if (dtype == null) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " needs a dtype");
        }
        this.dtype = dtype;
    }

    /** The output type it names. */
    public DType dtype() {
        return dtype;
    }

    /** Returns {@code x} itself. */
    @Override
    public Tensor forward(Tensor x) {
        return x;
    }

    /**
     * {@code calculate_qparams()}, which PyTorch's refuses.
     *
     * @return never
     * @throws UnsupportedOperationException always (PyTorch's message, naming the class)
     */
    public QParams calculateQparams() {
        throw new UnsupportedOperationException("calculate_qparams should not be called for "
                + getClass().getSimpleName());
    }
}
