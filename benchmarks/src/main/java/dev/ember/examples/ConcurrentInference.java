package dev.ember.examples;

import dev.ember.DType;
import dev.ember.Ember;
import dev.ember.Generator;
import dev.ember.InferenceMode;
import dev.ember.Tensor;
import dev.ember.TensorScope;
import dev.ember.nn.Embedding;
import dev.ember.nn.Linear;
import dev.ember.nn.Module;
import dev.ember.nn.ShardedCheckpoint;
import dev.ember.nn.TransformerEncoder;
import dev.ember.nn.TransformerEncoderLayer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

/**
 * Example: a model served from several Java threads, as a service runs one. A small transformer text classifier is
 * saved as a sharded checkpoint (Hugging Face's layout: {@code model-00001-of-0000N.safetensors} and
 * {@code model.safetensors.index.json}, {@link ShardedCheckpoint#save}), loaded into a fresh model
 * ({@link ShardedCheckpoint#load}: one shard in memory at a time), put in eval mode and shared by a thread pool: each
 * request (a token sequence of its own length) runs under {@link Ember#inferenceMode()} in a {@link TensorScope} of its
 * own, so its tensors are freed when it returns. The answers of four threads are compared with those of one, bit for
 * bit: Ember's CPU kernels choose their arithmetic by the call, not by what other threads do, and a module in eval mode
 * is only read by its forward.
 * <pre>
 * java --add-modules jdk.incubator.vector -cp benchmarks/target/benchmarks.jar dev.ember.examples.ConcurrentInference
 * </pre>
 * It prints the checkpoint's files, the requests served per second by one thread and by four, and whether the four
 * threads gave the same bits as one. {@code --quick} runs a tiny version (for the smoke test).
 */
public final class ConcurrentInference {
    private static final int VOCAB = 1000;

    private ConcurrentInference() {
    }

    /** Token embedding, a transformer encoder, mean over the tokens, a linear head. */
    static final class TextClassifier extends Module {
        final Embedding embedding;
        final TransformerEncoder encoder;
        final Linear head;

        TextClassifier(int dModel, int heads, int layers, int classes) {
            embedding = registerModule("embedding", new Embedding(VOCAB, dModel));
            encoder = registerModule("encoder", new TransformerEncoder(
                new TransformerEncoderLayer(dModel, heads, 2 * dModel, 0.1, true), layers));
            head = registerModule("head", new Linear(dModel, classes));
        }

        /** Class scores {@code [1, classes]} of one sequence of tokens {@code [1, length]}. */
        @Override
        public Tensor forward(Tensor tokens) {
            return head.apply(encoder.apply(embedding.apply(tokens)).mean(1));
        }
    }

    public static void main(String[] args) throws Exception {
        boolean quick = Arrays.asList(args).contains("--quick");
        int dModel = quick ? 32 : 128;
        int requests = quick ? 24 : 400;
        int threads = 4;
        Ember.manualSeed(0);
        TextClassifier trained = new TextClassifier(dModel, 4, 2, 5);

        Path dir = Files.createTempDirectory("ember-sharded");
        try {
            ShardedCheckpoint.save(trained, dir, quick ? "20KB" : "200KB");
            try (Stream<Path> files = Files.list(dir)) {
                List<String> names = files.map(p -> p.getFileName().toString()).sorted().toList();
                System.out.println("checkpoint: " + names.size() + " files, " + names);
            }
            TextClassifier model = new TextClassifier(dModel, 4, 2, 5);
            System.out.println("loaded: " + ShardedCheckpoint.load(model, dir));
            model.eval();

            // the requests: token sequences of 8 to 64 tokens
            Generator g = new Generator(1);
            List<Tensor> inputs = new ArrayList<>();
            for (int r = 0; r < requests; r++) {
                int length = (int) Tensor.randint(g, 8, 65, 1).item();
                inputs.add(Tensor.randint(g, 0, VOCAB, 1, length));
            }

            float[][] alone = new float[requests][];
            serve(model, inputs, alone, 0, 1); // warm-up: the JIT compiles the kernels
            long t0 = System.nanoTime();
            serve(model, inputs, alone, 0, 1);
            double oneThread = requests / ((System.nanoTime() - t0) / 1e9);

            float[][] together = new float[requests][];
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                long t1 = System.nanoTime();
                List<Future<?>> done = new ArrayList<>();
                for (int w = 0; w < threads; w++) {
                    int first = w;
                    done.add(pool.submit(() -> {
                        serve(model, inputs, together, first, threads);
                        return null;
                    }));
                }
                for (Future<?> f : done) {
                    f.get();
                }
                double fourThreads = requests / ((System.nanoTime() - t1) / 1e9);
                System.out.printf("requests served per second: %.1f on one thread, %.1f on %d threads%n", oneThread,
                    fourThreads, threads);
            } finally {
                pool.shutdown();
            }
            boolean same = true;
            for (int r = 0; r < requests; r++) {
                same &= Arrays.equals(alone[r], together[r]);
            }
            System.out.println(threads + " threads gave the same bits as one: " + (same ? "yes" : "NO"));
            if (!same) {
                throw new IllegalStateException("the concurrent answers differ from the sequential ones");
            }
        } finally {
            try (Stream<Path> files = Files.list(dir)) {
                for (Path p : files.toList()) {
                    Files.delete(p);
                }
            }
            Files.delete(dir);
        }
    }

    /** Serves requests {@code first, first + step, ...}, each in inference mode and a scope of its own. */
    private static void serve(Module model, List<Tensor> inputs, float[][] out, int first, int step) {
        for (int r = first; r < inputs.size(); r += step) {
            try (InferenceMode im = Ember.inferenceMode(); TensorScope request = Ember.scope()) {
                out[r] = model.apply(inputs.get(r)).to(DType.FLOAT32).toFloatArray();
            }
        }
    }
}
