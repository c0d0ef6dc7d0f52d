package dev.ember.bench;

import dev.ember.DType;
import dev.ember.Ember;
import dev.ember.Tensor;
import dev.ember.TensorScope;
import dev.ember.nn.BatchNorm2d;
import dev.ember.nn.Conv2d;
import dev.ember.nn.Functional;
import dev.ember.nn.Linear;
import dev.ember.nn.Module;
import dev.ember.nn.Sequential;
import dev.ember.optim.AdamW;
import dev.ember.optim.Optimizer;
import dev.ember.optim.SGD;
import dev.ember.profiler.Profiler;
import dev.ember.profiler.ProfilerOptions;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A residual CNN's training step on the CPU, timed against its PyTorch twin {@code benchmarks/pytorch/train_resnet.py}:
 * ResNet-18's layout for 32x32 images (the CIFAR form: a 3x3 stem convolution of {@code width} channels and no max
 * pooling, four stages of {@code blocks} BasicBlocks of width, 2x, 4x and 8x channels, the last three opening with a
 * stride-2 block whose shortcut is a strided 1x1 convolution and a BatchNorm2d, then adaptive average pooling and a
 * Linear to 10 classes), trained on synthetic data with cross-entropy and SGD (momentum 0.9, weight decay 5e-4) or
 * AdamW (weight decay 0.01).
 * <pre>
 * java --add-modules jdk.incubator.vector -cp benchmarks/target/benchmarks.jar dev.ember.bench.TrainResNet \
 *     [--steps 30] [--warmup 5] [--batch-size 32] [--width 64] [--blocks 2] [--size 32] [--threads 2] [--seed 0]
 *     [--log-every 5] [--optimizer sgd|adamw] [--lr 0.01] [--images 256] [--profile N] [--rows 40] [--shapes false]
 *     [--alternate ember.PROPERTY]
 * </pre>
 * The data: {@code images} images drawn as {@code randn(images, 3, size, size)} and labels as
 * {@code randint(0, 10, images)} from the default generator seeded with {@code seed} after the network's
 * initialization, the batches taken in order, cycling. The twin builds the same modules in the same order and draws
 * the same numbers (Ember's CPU generator is PyTorch's MT19937 and its initializations are PyTorch's), so the losses
 * agree to float32 rounding at the start ({@code TrainResNetTest}: four steps to the printed 4 decimals) and drift
 * apart slowly (a different order of summation in the kernels).
 *
 * <p>It prints the loss every {@code log-every} steps and the images per second over the steps after the first
 * {@code warmup}; {@code --profile N} then runs N more steps under {@link Ember#profile()} and prints the profiler's
 * table (PyTorch's {@code key_averages().table(sort_by="self_cpu_time_total")}), totals over the N steps; with
 * {@code --shapes true} the operands' shapes are recorded and the rows grouped by them ({@code record_shapes=True},
 * {@code key_averages(group_by_input_shape=True)}). {@code --alternate ember.x} measures a speed change's old and new
 * paths in one JVM: the steps alternate the system property between {@code true} (odd steps) and {@code false} (even
 * steps), and it prints the images per second and the process CPU time a step of each setting over the timed steps
 * (the property must be one read at each call). Each step runs in a {@link TensorScope} (the activations and temporaries go back to the pool when it
 * ends), as TrainLeNet's.
 */
public final class TrainResNet {
    private TrainResNet() {
    }

    /** The runner's options with their defaults. */
    static final class Options {
        int steps = 30;
        int warmup = 5;
        int batch = 32;
        int width = 64;
        int blocks = 2;
        int size = 32;
        int threads = 2;
        long seed = 0;
        int logEvery = 5;
        String optimizer = "sgd";
        double lr = 0.01;
        int images = 256;
        int profile = 0;
        int rows = 40;
        boolean shapes;
        String alternate;

        static Options parse(String... args) {
            Options o = new Options();
            for (int i = 0; i < args.length; i++) {
                String name = args[i];
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(name + " needs a value; " + USAGE);
                }
                String v = args[++i];
                switch (name) {
                    case "--steps": o.steps = Integer.parseInt(v); break;
                    case "--warmup": o.warmup = Integer.parseInt(v); break;
                    case "--batch-size": o.batch = Integer.parseInt(v); break;
                    case "--width": o.width = Integer.parseInt(v); break;
                    case "--blocks": o.blocks = Integer.parseInt(v); break;
                    case "--size": o.size = Integer.parseInt(v); break;
                    case "--threads": o.threads = Integer.parseInt(v); break;
                    case "--seed": o.seed = Long.parseLong(v); break;
                    case "--log-every": o.logEvery = Integer.parseInt(v); break;
                    case "--optimizer":
                        if (!v.equals("sgd") && !v.equals("adamw")) {
                            throw new IllegalArgumentException("--optimizer takes sgd or adamw, got " + v);
                        }
                        o.optimizer = v;
                        break;
                    case "--lr": o.lr = Double.parseDouble(v); break;
                    case "--images": o.images = Integer.parseInt(v); break;
                    case "--profile": o.profile = Integer.parseInt(v); break;
                    case "--rows": o.rows = Integer.parseInt(v); break;
                    case "--shapes": o.shapes = Boolean.parseBoolean(v); break;
                    case "--alternate": o.alternate = v; break;
                    default: throw new IllegalArgumentException("unknown option " + name + "; " + USAGE);
                }
            }
            if (o.steps < 1 || o.warmup < 0 || o.warmup >= o.steps || o.batch < 1 || o.width < 1 || o.blocks < 1
                    || o.size < 8 || o.threads < 1 || o.logEvery < 1 || o.images < o.batch || o.profile < 0) {
                throw new IllegalArgumentException("need steps > warmup >= 0, images >= batch-size >= 1, width, "
                        + "blocks, threads, log-every >= 1, size >= 8, profile >= 0");
            }
            return o;
        }

        static final String USAGE = "options: --steps N --warmup N --batch-size N --width N --blocks N --size N "
                + "--threads N --seed N --log-every N --optimizer sgd|adamw --lr X --images N --profile N --rows N "
                + "--shapes true|false --alternate PROPERTY";
    }

    /** torchvision's BasicBlock: two 3x3 convolutions with BatchNorm, ReLU in place, the shortcut added in place. */
    static final class BasicBlock extends Module {
        final Conv2d conv1;
        final BatchNorm2d bn1;
        final Conv2d conv2;
        final BatchNorm2d bn2;
        final Sequential downsample;

        BasicBlock(int in, int out, int stride) {
            conv1 = registerModule("conv1", new Conv2d(in, out, 3, stride, 1, false));
            bn1 = registerModule("bn1", new BatchNorm2d(out));
            conv2 = registerModule("conv2", new Conv2d(out, out, 3, 1, 1, false));
            bn2 = registerModule("bn2", new BatchNorm2d(out));
            downsample = stride != 1 || in != out
                    ? registerModule("downsample", new Sequential(new Conv2d(in, out, 1, stride, 0, false),
                            new BatchNorm2d(out)))
                    : null;
        }

        @Override
        public Tensor forward(Tensor x) {
            Tensor out = Functional.relu_(bn1.forward(conv1.forward(x)));
            out = bn2.forward(conv2.forward(out));
            out.add_(downsample == null ? x : downsample.forward(x));
            return Functional.relu_(out);
        }
    }

    /** ResNet-18's layout for 32x32 inputs, {@code blocks} blocks a stage. */
    static final class ResNet extends Module {
        final Conv2d conv1;
        final BatchNorm2d bn1;
        final List<Sequential> layers = new ArrayList<>();
        final Linear fc;

        ResNet(int width, int blocks, int classes) {
            conv1 = registerModule("conv1", new Conv2d(3, width, 3, 1, 1, false));
            bn1 = registerModule("bn1", new BatchNorm2d(width));
            int in = width;
            for (int stage = 0; stage < 4; stage++) {
                int out = width << stage;
                Sequential layer = new Sequential();
                for (int b = 0; b < blocks; b++) {
                    layer.addModule(String.valueOf(b), new BasicBlock(in, out, b == 0 && stage > 0 ? 2 : 1));
                    in = out;
                }
                layers.add(registerModule("layer" + (stage + 1), layer));
            }
            fc = registerModule("fc", new Linear(in, classes));
        }

        @Override
        public Tensor forward(Tensor x) {
            x = Functional.relu_(bn1.forward(conv1.forward(x)));
            for (Sequential layer : layers) {
                x = layer.forward(x);
            }
            return fc.forward(Functional.adaptiveAvgPool2d(x, 1).flatten(1, -1));
        }
    }

    /** What a run measured. */
    static final class Result {
        double imagesPerSecond;
        final List<Double> losses = new ArrayList<>();
        String profileTable;
    }

    /** Entry point. */
    public static void main(String[] args) {
        Options o;
        try {
            o = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        run(o);
    }

    static Result run(Options o) {
        Ember.setNumThreads(o.threads);
        System.out.printf(Locale.ROOT, "TrainResNet: width %d, %d blocks a stage, %dx%d images, batch %d, %s, "
                + "%d threads, java %s%n", o.width, o.blocks, o.size, o.size, o.batch, o.optimizer,
                Ember.getNumThreads(), System.getProperty("java.version"));
        Ember.manualSeed(o.seed);
        ResNet net = new ResNet(o.width, o.blocks, 10);
        Tensor images = Tensor.randn(o.images, 3, o.size, o.size);
        Tensor labels = Tensor.randint(0, 10, o.images);
        long params = 0;
        for (Tensor p : net.parameters()) {
            params += p.numel();
        }
        System.out.printf(Locale.ROOT, "%,d parameters%n", params);
        Optimizer opt = o.optimizer.equals("sgd")
                ? new SGD(net.parameters(), o.lr, 0.9, 0, 5e-4, false)
                : new AdamW(net.parameters(), o.lr, 0.9, 0.999, 1e-8, 0.01, false);
        net.train();
        Result result = new Result();
        int batches = o.images / o.batch;
        long timedStart = 0;
        long cpuStart = 0;
        long[] alternated = new long[2];
        long[] alternatedCpu = new long[2];
        int[] alternatedSteps = new int[2];
        for (int step = 1; step <= o.steps; step++) {
            if (step == o.warmup + 1) {
                timedStart = System.nanoTime();
                cpuStart = processCpuNanos();
            }
            int setting = step % 2; // 1: true, 0: false
            if (o.alternate != null) {
                System.setProperty(o.alternate, setting == 1 ? "true" : "false");
            }
            long t0 = System.nanoTime();
            long c0 = o.alternate != null ? processCpuNanos() : 0;
            double loss = step(net, opt, images, labels, (step - 1) % batches, o.batch);
            if (step > o.warmup) {
                alternated[setting] += System.nanoTime() - t0;
                alternatedCpu[setting] += o.alternate != null ? processCpuNanos() - c0 : 0;
                alternatedSteps[setting]++;
            }
            result.losses.add(loss);
            if (step % o.logEvery == 0 || step == o.steps) {
                System.out.printf(Locale.ROOT, "step %4d  loss %.4f%n", step, loss);
            }
        }
        double secs = (System.nanoTime() - timedStart) / 1e9;
        double cpuMs = (processCpuNanos() - cpuStart) / 1e6 / (o.steps - o.warmup);
        result.imagesPerSecond = (double) (o.steps - o.warmup) * o.batch / secs;
        System.out.printf(Locale.ROOT, "%.1f images/s (%.1f ms a step; process CPU %.1f ms a step) over steps %d-%d%n",
                result.imagesPerSecond, secs * 1e3 / (o.steps - o.warmup), cpuMs, o.warmup + 1, o.steps);
        if (o.alternate != null) {
            for (int setting = 1; setting >= 0; setting--) {
                double ms = alternated[setting] / 1e6 / Math.max(1, alternatedSteps[setting]);
                double cpu = alternatedCpu[setting] / 1e6 / Math.max(1, alternatedSteps[setting]);
                System.out.printf(Locale.ROOT, "  -D%s=%s: %.1f images/s (%.1f ms a step, process CPU %.1f ms a step, %d "
                        + "steps)%n", o.alternate, setting == 1, o.batch * 1e3 / ms, ms, cpu, alternatedSteps[setting]);
            }
            System.clearProperty(o.alternate);
        }
        if (o.profile > 0) {
            try (Profiler prof = Ember.profile(ProfilerOptions.defaults().withRecordShapes(o.shapes))) {
                for (int s = 0; s < o.profile; s++) {
                    step(net, opt, images, labels, (o.steps + s) % batches, o.batch);
                }
                prof.close();
                result.profileTable = prof.keyAverages(o.shapes).table("self_cpu_time_total", o.rows);
            }
            System.out.printf(Locale.ROOT, "profile of %d more steps (totals over them):%n", o.profile);
            System.out.print(result.profileTable);
        }
        return result;
    }

    /**
     * The process's CPU time (all its threads, the JIT's and the collector's too), or 0 where the JVM does not give it:
     * at one thread on a loaded host a steadier figure than wall time (the twin prints Python's
     * {@code time.process_time()} beside it).
     */
    private static long processCpuNanos() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getProcessCpuTime() : 0;
    }

    /** One training step on batch {@code b}; returns the loss. */
    private static double step(ResNet net, Optimizer opt, Tensor images, Tensor labels, int b, int batch) {
        try (TensorScope scope = Ember.scope()) {
            opt.zeroGrad();
            Tensor x = images.narrow(0, b * batch, batch);
            Tensor y = labels.narrow(0, b * batch, batch);
            Tensor loss = Functional.crossEntropy(net.forward(x), y);
            loss.backward();
            opt.step();
            return loss.item();
        }
    }
}
