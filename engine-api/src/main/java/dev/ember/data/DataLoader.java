package dev.ember.data;

import dev.ember.Device;
import dev.ember.Tensor;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Random;

/**
 * Batches of (inputs, targets) in a seeded shuffled order, as {@code torch.utils.data.DataLoader} with
 * {@code shuffle=True}: each epoch ({@link #iterator()}) draws a new permutation from the seeded stream.
 */
public final class DataLoader implements Iterable<DataLoader.Batch> {
    /** One batch; {@link #close()} frees both tensors (on a GPU, at once rather than when the GC finds them). */
    public record Batch(Tensor inputs, Tensor targets) implements AutoCloseable {
        @Override
        public void close() {
            inputs.close();
            targets.close();
        }
    }

    private final float[] inputs;
    private final long[] targets;
    private final int[] sampleShape;
    private final int sampleSize;
    private final int n;
    private final int batchSize;
    private final boolean shuffle;
    private final Random random;
    private final Device device;

    /**
     * A loader over inputs [N, ...] (served as float32) and int64 class indices [N].
     *
     * @throws IllegalArgumentException for null arguments, inputs without a batch dimension, targets that are not one
     *     int64 index per sample, a length mismatch, or a batch size below 1 (PyTorch's message)
     */
    public DataLoader(Tensor inputs, Tensor targets, int batchSize, boolean shuffle, long seed, Device device) {
        if (inputs == null || targets == null) {
            throw new IllegalArgumentException("DataLoader needs inputs and targets, got " + (inputs == null ? "null" : "a tensor")
                    + " and " + (targets == null ? "null" : "a tensor"));
        }
        if (device == null) {
            throw new IllegalArgumentException("DataLoader needs a device, got null");
        }
        if (inputs.dim() == 0) {
            throw new IllegalArgumentException("inputs must have a batch dimension [N, ...], got a 0-d tensor");
        }
        if (targets.dim() != 1) {
            throw new IllegalArgumentException("targets must be one class index per sample [N], got shape "
                    + java.util.Arrays.toString(targets.shape()));
        }
        if (targets.dtype() != dev.ember.DType.INT64) {
            // a float target would be truncated into a class index without a word
            throw new IllegalArgumentException("targets must be int64 class indices, got " + targets.dtype());
        }
        if (inputs.size(0) != targets.size(0)) {
            throw new IllegalArgumentException("inputs and targets differ in length: " + inputs.size(0) + " and " + targets.size(0));
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch_size should be a positive integer value, but got batch_size=" + batchSize);
        }
        this.inputs = inputs.toFloatArray();
        this.targets = targets.toLongArray();
        int[] s = inputs.shape();
        this.sampleShape = java.util.Arrays.copyOfRange(s, 1, s.length);
        this.n = s[0];
        this.sampleSize = n == 0 ? 0 : this.inputs.length / n;
        this.batchSize = batchSize;
        this.shuffle = shuffle;
        this.random = new Random(seed);
        this.device = device;
    }

    /** Number of batches per epoch. */
    public int size() {
        return n / batchSize + (n % batchSize == 0 ? 0 : 1); // no int overflow for any n and batch size
    }

    @Override
    public Iterator<Batch> iterator() {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        if (shuffle) {
            for (int i = n - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
        }
        return new Iterator<>() {
            private int next;

            @Override
            public boolean hasNext() {
                return next < n;
            }

            @Override
            public Batch next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                int b = Math.min(batchSize, n - next);
                float[] x = new float[b * sampleSize];
                long[] y = new long[b];
                for (int i = 0; i < b; i++) {
                    int src = order[next + i];
                    System.arraycopy(inputs, src * sampleSize, x, i * sampleSize, sampleSize);
                    y[i] = targets[src];
                }
                next += b;
                int[] shape = new int[sampleShape.length + 1];
                shape[0] = b;
                System.arraycopy(sampleShape, 0, shape, 1, sampleShape.length);
                Tensor flat = Tensor.tensor(x, dev.ember.DType.FLOAT32, device);
                Tensor batch = flat.reshape(shape);
                flat.close(); // the batch's view is the only handle left, so closing it frees the storage
                return new Batch(batch, Tensor.tensor(y, dev.ember.DType.INT64, device));
            }
        };
    }
}
