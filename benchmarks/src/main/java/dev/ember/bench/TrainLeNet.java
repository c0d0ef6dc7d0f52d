package dev.ember.bench;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Ember;
import dev.ember.Generator;
import dev.ember.GradMode;
import dev.ember.Tensor;
import dev.ember.TensorScope;
import dev.ember.backend.Backends;
import dev.ember.data.DataLoader;
import dev.ember.data.Idx;
import dev.ember.nn.Conv2d;
import dev.ember.nn.Functional;
import dev.ember.nn.Linear;
import dev.ember.nn.Module;
import dev.ember.optim.SGD;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The main job: trains note 000's LeNet on Fashion-MNIST and reports test accuracy.
 * <pre>
 * java --add-modules jdk.incubator.vector -cp benchmarks/target/benchmarks.jar dev.ember.bench.TrainLeNet \
 *     [--epochs 3] [--batch-size 64] [--lr 0.02] [--device cpu|cuda|auto] [--data /usr/share/datasets/fashion-mnist]
 *     [--save lenet.safetensors|lenet.pt] [--plot run.png]
 * </pre>
 * {@code --save} writes the weights as safetensors, or as {@code torch.save} does for a name ending in {@code .pt} or
 * {@code .pth}.
 * The data are Debian's {@code dataset-fashion-mnist} package ({@code apt-get install dataset-fashion-mnist}).
 * Every 200 batches it prints the mean training loss of those batches and the images per second; after each epoch the
 * test accuracy. {@code --plot FILE.png} draws these as a picture ({@link RunPlot}: train loss and images/s per logged
 * window, test accuracy per epoch, over epochs) and writes the points to {@code FILE.csv} beside it, after every epoch.
 */
public final class TrainLeNet {
    private TrainLeNet() {
    }

    /** Note 000's network; conv1 pads by 2 so 28x28 images give conv2 the 14x14 maps of the 32x32 original. */
    public static final class LeNet extends Module {
        final Conv2d conv1 = registerModule("conv1", new Conv2d(1, 6, new int[] {5, 5}, new int[] {1, 1}, new int[] {2, 2},
                new int[] {1, 1}, 1, true));
        final Conv2d conv2 = registerModule("conv2", new Conv2d(6, 16, 5));
        final Linear fc1 = registerModule("fc1", new Linear(16 * 5 * 5, 120));
        final Linear fc2 = registerModule("fc2", new Linear(120, 84));
        final Linear fc3 = registerModule("fc3", new Linear(84, 10));

        @Override
        public Tensor forward(Tensor x) {
            x = Functional.maxPool2d(Functional.relu(conv1.forward(x)), 2);
            x = Functional.maxPool2d(Functional.relu(conv2.forward(x)), 2);
            x = x.flatten(1, -1);
            x = Functional.relu(fc1.forward(x));
            x = Functional.relu(fc2.forward(x));
            return fc3.forward(x);
        }
    }

    /** Entry point. */
    public static void main(String[] args) throws Exception {
        int epochs = 3;
        int batch = 64;
        double lr = 0.02;
        String deviceSpec = "auto";
        Path data = Path.of("/usr/share/datasets/fashion-mnist");
        Path save = null;
        Path plotFile = null;
        Generator.Algorithm generator = Ember.defaultGeneratorAlgorithm();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--epochs": epochs = Integer.parseInt(args[++i]); break;
                case "--batch-size": batch = Integer.parseInt(args[++i]); break;
                case "--lr": lr = Double.parseDouble(args[++i]); break;
                case "--device": deviceSpec = args[++i]; break;
                case "--data": data = Path.of(args[++i]); break;
                case "--save": save = Path.of(args[++i]); break;
                case "--plot": plotFile = Path.of(args[++i]); break;
                case "--generator":
                    String kind = args[++i];
                    if (!kind.equals("mt19937") && !kind.equals("philox")) {
                        System.err.println("--generator takes mt19937 or philox, got " + kind);
                        System.exit(2);
                    }
                    generator = kind.equals("mt19937") ? Generator.Algorithm.MT19937 : Generator.Algorithm.PHILOX;
                    break;
                default:
                    System.err.println("unknown option " + args[i] + "; options: --epochs N --batch-size N --lr X "
                            + "--device cpu|cuda|auto --data DIR --save FILE --plot FILE.png --generator philox|mt19937");
                    System.exit(2);
            }
        }
        Path trainImages = data.resolve("train-images-idx3-ubyte.gz");
        if (!Files.exists(trainImages)) {
            System.err.println("Fashion-MNIST not found in " + data + ". Install it with: apt-get install "
                    + "dataset-fashion-mnist (as root) (or pass --data DIR holding the four *-ubyte.gz files).");
            System.exit(1);
        }
        Device device = deviceSpec.equals("auto") ? autoDevice() : Device.of(deviceSpec);
        System.out.println("device: " + device + " (" + Backends.forDevice(device).describe() + ")");

        Tensor xTrain = Idx.readImages(trainImages);
        Tensor yTrain = Idx.readLabels(data.resolve("train-labels-idx1-ubyte.gz"));
        Tensor xTest = Idx.readImages(data.resolve("t10k-images-idx3-ubyte.gz"));
        Tensor yTest = Idx.readLabels(data.resolve("t10k-labels-idx1-ubyte.gz"));
        // normalize with the training set's statistics
        double mean = xTrain.mean().item();
        double std = xTrain.std().item();
        xTrain = xTrain.sub(mean).div(std);
        xTest = xTest.sub(mean).div(std);
        System.out.printf(Locale.ROOT, "train %d images, test %d images%n", xTrain.size(0), xTest.size(0));

        // PyTorch's CPU generator (the default): the same initial weights and epoch orders as the twin, train_lenet.py
        Ember.setDefaultGeneratorAlgorithm(generator);
        boolean torchRandom = generator == Generator.Algorithm.MT19937;
        Ember.manualSeed(0);
        LeNet net = new LeNet();
        net.to(device);
        SGD opt = new SGD(net.parameters(), lr, 0.9, 0, 0, false);
        DataLoader<List<Tensor>, DataLoader.Batch> train = DataLoader.of(xTrain, yTrain, batch, true, 0, device);
        DataLoader<List<Tensor>, DataLoader.Batch> test = DataLoader.of(xTest, yTest, 1000, false, 0, device);
        RunPlot plot = new RunPlot(String.format(Locale.ROOT, "TrainLeNet: LeNet on Fashion-MNIST (%s, batch %d, lr %s)",
                device, batch, lr), "epoch").xRange(0, epochs);
        plot.panel("train loss").panel("test accuracy").panel("images/s");
        // the window's summed loss stays on the device: read once per logged window, as the printout always did
        Tensor windowLoss = Tensor.zeros(DType.FLOAT32, 1).to(device);

        for (int epoch = 1; epoch <= epochs; epoch++) {
            net.train();
            long t0 = System.nanoTime();
            long seen = 0;
            double running = 0;
            int step = 0;
            long windowStart = System.nanoTime();
            long windowSeen = 0;
            int windowSteps = 0;
            if (torchRandom) {
                // the twin's batches: order = torch.randperm(n) from the default generator each epoch, in that order
                Tensor order = Tensor.randperm(xTrain.size(0));
                train.close();
                train = DataLoader.of(xTrain.indexSelect(0, order), yTrain.indexSelect(0, order), batch, false, 0, device);
            }
            for (DataLoader.Batch b : train) {
                // the scope frees the step's activations, saved tensors and temporaries when it ends
                try (b; TensorScope scope = Ember.scope()) {
                    opt.zeroGrad();
                    Tensor loss = Functional.crossEntropy(net.forward(b.inputs()), b.targets());
                    loss.backward();
                    opt.step();
                    windowLoss.add_(loss.detach());
                    windowSteps++;
                    step++;
                    seen += b.targets().size(0);
                    windowSeen += b.targets().size(0);
                    if (step % 200 == 0 || step == train.size()) {
                        running = windowLoss.item() / windowSteps;
                        double secs = (System.nanoTime() - windowStart) / 1e9;
                        System.out.printf(Locale.ROOT, "epoch %d  batch %4d/%d  loss %.4f  %.0f images/s%n", epoch, step,
                                train.size(), running, windowSeen / secs);
                        double x = epoch - 1 + (double) step / train.size();
                        plot.add("train loss", "mean of the last " + Math.min(200, train.size()) + " batches", x,
                                running);
                        plot.add("images/s", "training", x, windowSeen / secs);
                        windowStart = System.nanoTime();
                        windowSeen = 0;
                        windowSteps = 0;
                        windowLoss.zero_();
                    }
                }
            }
            double epochSecs = (System.nanoTime() - t0) / 1e9;
            double acc = accuracy(net, test);
            System.out.printf(Locale.ROOT, "epoch %d: %.1f s (%.0f images/s), test accuracy %.4f%n", epoch, epochSecs,
                    seen / epochSecs, acc);
            plot.add("test accuracy", "test set (10,000 images)", epoch, acc);
            if (plotFile != null) {
                writePlot(plot, plotFile);
            }
            if (epoch == epochs) {
                System.out.printf(Locale.ROOT, "test accuracy: %.4f%n", acc);
            }
        }
        if (save != null) {
            String name = String.valueOf(save.getFileName());
            if (name.endsWith(".pt") || name.endsWith(".pth")) {
                dev.ember.nn.TorchSerialization.saveStateDict(net.stateDict(), save);
                System.out.println("saved the weights to " + save + " (torch.save's format; loads in PyTorch with torch.load)");
            } else {
                dev.ember.nn.Safetensors.save(net.stateDict(), save);
                System.out.println("saved the weights to " + save + " (safetensors; loads in PyTorch with safetensors.torch.load_file)");
            }
        }
    }

    /** Writes the picture and, beside it, the CSV of its points ({@code run.png} gives {@code run.csv}). */
    static void writePlot(RunPlot plot, Path png) throws java.io.IOException {
        Path dir = png.toAbsolutePath().getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        String name = png.getFileName().toString();
        String stem = name.toLowerCase(Locale.ROOT).endsWith(".png") ? name.substring(0, name.length() - 4) : name;
        Path csv = png.resolveSibling(stem + ".csv");
        plot.writePng(png, 1000, 900);
        plot.writeCsv(csv);
        System.out.println("plot: " + png + " and " + csv);
    }

    private static double accuracy(Module net, DataLoader<List<Tensor>, DataLoader.Batch> test) {
        net.eval();
        long correct = 0;
        long total = 0;
        try (GradMode off = Ember.noGrad()) {
            for (DataLoader.Batch b : test) {
                try (b; TensorScope scope = Ember.scope()) {
                    Tensor predicted = net.forward(b.inputs()).argmax(1, false);
                    correct += predicted.eq(b.targets()).sum().longItem();
                    total += b.targets().size(0);
                }
            }
        }
        return (double) correct / total;
    }

    /** The device {@code --device auto} picks: cuda:0 where CUDA is usable, else the CPU, saying why. */
    static Device autoDevice() {
        String why = Ember.cudaUnavailableReason();
        if (why.isEmpty()) {
            System.out.println("--device auto: CUDA is usable, training on cuda:0");
            return Device.cuda(0);
        }
        System.out.println("--device auto: training on the CPU because CUDA is not usable: " + why);
        return Device.CPU;
    }
}
