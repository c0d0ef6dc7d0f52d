package dev.ember.nn;

import dev.ember.Tensor;

/** {@code torch.nn.GELU}: exact ({@code "none"}, with erf) or {@code "tanh"}; one node GeluBackward0 either way. */
public class GELU extends Module {
    private final String approximate;

    /** The exact form. */
    public GELU() {
        this("none");
    }

    /**
     * The given form.
     *
     * @throws IllegalArgumentException for a form other than "none" and "tanh" (PyTorch refuses it at the forward)
     */
    public GELU(String approximate) {
        Checks.notNull(approximate, "approximate");
        if (!approximate.equals("none") && !approximate.equals("tanh")) {
            throw new IllegalArgumentException("approximate argument must be either none or tanh.");
        }
        this.approximate = approximate;
    }

    @Override
    public Tensor forward(Tensor input) {
        return Functional.gelu(input, approximate);
    }

    @Override
    public String extraRepr() {
        return "approximate='" + approximate + "'";
    }
}
