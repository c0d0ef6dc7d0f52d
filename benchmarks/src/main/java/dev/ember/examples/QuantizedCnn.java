package dev.ember.examples;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Ember;
import dev.ember.GradMode;
import dev.ember.Tensor;
import dev.ember.TensorScope;
import dev.ember.ao.quantization.DeQuantStub;
import dev.ember.ao.quantization.QConfig;
import dev.ember.ao.quantization.QuantStub;
import dev.ember.ao.quantization.Quantization;
import dev.ember.data.DataLoader;
import dev.ember.nn.BatchNorm2d;
import dev.ember.nn.Conv2d;
import dev.ember.nn.Flatten;
import dev.ember.nn.Functional;
import dev.ember.nn.Linear;
import dev.ember.nn.MaxPool2d;
import dev.ember.nn.Module;
import dev.ember.nn.ReLU;
import dev.ember.nn.Sequential;
import dev.ember.nn.TorchSerialization;
import dev.ember.optim.SGD;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Example: post-training static quantization of a CNN to int8, as PyTorch's eager-mode workflow does it, and the int8
 * model saved in PyTorch's own format.
 * <pre>
 * java --add-modules jdk.incubator.vector -cp benchmarks/target/benchmarks.jar dev.ember.examples.QuantizedCnn \
 *     [--file cnn-int8.pt] [--data /usr/share/datasets/fashion-mnist] [--train-size N] [--quick]
 * </pre>
 * It trains a small CNN (convolutions with batch norm) for one epoch on Fashion-MNIST (generated images where the data
 * are missing), fuses each Conv2d + BatchNorm2d + ReLU, prepares the model with PyTorch's x86 qconfig
 * ({@code get_default_qconfig("x86")}: histogram observers for the activations, per-channel weights), runs calibration
 * batches through it, converts it, and compares the float and int8 models' test accuracy, predictions and time (each
 * step PyTorch's default inplace=False: a new model, the float one kept). The int8 model's
 * state dict is written as {@code torch.save(model.state_dict())} writes it, with the Python lines that load it into
 * the same PyTorch model, then read back into a fresh converted model, which predicts the same.
 */
public final class QuantizedCnn {
    private QuantizedCnn() {
    }

    /** The network: QuantStub, two conv-bn-relu-pool stages, a linear classifier, DeQuantStub. */
    static Sequential model() {
        return new Sequential(new QuantStub(),
                new Conv2d(1, 8, 3, 1, 1), new BatchNorm2d(8), new ReLU(), new MaxPool2d(2),
                new Conv2d(8, 16, 3, 1, 1), new BatchNorm2d(16), new ReLU(), new MaxPool2d(2),
                new Flatten(), new Linear(16 * 7 * 7, 10), new DeQuantStub());
    }

    /** Each convolution with its batch norm and ReLU. */
    private static final List<List<String>> FUSED = List.of(List.of("1", "2", "3"), List.of("5", "6", "7"));

    /** Fused and prepared in place with the x86 qconfig (inplace=True): what convert turns into the int8 model. */
    static Sequential prepared(Sequential m) {
        m.eval();
        Quantization.fuseModules(m, FUSED, true);
        Quantization.setQconfig(m, QConfig.getDefaultQconfig("x86"));
        Quantization.prepare(m, true);
        return m;
    }

    /**
     * Entry point.
     *
     * @param args the options above
     * @throws IOException when the data or the file cannot be read or written
     */
    public static void main(String[] args) throws IOException {
        Path file = Path.of("cnn-int8.pt");
        Path dataDir = Path.of("/usr/share/datasets/fashion-mnist");
        int trainSize = 20_000;
        int testSize = 10_000;
        int calibration = 1_000;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--file": file = Path.of(args[++i]); break;
                case "--data": dataDir = Path.of(args[++i]); break;
                case "--train-size": trainSize = Integer.parseInt(args[++i]); break;
                case "--quick": trainSize = 256; testSize = 256; calibration = 128; break;
                default:
                    System.err.println("unknown option " + args[i] + "; options: --file FILE --data DIR --train-size N "
                            + "--quick");
                    System.exit(2);
            }
        }
        Tensor[][] data = CnnCheckpoint.data(dataDir, trainSize, testSize);
        Tensor[] train = data[0];
        Tensor[] test = data[1];

        Ember.manualSeed(0);
        Sequential net = model();
        SGD optimizer = new SGD(net.parameters(), 0.05);
        net.train();
        DataLoader<List<Tensor>, DataLoader.Batch> loader = DataLoader.of(train[0], train[1], 64, true, 1, Device.CPU);
        for (DataLoader.Batch batch : loader) {
            try (batch; TensorScope step = Ember.scope()) {
                optimizer.zeroGrad();
                Functional.crossEntropy(net.forward(batch.inputs()), batch.targets()).backward();
                optimizer.step();
            }
        }
        double floatAccuracy = CnnCheckpoint.accuracy(net, test);
        double floatMs = millisPerBatch(net, test[0]);

        // post-training static quantization, PyTorch's default flow: fuse, prepare and convert each return a new model
        // (inplace=False, a deep copy), so the float model stays to compare with
        Map<String, Tensor> trained = net.stateDict();
        net.eval();
        Module fused = Quantization.fuseModules(net, FUSED, false);
        Quantization.setQconfig(fused, QConfig.getDefaultQconfig("x86"));
        Module observed = Quantization.prepare(fused, false);
        try (GradMode off = Ember.noGrad()) {
            for (int from = 0; from < calibration; from += 64) {
                try (TensorScope scope = Ember.scope()) {
                    observed.apply(train[0].narrow(0, from, Math.min(64, calibration - from)));
                }
            }
        }
        Sequential int8 = (Sequential) Quantization.convert(observed, false);
        double intAccuracy = CnnCheckpoint.accuracy(int8, test);
        double intMs = millisPerBatch(int8, test[0]);
        double agreement;
        try (GradMode off = Ember.noGrad(); TensorScope scope = Ember.scope()) {
            Tensor some = test[0].narrow(0, 0, Math.min(1000, test[0].size(0)));
            agreement = net.forward(some).argmax(1).eq(int8.forward(some).argmax(1)).to(DType.FLOAT64).mean().item();
        }
        System.out.println(int8);
        System.out.printf(Locale.ROOT, "test accuracy: float32 %.4f, int8 %.4f (the two models agree on %.1f%% of the "
                + "first test images)%n", floatAccuracy, intAccuracy, 100 * agreement);
        System.out.printf(Locale.ROOT, "time for 256 images (best of 3, this machine, %d threads): float32 %.1f ms, "
                + "int8 %.1f ms%n", Runtime.getRuntime().availableProcessors(), floatMs, intMs);

        // the int8 model in PyTorch's format, and back
        TorchSerialization.save(Quantization.stateDict(int8), file);
        System.out.println("int8 state dict written to " + file + "; in PyTorch, build the same model, fuse, prepare "
                + "and convert it, then:");
        System.out.println("    model.load_state_dict(torch.load(\"" + file + "\"))");
        Sequential fresh = model();
        fresh.loadStateDict(trained);
        prepared(fresh);
        try (GradMode off = Ember.noGrad()) {
            fresh.forward(test[0].narrow(0, 0, 1)); // observers that saw nothing warn at convert; the file replaces these
        }
        Quantization.convert(fresh, true);
        Quantization.loadStateDict(fresh, (Map<?, ?>) TorchSerialization.load(file));
        double diff;
        try (GradMode off = Ember.noGrad()) {
            Tensor some = test[0].narrow(0, 0, Math.min(256, test[0].size(0)));
            diff = int8.forward(some).sub(fresh.forward(some)).abs().max().item();
        }
        System.out.printf(Locale.ROOT, "a model loaded from the file gives the same outputs (largest difference "
                + "%.1e)%n", diff);
    }

    /** The best of three times to classify 256 images. */
    private static double millisPerBatch(Sequential net, Tensor images) {
        net.eval();
        Tensor batch = images.narrow(0, 0, Math.min(256, images.size(0)));
        double best = Double.MAX_VALUE;
        try (GradMode off = Ember.noGrad()) {
            for (int r = 0; r < 3; r++) {
                try (TensorScope scope = Ember.scope()) {
                    long t0 = System.nanoTime();
                    net.forward(batch);
                    best = Math.min(best, (System.nanoTime() - t0) / 1e6);
                }
            }
        }
        return best;
    }
}
