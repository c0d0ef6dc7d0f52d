package dev.ember.bench;

import dev.ember.DType;
import dev.ember.Ember;
import dev.ember.Generator;
import dev.ember.InferenceMode;
import dev.ember.RnnOutput;
import dev.ember.Tensor;
import dev.ember.TensorScope;
import dev.ember.nn.Embedding;
import dev.ember.nn.Functional;
import dev.ember.nn.GRU;
import dev.ember.nn.LSTM;
import dev.ember.nn.Linear;
import dev.ember.nn.Module;
import dev.ember.nn.ReLU;
import dev.ember.nn.Sequential;
import dev.ember.nn.TransformerEncoder;
import dev.ember.nn.TransformerEncoderLayer;
import dev.ember.optim.Adam;

import java.util.Arrays;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Per-request latency of small models, as a Java service runs them: the wall time of one call (median and p90 over
 * the timed calls after a warm-up; and the median of the calling thread's CPU time, which a loaded host does not
 * inflate), inference under {@link Ember#inferenceMode()} in eval mode, each call in a
 * {@link TensorScope}. The thread count is the CPU backend's ({@code -Dember.cpu.threads=N}):
 * <pre>
 * java --add-modules jdk.incubator.vector -XX:PerMethodTrapLimit=100000 -Dember.cpu.threads=1 \
 *     -cp benchmarks/target/benchmarks.jar dev.ember.bench.ServingLatency [case ...] [--seconds S]
 * </pre>
 * Cases: {@code mlp1 mlp8} (784-256-256-10 at batch 1 and 8), {@code lstm1 lstm8 gru1 gru8} (Embedding(10000, 128),
 * a 2-layer batch-first LSTM or GRU of 256, Linear(256, 5) on the last step, sequence 64), {@code lstmtrain32
 * grutrain32} (one training step of that classifier at batch 32: forward, cross entropy, backward, Adam),
 * {@code transformer1} (TransformerEncoder of 2 layers, d_model 128, 4 heads, feed-forward 512, sequence 64, batch 1,
 * the last 16 positions masked by a key padding mask), {@code lenet1} (TrainLeNet's LeNet at batch 1); all when none
 * is named. The PyTorch twin is {@code benchmarks/pytorch/serving_latency.py} (same models, shapes and timing).
 * Weights are random (timing only).
 */
public final class ServingLatency {
    private ServingLatency() {
    }

    /** The recurrent classifier: embedding, a 2-layer batch-first LSTM or GRU, a linear head on the last step. */
    static final class RnnClassifier extends Module {
        final Embedding emb = registerModule("emb", new Embedding(10000, 128));
        final Module rnn;
        final Linear head = registerModule("head", new Linear(256, 5));

        RnnClassifier(boolean lstm) {
            rnn = registerModule("rnn", lstm ? new LSTM(128, 256, 2, true, true, 0, false)
                    : new GRU(128, 256, 2, true, true, 0, false));
        }

        @Override
        public Tensor forward(Tensor tokens) {
            Tensor x = emb.forward(tokens);
            RnnOutput r = rnn instanceof LSTM l ? l.forward(x, null) : ((GRU) rnn).forward(x, null);
            Tensor out = r.output();
            return head.forward(out.select(1, out.size(1) - 1));
        }
    }

    private static final java.lang.management.ThreadMXBean THREADS =
            java.lang.management.ManagementFactory.getThreadMXBean();

    /**
     * Wall time of each call after a warm-up as long as the timed part (C2 compiles the kernels late on a loaded
     * machine): median, p90, the calls timed, and the median of the calling thread's CPU time per call (the same
     * as wall time on an idle machine at one thread; a check of how much of it the host's load took).
     */
    private static double[] time(Runnable call, double seconds) {
        long warmEnd = System.nanoTime() + (long) (seconds * 1e9);
        int warm = 0;
        while (warm < 10 || System.nanoTime() < warmEnd) {
            call.run();
            warm++;
        }
        double[] buf = new double[100000];
        double[] cpu = new double[buf.length];
        int n = 0;
        long end = System.nanoTime() + (long) (seconds * 1e9);
        while (n < 20 || (System.nanoTime() < end && n < buf.length)) {
            long c0 = THREADS.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            call.run();
            buf[n] = (System.nanoTime() - t0) / 1e6;
            cpu[n++] = (THREADS.getCurrentThreadCpuTime() - c0) / 1e6;
        }
        double[] t = Arrays.copyOf(buf, n);
        double[] c = Arrays.copyOf(cpu, n);
        Arrays.sort(t);
        Arrays.sort(c);
        return new double[] {t[n / 2], t[(int) Math.ceil(0.9 * n) - 1], n, c[n / 2]};
    }

    private static Runnable inference(Module m, Supplier<Tensor> out) {
        m.eval();
        return () -> {
            try (InferenceMode im = Ember.inferenceMode(); TensorScope sc = Ember.scope()) {
                out.get();
            }
        };
    }

    private static Runnable build(String name, Generator g) {
        switch (name) {
            case "mlp1":
            case "mlp8": {
                int b = name.equals("mlp1") ? 1 : 8;
                Module m = new Sequential(new Linear(784, 256), new ReLU(), new Linear(256, 256), new ReLU(),
                        new Linear(256, 10));
                Tensor x = Tensor.randn(g, DType.FLOAT32, b, 784);
                return inference(m, () -> m.apply(x));
            }
            case "lstm1":
            case "lstm8":
            case "gru1":
            case "gru8": {
                int b = name.endsWith("8") ? 8 : 1;
                RnnClassifier m = new RnnClassifier(name.startsWith("lstm"));
                Tensor tokens = Tensor.randint(g, 0, 10000, b, 64);
                return inference(m, () -> m.apply(tokens));
            }
            case "lstmtrain32":
            case "grutrain32": {
                RnnClassifier m = new RnnClassifier(name.startsWith("lstm"));
                m.train();
                Adam opt = new Adam(m.parameters(), 1e-3);
                Tensor tokens = Tensor.randint(g, 0, 10000, 32, 64);
                Tensor labels = Tensor.randint(g, 0, 5, 32);
                return () -> {
                    try (TensorScope sc = Ember.scope()) {
                        opt.zeroGrad();
                        Tensor loss = Functional.crossEntropy(m.apply(tokens), labels);
                        loss.backward();
                        opt.step();
                    }
                };
            }
            case "transformer1": {
                TransformerEncoder m = new TransformerEncoder(new TransformerEncoderLayer(128, 4, 512, 0.1, true), 2);
                Tensor x = Tensor.randn(g, DType.FLOAT32, 1, 64, 128);
                Tensor mask = Tensor.arange(64).ge(48).unsqueeze(0);
                return inference(m, () -> m.apply(x, null, mask));
            }
            case "lenet1": {
                Module m = new TrainLeNet.LeNet();
                Tensor x = Tensor.randn(g, DType.FLOAT32, 1, 1, 28, 28);
                return inference(m, () -> m.apply(x));
            }
            default:
                throw new IllegalArgumentException("unknown case " + name + "; cases: mlp1 mlp8 lstm1 lstm8 gru1 gru8 "
                        + "lstmtrain32 grutrain32 transformer1 lenet1");
        }
    }

    /** Entry point: the cases to run (all when none), {@code --seconds S} the warm-up and the timed seconds of each (default 3). */
    public static void main(String[] args) {
        double seconds = 3;
        java.util.List<String> cases = new java.util.ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--seconds")) {
                seconds = Double.parseDouble(args[++i]);
            } else {
                cases.add(args[i]);
            }
        }
        if (cases.isEmpty()) {
            cases = java.util.List.of("mlp1", "mlp8", "lstm1", "lstm8", "gru1", "gru8", "lstmtrain32", "grutrain32",
                    "transformer1", "lenet1");
        }
        Generator g = new Generator(0);
        for (String c : cases) {
            double[] r = time(build(c, g), seconds);
            System.out.printf(Locale.ROOT, "%-13s threads %d  median %9.3f ms  p90 %9.3f ms  caller CPU %9.3f ms  (%d calls)%n",
                    c, Ember.getNumThreads(), r[0], r[1], r[3], (int) r[2]);
        }
    }
}
