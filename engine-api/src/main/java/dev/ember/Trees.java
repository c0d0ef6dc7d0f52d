package dev.ember;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * PyTorch's pytrees ({@code torch.utils._pytree}) over Java values, for {@link FuncTree}: a {@link Map} is a dict (its
 * keys in iteration order), a {@link List} a list, an {@code Object[]} a tuple; anything else (a tensor, a number, a
 * string, null) is a leaf. Flattening lists the leaves depth first; unflattening rebuilds the containers (a
 * {@link LinkedHashMap}, an {@link ArrayList}, an array of the same component type) around new leaves.
 */
final class Trees {
    private Trees() {
    }

    enum Kind { LEAF, LIST, TUPLE, DICT }

    /** A tree's structure: its containers and where its leaves go. */
    static final class Spec {
        final Kind kind;
        final List<Spec> children;
        final List<Object> keys;
        final Class<?> component;
        final int leaves;

        private Spec(Kind kind, List<Spec> children, List<Object> keys, Class<?> component) {
            this.kind = kind;
            this.children = children;
            this.keys = keys;
            this.component = component;
            int n = kind == Kind.LEAF ? 1 : 0;
            for (Spec c : children) {
                n += c.leaves;
            }
            this.leaves = n;
        }

        static final Spec LEAF = new Spec(Kind.LEAF, List.of(), List.of(), null);

        @Override
        public boolean equals(Object o) {
            return o instanceof Spec s && s.kind == kind && s.children.equals(children) && s.keys.equals(keys);
        }

        @Override
        public int hashCode() {
            return kind.hashCode() * 31 + children.hashCode() * 7 + keys.hashCode();
        }

        /** PyTorch's repr: {@code TreeSpec(tuple, None, [*, TreeSpec(dict, ['a'], [*])])}, a leaf {@code *}. */
        @Override
        public String toString() {
            if (kind == Kind.LEAF) {
                return "*";
            }
            StringBuilder b = new StringBuilder("TreeSpec(").append(kind == Kind.DICT ? "dict" : kind == Kind.LIST
                    ? "list" : "tuple").append(", ");
            if (kind == Kind.DICT) {
                b.append('[');
                for (int i = 0; i < keys.size(); i++) {
                    b.append(i > 0 ? ", " : "").append(pyRepr(keys.get(i)));
                }
                b.append(']');
            } else {
                b.append("None");
            }
            b.append(", [");
            for (int i = 0; i < children.size(); i++) {
                b.append(i > 0 ? ", " : "").append(children.get(i));
            }
            return b.append("])").toString();
        }

        /** functorch's {@code treespec_pprint}: {@code (*, *)}, {@code [*]}, {@code {'a': *}}, a leaf {@code *}. */
        String pprint() {
            StringBuilder b = new StringBuilder();
            switch (kind) {
                case LEAF:
                    return "*";
                case DICT:
                    b.append('{');
                    for (int i = 0; i < keys.size(); i++) {
                        b.append(i > 0 ? ", " : "").append(pyRepr(keys.get(i))).append(": ").append(children.get(i)
                                .pprint());
                    }
                    return b.append('}').toString();
                default:
                    b.append(kind == Kind.LIST ? '[' : '(');
                    for (int i = 0; i < children.size(); i++) {
                        b.append(i > 0 ? ", " : "").append(children.get(i).pprint());
                    }
                    if (kind == Kind.TUPLE && children.size() == 1) {
                        b.append(',');
                    }
                    return b.append(kind == Kind.LIST ? ']' : ')').toString();
            }
        }
    }

    /** Flattens {@code tree}: its leaves are appended to {@code leaves}; returns its structure. */
    static Spec flatten(Object tree, List<Object> leaves) {
        if (tree instanceof Map<?, ?> m) {
            List<Spec> children = new ArrayList<>();
            List<Object> keys = new ArrayList<>();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                keys.add(e.getKey());
                children.add(flatten(e.getValue(), leaves));
            }
            return new Spec(Kind.DICT, List.copyOf(children), keys, null);
        }
        if (tree instanceof List<?> l) {
            List<Spec> children = new ArrayList<>();
            for (Object o : l) {
                children.add(flatten(o, leaves));
            }
            return new Spec(Kind.LIST, List.copyOf(children), List.of(), null);
        }
        if (tree instanceof Object[] a) {
            List<Spec> children = new ArrayList<>();
            for (Object o : a) {
                children.add(flatten(o, leaves));
            }
            return new Spec(Kind.TUPLE, List.copyOf(children), List.of(), a.getClass().getComponentType());
        }
        leaves.add(tree);
        return Spec.LEAF;
    }

    /** Rebuilds a tree of structure {@code spec} around the next {@code spec.leaves} leaves. */
    static Object unflatten(Spec spec, Iterator<?> leaves) {
        switch (spec.kind) {
            case LEAF:
                return leaves.next();
            case DICT: {
                Map<Object, Object> m = new LinkedHashMap<>();
                for (int i = 0; i < spec.keys.size(); i++) {
                    m.put(spec.keys.get(i), unflatten(spec.children.get(i), leaves));
                }
                return m;
            }
            case LIST: {
                List<Object> l = new ArrayList<>();
                for (Spec c : spec.children) {
                    l.add(unflatten(c, leaves));
                }
                return l;
            }
            default: {
                Object[] values = new Object[spec.children.size()];
                boolean fits = true;
                for (int i = 0; i < values.length; i++) {
                    values[i] = unflatten(spec.children.get(i), leaves);
                    fits &= values[i] == null || spec.component.isInstance(values[i]);
                }
                if (!fits) {
                    return values;
                }
                Object[] typed = (Object[]) java.lang.reflect.Array.newInstance(spec.component, values.length);
                System.arraycopy(values, 0, typed, 0, values.length);
                return typed;
            }
        }
    }

    /** Python's repr of a leaf of in_dims or a dict key: {@code None}, {@code 0}, {@code 'a'}. */
    static String pyRepr(Object o) {
        if (o == null) {
            return "None";
        }
        if (o instanceof String s) {
            return "'" + s + "'";
        }
        if (o instanceof Boolean b) {
            return b ? "True" : "False";
        }
        return o.toString();
    }

    /** Python's repr of an in_dims / out_dims tree of ints and Nones. */
    static String dimsRepr(Object tree) {
        List<Object> leaves = new ArrayList<>();
        Spec spec = flatten(tree, leaves);
        String p = spec.pprint();
        StringBuilder b = new StringBuilder();
        int k = 0;
        for (char c : p.toCharArray()) {
            if (c == '*') {
                b.append(pyRepr(leaves.get(k++)));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** Python's name of a value's type, as PyTorch's messages print it: {@code <class 'float'>}. */
    static String pyType(Object o) {
        String name;
        if (o == null) {
            name = "NoneType";
        } else if (o instanceof Tensor) {
            name = "torch.Tensor";
        } else if (o instanceof Double || o instanceof Float) {
            name = "float";
        } else if (o instanceof Integer || o instanceof Long || o instanceof Short || o instanceof Byte) {
            name = "int";
        } else if (o instanceof Boolean) {
            name = "bool";
        } else if (o instanceof String) {
            name = "str";
        } else if (o instanceof Map) {
            name = "dict";
        } else if (o instanceof List) {
            name = "list";
        } else if (o instanceof Object[]) {
            name = "tuple";
        } else {
            name = o.getClass().getName();
        }
        return "<class '" + name + "'>";
    }
}
