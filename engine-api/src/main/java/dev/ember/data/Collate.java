package dev.ember.data;

import dev.ember.DType;
import dev.ember.Tensor;

import java.lang.reflect.Array;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * PyTorch's collate functions ({@code torch.utils.data.default_collate} and {@code default_convert}), which turn the
 * samples of a batch into the batch a {@link DataLoader} yields. The structure of a sample is kept and its leaves
 * batched, recursively:
 * <ul>
 * <li>tensors are stacked along a new first dimension ({@code torch.stack(batch, 0)}, so their shapes must match and
 *     their types are promoted as {@code stack} promotes them; in a DataLoader worker, PyTorch's stack into a shared
 *     memory tensor of the first sample's type: cast to it, or refused where the promoted type cannot be);</li>
 * <li>Java numbers become a 1-D tensor: {@code Double}/{@code Float} float64, {@code Long}/{@code Integer}/
 *     {@code Short}/{@code Byte} int64, {@code Boolean} bool (as Python floats, ints and bools); the first sample
 *     decides, as in PyTorch: after a float everything is float64, after an int or a bool the type is inferred from all
 *     of them (a float among them: the default type; an int: int64; a bool counts as an int);</li>
 * <li>primitive arrays ({@code float[]}, {@code double[]}, {@code long[]}, {@code int[]}, {@code short[]},
 *     {@code byte[]}, {@code boolean[]}) become tensors of their type, then are stacked (as numpy arrays);</li>
 * <li>strings are kept, as a list;</li>
 * <li>a {@link Map} becomes a map (insertion-ordered) of the collated values of each key of the first sample;</li>
 * <li>a {@link List} becomes a list of the collated positions (each sample must have the same length);</li>
 * <li>a record becomes the same record type built from its collated components when its constructor takes them
 *     (components typed {@code Tensor} or {@code Object}), otherwise a list of them (as PyTorch falls back to a list
 *     when a sequence type cannot be rebuilt);</li>
 * <li>an object array ({@code Tensor[]}, {@code Object[]}) becomes an array of the same type when the collated
 *     positions fit it, otherwise an {@code Object[]}.</li>
 * </ul>
 */
public final class Collate {
    private static final String UNSUPPORTED =
            "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found ";

    private Collate() {
    }

    /**
     * PyTorch's {@code collate_tensor_fn} in a worker: {@code torch.stack(batch, 0, out=out)}, {@code out} a shared
     * memory tensor of the first sample's type, {@code len(batch)} times its shape, made over {@code sum(numel)} elements:
     * a batch holding fewer elements than that cannot be resized ("Trying to resize storage that is not resizable",
     * before stack's own shape check), and the samples are cast to the first one's type, where the promoted type can be
     * cast to it ("torch.cat(): input types can't be cast to the desired output type Long" for a float after an int).
     */
    private static Tensor stackInWorker(List<Tensor> ts) {
        Tensor first = ts.get(0);
        long numel = 0;
        DType promoted = first.dtype();
        for (Tensor t : ts) {
            numel += t.numel();
            promoted = Tensor.promoteTypes(promoted, t.dtype());
        }
        if (numel < (long) ts.size() * first.numel()) {
            throw new IllegalStateException("Trying to resize storage that is not resizable");
        }
        Tensor stacked = Tensor.stack(ts, 0);
        if (!Tensor.canCast(promoted, first.dtype())) {
            throw new IllegalArgumentException("torch.cat(): input types can't be cast to the desired output type "
                    + dev.ember.Format.scalarType(first.dtype()));
        }
        return stacked.dtype() == first.dtype() ? stacked : stacked.to(first.dtype());
    }

    /**
     * The batch of {@code samples} as PyTorch's {@code default_collate} makes it (see the class comment).
     *
     * @throws IllegalArgumentException  for samples of a type it cannot batch, a null element, lists or arrays of
     *                                   different lengths ("each element in list of batch should be of equal size"),
     *                                   maps without the first map's keys, or tensors that do not stack (their
     *                                   {@code stack} error)
     * @throws IndexOutOfBoundsException for an empty batch (PyTorch's {@code batch[0]})
     * @throws IllegalStateException     in a DataLoader worker, for tensors holding fewer elements than the first one's
     *                                   shape times the batch size ("Trying to resize storage that is not resizable")
     */
    public static Object defaultCollate(List<?> samples) {
        DataChecks.require(samples, "defaultCollate", "samples");
        if (samples.isEmpty()) {
            throw new IndexOutOfBoundsException("list index out of range");
        }
        Object elem = samples.get(0);
        if (elem == null) {
            throw new IllegalArgumentException(UNSUPPORTED + "null");
        }
        if (elem instanceof Tensor) {
            List<Tensor> ts = new ArrayList<>(samples.size());
            for (int i = 0; i < samples.size(); i++) {
                Object o = samples.get(i);
                if (!(o instanceof Tensor)) {
                    throw new IllegalArgumentException("expected Tensor as element " + i + " in argument 0, but got "
                            + typeName(o));
                }
                ts.add((Tensor) o);
            }
            if (WorkerInfo.current() != null) {
                return stackInWorker(ts);
            }
            return Tensor.stack(ts, 0);
        }
        if (elem instanceof Double || elem instanceof Float) {
            double[] v = new double[samples.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = number(samples, i).doubleValue();
            }
            return Tensor.tensor(v, DType.FLOAT64);
        }
        if (elem instanceof Long || elem instanceof Integer || elem instanceof Short || elem instanceof Byte
                || elem instanceof Boolean) {
            // PyTorch's collate_int_fn (a bool is an int there): torch.tensor(batch), whose type is inferred from every
            // element: a float among them gives the default type, an int int64, only bools bool (fuzz round 21)
            boolean floating = false;
            boolean integral = false;
            for (Object o : samples) {
                floating |= o instanceof Double || o instanceof Float;
                integral |= o instanceof Number && !(o instanceof Double || o instanceof Float);
            }
            if (!floating && !integral) {
                boolean[] v = new boolean[samples.size()];
                for (int i = 0; i < v.length; i++) {
                    Object o = samples.get(i);
                    if (!(o instanceof Boolean)) {
                        throw new IllegalArgumentException(UNSUPPORTED + typeName(o));
                    }
                    v[i] = (Boolean) o;
                }
                return Tensor.tensor(v, DType.BOOL);
            }
            if (floating) {
                // torch.tensor([1, 2.5]) has the default type in PyTorch; the first element decides the collate
                // function there, and torch.tensor infers float from the list
                double[] v = new double[samples.size()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = number(samples, i).doubleValue();
                }
                return Tensor.tensor(v, dev.ember.Ember.getDefaultDtype());
            }
            long[] v = new long[samples.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = number(samples, i).longValue();
            }
            return Tensor.tensor(v, DType.INT64);
        }
        if (elem instanceof CharSequence || elem instanceof Character) {
            return Collections.unmodifiableList(new ArrayList<>(samples));
        }
        if (isPrimitiveArray(elem)) {
            List<Tensor> ts = new ArrayList<>(samples.size());
            for (Object o : samples) {
                if (o == null || o.getClass() != elem.getClass()) {
                    throw new IllegalArgumentException(UNSUPPORTED + typeName(o) + " after " + typeName(elem));
                }
                ts.add(arrayTensor(o));
            }
            return defaultCollate(ts);
        }
        if (elem instanceof Map) {
            Map<Object, Object> out = new LinkedHashMap<>();
            for (Object key : ((Map<?, ?>) elem).keySet()) {
                List<Object> values = new ArrayList<>(samples.size());
                for (int i = 0; i < samples.size(); i++) {
                    Object o = samples.get(i);
                    if (!(o instanceof Map)) {
                        throw new IllegalArgumentException("default_collate: sample " + i + " is " + typeName(o)
                                + ", not a map like the first");
                    }
                    Map<?, ?> m = (Map<?, ?>) o;
                    if (!m.containsKey(key)) {
                        throw new IllegalArgumentException("KeyError: sample " + i + " has no key " + key);
                    }
                    values.add(m.get(key));
                }
                out.put(key, defaultCollate(values));
            }
            return Collections.unmodifiableMap(out);
        }
        if (elem instanceof Record) {
            RecordComponent[] parts = elem.getClass().getRecordComponents();
            List<List<Object>> columns = new ArrayList<>(parts.length);
            for (int k = 0; k < parts.length; k++) {
                columns.add(new ArrayList<>(samples.size()));
            }
            for (int i = 0; i < samples.size(); i++) {
                Object o = samples.get(i);
                if (o == null || o.getClass() != elem.getClass()) {
                    throw new IllegalArgumentException("default_collate: sample " + i + " is " + typeName(o) + ", not "
                            + typeName(elem) + " like the first");
                }
                for (int k = 0; k < parts.length; k++) {
                    columns.get(k).add(component(parts[k], o));
                }
            }
            List<Object> collated = new ArrayList<>(parts.length);
            for (List<Object> column : columns) {
                collated.add(defaultCollate(column));
            }
            Object rebuilt = rebuild(elem.getClass(), parts, collated);
            return rebuilt != null ? rebuilt : Collections.unmodifiableList(collated);
        }
        if (elem instanceof List || elem instanceof Object[]) {
            int size = length(elem);
            for (Object o : samples) {
                if (!(o instanceof List || o instanceof Object[]) || length(o) != size) {
                    throw new IllegalArgumentException("each element in list of batch should be of equal size");
                }
            }
            List<Object> collated = new ArrayList<>(size);
            for (int k = 0; k < size; k++) {
                List<Object> column = new ArrayList<>(samples.size());
                for (Object o : samples) {
                    column.add(o instanceof List ? ((List<?>) o).get(k) : ((Object[]) o)[k]);
                }
                collated.add(defaultCollate(column));
            }
            if (elem instanceof List) {
                return Collections.unmodifiableList(collated);
            }
            return toArray(elem.getClass().getComponentType(), collated);
        }
        throw new IllegalArgumentException(UNSUPPORTED + typeName(elem));
    }

    /**
     * A sample as PyTorch's {@code default_convert} leaves it, for a loader without automatic batching: primitive
     * arrays become tensors (recursively inside maps, lists, records and object arrays); everything else is kept.
     */
    public static Object defaultConvert(Object sample) {
        if (sample == null) {
            return null;
        }
        if (isPrimitiveArray(sample)) {
            return arrayTensor(sample);
        }
        if (sample instanceof Tensor || sample instanceof CharSequence || sample instanceof Number) {
            return sample;
        }
        return mapLeaves(sample, Collate::defaultConvert, false);
    }

    // ---- structure walks shared with the loader

    /** {@code batch} with every tensor replaced by {@code f(tensor)}, its structure rebuilt where something changed. */
    static Object mapTensors(Object batch, UnaryOperator<Tensor> f) {
        if (batch instanceof Tensor) {
            return f.apply((Tensor) batch);
        }
        return mapLeaves(batch, o -> mapTensors(o, f), true);
    }

    /** Adds every tensor in {@code structure} to {@code out}. */
    static void tensors(Object structure, Set<Tensor> out) {
        if (structure instanceof Tensor) {
            out.add((Tensor) structure);
        } else if (structure instanceof Map) {
            for (Object v : ((Map<?, ?>) structure).values()) {
                tensors(v, out);
            }
        } else if (structure instanceof Iterable && !(structure instanceof Tensor)) {
            for (Object v : (Iterable<?>) structure) {
                tensors(v, out);
            }
        } else if (structure instanceof Object[]) {
            for (Object v : (Object[]) structure) {
                tensors(v, out);
            }
        } else if (structure instanceof Record) {
            for (RecordComponent c : structure.getClass().getRecordComponents()) {
                tensors(component(c, structure), out);
            }
        }
    }

    /** The tensors of {@code batch} that are not tensors of {@code samples} (those the collate function made). */
    static Tensor[] made(Object batch, Object samples) {
        Set<Tensor> in = Collections.newSetFromMap(new IdentityHashMap<>());
        tensors(samples, in);
        Set<Tensor> out = Collections.newSetFromMap(new IdentityHashMap<>());
        tensors(batch, out);
        out.removeAll(in);
        return out.toArray(new Tensor[0]);
    }

    /** Whether {@code batch} has the kind of structure {@code sample} has, so that a {@code DataLoader<T, T>} holds it. */
    static boolean sameKind(Object sample, Object batch) {
        if (sample instanceof Tensor) {
            return batch instanceof Tensor;
        }
        if (sample instanceof List) {
            return batch instanceof List;
        }
        if (sample instanceof Map) {
            return batch instanceof Map;
        }
        if (sample instanceof Record || sample instanceof Object[]) {
            return batch != null && batch.getClass() == sample.getClass();
        }
        return false;
    }

    private static Object mapLeaves(Object o, UnaryOperator<Object> f, boolean onlyContainers) {
        if (o instanceof Map) {
            Map<Object, Object> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : ((Map<?, ?>) o).entrySet()) {
                out.put(e.getKey(), f.apply(e.getValue()));
            }
            return Collections.unmodifiableMap(out);
        }
        if (o instanceof List) {
            List<Object> out = new ArrayList<>(((List<?>) o).size());
            for (Object v : (List<?>) o) {
                out.add(f.apply(v));
            }
            return Collections.unmodifiableList(out);
        }
        if (o instanceof Object[]) {
            Object[] a = (Object[]) o;
            List<Object> out = new ArrayList<>(a.length);
            for (Object v : a) {
                out.add(f.apply(v));
            }
            return toArray(a.getClass().getComponentType(), out);
        }
        if (o instanceof Record) {
            RecordComponent[] parts = o.getClass().getRecordComponents();
            List<Object> out = new ArrayList<>(parts.length);
            boolean changed = false;
            for (RecordComponent c : parts) {
                Object v = component(c, o);
                Object w = f.apply(v);
                changed |= w != v;
                out.add(w);
            }
            if (!changed) {
                return o;
            }
            Object rebuilt = rebuild(o.getClass(), parts, out);
            if (rebuilt == null) {
                throw new IllegalArgumentException("cannot rebuild a " + o.getClass().getName() + " with its tensors "
                        + "replaced (its canonical constructor does not accept them)");
            }
            return rebuilt;
        }
        return o;
    }

    private static Number number(List<?> samples, int i) {
        Object o = samples.get(i);
        if (o instanceof Boolean) {
            return (Boolean) o ? 1L : 0L; // a Python bool is an int
        }
        if (!(o instanceof Number)) {
            throw new IllegalArgumentException(UNSUPPORTED + typeName(o));
        }
        return (Number) o;
    }

    private static String typeName(Object o) {
        return o == null ? "null" : o.getClass().getName();
    }

    private static int length(Object listOrArray) {
        return listOrArray instanceof List ? ((List<?>) listOrArray).size() : ((Object[]) listOrArray).length;
    }

    private static boolean isPrimitiveArray(Object o) {
        return o.getClass().isArray() && o.getClass().getComponentType().isPrimitive();
    }

    /** A primitive array as a tensor of its own type (as {@code torch.as_tensor} of a numpy array). */
    private static Tensor arrayTensor(Object array) {
        if (array instanceof float[]) {
            return Tensor.tensor(array, DType.FLOAT32);
        } else if (array instanceof double[]) {
            return Tensor.tensor(array, DType.FLOAT64);
        } else if (array instanceof long[]) {
            return Tensor.tensor(array, DType.INT64);
        } else if (array instanceof int[]) {
            return Tensor.tensor(array, DType.INT32);
        } else if (array instanceof short[]) {
            return Tensor.tensor(array, DType.INT16);
        } else if (array instanceof byte[]) {
            return Tensor.tensor(array, DType.INT8);
        } else if (array instanceof boolean[]) {
            return Tensor.tensor(array, DType.BOOL);
        }
        throw new IllegalArgumentException(UNSUPPORTED + typeName(array));
    }

    private static Object component(RecordComponent c, Object record) {
        try {
            java.lang.reflect.Method m = c.getAccessor();
            m.setAccessible(true);
            return m.invoke(record);
        } catch (IllegalAccessException | RuntimeException e) {
            throw new IllegalArgumentException("cannot read component " + c.getName() + " of " + typeName(record)
                    + " (a record the data package can read must be accessible to it)", e);
        } catch (InvocationTargetException e) {
            throw new IllegalArgumentException("reading component " + c.getName() + " of " + typeName(record) + " failed",
                    e.getCause());
        }
    }

    /** A record of {@code type} from its components, or null when its canonical constructor does not take them. */
    private static Object rebuild(Class<?> type, RecordComponent[] parts, List<Object> values) {
        Class<?>[] types = new Class<?>[parts.length];
        for (int k = 0; k < parts.length; k++) {
            types[k] = parts[k].getType();
            Object v = values.get(k);
            if (types[k].isPrimitive() || (v != null && !types[k].isInstance(v))) {
                return null;
            }
        }
        try {
            Constructor<?> ctor = type.getDeclaredConstructor(types);
            ctor.setAccessible(true);
            return ctor.newInstance(values.toArray());
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    private static Object toArray(Class<?> component, List<Object> values) {
        for (Object v : values) {
            if (v != null && !component.isInstance(v)) {
                return values.toArray();
            }
        }
        Object a = Array.newInstance(component, values.size());
        for (int i = 0; i < values.size(); i++) {
            Array.set(a, i, values.get(i));
        }
        return a;
    }
}
