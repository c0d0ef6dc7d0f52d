package dev.ember.nn;

import dev.ember.Tensor;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.function.Function;

/**
 * The tensors of a {@link Module2}, {@link Module3} or {@link Module4} result, and a result of the same kind rebuilt
 * from (possibly replaced) tensors, for the hooks, which see a module's outputs as a list: a {@link Tensor}, a
 * {@code List<Tensor>}, a {@code Tensor[]}, or a record whose components are all tensors (rebuilt by its canonical
 * constructor).
 */
final class MultiOutputs {
    private MultiOutputs() {
    }

    /**
     * {@link Module2#apply}, {@link Module3#apply} and {@link Module4#apply}: the module's forward through its hooks,
     * whose replacement outputs are rebuilt into a result of the kind the forward returned.
     */
    static <R> R apply(Module module, List<Tensor> inputs, Function<List<Tensor>, R> forward) {
        List<R> made = new ArrayList<>(1);
        return module.call(inputs, in -> {
            R r = forward.apply(in);
            made.add(r);
            return r;
        }, r -> tensors(r, module), ts -> rebuild(made.get(0), ts, module));
    }

    /** The one-tensor forward's refusal on a module whose forward takes {@code count} tensors named {@code names}. */
    static IllegalArgumentException missingArguments(Module module, String count, String names) {
        return new IllegalArgumentException(module.moduleName() + ".forward() missing required positional arguments: it "
                + "takes " + count + " tensors (" + names + "); call apply(" + names + ")");
    }

    /** The result's tensors, in order; null elements stay (an absent optional output). */
    static List<Tensor> tensors(Object result, Module module) {
        if (result instanceof Tensor t) {
            return Collections.singletonList(t);
        }
        if (result instanceof Tensor[] a) {
            return Arrays.asList(a.clone());
        }
        if (result instanceof List<?> list) {
            List<Tensor> out = new ArrayList<>(list.size());
            for (Object o : list) {
                if (o != null && !(o instanceof Tensor)) {
                    throw unsupported(module, "a list holding a " + o.getClass().getName());
                }
                out.add((Tensor) o);
            }
            return out;
        }
        if (result != null && result.getClass().isRecord()) {
            RecordComponent[] parts = result.getClass().getRecordComponents();
            List<Tensor> out = new ArrayList<>(parts.length);
            for (RecordComponent c : parts) {
                if (c.getType() != Tensor.class) {
                    throw unsupported(module, "record " + result.getClass().getName() + " with component " + c.getName()
                            + " of type " + c.getType().getName());
                }
                try {
                    java.lang.reflect.Method accessor = c.getAccessor();
                    accessor.setAccessible(true);
                    out.add((Tensor) accessor.invoke(result));
                } catch (IllegalAccessException | InvocationTargetException | RuntimeException e) {
                    throw new IllegalStateException(module.moduleName() + ": cannot read component " + c.getName()
                            + " of " + result.getClass().getName() + " for its hooks (" + e + "); on the module path, "
                            + "open the record's package to dev.ember.api", e);
                }
            }
            return out;
        }
        throw unsupported(module, result == null ? "null" : "a " + result.getClass().getName());
    }

    /** A result of {@code template}'s kind holding {@code tensors}. */
    @SuppressWarnings("unchecked")
    static <R> R rebuild(R template, List<Tensor> tensors, Module module) {
        int expected = tensors(template, module).size();
        if (tensors.size() != expected) {
            throw new IllegalArgumentException(module.moduleName() + ": a hook returned " + tensors.size()
                    + " outputs for a forward result of " + expected);
        }
        if (template instanceof Tensor) {
            return (R) tensors.get(0);
        }
        if (template instanceof Tensor[]) {
            return (R) tensors.toArray(new Tensor[0]);
        }
        if (template instanceof List<?>) {
            return (R) Collections.unmodifiableList(new ArrayList<>(tensors));
        }
        Class<?> type = template.getClass();
        Class<?>[] types = new Class<?>[expected];
        Arrays.fill(types, Tensor.class);
        try {
            Constructor<?> ctor = type.getDeclaredConstructor(types);
            ctor.setAccessible(true);
            return (R) ctor.newInstance(tensors.toArray());
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(cause);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException(module.moduleName() + ": cannot rebuild " + type.getName()
                    + " from its hooks' outputs (" + e + "); on the module path, open the record's package to dev.ember.api",
                    e);
        }
    }

    private static IllegalArgumentException unsupported(Module module, String what) {
        return new IllegalArgumentException(module.moduleName() + ".forward returned " + what
                + ": a Module2, Module3 or Module4 returns a Tensor, a List<Tensor>, a Tensor[] or a record of Tensor "
                + "components");
    }
}
