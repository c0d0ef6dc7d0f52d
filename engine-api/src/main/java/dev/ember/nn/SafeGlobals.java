package dev.ember.nn;

import java.io.IOException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The globals {@link TorchSerialization#load} allows beyond its own, as PyTorch 2.4's
 * {@code torch.serialization.add_safe_globals} / {@code get_safe_globals} / {@code clear_safe_globals} and the
 * {@code safe_globals} context manager: {@link #add}, {@link #get}, {@link #clear} and {@link #scope}. Python allowlists
 * a class or function and the unpickler calls it; Ember, which calls nothing a file names, maps the global's full name
 * ({@code "mymodule.Config"}, as the pickle's GLOBAL names it) to a Java {@link Factory} that builds what Ember should
 * hold instead.
 *
 * <pre>{@code
 * try (SafeGlobals.Scope s = SafeGlobals.scope(Map.of("mymodule.Config", args -> new LinkedHashMap<>()))) {
 *     Object ckpt = TorchSerialization.load(path);   // a pickled mymodule.Config becomes the factory's map
 * }
 * }</pre>
 *
 * <p>As in 2.x: the registry is process-wide (every thread's loads see it); a name of a blocked module ({@code sys},
 * {@code os}, {@code posix}, {@code nt}) is refused even when added; a name the unpickler allows by default keeps its
 * own meaning; a global in a file that is neither is refused with 2.x's message, which names
 * {@code add_safe_globals}. The factory is called where 2.x calls the global: for REDUCE ({@code func(*args)}) and
 * NEWOBJ ({@code cls.__new__(cls, *args)}, how protocol 2 pickles an instance of a class), with the arguments as the
 * unpickler reads them (see {@link TorchSerialization#load} for what Python values become); a BUILD of what it made
 * (the instance's pickled state, 2.x's {@code __setstate__(state)} or {@code __dict__.update(state)}) goes to
 * {@link Factory#setState}.
 */
public final class SafeGlobals {
    private static Map<String, Factory> registry = Map.of();

    private SafeGlobals() {
    }

    /** What a safe global builds in Ember in place of the Python object. */
    @FunctionalInterface
    public interface Factory {
        /**
         * The value of the global called with {@code args} (REDUCE) or of a new instance of it made with {@code args}
         * (NEWOBJ).
         *
         * @param args the call's arguments, as the unpickler read them (an unmodifiable list)
         * @return what Ember holds for the result (null for Python's None)
         * @throws IOException to refuse the arguments (the load fails with the message)
         */
        Object call(List<Object> args) throws IOException;

        /**
         * Applies the pickled state of an instance {@link #call} made (the BUILD opcode). By default only an absent
         * state (null or an empty dict) is taken; any other is refused, since a Java object has no {@code __dict__}.
         *
         * @param instance what {@link #call} returned
         * @param state the state, as the unpickler read it (a dict is a {@link Map})
         * @throws IOException to refuse the state (the load fails with the message)
         */
        default void setState(Object instance, Object state) throws IOException {
            if (state != null && !(state instanceof Map && ((Map<?, ?>) state).isEmpty())) {
                throw new IOException("this safe global's factory takes no state (override SafeGlobals.Factory.setState)");
            }
        }
    }

    /**
     * Allows these globals in every later load, as {@code torch.serialization.add_safe_globals}: each full name
     * ({@code module.name}) maps to its factory; a name already added gets the new factory.
     *
     * @param globals full names and their factories
     * @throws IllegalArgumentException for a null map, name or factory, or a name that is not {@code module.name}
     *     (nothing is added then)
     */
    public static void add(Map<String, ? extends Factory> globals) {
        Map<String, Factory> checked = checked(globals);
        synchronized (SafeGlobals.class) {
            Map<String, Factory> m = new LinkedHashMap<>(registry);
            m.putAll(checked);
            registry = Collections.unmodifiableMap(m);
        }
    }

    /**
     * The globals added so far, as {@code torch.serialization.get_safe_globals}.
     *
     * @return a snapshot: full name to factory, in the order added
     */
    public static synchronized Map<String, Factory> get() {
        return registry;
    }

    /** Removes every added global, as {@code torch.serialization.clear_safe_globals}. */
    public static synchronized void clear() {
        registry = Map.of();
    }

    /**
     * Allows these globals until the scope closes, as the {@code torch.serialization.safe_globals} context manager: they
     * are added now, and closing removes each name that still maps to the factory given here (as 2.x removes what it
     * added, even a global that was there before).
     *
     * @param globals full names and their factories
     * @return the scope; close it (try-with-resources) to remove them
     * @throws IllegalArgumentException as {@link #add}
     */
    public static Scope scope(Map<String, ? extends Factory> globals) {
        Map<String, Factory> checked = checked(globals);
        add(checked);
        return new Scope(checked);
    }

    /** The globals of a {@link #scope}: closing it removes them. */
    public static final class Scope implements AutoCloseable {
        private final Map<String, Factory> added;
        private boolean closed;

        private Scope(Map<String, Factory> added) {
            this.added = added;
        }

        /** Removes the scope's globals (closing twice does nothing). */
        @Override
        public void close() {
            synchronized (SafeGlobals.class) {
                if (closed) {
                    return;
                }
                closed = true;
                Map<String, Factory> m = new LinkedHashMap<>(registry);
                for (Map.Entry<String, Factory> e : added.entrySet()) {
                    m.remove(e.getKey(), e.getValue());
                }
                registry = Collections.unmodifiableMap(m);
            }
        }
    }

    private static Map<String, Factory> checked(Map<String, ? extends Factory> globals) {
        if (globals == null) {
            throw new IllegalArgumentException("add_safe_globals(): expected a map of full names to factories, but got null");
        }
        Map<String, Factory> out = new LinkedHashMap<>();
        for (Map.Entry<String, ? extends Factory> e : globals.entrySet()) {
            String name = e.getKey();
            if (name == null || name.startsWith(".") || name.endsWith(".") || name.indexOf('.') < 0) {
                throw new IllegalArgumentException("add_safe_globals(): a global is named by its full path, module.name "
                        + "(as a pickle's GLOBAL names it), but got " + (name == null ? "null" : "'" + name + "'"));
            }
            if (e.getValue() == null) {
                throw new IllegalArgumentException("add_safe_globals(): the factory of " + name + " is null");
            }
            out.put(name, e.getValue());
        }
        return out;
    }
}
