package dev.ember;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodType;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The gradient transforms of {@link Func} running on a thread ({@code grad}, {@code grad_and_value}, {@code vjp},
 * {@code jvp}, {@code linearize}, {@code jacrev}, {@code jacfwd}, {@code hessian}), and their refusal to change in
 * place a tensor the transformed function captured, as functorch's {@code checkForInvalidMutationOnCaptures}
 * (at/functorch/ADInterpreters.cpp): inside a transform, an in-place op may write only into a tensor made inside it
 * (or inside a transform nested in it) or into one of its inputs; a tensor made outside it, or a view of one, is
 * captured, and writing it would change it once per call of the function where the transform's derivative does not
 * see the change. PyTorch names the operator ({@code aten::add_.Tensor}); Ember reads it from the public in-place
 * method that was called and the table {@code inplace_aten_names.tsv} (made with PyTorch by
 * {@code funccaptures/make_names.py}).
 *
 * <p>Storages carry the transform that was running when they were made ({@link StorageLease#funcLevel}), so views and
 * detached handles of a captured tensor are captured as well, as functorch's immutable wrappers are. Writes the
 * engine makes inside one PyTorch operator whose first argument is not the one written (batch norm's running
 * statistics) run in {@link #engineWrite()}.
 */
final class FuncCaptures {
    private static final ThreadStack<Level> LEVELS = new ThreadStack<>();
    private static final ThreadLocal<int[]> ENGINE_WRITES = ThreadLocal.withInitial(() -> new int[1]);

    private FuncCaptures() {
    }

    /** One running transform on this thread. */
    static final class Level implements AutoCloseable {
        /** The transform running when this one began (its function called this one), or null. */
        final Level outer;
        /** The storages of the transform's inputs, which its function may write. */
        private final Set<Object> inputs = Collections.newSetFromMap(new IdentityHashMap<>());

        private Level(Tensor[] inputs) {
            this.outer = innermost();
            for (Tensor t : inputs) {
                if (t != null) {
                    this.inputs.add(t.lease().storage);
                }
            }
            LEVELS.push(this);
        }

        /** Whether a storage made in {@code made} (null: outside every transform) belongs to this level. */
        private boolean owns(Level made) {
            for (Level l = made; l != null; l = l.outer) {
                if (l == this) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public void close() {
            LEVELS.remove(this);
        }
    }

    /** Starts a transform whose function is called with {@code inputs} (the tensors standing for its arguments). */
    static Level enter(Tensor... inputs) {
        return new Level(inputs);
    }

    private static Level innermost() {
        return LEVELS.peek();
    }

    /** The transform running on this thread (stored by each new storage), or null. */
    static Level token() {
        return innermost();
    }

    /**
     * A scope in which the engine writes in place without the refusal: the writes PyTorch makes inside one operator into
     * an argument other than its first (batch norm's running statistics), which functorch does not check.
     */
    static Scope engineWrite() {
        int[] depth = ENGINE_WRITES.get();
        depth[0]++;
        return () -> depth[0]--;
    }

    /** {@link #engineWrite()}'s scope. */
    interface Scope extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Refuses an in-place write into {@code self} inside a gradient transform when its storage was made outside the
     * transform and is not one of its inputs, with functorch's message.
     */
    static void checkInplace(Tensor self) {
        Level l = innermost();
        if (l == null || ENGINE_WRITES.get()[0] > 0) {
            return;
        }
        StorageLease lease = self.lease();
        if (l.owns(lease.funcLevel) || l.inputs.contains(lease.storage)) {
            return;
        }
        throw new IllegalStateException("During a grad (vjp, jvp, grad, etc) transform, the function provided attempted "
                + "to call in-place operation (" + operatorName() + ") that would mutate a captured Tensor. This is not "
                + "supported; please rewrite the function being transformed to explicitly accept the mutated Tensor(s) as "
                + "inputs.");
    }

    /**
     * Refuses {@link Tensor#requiresGrad_} inside a function a transform runs ({@code vmap} included), with functorch's
     * message ({@code checkSupportsInplaceRequiresGrad}, at/functorch/DynamicLayer.cpp, which its Python binding of
     * {@code requires_grad_} calls first). The engine's own changes of the flag, which PyTorch makes in C++ or through
     * the property setter, go through {@link Tensor#setRequiresGrad}, which is not checked.
     */
    static void checkRequiresGrad() {
        if (running()) {
            throw new IllegalStateException("You are attempting to call Tensor.requires_grad_() (or perhaps using "
                    + "torch.autograd.functional.* APIs) inside of a function being transformed by a functorch transform. "
                    + "This is unsupported, please attempt to use the functorch transforms (e.g. grad, vjp, jacrev, jacfwd, "
                    + "hessian) or call requires_grad_() outside of a function being transformed instead.");
        }
    }

    /** Refuses {@link Tensor#retainGrad} inside a function a transform runs, with functorch's message. */
    static void checkRetainGrad() {
        if (running()) {
            throw new IllegalStateException("You are attempting to call Tensor.retain_grad() inside of a function being "
                    + "transformed by a functorch transform. This is unsupported, please attempt to use the functorch "
                    + "transforms (e.g. grad, vjp, jacrev, jacfwd, hessian) or call retain_grad() outside of a function "
                    + "being transformed instead.");
        }
    }

    /** Whether a transform of {@link Func} (a gradient transform or vmap) runs on this thread. */
    static boolean transformRunning() {
        return running();
    }

    /** Whether a transform of {@link Func} (a gradient transform or vmap) runs on this thread. */
    private static boolean running() {
        return innermost() != null || VmapState.running();
    }

    // ------------------------------------------------------------------ the operator's name

    private static final String TABLE = "inplace_aten_names.tsv";
    private static volatile Map<String, String> names;

    /**
     * The aten operator of the public in-place method the user called: the outermost {@link Tensor} method on the stack
     * (below the transform's own frames) that the table knows; PyTorch's name of the method's snake case when none
     * is known.
     */
    private static String operatorName() {
        Map<String, String> table = table();
        String[] found = new String[2];
        StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE).walk(frames -> {
            frames.takeWhile(f -> f.getDeclaringClass() != Func.class).forEach(f -> {
                String name = f.getMethodName();
                if (!name.endsWith("_") || !f.getClassName().startsWith("dev.ember.")) {
                    return;
                }
                if (Tensor.class.isAssignableFrom(f.getDeclaringClass())) {
                    String op = table.get(key(name, f.getMethodType()));
                    if (op != null) {
                        found[0] = op;
                    }
                }
                found[1] = name;
            });
            return null;
        });
        if (found[0] != null) {
            return found[0];
        }
        return found[1] == null ? "aten::copy_" : "aten::" + snake(found[1]);
    }

    /** The table's key of a method: its name and its parameters' kinds, a generator left out. */
    static String key(String name, MethodType type) {
        StringBuilder b = new StringBuilder(name).append('(');
        boolean first = true;
        for (Class<?> c : type.parameterArray()) {
            if (c == Generator.class) {
                continue;
            }
            if (!first) {
                b.append(',');
            }
            first = false;
            b.append(kind(c));
        }
        return b.append(')').toString();
    }

    private static String kind(Class<?> c) {
        if (c == Tensor.class) {
            return "T";
        } else if (c == double.class) {
            return "D";
        } else if (c == long.class) {
            return "L";
        } else if (c == int.class) {
            return "I";
        } else if (c == boolean.class) {
            return "Z";
        } else if (c == String.class) {
            return "S";
        } else if (c == Double.class) {
            return "O";
        } else if (c == Index[].class) {
            return "X";
        } else if (c == int[].class) {
            return "N";
        }
        return c.getSimpleName();
    }

    private static String snake(String camel) {
        StringBuilder b = new StringBuilder();
        for (char ch : camel.toCharArray()) {
            if (Character.isUpperCase(ch)) {
                b.append('_').append(Character.toLowerCase(ch));
            } else {
                b.append(ch);
            }
        }
        return b.toString();
    }

    /** The table, read once from the class path. */
    static Map<String, String> table() {
        Map<String, String> t = names;
        if (t == null) {
            t = read();
            names = t;
        }
        return t;
    }

    private static Map<String, String> read() {
        Map<String, String> t = new HashMap<>();
        try (InputStream in = FuncCaptures.class.getResourceAsStream(TABLE)) {
            if (in == null) {
                throw new IllegalStateException("Ember's resource dev/ember/" + TABLE + " is missing from the class path");
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                int tab = line.indexOf('\t');
                if (line.startsWith("#") || tab < 0) {
                    continue;
                }
                t.put(line.substring(0, tab), line.substring(tab + 1));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Collections.unmodifiableMap(t);
    }
}
