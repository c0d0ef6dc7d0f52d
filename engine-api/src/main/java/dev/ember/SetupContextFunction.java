package dev.ember;

/**
 * A custom autograd operation in PyTorch 2.0's second form of {@code torch.autograd.Function}: {@link #forward(Tensor...)}
 * computes the outputs without a context, and {@link #setupContext} fills the context from the inputs and the outputs
 * (saved tensors, {@code put} values, {@code markDirty}, {@code markNonDifferentiable}, {@code setMaterializeGrads},
 * {@code saveForForward}, {@code needsInputGrad}); {@link #backward} is as in {@link AutogradFunction}.
 *
 * <pre>{@code
 * class MulScale extends SetupContextFunction {
 *     protected Tensor[] forward(Tensor... in) {
 *         return new Tensor[] {in[0].mul(in[1]).mul(3.0)};
 *     }
 *
 *     protected void setupContext(Context ctx, Tensor[] inputs, Tensor[] outputs) {
 *         ctx.saveForBackward(inputs[0], inputs[1]);
 *     }
 *
 *     protected Tensor[] backward(Context ctx, Tensor... g) {
 *         Tensor[] s = ctx.savedTensors();
 *         return new Tensor[] {g[0].mul(s[1]).mul(3.0), g[0].mul(s[0]).mul(3.0)};
 *     }
 * }
 * Tensor z = new MulScale().apply(x, y);   // z.gradFn().name() is "MulScaleBackward"
 * }</pre>
 *
 * <p>As in PyTorch: {@code forward} and then {@code setupContext} run with grad mode off, {@code setupContext} gets the
 * inputs as given and the outputs as {@code forward} returned them (before an input returned unchanged becomes a view);
 * the node, its name ({@code <ClassName>Backward}), the gradient checks and the saved-tensor version checks are
 * {@link AutogradFunction}'s. The two forms cannot be mixed: the context-taking {@code forward} is final here (Java's
 * form of PyTorch refusing a class whose forward takes {@code ctx} while {@code setup_context} is overridden), and
 * {@code setupContext} must be written.
 *
 * <p>Under the function transforms ({@link Func}), as 2.x's {@code custom_function_call}: {@link Func#grad grad},
 * {@link Func#vjp vjp} and the Jacobians differentiate through {@link #backward}; {@link Func#vmap vmap} needs
 * {@link #generateVmapRule()} (Ember's vmap runs the function once per sample, which is the rule 2.x generates: vmap
 * over forward, setup_context and backward); otherwise it is refused with 2.x's message. Ember offers no {@code vmap}
 * staticmethod (a batched rule of one's own): its vmap has no batched call to hand one. {@code ctx.markDirty} under a
 * transform is refused as 2.x refuses it. Ember's {@code jvp} and {@code jacfwd} also run through {@link #backward}
 * (double backward), where PyTorch would call a {@code jvp} staticmethod.
 */
public abstract class SetupContextFunction extends AutogradFunction {

    /** A function; subclasses hold their non-tensor parameters in fields or in the {@link Context}. */
    protected SetupContextFunction() {
    }

    /**
     * The forward computation on {@code inputs} (null entries stand for absent tensors), run with grad mode off and no
     * context, as 2.x's {@code forward(*args)}.
     *
     * @param inputs the inputs
     * @return the outputs, at least one
     */
    protected abstract Tensor[] forward(Tensor... inputs);

    /**
     * Fills the context for {@link #backward}, as 2.x's {@code setup_context(ctx, inputs, output)}; runs right after
     * {@link #forward(Tensor...)}, with grad mode off.
     *
     * @param ctx the context
     * @param inputs the inputs of the call
     * @param outputs what {@link #forward(Tensor...)} returned
     */
    protected abstract void setupContext(Context ctx, Tensor[] inputs, Tensor[] outputs);

    /**
     * Whether {@link Func#vmap vmap} may run this function, as 2.x's {@code generate_vmap_rule = True} (default false:
     * vmap refuses it, as 2.x does for a function without a vmap rule).
     *
     * @return true to allow vmap
     */
    protected boolean generateVmapRule() {
        return false;
    }

    /** The context form, final: {@link #forward(Tensor...)} and then {@link #setupContext}. */
    @Override
    protected final Tensor[] forward(Context ctx, Tensor... inputs) {
        if (VmapState.running() && !generateVmapRule()) {
            throw new IllegalStateException("You tried to vmap over " + nodeName().substring(0,
                    nodeName().length() - "Backward".length()) + ", but it does not have vmap support. Please override "
                    + "and implement the vmap staticmethod or set generate_vmap_rule=True. For more details, please see "
                    + "https://pytorch.org/docs/main/notes/extending.func.html");
        }
        ctx.underTransform = Func.transforming();
        Tensor[] outputs = forward(inputs.clone());
        if (outputs != null) {
            setupContext(ctx, inputs.clone(), outputs.clone());
        }
        return outputs;
    }
}
