package dev.ember;

/**
 * The keyword options of {@code torch.autograd.grad} (PyTorch 2.x), immutable, with PyTorch's defaults; each
 * {@code withX} returns a copy with one option changed. Used by {@link Autograd#grad(java.util.List, java.util.List,
 * java.util.List, GradOptions)}.
 *
 * <p>Defaults: {@code create_graph} false; {@code retain_graph} unset, which means "as {@code create_graph}";
 * {@code allow_unused} unset, which means "as {@code materialize_grads}"; {@code is_grads_batched} false;
 * {@code materialize_grads} false. As in PyTorch, asking for {@code materialize_grads} with {@code allow_unused}
 * explicitly false is an error.
 */
public final class GradOptions {
    private static final GradOptions DEFAULTS = new GradOptions(null, false, null, false, false);

    private final Boolean retainGraph;
    private final boolean createGraph;
    private final Boolean allowUnused;
    private final boolean gradsBatched;
    private final boolean materializeGrads;

    private GradOptions(Boolean retainGraph, boolean createGraph, Boolean allowUnused, boolean gradsBatched,
                        boolean materializeGrads) {
        this.retainGraph = retainGraph;
        this.createGraph = createGraph;
        this.allowUnused = allowUnused;
        this.gradsBatched = gradsBatched;
        this.materializeGrads = materializeGrads;
    }

    /** @return the options with PyTorch's defaults */
    public static GradOptions defaults() {
        return DEFAULTS;
    }

    /**
     * @param value {@code retain_graph}: true keeps the graph's saved tensors for another pass; false frees them
     * @return a copy with it set
     */
    public GradOptions withRetainGraph(boolean value) {
        return new GradOptions(value, createGraph, allowUnused, gradsBatched, materializeGrads);
    }

    /**
     * @param value {@code create_graph}: true records the backward pass itself, so the gradients can be
     *     differentiated again
     * @return a copy with it set
     */
    public GradOptions withCreateGraph(boolean value) {
        return new GradOptions(retainGraph, value, allowUnused, gradsBatched, materializeGrads);
    }

    /**
     * @param value {@code allow_unused}: true gives an input the outputs do not depend on a null gradient (or zeros,
     *     with {@code materialize_grads}); false makes such an input an error
     * @return a copy with it set
     */
    public GradOptions withAllowUnused(boolean value) {
        return new GradOptions(retainGraph, createGraph, value, gradsBatched, materializeGrads);
    }

    /**
     * @param value {@code is_grads_batched}: true reads the first dimension of every gradient output as a batch of
     *     vectors and returns, for each input, the batch of vector-Jacobian products stacked along a new first
     *     dimension
     * @return a copy with it set
     */
    public GradOptions withGradsBatched(boolean value) {
        return new GradOptions(retainGraph, createGraph, allowUnused, value, materializeGrads);
    }

    /**
     * @param value {@code materialize_grads}: true gives an unused input a zero gradient (requiring grad, as PyTorch's
     *     {@code zeros_like(input, requires_grad=True)}) instead of null
     * @return a copy with it set
     */
    public GradOptions withMaterializeGrads(boolean value) {
        return new GradOptions(retainGraph, createGraph, allowUnused, gradsBatched, value);
    }

    /** @return {@code retain_graph} in effect: as set, else {@code create_graph} */
    public boolean retainGraph() {
        return retainGraph != null ? retainGraph : createGraph;
    }

    /** @return {@code create_graph} */
    public boolean createGraph() {
        return createGraph;
    }

    /** @return {@code allow_unused} in effect: as set, else {@code materialize_grads} */
    public boolean allowUnused() {
        return allowUnused != null ? allowUnused : materializeGrads;
    }

    /** @return {@code is_grads_batched} */
    public boolean gradsBatched() {
        return gradsBatched;
    }

    /** @return {@code materialize_grads} */
    public boolean materializeGrads() {
        return materializeGrads;
    }

    /** PyTorch's check of the combination, before anything runs. */
    void check() {
        if (materializeGrads && Boolean.FALSE.equals(allowUnused)) {
            throw new IllegalArgumentException("Expected allow_unused to be True or not passed when materialize_grads=True, "
                    + "but got: allow_unused=False.");
        }
    }

    @Override
    public String toString() {
        return "GradOptions(retain_graph=" + retainGraph() + ", create_graph=" + createGraph + ", allow_unused="
                + allowUnused() + ", is_grads_batched=" + gradsBatched + ", materialize_grads=" + materializeGrads + ")";
    }
}
