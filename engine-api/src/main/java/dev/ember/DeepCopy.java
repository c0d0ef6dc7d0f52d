package dev.ember;

import dev.ember.backend.Backend;
import dev.ember.backend.Layout;
import dev.ember.backend.Storage;

import java.lang.reflect.Array;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.InaccessibleObjectException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * PyTorch's {@code copy.deepcopy(x)}: {@link #of(Object)} copies a module (a target network, an EMA teacher, BYOL's
 * target encoder, a best-model snapshot), a tensor, a state dict or any object graph holding them, so that nothing of the
 * copy is shared with the original except what Python shares too.
 *
 * <pre>{@code
 * Module target = DeepCopy.of(online);                  // copy.deepcopy(online)
 * Map<String, Tensor> best = DeepCopy.of(model.stateDict());
 * }</pre>
 *
 * <p><b>Tensors</b> follow {@code Tensor.__deepcopy__}: only leaves can be copied (a tensor computed by a recorded
 * operation is refused with PyTorch's message, which is also what a module whose {@code weight} is recomputed by a
 * pruning or legacy weight-norm hook gets); a plain tensor's storage is copied once per copy, so buffers that are views of
 * one storage stay views of one new storage, and its {@code requires_grad} and {@code grad} are copied; a parameter
 * ({@code nn.Parameter.__deepcopy__}) becomes a new parameter over a clone of its data with its {@code requires_grad},
 * without its gradient and sharing no storage; an uninitialized parameter or buffer of a lazy module stays
 * uninitialized; a meta tensor is cloned. Each copy belongs to its original's {@link TensorScope} (none for a module's
 * state, which outlives scopes), so a copy made inside a training step's scope lives as long as what it copies. The same tensor reached twice (a weight tied between two layers) gives one
 * copy, so ties survive.
 *
 * <p><b>Other objects</b> are copied field by field, as Python copies an object's {@code __dict__}: modules, with their
 * parameters, buffers, submodules, hooks and every field of their classes; the JDK's collections, arrays, atomics and
 * records by their contents; strings, numbers, enums, classes, {@link DType}, {@link Device}, {@link Complex} and the
 * backends are shared as immutable. The same object reached twice gives one copy, and cycles are kept. Fields declared
 * {@code transient} are left at their defaults in the copy (Java's mark for state that is not part of an object's value).
 *
 * <p><b>Functions.</b> A lambda or method reference that captures nothing the copy replaces is shared by the copy, as
 * Python shares functions (a forward hook that appends to an outside list keeps appending to that list). One that
 * captures objects the copy replaces (the module being copied, one of its submodules or tensors: {@code this::step},
 * {@code (m, in, out) -> out.add(bias)}) is rebuilt over their copies, as Python binds a deep-copied bound method to the
 * copied object, so the copy's hooks never act on the original; what it captures from outside stays shared. (Python
 * shares a closure even when it reads the module, {@code lambda m, i, o: o * model.scale}; Java cannot tell such a
 * lambda from a method reference, so Ember takes the bound method's rule for both.) An object of a named or anonymous
 * class is copied with its fields, as any other object.
 *
 * <p>A plain {@code Object} (a monitor) gets a new one. Objects of other JDK classes (threads, streams, locks, ...) are
 * refused, naming the field that holds them. The
 * original is only read: a refused copy leaves it as it was. Copying writes the {@code final} fields of the new objects
 * by reflection, which JDK 26 and later may warn about unless the application allows final-field mutation.
 */
public final class DeepCopy {
    private final IdentityHashMap<Object, Object> memo = new IdentityHashMap<>();
    private final IdentityHashMap<Storage, Tensor> storages = new IdentityHashMap<>();
    /** Every object the copy reaches, lambdas' captures aside (found first: what a lambda's capture is rebound on). */
    private final Set<Object> reachable = Collections.newSetFromMap(new IdentityHashMap<>());
    private final ArrayDeque<String> path = new ArrayDeque<>();

    private DeepCopy() {
    }

    /**
     * A deep copy of {@code value}, as {@code copy.deepcopy(value)}; see the class documentation for what is copied,
     * shared and refused.
     *
     * @param value a module, tensor, collection or other object (null gives null)
     * @param <T> its type
     * @return the copy, of the same class (JDK's unmodifiable collections come back unmodifiable)
     * @throws IllegalArgumentException for a tensor that is not a leaf (PyTorch's message), an object of a JDK class that
     *     cannot be copied, or a function that captures an object the copy replaces; the message names the field
     */
    @SuppressWarnings("unchecked")
    public static <T> T of(T value) {
        DeepCopy copier = new DeepCopy();
        try (GradMode off = Ember.noGrad()) {
            copier.reach(value);
            return (T) copier.copy(value, "the value");
        } finally {
            for (Tensor flat : copier.storages.values()) {
                flat.close(); // the copies over each new storage hold it; the whole-storage clone was only the source
            }
        }
    }

    private Object copy(Object o, String where) {
        if (o == null || isAtom(o)) {
            return o;
        }
        Object done = memo.get(o);
        if (done != null) {
            return done;
        }
        path.addLast(where);
        try {
            if (o instanceof Tensor t) {
                Tensor c = copyTensor(t);
                memo.put(o, c);
                return c;
            }
            Class<?> cls = o.getClass();
            if (cls.isHidden() || cls.isSynthetic()) {
                return rebind(o, cls);
            }
            if (cls.isArray()) {
                return copyArray(o, cls);
            }
            if (cls.isRecord()) {
                return copyRecord((Record) o, cls);
            }
            if (isJdk(cls)) {
                return copyJdk(o, cls);
            }
            return copyFields(o, cls);
        } finally {
            path.removeLast();
        }
    }

    private static boolean isAtom(Object o) {
        return o instanceof String || o instanceof Boolean || o instanceof Character || o instanceof Enum<?>
            || o instanceof Class<?> || o instanceof Backend || o instanceof Device || o instanceof Complex
            || o instanceof Layout || o instanceof java.math.BigInteger || o instanceof java.math.BigDecimal
            || o instanceof Integer || o instanceof Long || o instanceof Double || o instanceof Float
            || o instanceof Short || o instanceof Byte || o instanceof java.util.regex.Pattern
            || o instanceof java.util.UUID;
    }

    private static boolean isJdk(Class<?> cls) {
        String n = cls.getName();
        return n.startsWith("java.") || n.startsWith("javax.") || n.startsWith("jdk.") || n.startsWith("sun.")
            || n.startsWith("com.sun.");
    }

    // ------------------------------------------------------------------ tensors

    private static final String NOT_LEAF = "Only Tensors created explicitly by the user (graph leaves) support the "
        + "deepcopy protocol at the moment.  If you were attempting to deepcopy a module, this may be because of a "
        + "torch.nn.utils.weight_norm usage, see https://github.com/pytorch/pytorch/pull/103001";

    private Tensor copyTensor(Tensor t) {
        if (t.uninitialized != null) {
            Tensor c = Uninitialized.create(t.isParameter, t.requiresGrad, t.dtype, t.device);
            TensorScope.adopt(t, c);
            return c;
        }
        if (!t.isLeaf()) {
            throw new IllegalArgumentException(NOT_LEAF + " (" + describePath() + ")");
        }
        Tensor c;
        if (t.isParameter || t.isMeta()) {
            // nn.Parameter.__deepcopy__: a clone of the data, no gradient; a meta tensor is cloned as PyTorch does
            c = ViewOps.clone(t);
        } else {
            Storage s = t.rawStorage();
            Tensor flat = storages.get(s);
            if (flat == null) {
                Tensor whole = new Tensor(t.lease(), Layout.contiguous((int) s.numel()), t.device, t.backend,
                    new int[1], s.dtype());
                try {
                    flat = ViewOps.clone(whole);
                } finally {
                    whole.close();
                }
                storages.put(s, flat);
            }
            c = new Tensor(flat.lease(), t.layout, t.device, t.backend, flat.version, t.dtype);
            c = QuantizedActivations.follow(t, c);
        }
        c.isParameter = t.isParameter;
        c.requiresGrad = t.requiresGrad;
        TensorScope.adopt(t, c); // the copy lives as long as the original: a module's state outlives any scope
        memo.put(t, c);
        if (!t.isParameter) {
            if (t.grad != null) {
                c.grad = (Tensor) copy(t.grad, ".grad");
                c.gradMadeByAutograd = false;
            }
            if (t.sparseGrad != null) {
                c.sparseGrad = (dev.ember.sparse.SparseTensor) copy(t.sparseGrad, ".grad");
            }
        }
        return c;
    }

    // ------------------------------------------------------------------ arrays, records, JDK classes

    private Object copyArray(Object o, Class<?> cls) {
        int n = Array.getLength(o);
        Object c = Array.newInstance(cls.getComponentType(), n);
        memo.put(o, c);
        if (cls.getComponentType().isPrimitive()) {
            System.arraycopy(o, 0, c, 0, n);
        } else {
            for (int i = 0; i < n; i++) {
                Array.set(c, i, copy(Array.get(o, i), "[" + i + "]"));
            }
        }
        return c;
    }

    private Object copyRecord(Record o, Class<?> cls) {
        RecordComponent[] parts = cls.getRecordComponents();
        Object[] values = new Object[parts.length];
        Class<?>[] types = new Class<?>[parts.length];
        try {
            for (int i = 0; i < parts.length; i++) {
                var accessor = parts[i].getAccessor();
                accessor.setAccessible(true);
                values[i] = copy(accessor.invoke(o), "." + parts[i].getName());
                types[i] = parts[i].getType();
            }
            Constructor<?> ctor = cls.getDeclaredConstructor(types);
            ctor.setAccessible(true);
            Object c = ctor.newInstance(values);
            memo.put(o, c);
            return c;
        } catch (InvocationTargetException e) {
            throw refusal(cls, "its constructor failed: " + e.getCause());
        } catch (ReflectiveOperationException | InaccessibleObjectException e) {
            throw refusal(cls, "its components cannot be read (" + e.getMessage() + ")");
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private Object copyJdk(Object o, Class<?> cls) {
        if (cls == Object.class) {
            return remember(o, new Object()); // a lock or a marker of the object that holds it: one of its own
        }
        if (o instanceof Optional<?> opt) {
            Object c = opt.isPresent() ? Optional.of(copy(opt.get(), ".value")) : opt;
            memo.put(o, c);
            return c;
        }
        if (o instanceof AtomicInteger a) {
            return remember(o, new AtomicInteger(a.get()));
        }
        if (o instanceof AtomicLong a) {
            return remember(o, new AtomicLong(a.get()));
        }
        if (o instanceof AtomicBoolean a) {
            return remember(o, new AtomicBoolean(a.get()));
        }
        if (o instanceof AtomicReference a) {
            AtomicReference c = new AtomicReference();
            memo.put(o, c);
            c.set(copy(a.get(), ".value"));
            return c;
        }
        if (o instanceof Map<?, ?> m) {
            Map<Object, Object> c = newJdkMap(m, cls);
            if (c != null) {
                memo.put(o, c);
                fillMap(m, c);
                return c;
            }
            if (isUnmodifiable(cls)) {
                Map<Object, Object> inner = new LinkedHashMap<>();
                Map<Object, Object> view = Collections.unmodifiableMap(inner);
                memo.put(o, view);
                fillMap(m, inner);
                return view;
            }
        } else if (o instanceof Collection<?> col) {
            if (cls.getName().equals("java.util.concurrent.ConcurrentHashMap$KeySetView")) {
                Set<Object> c = ConcurrentHashMap.newKeySet();
                memo.put(o, c);
                fillCollection(col, c);
                return c;
            }
            Collection<Object> c = newJdkCollection(col, cls);
            if (c != null) {
                memo.put(o, c);
                fillCollection(col, c);
                return c;
            }
            if (isUnmodifiable(cls)) {
                if (o instanceof Set<?>) {
                    Set<Object> inner = new LinkedHashSet<>();
                    Set<Object> view = Collections.unmodifiableSet(inner);
                    memo.put(o, view);
                    fillCollection(col, inner);
                    return view;
                }
                List<Object> inner = new ArrayList<>();
                List<Object> view = Collections.unmodifiableList(inner);
                memo.put(o, view);
                fillCollection(col, inner);
                return view;
            }
        }
        throw refusal(cls, "Ember copies only the JDK's collections, arrays, atomics and immutable values");
    }

    private Object remember(Object o, Object c) {
        memo.put(o, c);
        return c;
    }

    private static boolean isUnmodifiable(Class<?> cls) {
        String n = cls.getName();
        return n.startsWith("java.util.ImmutableCollections$") || n.startsWith("java.util.Collections$Unmodifiable")
            || n.startsWith("java.util.Collections$Empty") || n.startsWith("java.util.Collections$Singleton");
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Map<Object, Object> newJdkMap(Map<?, ?> m, Class<?> cls) {
        if (cls == LinkedHashMap.class) {
            return new LinkedHashMap<>();
        } else if (cls == HashMap.class) {
            return new HashMap<>();
        } else if (cls == TreeMap.class) {
            return new TreeMap<>(((TreeMap) m).comparator());
        } else if (cls == IdentityHashMap.class) {
            return new IdentityHashMap<>();
        } else if (cls == ConcurrentHashMap.class) {
            return new ConcurrentHashMap<>();
        }
        return null;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Collection<Object> newJdkCollection(Collection<?> col, Class<?> cls) {
        if (cls == ArrayList.class) {
            return new ArrayList<>(col.size());
        } else if (cls == LinkedList.class) {
            return new LinkedList<>();
        } else if (cls == ArrayDeque.class) {
            return new ArrayDeque<>();
        } else if (cls == HashSet.class) {
            return new HashSet<>();
        } else if (cls == LinkedHashSet.class) {
            return new LinkedHashSet<>();
        } else if (cls == TreeSet.class) {
            return new TreeSet<>(((TreeSet) col).comparator());
        } else if (cls == CopyOnWriteArrayList.class) {
            return new CopyOnWriteArrayList<>();
        }
        return null;
    }

    private void fillMap(Map<?, ?> from, Map<Object, Object> to) {
        for (Map.Entry<?, ?> e : from.entrySet()) {
            Object k = copy(e.getKey(), "[key " + e.getKey() + "]");
            to.put(k, copy(e.getValue(), "[" + e.getKey() + "]"));
        }
    }

    private void fillCollection(Collection<?> from, Collection<Object> to) {
        int i = 0;
        for (Object x : from) {
            to.add(copy(x, "[" + i++ + "]"));
        }
    }

    // ------------------------------------------------------------------ other objects, field by field

    @SuppressWarnings("unchecked")
    private Object copyFields(Object o, Class<?> cls) {
        Class<?> base = cls.getSuperclass();
        while (!isJdk(base)) {
            base = base.getSuperclass();
        }
        boolean filled = FILLED_BASES.contains(base);
        if (!filled && !SHELL_BASES.contains(base)) {
            throw refusal(cls, "it extends " + base.getName() + ", whose state Ember cannot copy");
        }
        Object c = allocate(cls, base);
        memo.put(o, c);
        if (filled && o instanceof Map<?, ?> m) { // an Ember or user subclass of a JDK map: its entries first
            fillMap(m, (Map<Object, Object>) c);
        } else if (filled) {
            fillCollection((Collection<?>) o, (Collection<Object>) c);
        }
        for (Class<?> k = cls; k != base; k = k.getSuperclass()) {
            for (Field f : k.getDeclaredFields()) {
                int mod = f.getModifiers();
                if (Modifier.isStatic(mod) || Modifier.isTransient(mod)) {
                    continue;
                }
                try {
                    f.setAccessible(true);
                    Object v = f.get(o);
                    f.set(c, f.getType().isPrimitive() ? v : copy(v, "." + f.getName()));
                } catch (IllegalAccessException | InaccessibleObjectException e) {
                    throw refusal(cls, "its field " + f.getName() + " cannot be written (" + e.getMessage() + ")");
                }
            }
        }
        return c;
    }

    /** JDK classes whose subclasses are rebuilt by their no-argument constructor and their own methods. */
    private static final Set<Class<?>> FILLED_BASES = Set.of(LinkedHashMap.class, HashMap.class, ArrayList.class,
        LinkedList.class, HashSet.class, LinkedHashSet.class);
    /** JDK classes that hold no state of their own that a subclass's fields do not (the subclass's fields are copied). */
    private static final Set<Class<?>> SHELL_BASES = Set.of(Object.class, java.util.AbstractList.class,
        java.util.AbstractMap.class, java.util.AbstractCollection.class, java.util.AbstractSet.class, Number.class);

    private Object allocate(Class<?> cls, Class<?> base) {
        if (Modifier.isAbstract(cls.getModifiers())) {
            throw refusal(cls, "it is abstract");
        }
        try {
            return Allocator.newInstance(cls, base);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw refusal(cls, "no instance of it can be made (" + e + ")");
        }
    }

    /**
     * New objects without running a constructor, as Java's serialization makes them (the fields are written next):
     * {@code sun.reflect.ReflectionFactory}, in the JDK's {@code jdk.unsupported} module, looked up reflectively so the
     * build has no compile-time dependency on it.
     */
    private static final class Allocator {
        private static final Object FACTORY;
        private static final java.lang.reflect.Method NEW_CONSTRUCTOR;

        static {
            try {
                Class<?> f = Class.forName("sun.reflect.ReflectionFactory");
                FACTORY = f.getMethod("getReflectionFactory").invoke(null);
                NEW_CONSTRUCTOR = f.getMethod("newConstructorForSerialization", Class.class, Constructor.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private static final ConcurrentHashMap<Class<?>, Constructor<?>> CONSTRUCTORS = new ConcurrentHashMap<>();

        /** A new {@code cls} with only {@code base}'s no-argument constructor run, as deserialization makes one. */
        static Object newInstance(Class<?> cls, Class<?> base) throws ReflectiveOperationException {
            Constructor<?> ctor = CONSTRUCTORS.get(cls);
            if (ctor == null) {
                ctor = (Constructor<?>) NEW_CONSTRUCTOR.invoke(FACTORY, cls, base.getDeclaredConstructor());
                ctor.setAccessible(true);
                CONSTRUCTORS.put(cls, ctor);
            }
            return ctor.newInstance();
        }
    }

    // ------------------------------------------------------------------ what the copy reaches, and functions

    /** Marks every object reachable from {@code root} by the rules {@link #copy} follows, without copying anything. */
    private void reach(Object root) {
        ArrayDeque<Object> todo = new ArrayDeque<>();
        push(todo, root);
        while (!todo.isEmpty()) {
            Object o = todo.pop();
            if (!reachable.add(o)) {
                continue;
            }
            Class<?> cls = o.getClass();
            if (o instanceof Tensor t) {
                push(todo, t.grad);
                push(todo, t.sparseGrad);
            } else if (cls.isHidden() || cls.isSynthetic()) {
                continue; // a function's captures are what is asked about, not part of the copy
            } else if (cls.isArray()) {
                if (!cls.getComponentType().isPrimitive()) {
                    for (int i = 0, n = Array.getLength(o); i < n; i++) {
                        push(todo, Array.get(o, i));
                    }
                }
            } else if (o instanceof Map<?, ?> m) {
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    push(todo, e.getKey());
                    push(todo, e.getValue());
                }
            } else if (o instanceof Collection<?> col) {
                for (Object x : col) {
                    push(todo, x);
                }
            } else if (o instanceof Optional<?> opt) {
                push(todo, opt.orElse(null));
            } else if (o instanceof AtomicReference<?> ref) {
                push(todo, ref.get());
            }
            if (!isJdk(cls)) {
                for (Class<?> k = cls; k != null && !isJdk(k); k = k.getSuperclass()) {
                    for (Field f : k.getDeclaredFields()) {
                        int mod = f.getModifiers();
                        if (Modifier.isStatic(mod) || Modifier.isTransient(mod) || f.getType().isPrimitive()) {
                            continue;
                        }
                        try {
                            f.setAccessible(true);
                            push(todo, f.get(o));
                        } catch (IllegalAccessException | InaccessibleObjectException e) {
                            // the copy itself names the field it cannot read
                        }
                    }
                }
            }
        }
    }

    private static void push(ArrayDeque<Object> todo, Object o) {
        if (o != null && !isAtom(o)) {
            todo.push(o);
        }
    }

    /**
     * A lambda or method reference: itself when it captures nothing the copy reaches, else a new instance of its class
     * over the copies of those captures (the others shared).
     */
    private Object rebind(Object fn, Class<?> cls) {
        List<Field> fields = new ArrayList<>();
        for (Field f : cls.getDeclaredFields()) {
            if (!Modifier.isStatic(f.getModifiers())) {
                fields.add(f);
            }
        }
        Object[] args = new Object[fields.size()];
        boolean rebound = false;
        String captured = null;
        try {
            fields.sort(java.util.Comparator.comparingInt(DeepCopy::captureIndex));
            for (int i = 0; i < args.length; i++) {
                Field f = fields.get(i);
                f.setAccessible(true);
                Object v = f.get(fn);
                if (v != null && !f.getType().isPrimitive() && reachable.contains(v)) {
                    captured = describe(v);
                    Object c = copy(v, "(captured)");
                    rebound |= c != v;
                    v = c;
                }
                args[i] = v;
            }
        } catch (IllegalAccessException | InaccessibleObjectException | IllegalArgumentException e) {
            return fn; // a function whose captures cannot be read holds nothing of Ember's: shared, as Python's
        }
        if (!rebound) {
            return fn;
        }
        Object again = memo.get(fn); // a capture's copy can reach this function again (a module's hook on itself)
        if (again != null) {
            return again;
        }
        try {
            Constructor<?>[] ctors = cls.getDeclaredConstructors();
            if (ctors.length != 1 || ctors[0].getParameterCount() != args.length) {
                throw new NoSuchMethodException("no constructor of its captures");
            }
            ctors[0].setAccessible(true);
            Object c = ctors[0].newInstance(args);
            memo.put(fn, c);
            return c;
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalArgumentException("deepcopy: " + describePath() + " is a lambda or method reference that "
                + "captures " + captured + ", which the copy replaces, and it cannot be rebuilt over the copy (" + e
                + "): write it to use the module or tensor it is given (a hook's first argument), or copy by a new "
                + "module and loadStateDict");
        }
    }

    /** A lambda's captured field {@code arg$N}'s N, the position of its constructor's parameter. */
    private static int captureIndex(Field f) {
        String n = f.getName();
        int at = n.lastIndexOf('$');
        if (!n.startsWith("arg$") || at < 0) {
            throw new IllegalArgumentException("not a lambda's capture: " + n);
        }
        return Integer.parseInt(n.substring(at + 1));
    }

    private static String describe(Object o) {
        return o instanceof Tensor ? "a tensor" : "a " + o.getClass().getSimpleName();
    }

    private String describePath() {
        StringBuilder b = new StringBuilder();
        for (String p : path) {
            b.append(p);
        }
        return b.toString();
    }

    private IllegalArgumentException refusal(Class<?> cls, String why) {
        return new IllegalArgumentException("deepcopy: cannot copy " + describePath() + " (an object of class "
            + cls.getName() + "): " + why);
    }
}
