package dev.ember;

import java.util.function.Function;

/**
 * Records one backward node for several differentiable outputs, as PyTorch's multi-output nodes ({@code split}'s pieces,
 * {@code linalg.qr}'s Q and R, a custom {@link AutogradFunction} returning several tensors): output {@code k} is
 * {@code (node, k)}, and the engine calls the node once with every output's gradient, null for an output no gradient
 * reached (PyTorch's undefined gradient, which formulas test with {@code grad.defined()}).
 */
final class MultiOutput {
    private MultiOutput() {
    }

    /**
     * Records {@code outputs} as made by one node named {@code name} over {@code inputs}; a null entry is an output the
     * node counts but that carries no history (a custom function's non-differentiable output). {@code formula} is given
     * the node (to save tensors into) and returns the backward function, which receives one gradient per output, in
     * order (null for an output no gradient reached; never all null), and returns one gradient per input (null where
     * none is needed). One output records an ordinary single-output node, whose formula always gets its gradient.
     * Returns the node, or null when nothing is recorded (no input requires grad, or grad mode is off).
     */
    static Node record(String name, Tensor[] inputs, Tensor[] outputs,
                       Function<Node, Function<Tensor[], Tensor[]>> formula) {
        if (!ArithmeticOps.needsGrad(inputs)) {
            return null;
        }
        if (outputs.length == 1) {
            Node.Fn[] holder = new Node.Fn[1];
            holder[0] = new Node.Fn(name, inputs, g -> holder[0].formulaBody.apply(g));
            // set after the node read its inputs' edges: an input marked dirty by a custom function is its output too
            outputs[0].gradFn = holder[0];
            outputs[0].outputNr = 0;
            Function<Tensor[], Tensor[]> f = formula.apply(holder[0]);
            holder[0].formulaBody = g -> f.apply(new Tensor[] {g});
            return holder[0];
        }
        Node.MultiFn node = new Node.MultiFn(name, inputs, outputs.length);
        for (int k = 0; k < outputs.length; k++) {
            if (outputs[k] != null) {
                outputs[k].gradFn = node;
                outputs[k].outputNr = k;
            }
        }
        node.formulaBody = formula.apply(node);
        return node;
    }
}
