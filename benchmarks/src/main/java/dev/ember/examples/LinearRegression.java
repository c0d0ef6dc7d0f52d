package dev.ember.examples;

import dev.ember.DType;
import dev.ember.Ember;
import dev.ember.Generator;
import dev.ember.Tensor;
import dev.ember.TensorScope;
import dev.ember.nn.Functional;
import dev.ember.nn.Linear;
import dev.ember.optim.SGD;

import java.util.List;
import java.util.Locale;

/**
 * Example: linear regression fitted by gradient descent, checked against the closed-form least-squares solution.
 * The data are generated: {@code y = X w + b + noise} with known {@code w} and {@code b}.
 * <pre>
 * java --add-modules jdk.incubator.vector -cp benchmarks/target/benchmarks.jar dev.ember.examples.LinearRegression
 * </pre>
 * It prints the weights gradient descent found beside the closed form's ({@code torch.linalg.lstsq} on {@code [X, 1]})
 * and the true ones, and the largest difference (target: below 1e-3). {@code --quick} runs a tiny version.
 */
public final class LinearRegression {
    private LinearRegression() {
    }

    /**
     * Entry point.
     *
     * @param args {@code --quick} for a tiny run
     */
    public static void main(String[] args) {
        boolean quick = List.of(args).contains("--quick");
        int n = quick ? 200 : 5000;
        int steps = quick ? 50 : 500;
        double[] trueW = {2.0, -3.4, 1.7};
        double trueB = 4.2;

        Generator gen = new Generator(7);
        Tensor x = Tensor.randn(gen, DType.FLOAT32, n, 3);
        Tensor y = x.matmul(Tensor.tensor(trueW, DType.FLOAT32).reshape(3, 1)).add(trueB)
                .add(Tensor.randn(gen, DType.FLOAT32, n, 1).mul(0.1));

        // gradient descent on the whole data set (the mean squared error is convex: it converges to the closed form)
        Ember.manualSeed(0);
        Linear model = new Linear(3, 1);
        SGD optimizer = new SGD(model.parameters(), 0.1);
        for (int step = 1; step <= steps; step++) {
            try (TensorScope scope = Ember.scope()) {
                optimizer.zeroGrad();
                Tensor loss = Functional.mseLoss(model.forward(x), y);
                loss.backward();
                optimizer.step();
                if (step == 1 || step % 100 == 0 || step == steps) {
                    System.out.printf(Locale.ROOT, "step %4d  mse %.6f%n", step, loss.item());
                }
            }
        }
        double[] learned = new double[4];
        System.arraycopy(model.weight.toDoubleArray(), 0, learned, 0, 3);
        learned[3] = model.bias.item();

        // closed form: least squares on [X, 1], in float64
        Tensor design = Tensor.cat(List.of(x, Tensor.ones(n, 1)), 1).to(DType.FLOAT64);
        double[] exact = design.linalgLstsq(y.to(DType.FLOAT64)).toDoubleArray();

        double maxDiff = 0;
        String[] names = {"w0", "w1", "w2", "b"};
        System.out.println("      gradient descent   closed form   true");
        for (int i = 0; i < 4; i++) {
            double truth = i < 3 ? trueW[i] : trueB;
            System.out.printf(Locale.ROOT, "%-4s  %16.6f  %12.6f  %5.2f%n", names[i], learned[i], exact[i], truth);
            maxDiff = Math.max(maxDiff, Math.abs(learned[i] - exact[i]));
        }
        System.out.printf(Locale.ROOT, "largest difference from the closed form: %.2e (%s)%n", maxDiff,
                maxDiff < 1e-3 ? "target 1e-3 reached" : "above the target 1e-3");
    }
}
