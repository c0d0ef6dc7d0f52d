package dev.ember.examples;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Ember;
import dev.ember.GradMode;
import dev.ember.Generator;
import dev.ember.Tensor;
import dev.ember.TensorScope;
import dev.ember.data.DataLoader;
import dev.ember.data.Idx;
import dev.ember.nn.Conv2d;
import dev.ember.nn.Flatten;
import dev.ember.nn.Functional;
import dev.ember.nn.Linear;
import dev.ember.nn.MaxPool2d;
import dev.ember.nn.Module;
import dev.ember.nn.ReLU;
import dev.ember.nn.Safetensors;
import dev.ember.nn.Sequential;
import dev.ember.optim.SGD;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Example: a small convolutional network on Fashion-MNIST that saves a checkpoint after every epoch and resumes from it.
 * Run it, then run it again with more epochs: the second run starts where the first stopped.
 * <pre>
 * java --add-modules jdk.incubator.vector -cp benchmarks/target/benchmarks.jar dev.ember.examples.CnnCheckpoint \
 *     [--epochs 2] [--checkpoint cnn-checkpoint.safetensors] [--data /usr/share/datasets/fashion-mnist] [--train-size N]
 * </pre>
 * The data are Debian's {@code dataset-fashion-mnist} package; where they are missing it says so and trains on
 * generated 28x28 images instead (ten classes of noisy patterns). The checkpoint is a safetensors file holding the
 * model's {@code stateDict()} and the epoch reached; plain SGD keeps no other state, and each epoch's shuffle is seeded
 * by its number, so a resumed run computes what an uninterrupted one would. {@code --quick} runs a tiny version.
 */
public final class CnnCheckpoint {
    private CnnCheckpoint() {
    }

    /** The network: two 3x3 convolutions with pooling, then a linear classifier. */
    static Module model() {
        return new Sequential(
                new Conv2d(1, 8, new int[] {3, 3}, new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1}, 1, true),
                new ReLU(), new MaxPool2d(2),
                new Conv2d(8, 16, new int[] {3, 3}, new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1}, 1, true),
                new ReLU(), new MaxPool2d(2),
                new Flatten(),
                new Linear(16 * 7 * 7, 10));
    }

    /**
     * Entry point.
     *
     * @param args the options above
     * @throws IOException when the data or the checkpoint cannot be read or written
     */
    public static void main(String[] args) throws IOException {
        int epochs = 2;
        Path checkpoint = Path.of("cnn-checkpoint.safetensors");
        Path dataDir = Path.of("/usr/share/datasets/fashion-mnist");
        int trainSize = 20_000;
        int testSize = 10_000;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--epochs": epochs = Integer.parseInt(args[++i]); break;
                case "--checkpoint": checkpoint = Path.of(args[++i]); break;
                case "--data": dataDir = Path.of(args[++i]); break;
                case "--train-size": trainSize = Integer.parseInt(args[++i]); break;
                case "--quick": trainSize = 256; testSize = 256; break;
                default:
                    System.err.println("unknown option " + args[i]
                            + "; options: --epochs N --checkpoint FILE --data DIR --train-size N --quick");
                    System.exit(2);
            }
        }

        Tensor[][] data = data(dataDir, trainSize, testSize);
        Tensor[] train = data[0];
        Tensor[] test = data[1];

        Ember.manualSeed(0);
        Module net = model();
        int start = 1;
        if (Files.exists(checkpoint)) {
            Map<String, Tensor> state = new HashMap<>(Safetensors.load(checkpoint));
            start = (int) state.remove("epoch").longItem() + 1;
            net.loadStateDict(state);
            System.out.println("resumed from " + checkpoint + " after epoch " + (start - 1));
        }
        if (start > epochs) {
            System.out.println("the checkpoint is already at epoch " + (start - 1) + "; pass --epochs " + (start + 1)
                    + " to train further");
        }
        SGD optimizer = new SGD(net.parameters(), 0.05);
        for (int epoch = start; epoch <= epochs; epoch++) {
            net.train();
            // the shuffle is seeded by the epoch, so a resumed run sees the same batches as an uninterrupted one
            DataLoader<List<Tensor>, DataLoader.Batch> loader = DataLoader.of(train[0], train[1], 64, true, epoch, Device.CPU);
            double total = 0;
            for (DataLoader.Batch batch : loader) {
                try (batch; TensorScope step = Ember.scope()) {
                    optimizer.zeroGrad();
                    Tensor loss = Functional.crossEntropy(net.forward(batch.inputs()), batch.targets());
                    loss.backward();
                    optimizer.step();
                    total += loss.item();
                }
            }
            Map<String, Tensor> state = new HashMap<>(net.stateDict());
            state.put("epoch", Tensor.tensor((long) epoch));
            Safetensors.save(state, checkpoint);
            System.out.printf(Locale.ROOT, "epoch %d  mean loss %.4f  test accuracy %.4f  (checkpoint saved to %s)%n",
                    epoch, total / loader.size(), accuracy(net, test), checkpoint);
        }

        // the checkpoint holds exactly the trained model: a fresh one loaded from it predicts the same
        Module restored = model();
        Map<String, Tensor> state = new HashMap<>(Safetensors.load(checkpoint));
        state.remove("epoch");
        restored.loadStateDict(state);
        double diff;
        try (GradMode off = Ember.noGrad()) {
            net.eval();
            restored.eval();
            Tensor some = test[0].narrow(0, 0, (int) Math.min(256, test[0].size(0)));
            diff = net.forward(some).sub(restored.forward(some)).abs().max().item();
        }
        System.out.printf(Locale.ROOT, "a model loaded from the checkpoint gives the same outputs (largest difference "
                + "%.1e); test accuracy %.4f%n", diff, accuracy(restored, test));
    }

    /**
     * The training and test sets ({images, labels} each): Fashion-MNIST from {@code dataDir}, or where it is missing
     * (saying so) generated 28x28 images of ten classes.
     */
    static Tensor[][] data(Path dataDir, int trainSize, int testSize) throws IOException {
        Tensor[] train;
        Tensor[] test;
        if (Files.exists(dataDir.resolve("train-images-idx3-ubyte.gz"))) {
            train = fashionMnist(dataDir, "train", trainSize);
            test = fashionMnist(dataDir, "t10k", testSize);
            System.out.printf(Locale.ROOT, "Fashion-MNIST from %s: %d training and %d test images%n", dataDir,
                    train[1].size(0), test[1].size(0));
        } else {
            System.out.println("Fashion-MNIST not found in " + dataDir + " (apt-get install dataset-fashion-mnist, or "
                    + "--data DIR): training on generated 28x28 images instead");
            Tensor templates = Tensor.rand(new Generator(5), DType.FLOAT32, 10, 1, 28, 28);
            train = generated(templates, trainSize, new Generator(6));
            test = generated(templates, testSize, new Generator(7));
        }
        return new Tensor[][] {train, test};
    }

    static Tensor[] fashionMnist(Path dir, String split, int limit) throws IOException {
        Tensor images = Idx.readImages(dir.resolve(split + "-images-idx3-ubyte.gz"));
        Tensor labels = Idx.readLabels(dir.resolve(split + "-labels-idx1-ubyte.gz"));
        int n = (int) Math.min(limit, labels.size(0));
        // the usual normalization (Fashion-MNIST's mean and standard deviation)
        return new Tensor[] {images.narrow(0, 0, n).sub(0.2860).div(0.3530), labels.narrow(0, 0, n)};
    }

    /** Images [n, 1, 28, 28]: a class's template plus noise; labels [n] cycle through the ten classes. */
    static Tensor[] generated(Tensor templates, int n, Generator generator) {
        Tensor labels = Tensor.arange(n).remainder(10);
        Tensor images = templates.indexSelect(0, labels).add(Tensor.randn(generator, DType.FLOAT32, n, 1, 28, 28).mul(0.5));
        return new Tensor[] {images, labels};
    }

    static double accuracy(Module net, Tensor[] data) {
        net.eval();
        int n = data[1].size(0);
        long correct = 0;
        try (GradMode off = Ember.noGrad()) {
            for (int from = 0; from < n; from += 1000) {
                int count = Math.min(1000, n - from);
                try (TensorScope scope = Ember.scope()) {
                    Tensor predicted = net.forward(data[0].narrow(0, from, count)).argmax(1, false);
                    correct += predicted.eq(data[1].narrow(0, from, count)).sum().longItem();
                }
            }
        }
        return (double) correct / n;
    }
}
