package dev.ember.nn;

import dev.ember.Tensor;

/**
 * {@code y = x W^T + b}, as {@code torch.nn.Linear}, initialized as PyTorch does. {@link LazyLinear} is a Linear whose
 * {@code in_features} its first input gives. Like every layer, it is open for extension as PyTorch's classes are
 * ({@code class CastedLinear(nn.Linear)}: override {@link #forward}, register more parameters in the constructor); see
 * {@link Module}.
 */
public class Linear extends Module implements HasBias {
    /**
     * Weight [out, in]. The final field holds the tensor registered at construction: once the module's weight is
     * replaced ({@link Module#setParameter}, as a tied weight is) or parametrized
     * ({@link dev.ember.nn.utils.Parametrize}) it still holds that tensor, while the forward, {@code parameters()},
     * {@code stateDict()} and optimizers use the module's current one, {@link #weight()}, which reads it.
     */
    public final Tensor weight;
    /** Bias [out], or null; the tensor registered at construction, as {@link #weight} explains. */
    public final Tensor bias;
    /** The input features: 0 in a lazy layer until its first input gives them. */
    private int in;
    private final int out;

    /** A layer with bias. */
    public Linear(int in, int out) {
        this(in, out, true);
    }

    /**
     * A layer, with or without bias.
     *
     * @throws IllegalArgumentException for a negative size, as PyTorch's {@code torch.empty} reports it
     */
    public Linear(int in, int out, boolean bias) {
        this.in = in;
        this.out = out;
        this.weight = registerParameter("weight", Init.defaultWeight_(Tensor.empty(out, in)));
        this.bias = registerParameter("bias", bias ? Init.defaultBias_(Tensor.empty(out), weight) : null); // None as PyTorch registers it
    }

    /**
     * A layer of {@code source}'s sizes that holds {@code source}'s weight and bias tensors themselves, not copies, as
     * PyTorch's quantization-aware {@code from_float} does ({@code qat_linear.weight = mod.weight}): the parameters stay
     * shared, so an optimizer made over {@code source}'s parameters trains this layer. The default initialization is
     * drawn first and dropped, so the generator advances as PyTorch's {@code cls(in, out, bias)} call advances it.
     *
     * @param source the layer whose parameters this one adopts
     * @throws IllegalArgumentException for a null source, or a source whose weight or bias is not a registered
     *     parameter (parametrized or set as a plain tensor: PyTorch's assignment refuses it)
     */
    protected Linear(Linear source) {
        Tensor w = Checks.notNull(source, "mod").adoptedParameter("weight");
        Tensor b = source.adoptedParameter("bias");
        this.in = source.in;
        this.out = source.out;
        Tensor drawn = Init.defaultWeight_(Tensor.empty(out, in));
        if (b != null) {
            Init.defaultBias_(Tensor.empty(out), drawn);
        }
        this.weight = registerParameter("weight", w);
        this.bias = registerParameter("bias", b);
    }

    /**
     * A lazy layer's state: {@code weight} and {@code bias} uninitialized parameters of the default type, on the default
     * device, and {@code in_features} 0, as PyTorch's {@code LazyLinear.__init__}.
     */
    Linear(int out, boolean bias, LazyModules.Marker lazy) {
        this.lazyPending = true;
        this.in = 0;
        this.out = out; // a negative size fails where PyTorch's does: when the first input materializes the weight
        this.weight = registerParameter("weight", Tensor.uninitialized(true, dev.ember.Ember.getDefaultDtype(),
                dev.ember.Ember.defaultDevice()));
        this.bias = registerParameter("bias", bias ? Tensor.uninitialized(true, dev.ember.Ember.getDefaultDtype(),
                dev.ember.Ember.defaultDevice()) : null);
    }

    /**
     * A lazy layer's initialization, as PyTorch's {@code LazyLinear.initialize_parameters}: {@code in_features} from the
     * input, its uninitialized weight and bias materialized and then initialized as the eager layer's constructor does.
     */
    void materializeLazy(int inFeatures) {
        try (dev.ember.GradMode off = dev.ember.Ember.noGrad()) {
            Tensor w = getParameter("weight");
            Tensor b = namedParameters().get("bias");
            if (w.isUninitialized()) {
                w.materialize_(out, inFeatures);
            }
            if (b != null && b.isUninitialized()) {
                b.materialize_(out);
            }
            this.in = inFeatures;
            Init.defaultWeight_(w); // PyTorch's reset_parameters, in the eager constructor's order
            if (b != null) {
                Init.defaultBias_(b, w);
            }
        }
    }

    /**
     * PyTorch's {@code LazyLinear.initialize_parameters(input)}: {@code in_features} is the input's last dimension.
     *
     * @throws IndexOutOfBoundsException for a 0-dim input, which has none (PyTorch's {@code IndexError})
     * @throws IllegalStateException where a state dict loaded the weight or the bias but not both (PyTorch's
     *     {@code 'Parameter' object has no attribute 'materialize'}); the layer is unchanged
     */
    void initializeLazy(Tensor input) {
        Checks.tensor(input, "linear", "input", 1);
        if (!((LazyModule) this).hasUninitializedParams()) {
            return;
        }
        if (input.dim() == 0) {
            throw new IndexOutOfBoundsException("tuple index out of range");
        }
        Tensor b = namedParameters().get("bias");
        if (!getParameter("weight").isUninitialized() || b != null && !b.isUninitialized()) {
            // a state dict loaded one of them (strict=False): PyTorch's weight.materialize (or bias.materialize) of a
            // Parameter, after it set in_features; refused here before anything changes
            throw new IllegalStateException("'Parameter' object has no attribute 'materialize'");
        }
        materializeLazy(input.size(-1));
    }

    /**
     * A new eager layer of this one's sizes, freshly initialized, with a bias when {@code bias}: the copy that
     * {@code nn.utils.fuse_linear_bn_eval} gives its fused weights (PyTorch deep-copies the layer).
     */
    Linear sameConfiguration(boolean bias) {
        return new Linear(in, out, bias);
    }

    /** The size of each input sample, PyTorch's {@code in_features} (a new head: {@code new Linear(fc.inFeatures(), n)}). */
    public int inFeatures() {
        return in;
    }

    /** The size of each output sample, PyTorch's {@code out_features}. */
    public int outFeatures() {
        return out;
    }

    @Override
    public Tensor forward(Tensor x) {
        Module replaced = replacement();
        if (replaced != null) {
            return forwardReplacement(replaced, x); // swapped in its parent (Module.setSubmodule): the new layer computes
        }
        Checks.tensor(x, "linear", "input", 1);
        Tensor w = tensorAttribute("weight"); // F.linear(input, self.weight, self.bias): a deleted one, AttributeError
        Tensor b = tensorAttribute("bias");
        // F.linear's own errors, as PyTorch's layer has no check of its own: "mat1 and mat2 shapes cannot be multiplied
        // (1024x4 and 400x120)" for an input of the wrong size (an N-D input is flattened to 2-D first)
        return Functional.linear(x, w, b);
    }

    /** PyTorch's {@code extra_repr}: it reads {@code self.bias}, so a deleted bias is PyTorch's AttributeError. */
    @Override
    public String extraRepr() {
        return "in_features=" + in + ", out_features=" + out + ", bias=" + bool(tensorAttribute("bias") != null);
    }
}
