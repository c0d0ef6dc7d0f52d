package dev.ember.examples;

import dev.ember.Ember;
import dev.ember.GradMode;
import dev.ember.Generator;
import dev.ember.Tensor;
import dev.ember.TensorScope;
import dev.ember.data.DataLoader;
import dev.ember.data.Dataset;
import dev.ember.data.Subset;
import dev.ember.nn.CrossEntropyLoss;
import dev.ember.nn.Embedding;
import dev.ember.nn.GRU;
import dev.ember.nn.Linear;
import dev.ember.nn.Module;
import dev.ember.nn.utils.ClipGrad;
import dev.ember.nn.utils.PackedRnnOutput;
import dev.ember.nn.utils.PackedSequence;
import dev.ember.nn.utils.Rnn;
import dev.ember.optim.AdamW;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Example: a sentiment-style classifier of token sequences of different lengths, as a PyTorch user writes one: an
 * {@link Embedding} with a padding index, a bidirectional {@link GRU} over packed sequences
 * ({@link Rnn#packPaddedSequence}, so the padding never reaches the recurrence), and a {@link Linear} head on the two
 * directions' final states; the data go through a {@link Dataset}, {@code randomSplit} and a {@link DataLoader} whose
 * collate function pads each batch; {@link AdamW} with {@code clipGradNorm_}; evaluation in eval mode without
 * gradients. The task (generated here): a sequence is positive when it holds more "good" tokens (ids 2-9) than "bad"
 * ones (ids 10-17), among neutral ones.
 * <pre>
 * java --add-modules jdk.incubator.vector -cp benchmarks/target/benchmarks.jar dev.ember.examples.SequenceClassifier
 * </pre>
 * It prints the loss as it trains and ends with the accuracy on the held-out split (target: above 0.9).
 * {@code --quick} runs a tiny version (for the smoke test).
 */
public final class SequenceClassifier {
    private static final int VOCAB = 30;

    private SequenceClassifier() {
    }

    /** One example: its tokens (int64, no padding) and its label. */
    record Sample(Tensor tokens, long label) {
    }

    /** A padded batch: tokens [batch, longest] (0 pads), the lengths and the labels. */
    record Batch(Tensor tokens, Tensor lengths, Tensor labels) {
    }

    /** Embedding, bidirectional GRU over the packed batch, linear head on both directions' last states. */
    static final class Net extends Module {
        final Embedding embedding;
        final GRU gru;
        final Linear head;

        Net(int embeddingDim, int hidden) {
            embedding = registerModule("embedding", new Embedding(VOCAB, embeddingDim, 0));
            gru = registerModule("gru", new GRU(embeddingDim, hidden, 1, true, true, 0.0, true));
            head = registerModule("head", new Linear(2 * hidden, 2));
        }

        Tensor forward(Tensor tokens, Tensor lengths) {
            PackedSequence packed = Rnn.packPaddedSequence(embedding.apply(tokens), lengths, true, false);
            PackedRnnOutput out = gru.apply(packed, null);
            Tensor h = out.h(); // [2 directions, batch, hidden]
            return head.apply(Tensor.cat(List.of(h.select(0, 0), h.select(0, 1)), 1));
        }

        @Override
        public Tensor forward(Tensor tokens) {
            throw new IllegalArgumentException("Net.forward() missing 1 required positional argument: 'lengths'");
        }
    }

    /**
     * Entry point.
     *
     * @param args {@code --quick} for a tiny run
     */
    public static void main(String[] args) {
        boolean quick = List.of(args).contains("--quick");
        int samples = quick ? 160 : 2000;
        int epochs = quick ? 2 : 8;

        Ember.manualSeed(0); // the layers' initial weights come from the default generator
        List<Sample> all = generate(samples, new Generator(7));
        Dataset<Sample> dataset = Dataset.of(all);
        int held = samples / 5;
        List<Subset<Sample>> split = Dataset.randomSplit(dataset, new int[] {samples - held, held}, new Generator(1));
        DataLoader<Sample, Batch> train = DataLoader.builder(split.get(0)).batchSize(32).shuffle(true)
                .dropLast(true).generator(new Generator(2)).collate(SequenceClassifier::collate).build();
        DataLoader<Sample, Batch> validation = DataLoader.builder(split.get(1)).batchSize(64)
                .collate(SequenceClassifier::collate).build();

        Net model = new Net(16, 24);
        AdamW optimizer = new AdamW(model.parameters(), 0.01);
        CrossEntropyLoss criterion = new CrossEntropyLoss();
        for (int epoch = 1; epoch <= epochs; epoch++) {
            model.train();
            double total = 0;
            for (Batch batch : train) {
                try (TensorScope step = Ember.scope()) {
                    optimizer.zeroGrad();
                    Tensor loss = criterion.apply(model.forward(batch.tokens(), batch.lengths()), batch.labels());
                    loss.backward();
                    ClipGrad.clipGradNorm_(model.parameters(), 1.0);
                    optimizer.step();
                    total += loss.item();
                }
            }
            if (epoch == 1 || epoch % 4 == 0 || epoch == epochs) {
                System.out.printf(Locale.ROOT, "epoch %2d  mean loss %.4f%n", epoch, total / train.size());
            }
        }

        model.eval();
        long right = 0;
        long seen = 0;
        try (GradMode off = Ember.noGrad()) {
            for (Batch batch : validation) {
                Tensor predicted = model.forward(batch.tokens(), batch.lengths()).argmax(1);
                right += (long) predicted.eq(batch.labels()).sum().item();
                seen += batch.labels().size(0);
            }
        }
        double accuracy = (double) right / seen;
        System.out.printf(Locale.ROOT, "held-out accuracy on %d sequences: %.4f (%s)%n", seen, accuracy,
                accuracy > 0.9 ? "target 0.9 reached" : "below the target 0.9");
    }

    /** Pads a list of samples into a batch, as a PyTorch {@code collate_fn} with {@code pad_sequence}. */
    static Batch collate(List<Sample> samples) {
        List<Tensor> tokens = new ArrayList<>(samples.size());
        long[] lengths = new long[samples.size()];
        long[] labels = new long[samples.size()];
        for (int i = 0; i < samples.size(); i++) {
            tokens.add(samples.get(i).tokens());
            lengths[i] = samples.get(i).tokens().size(0);
            labels[i] = samples.get(i).label();
        }
        return new Batch(Rnn.padSequence(tokens, true, 0), Tensor.tensor(lengths), Tensor.tensor(labels));
    }

    /**
     * {@code n} sequences of 3 to 14 tokens, each token good (2-9), bad (10-17) or neutral (18-29); the label is 1 when
     * the good ones outnumber the bad ones (ties are drawn again).
     */
    static List<Sample> generate(int n, Generator generator) {
        List<Sample> out = new ArrayList<>(n);
        while (out.size() < n) {
            int length = 3 + (int) Tensor.randint(generator, 0, 12, 1).item();
            long[] t = Tensor.randint(generator, 2, VOCAB, length).toLongArray();
            int score = 0;
            for (long v : t) {
                score += v < 10 ? 1 : v < 18 ? -1 : 0;
            }
            if (score != 0) {
                out.add(new Sample(Tensor.tensor(t), score > 0 ? 1 : 0));
            }
        }
        return out;
    }
}
