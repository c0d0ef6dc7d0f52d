package dev.ember.nn.utils;

import dev.ember.Tensor;
import dev.ember.nn.Module;

import java.util.List;

/**
 * A parametrization to register with {@link Parametrize#registerParametrization}: a module whose forward maps the
 * original tensor(s) to the value the layer reads, as the modules PyTorch's {@code register_parametrization} takes,
 * with an optional right inverse ({@code right_inverse}). Any {@link Module} may be registered as a parametrization (its
 * {@code forward(Tensor)} is the map and it has no right inverse); subclass this class to give a right inverse or to
 * take several originals.
 *
 * <p>A right inverse that gives one tensor keeps the original under the name {@code original} (the same tensor object,
 * so an optimizer holding it keeps training it); one that gives several ({@link #rightInverseIsTensor()} false)
 * registers them as {@code original0}, {@code original1}, ..., which {@link #forward(List)} receives in that order.
 */
public abstract class Parametrization extends Module {
    /** For subclasses. */
    protected Parametrization() {
    }

    /**
     * The map of several originals ({@code forward(*originals)} in PyTorch); the default passes a single one to {@link
     * #forward(Tensor)}.
     *
     * @throws IllegalArgumentException for several originals, unless a subclass takes them
     */
    public Tensor forward(List<Tensor> originals) {
        if (originals.size() != 1) {
            throw new IllegalArgumentException(moduleName() + ".forward() takes 2 positional arguments but "
                    + (originals.size() + 1) + " were given");
        }
        return forward(originals.get(0));
    }

    /**
     * PyTorch's {@code right_inverse}: the original tensor(s) whose image is {@code value}, one tensor in a one-element
     * list when {@link #rightInverseIsTensor()}, else the sequence of originals. The default has none: it throws
     * {@link UnsupportedOperationException}, which registration reads as the identity (as PyTorch's
     * {@code NotImplementedError}) and assigning through {@link Parametrize#rightInverse} reports.
     */
    public List<Tensor> rightInverse(Tensor value) {
        throw new UnsupportedOperationException("parametrization " + getClass().getSimpleName()
                + " does not implement right_inverse.");
    }

    /**
     * The names an older layout gave the originals in a state dict, in order ({@code original0}, {@code original1},
     * ...), relative to the parametrized module: a state dict holding all of them loads into the originals, as the
     * load_state_dict pre-hook PyTorch's {@code weight_norm} registers maps the old {@code weight_g}/{@code weight_v}.
     * None by default.
     */
    public List<String> legacyStateKeys(String tensorName) {
        return List.of();
    }

    /**
     * Whether {@link #rightInverse} gives one tensor (PyTorch's right inverse returning a Tensor: the original is kept
     * as {@code original}) rather than a sequence ({@code original0}, {@code original1}, ...). True by default.
     */
    public boolean rightInverseIsTensor() {
        return true;
    }
}
