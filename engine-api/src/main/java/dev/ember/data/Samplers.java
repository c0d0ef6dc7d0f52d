package dev.ember.data;

import dev.ember.DType;
import dev.ember.Generator;
import dev.ember.Tensor;

import java.util.NoSuchElementException;
import java.util.PrimitiveIterator;

/** Draws shared by the samplers and the loader. */
final class Samplers {
    private Samplers() {
    }

    /** A random permutation of {@code 0..n-1} ({@code torch.randperm(n, generator=)}). */
    static int[] permutation(int n, Generator generator) {
        return ints(Tensor.randperm(n, generator));
    }

    /** {@code count} integers uniform on {@code [0, high)} ({@code torch.randint(high, (count,), generator=)}). */
    static int[] uniform(int high, int count, Generator generator) {
        if (count == 0) {
            return new int[0];
        }
        return ints(Tensor.empty(DType.INT64, count).randintLike(0, high, generator));
    }

    /** A seed drawn from a generator ({@code torch.empty((), dtype=torch.int64).random_(generator=)}). */
    static long seed(Generator generator) {
        return Tensor.empty(DType.INT64).random_(generator).toLongArray()[0];
    }

    /**
     * A fresh generator seeded by {@code seed} of the default generator's algorithm, as PyTorch's samplers build
     * {@code torch.Generator()} (a CPU one) from the number they drew: PyTorch's numbers under {@code MT19937}.
     */
    static Generator fresh(long seed) {
        return new Generator(seed, dev.ember.Ember.defaultGenerator().algorithm());
    }

    static int[] ints(Tensor t) {
        long[] v = t.toLongArray();
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (int) v[i];
        }
        return out;
    }

    /** An iterator over an array. */
    /** The values of {@code draw}, drawn at the first {@code hasNext()} or {@code nextInt()} (a Python generator's first next). */
    static PrimitiveIterator.OfInt lazy(java.util.function.Supplier<int[]> draw) {
        return new PrimitiveIterator.OfInt() {
            private PrimitiveIterator.OfInt values;

            private PrimitiveIterator.OfInt values() {
                if (values == null) {
                    values = over(draw.get());
                }
                return values;
            }

            @Override
            public boolean hasNext() {
                return values().hasNext();
            }

            @Override
            public int nextInt() {
                return values().nextInt();
            }
        };
    }

    static PrimitiveIterator.OfInt over(int[] values) {
        return new PrimitiveIterator.OfInt() {
            private int next;

            @Override
            public boolean hasNext() {
                return next < values.length;
            }

            @Override
            public int nextInt() {
                if (next >= values.length) {
                    throw new NoSuchElementException();
                }
                return values[next++];
            }
        };
    }
}
