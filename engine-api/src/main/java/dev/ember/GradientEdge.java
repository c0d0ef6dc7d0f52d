package dev.ember;

/**
 * An edge of the autograd graph, as PyTorch 2.3's {@code torch.autograd.graph.GradientEdge}: output {@code outputNr} of
 * {@code node} (a tensor's {@code grad_fn}, or a leaf's gradient accumulator), what a tensor's gradient flows into.
 * {@link Autograd#getGradientEdge} gives a tensor's; {@link Autograd#gradEdges} differentiates with respect to edges,
 * which need not keep the tensors they came from.
 *
 * @param node the node
 * @param outputNr which of its outputs
 */
public record GradientEdge(Node node, int outputNr) {
    /**
     * An edge.
     *
     * @throws IllegalArgumentException for a null node or an output the node does not have
     */
    public GradientEdge {
        if (node == null) {
            throw new IllegalArgumentException("GradientEdge: node must not be null");
        }
        if (outputNr < 0 || outputNr >= node.numOutputs()) {
            throw new IllegalArgumentException("GradientEdge: output_nr " + outputNr + " out of range for " + node.name()
                    + ", which has " + node.numOutputs() + " output(s)");
        }
    }
}
