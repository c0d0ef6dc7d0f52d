package dev.ember.nn;

import dev.ember.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/** The parameter-free layers and containers: ReLU, Sigmoid, Tanh, Flatten, pooling, Sequential. */
public final class Layers {
    private Layers() {
    }

    /** A module applying a function. */
    static final class Lambda extends Module {
        private final String name;
        private final UnaryOperator<Tensor> fn;

        Lambda(String name, UnaryOperator<Tensor> fn) {
            this.name = name;
            this.fn = fn;
        }

        @Override
        public Tensor forward(Tensor input) {
            return fn.apply(input);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** {@code torch.nn.ReLU}. */
    public static Module relu() {
        return new Lambda("ReLU()", Tensor::relu);
    }

    /** {@code torch.nn.Sigmoid}. */
    public static Module sigmoid() {
        return new Lambda("Sigmoid()", Tensor::sigmoid);
    }

    /** {@code torch.nn.Tanh}. */
    public static Module tanh() {
        return new Lambda("Tanh()", Tensor::tanh);
    }

    /** {@code torch.nn.Flatten}: dims 1..-1 into one. */
    public static Module flatten() {
        return new Lambda("Flatten(start_dim=1, end_dim=-1)", x -> x.flatten(1, -1));
    }

    /** {@code torch.nn.MaxPool2d(kernel)}: square window, stride = window. */
    public static Module maxPool2d(int kernel) {
        return new Lambda("MaxPool2d(kernel_size=" + kernel + ", stride=" + kernel + ")", x -> Functional.maxPool2d(x, kernel));
    }

    /** {@code torch.nn.AvgPool2d(kernel)}. */
    public static Module avgPool2d(int kernel) {
        return new Lambda("AvgPool2d(kernel_size=" + kernel + ")", x -> Functional.avgPool2d(x, kernel));
    }

    /** {@code torch.nn.Sequential}: submodules named "0", "1", ... applied in order. */
    public static final class Sequential extends Module {
        private final List<Module> layers = new ArrayList<>();

        /** A container of the given layers. */
        public Sequential(Module... modules) {
            for (Module m : modules) {
                layers.add(registerModule(Integer.toString(layers.size()), m));
            }
        }

        @Override
        public Tensor forward(Tensor input) {
            Tensor x = input;
            for (Module m : layers) {
                x = m.forward(x);
            }
            return x;
        }
    }
}
