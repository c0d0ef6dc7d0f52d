package dev.ember;

import dev.ember.backend.Layout;

import java.util.List;
import java.util.function.Function;

/**
 * One backward function for several differentiable outputs (PyTorch's multi-output nodes: {@code linalg.qr}'s Q and R, a
 * custom {@link AutogradFunction} returning several tensors), on Ember's engine, whose nodes each take the gradient of one
 * tensor. Each output gets a small node that places its gradient, flattened, at the output's slot of one packed vector
 * (zeros elsewhere); the engine sums those into the packed gradient of a hidden carrier tensor whose node runs the real
 * formula once, with every output's gradient unpacked (zeros for an output no gradient reached, as PyTorch materializes
 * them). Every node carries the op's name, and an output's node reports the real node's edges as its own, so the graph
 * reads as PyTorch's; what differs is only that the outputs' {@code gradFn()} objects are distinct.
 */
final class MultiOutput {
    private MultiOutput() {
    }

    /**
     * Records {@code outputs} (floating, on one device) as made by one node named {@code name} over {@code inputs}.
     * {@code formula} is given the node (to save tensors into) and returns the backward function, which receives one
     * gradient per output, in order, and returns one gradient per input (null where none is needed). Returns the real
     * node, or null when nothing is recorded (no input requires grad, or grad mode is off).
     */
    static Node record(String name, Tensor[] inputs, Tensor[] outputs,
                       Function<Node, Function<Tensor[], Tensor[]>> formula) {
        if (!ArithmeticOps.needsGrad(inputs)) {
            return null;
        }
        if (outputs.length == 1) {
            ArithmeticOps.record(outputs[0], name, inputs, node -> {
                Function<Tensor[], Tensor[]> f = formula.apply(node);
                return g -> f.apply(new Tensor[] {g});
            });
            return outputs[0].gradFn;
        }
        int count = outputs.length;
        long[] offsets = new long[count + 1];
        DType packed = DType.FLOAT32;
        Device device = outputs[0].device;
        for (int i = 0; i < count; i++) {
            offsets[i + 1] = offsets[i] + outputs[i].numel();
            if (outputs[i].dtype == DType.FLOAT64) {
                packed = DType.FLOAT64;
            }
        }
        int total = Shapes.toSize(offsets[count], name + "'s outputs together");
        int[][] shapes = new int[count][];
        DType[] types = new DType[count];
        Device[] devices = new Device[count];
        for (int i = 0; i < count; i++) {
            shapes[i] = outputs[i].shape;
            types[i] = outputs[i].dtype;
            devices[i] = outputs[i].device;
        }
        // the carrier stands for the packed outputs: one element of storage, never read
        Tensor one = Creation.empty(new int[] {1}, packed, device);
        Tensor carrier = new Tensor(one.lease(), new Layout(new int[] {total}, new int[] {0}, 0), device, one.backend,
                new int[1]);
        DType packedType = packed;
        Node.Fn[] holder = new Node.Fn[1];
        holder[0] = new Node.Fn(name, inputs, g -> holder[0].formulaBody.apply(g));
        Function<Tensor[], Tensor[]> body = formula.apply(holder[0]);
        holder[0].formulaBody = g -> {
            Tensor[] grads = new Tensor[count];
            for (int i = 0; i < count; i++) {
                Tensor part = g.narrow(0, (int) offsets[i], (int) (offsets[i + 1] - offsets[i])).reshape(shapes[i]);
                grads[i] = part.to(types[i]).to(devices[i]);
            }
            return body.apply(grads);
        };
        carrier.gradFn = holder[0];
        for (int i = 0; i < count; i++) {
            outputs[i].gradFn = new Slot(name, carrier, holder[0], (int) offsets[i], (int) (offsets[i + 1] - offsets[i]),
                    total, packedType, device);
        }
        return holder[0];
    }

    /** The node of one output: its gradient, flattened, at its slot of the packed gradient. */
    private static final class Slot extends Node {
        private final Node real;
        private final int offset;
        private final int length;
        private final int total;
        private final DType packed;
        private final Device device;

        Slot(String name, Tensor carrier, Node real, int offset, int length, int total, DType packed, Device device) {
            super(name, new Tensor[] {carrier});
            this.real = real;
            this.offset = offset;
            this.length = length;
            this.total = total;
            this.packed = packed;
            this.device = device;
        }

        @Override
        Tensor[] apply(Tensor g) {
            Tensor flat = g.to(device).to(packed).reshape(length);
            if (length == total) {
                return new Tensor[] {flat};
            }
            Tensor before = Creation.zeros(new int[] {offset}, packed, device);
            Tensor after = Creation.zeros(new int[] {total - offset - length}, packed, device);
            return new Tensor[] {Tensor.cat(List.of(before, flat, after), 0)};
        }

        /** The real node's edges: the graph reads as one node with several outputs. */
        @Override
        public List<Node> nextFunctions() {
            return real.nextFunctions();
        }
    }
}
