package dev.ember.examples;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Ember;
import dev.ember.GradMode;
import dev.ember.Generator;
import dev.ember.Tensor;
import dev.ember.TensorScope;
import dev.ember.data.DataLoader;
import dev.ember.nn.Functional;
import dev.ember.nn.Linear;
import dev.ember.nn.Module;
import dev.ember.nn.ReLU;
import dev.ember.nn.Sequential;
import dev.ember.optim.Adam;

import java.util.List;
import java.util.Locale;

/**
 * Example: a multi-layer perceptron that learns to separate the two interleaved half circles of the "two moons" data
 * set (generated here, as scikit-learn's {@code make_moons}), trained with Adam on mini-batches.
 * <pre>
 * java --add-modules jdk.incubator.vector -cp benchmarks/target/benchmarks.jar dev.ember.examples.MlpClassifier
 * </pre>
 * It prints the loss as it trains and ends with the accuracy on held-out points (target: above 0.97).
 * {@code --quick} runs a tiny version (for the smoke test).
 */
public final class MlpClassifier {
    private MlpClassifier() {
    }

    /**
     * Entry point.
     *
     * @param args {@code --quick} for a tiny run
     */
    public static void main(String[] args) {
        boolean quick = List.of(args).contains("--quick");
        int samples = quick ? 256 : 2000;
        int epochs = quick ? 3 : 60;

        Ember.manualSeed(0); // the layers' initial weights come from the default generator
        Generator data = new Generator(42);
        Tensor[] train = twoMoons(samples, 0.15, data);
        Tensor[] test = twoMoons(1000, 0.15, data);

        Module model = new Sequential(
                new Linear(2, 64), new ReLU(),
                new Linear(64, 64), new ReLU(),
                new Linear(64, 2));
        Adam optimizer = Adam.adam(model.parameters(), 0.01);
        DataLoader<List<Tensor>, DataLoader.Batch> loader = DataLoader.of(train[0], train[1], 64, true, 1, Device.CPU);

        for (int epoch = 1; epoch <= epochs; epoch++) {
            double total = 0;
            for (DataLoader.Batch batch : loader) {
                // the scope frees the step's tensors when it ends; the batch is closed with it
                try (batch; TensorScope step = Ember.scope()) {
                    optimizer.zeroGrad();
                    Tensor loss = Functional.crossEntropy(model.forward(batch.inputs()), batch.targets());
                    loss.backward();
                    optimizer.step();
                    total += loss.item();
                }
            }
            if (epoch == 1 || epoch % 10 == 0 || epoch == epochs) {
                System.out.printf(Locale.ROOT, "epoch %3d  mean loss %.4f%n", epoch, total / loader.size());
            }
        }

        double accuracy;
        try (GradMode off = Ember.noGrad()) {
            Tensor predicted = model.forward(test[0]).argmax(1, false);
            accuracy = predicted.eq(test[1]).to(DType.FLOAT32).mean().item();
        }
        System.out.printf(Locale.ROOT, "test accuracy on %d new points: %.4f (%s)%n", test[1].size(0), accuracy,
                accuracy > 0.97 ? "target 0.97 reached" : "below the target 0.97");
    }

    /**
     * Two interleaving half circles with Gaussian noise, as scikit-learn's {@code make_moons}: points [n, 2] (float32)
     * and their labels [n] (int64: 0 for the upper moon, 1 for the lower).
     *
     * @param n the number of points (half in each moon)
     * @param noise the standard deviation of the noise added to each coordinate
     * @param generator the source of randomness
     * @return {points, labels}
     */
    public static Tensor[] twoMoons(int n, double noise, Generator generator) {
        int upper = n / 2;
        int lower = n - upper;
        Tensor t1 = Tensor.rand(generator, DType.FLOAT32, upper).mul(Math.PI);
        Tensor t2 = Tensor.rand(generator, DType.FLOAT32, lower).mul(Math.PI);
        Tensor x = Tensor.cat(List.of(t1.cos(), t2.cos().neg().add(1)), 0);
        Tensor y = Tensor.cat(List.of(t1.sin(), t2.sin().neg().add(0.5)), 0);
        Tensor points = Tensor.stack(List.of(x, y), 1).add(Tensor.randn(generator, DType.FLOAT32, n, 2).mul(noise));
        Tensor labels = Tensor.cat(List.of(Tensor.zeros(DType.INT64, upper), Tensor.ones(DType.INT64, lower)), 0);
        return new Tensor[] {points, labels};
    }
}
