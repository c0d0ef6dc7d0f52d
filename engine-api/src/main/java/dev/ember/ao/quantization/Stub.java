package dev.ember.ao.quantization;

import dev.ember.Tensor;
import dev.ember.nn.Module;

/**
 * What {@link QuantStub} and {@link DeQuantStub} share: an optional qconfig of their own, and a forward that passes its
 * input (or, once {@link Quantization#convert} swapped the stub in its parent, what its replacement computes).
 */
public abstract class Stub extends Module {
    /**
     * A stub with its own qconfig ({@link Quantization#setQconfig}), or none.
     *
     * @param qconfig the qconfig, or null
     */
    protected Stub(QConfig qconfig) {
        if (qconfig != null) {
            Quantization.setQconfig(this, qconfig);
        }
    }

    /** The input itself, or what the module that replaced this one computes. */
    @Override
    public Tensor forward(Tensor x) {
        Module replaced = replacement();
        return replaced != null ? forwardReplacement(replaced, x) : x;
    }
}
