package dev.ember;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The state of the {@link Func#vmap} calls running on a thread: which sample of which call runs, which storages hold
 * the mapped inputs, and the randomness mode. Ember's vmap calls {@code f} once per sample, so two things a batched
 * call does once would happen once per sample: a random draw (PyTorch's "error" mode refuses it, "same" must give
 * every sample the same numbers) and an in-place change of a tensor made outside the call. The random draws
 * ({@link Generator#advance}) and the in-place ops ({@link InplaceOps#checkInplace}, and every version bump as a
 * backstop) ask this class.
 */
final class VmapState {
    private static final ThreadStack<Frame> FRAMES = new ThreadStack<>();

    static final String RANDOM_ERROR = "vmap: called random operation while in randomness error mode. Please either use "
            + "the 'same' or 'different' randomness flags on vmap or perform the randomness operation out of vmap";

    private VmapState() {
    }

    /** One vmap call on this thread. */
    static final class Frame implements AutoCloseable {
        final Func.Randomness randomness;
        /** The storages of the mapped inputs (their slices may be written in place, as PyTorch's batched inputs). */
        final Set<Object> mapped = Collections.newSetFromMap(new IdentityHashMap<>());
        /** A new token per sample: storages made while it runs carry it and may be written in place. */
        Sample sample;
        int index;
        /** "same": each generator's offset when sample 0 first drew from it, and its offset after sample 0. */
        final Map<Generator, Object[]> offsets = new IdentityHashMap<>();
        /** Generators drawn from in the current sample. */
        final Set<Generator> touched = Collections.newSetFromMap(new IdentityHashMap<>());

        /** The call this one runs inside, or null. */
        private final Frame outer;

        Frame(Func.Randomness randomness) {
            this.randomness = randomness;
            this.outer = FRAMES.peek();
            this.sample = new Sample(outer == null ? null : outer.sample);
            FRAMES.push(this);
        }

        /** Starts sample {@code i}: a new token; under "same", sample 0's generator offsets are recorded after it. */
        void startSample(int i) {
            if (i == 1 && randomness == Func.Randomness.SAME) {
                for (Map.Entry<Generator, Object[]> e : offsets.entrySet()) {
                    e.getValue()[1] = e.getKey().mark();
                }
            }
            index = i;
            sample = new Sample(outer == null ? null : outer.sample);
            touched.clear();
        }

        @Override
        public void close() {
            FRAMES.remove(this);
            if (randomness == Func.Randomness.SAME) {
                // as if drawn once: where sample 0 left each generator (sample 0's end was recorded when sample 1
                // began; with one sample it is where the generator stands now)
                for (Map.Entry<Generator, Object[]> e : offsets.entrySet()) {
                    if (index > 0) {
                        e.getKey().rewind(e.getValue()[1]);
                    }
                }
            }
        }
    }

    /** A sample of a vmap call; {@code outer} the sample of the enclosing call that was running when it began. */
    static final class Sample {
        final Sample outer;

        Sample(Sample outer) {
            this.outer = outer;
        }

        /** Whether this sample runs within {@code s} (is it, or one of its inner samples). */
        boolean within(Sample s) {
            for (Sample x = this; x != null; x = x.outer) {
                if (x == s) {
                    return true;
                }
            }
            return false;
        }
    }

    private static Frame current() {
        return FRAMES.peek();
    }

    /** Whether a vmap call runs on this thread. */
    static boolean running() {
        return current() != null;
    }

    /** The token of the sample running on this thread (stored by each new storage), or null outside vmap. */
    static Sample sampleToken() {
        Frame f = current();
        return f == null ? null : f.sample;
    }

    /** Called by a generator before it reserves counters: refuses a draw in "error" mode, repeats sample 0's in "same". */
    static void beforeDraw(Generator g) {
        Frame f = current();
        if (f == null) {
            return;
        }
        switch (f.randomness) {
            case ERROR:
                throw new IllegalStateException(RANDOM_ERROR);
            case SAME:
                if (f.touched.add(g)) {
                    Object[] o = f.offsets.get(g);
                    if (o == null) {
                        f.offsets.put(g, new Object[] {g.mark(), null});
                    } else {
                        g.rewind(o[0]);
                    }
                }
                break;
            default:
                break;
        }
    }

    /**
     * Refuses an in-place write into {@code self} inside vmap unless its storage was made in the running sample or
     * holds a mapped input: anything else (a tensor captured by f, an input with in_dims null) would be changed once per
     * sample, where PyTorch's batched call changes it once or refuses.
     */
    static void checkInplace(Tensor self) {
        Frame f = current();
        if (f == null) {
            return;
        }
        StorageLease lease = self.lease();
        // every call running, the innermost first: made in its current sample, or one of its mapped inputs
        for (Frame c = f; c != null; c = c.outer) {
            if (!(lease.vmapSample != null && lease.vmapSample.within(c.sample)) && !c.mapped.contains(lease.storage)) {
                throw refusal();
            }
        }
    }

    private static IllegalStateException refusal() {
        return new IllegalStateException("vmap: f changed in place a tensor that was made outside the vmap call (a tensor "
                + "f captures, or an input with in_dims None); Ember's vmap runs f once per sample, so the change would be "
                + "made once per sample: clone it inside f, or map over it");
    }
}
