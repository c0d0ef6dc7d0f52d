package dev.ember.examples;

import dev.ember.Autograd;
import dev.ember.AutogradFunction;
import dev.ember.DType;
import dev.ember.Ember;
import dev.ember.GradMode;
import dev.ember.Generator;
import dev.ember.Tensor;
import dev.ember.TensorScope;

import java.util.List;
import java.util.Locale;

/**
 * Example: a custom autograd operation ({@link AutogradFunction}, PyTorch's {@code torch.autograd.Function}) with a
 * hand-written backward, checked against finite differences and used in training. It is PyTorch's tutorial
 * ("Defining new autograd Functions"): the Legendre polynomial {@code P3(x) = (5x^3 - 3x) / 2}, fitted as
 * {@code y = a + b P3(c + d x)} to {@code sin(x)} on [-pi, pi].
 * <pre>
 * java --add-modules jdk.incubator.vector -cp benchmarks/target/benchmarks.jar dev.ember.examples.CustomFunction
 * </pre>
 * It prints the gradient check's verdict, the loss as it trains, and the fitted polynomial. {@code --quick} runs a tiny
 * version.
 */
public final class CustomFunction {
    private CustomFunction() {
    }

    /** {@code P3(x) = (5x^3 - 3x) / 2}; its derivative is {@code 1.5 (5x^2 - 1)}. */
    static final class LegendrePolynomial3 extends AutogradFunction {
        @Override
        protected Tensor[] forward(Context ctx, Tensor... inputs) {
            Tensor x = inputs[0];
            ctx.saveForBackward(x);
            return new Tensor[] {x.pow(3).mul(5).sub(x.mul(3)).mul(0.5)};
        }

        @Override
        protected Tensor[] backward(Context ctx, Tensor... gradOutputs) {
            Tensor x = ctx.savedTensors()[0];
            return new Tensor[] {gradOutputs[0].mul(x.pow(2).mul(5).sub(1).mul(1.5))};
        }
    }

    /**
     * Entry point.
     *
     * @param args {@code --quick} for a tiny run
     */
    public static void main(String[] args) {
        boolean quick = List.of(args).contains("--quick");
        int steps = quick ? 100 : 2000;

        // 1. the backward formula against central finite differences, in float64 (as torch.autograd.gradcheck)
        Tensor probe = Tensor.rand(new Generator(1), DType.FLOAT64, 5).mul(2).sub(1).requiresGrad_(true);
        boolean ok = Autograd.gradcheck(xs -> new LegendrePolynomial3().apply(xs[0]), probe);
        Tensor out = new LegendrePolynomial3().apply(probe);
        System.out.println("gradcheck: " + (ok ? "passed" : "failed") + "; the node is " + out.gradFn().name());

        // 2. training through it, as PyTorch's tutorial
        Tensor x = Tensor.linspace(-Math.PI, Math.PI, 2000);
        Tensor y = x.sin();
        Tensor a = Tensor.full(new int[0], 0.0).requiresGrad_(true);
        Tensor b = Tensor.full(new int[0], -1.0).requiresGrad_(true);
        Tensor c = Tensor.full(new int[0], 0.0).requiresGrad_(true);
        Tensor d = Tensor.full(new int[0], 0.3).requiresGrad_(true);
        double lr = 5e-6;
        double first = Double.NaN;
        double last = Double.NaN;
        for (int step = 1; step <= steps; step++) {
            try (TensorScope scope = Ember.scope()) {
                Tensor p3 = new LegendrePolynomial3().apply(c.add(d.mul(x)));
                Tensor loss = a.add(b.mul(p3)).sub(y).pow(2).sum();
                last = loss.item();
                if (step == 1) {
                    first = last;
                }
                if (step % 500 == 0 || step == 1) {
                    System.out.printf(Locale.ROOT, "step %4d  loss %.2f%n", step, last);
                }
                loss.backward();
                try (GradMode off = Ember.noGrad()) {
                    for (Tensor p : List.of(a, b, c, d)) {
                        p.sub_(p.grad().mul(lr));
                        p.setGrad(null);
                    }
                }
            }
        }
        // PyTorch 1.13 running the same code ends at loss 8.94 with b = -2.2085 and d = 0.2555 (a and c stay near 0)
        System.out.printf(Locale.ROOT, "result: y = %.4f + (%.4f) * P3(%.4f + %.4f x); loss %.2f, %.0fx below the start%n",
                a.item(), b.item(), c.item(), d.item(), last, first / last);
    }
}
