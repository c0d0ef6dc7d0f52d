package dev.ember.nn;

import dev.ember.Tensor;

/**
 * A layer with a {@code weight}, read as PyTorch's {@code layer.weight}: {@link #weight()} is the value the layer's
 * forward uses now, the tensor registered under {@code weight} (after {@link Module#setParameter} too, as a tied weight
 * is) or, once the weight is parametrized ({@link dev.ember.nn.utils.Parametrize}), the parametrization's value. The
 * layer's public final field ({@code Linear.weight}) keeps the tensor registered at construction and goes stale after
 * either change; the accessor never does.
 */
public interface HasWeight {
    /**
     * The value of the parameter or buffer {@code name} as the module's forward sees it ({@link
     * Module#parametrizedValue(String)}, which every module has).
     *
     * @param name the registered name
     * @return the value, or null for a name registered as absent
     */
    Tensor parametrizedValue(String name);

    /** The weight the forward uses now, as PyTorch's {@code layer.weight}. */
    default Tensor weight() {
        return parametrizedValue("weight");
    }
}
