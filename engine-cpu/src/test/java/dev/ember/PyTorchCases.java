package dev.ember;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Expected results written by a PyTorch script beside the resource (see {@code hardening/make_expected.py}): each case
 * is a line {@code === key} followed by {@code value <python repr>} or {@code error <ExceptionType> <message>}.
 */
final class PyTorchCases {
    private final Map<String, String> lines = new LinkedHashMap<>();
    private final String resource;

    PyTorchCases(String resource) {
        this.resource = resource;
        try (InputStream in = PyTorchCases.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + resource);
            }
            String key = null;
            StringBuilder body = new StringBuilder();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n", -1)) {
                if (line.startsWith("=== ")) {
                    if (key != null) {
                        lines.put(key, body.toString().strip());
                    }
                    key = line.substring(4);
                    body.setLength(0);
                } else {
                    body.append(line).append('\n');
                }
            }
            if (key != null) {
                lines.put(key, body.toString().strip());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String line(String key) {
        String l = lines.get(key);
        if (l == null) {
            throw new IllegalStateException("no case " + key + " in " + resource);
        }
        return l;
    }

    /** PyTorch's error message for a case (the text after the exception type). */
    String error(String key) {
        String l = line(key);
        if (!l.startsWith("error ")) {
            throw new IllegalStateException("case " + key + " did not fail in PyTorch: " + l);
        }
        String rest = l.substring("error ".length());
        return rest.substring(rest.indexOf(' ') + 1);
    }

    /** The Java exception type that stands for the Python exception PyTorch raised in a case. */
    Class<? extends Throwable> errorType(String key) {
        String l = line(key);
        String type = l.substring("error ".length(), l.indexOf(' ', "error ".length()));
        return type.equals("IndexError") ? IndexOutOfBoundsException.class : IllegalArgumentException.class;
    }

    /** PyTorch's result for a case, as Python printed it. */
    String value(String key) {
        String l = line(key);
        if (!l.startsWith("value ")) {
            throw new IllegalStateException("case " + key + " failed in PyTorch: " + l);
        }
        return l.substring("value ".length());
    }

    /** A numeric result (a Python number or a flat or nested list of them), flattened. */
    double[] values(String key) {
        return numbers(value(key));
    }

    /** For a case of lines {@code name value}: the value printed after {@code name}. */
    String field(String key, String name) {
        for (String l : line(key).split("\n")) {
            if (l.startsWith(name + " ")) {
                return l.substring(name.length() + 1);
            }
        }
        throw new IllegalStateException("case " + key + " has no " + name);
    }

    /** {@link #field}, or null where the case (or the case's line {@code name}) is missing. */
    String fieldOrNull(String key, String name) {
        try {
            return field(key, name);
        } catch (IllegalStateException e) {
            return null;
        }
    }

    /** Whether there is a case {@code key} of lines {@code name value} with a line {@code name}. */
    boolean has(String key, String name) {
        String body = lines.get(key);
        if (body == null) {
            return false;
        }
        for (String l : body.split("\n")) {
            if (l.startsWith(name + " ")) {
                return true;
            }
        }
        return false;
    }

    /**
     * The tensor on a case's line {@code name dtype [shape] : values} (an empty tensor's line may end in {@code " :"}),
     * as {@link #tensor(String)} reads it, with {@code uint8} read as int64 and converted.
     */
    Tensor tensor(String key, String name) {
        String f = field(key, name);
        if (f.endsWith(" :")) {
            f = f.substring(0, f.length() - 2);
        }
        return f.startsWith("uint8 ") ? tensor("int64" + f.substring("uint8".length())).to(DType.UINT8) : tensor(f);
    }

    /** The tensors named on a case's line {@code field} (each on a line of its own), by name, in the line's order. */
    Map<String, Tensor> named(String key, String field) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (String n : field(key, field).split(" ")) {
            out.put(n, tensor(key, n));
        }
        return out;
    }

    /**
     * Loads the tensors named on a case's line {@code field} (PyTorch's state dict) into {@code m}, converted first to
     * their type (the first one's); returns them.
     */
    Map<String, Tensor> loadState(dev.ember.nn.Module m, String key, String field) {
        Map<String, Tensor> state = named(key, field);
        m.to(state.values().iterator().next().dtype());
        m.loadStateDict(state);
        return state;
    }

    /**
     * A tensor line {@code dtype [shape] : values} (the values Python's repr, flattened; none after the colon, or no
     * colon, for an empty tensor) as a CPU tensor of its dtype: float64, float32, int64, int32, int16, int8, uint8 or bool
     * (float16 and bfloat16 are read as float64; tests cast them).
     */
    static Tensor tensor(String line) {
        String dtype = line.substring(0, line.indexOf(' '));
        int close = line.indexOf(']');
        String shapeText = line.substring(line.indexOf('[') + 1, close);
        int[] shape = shapeText.isBlank() ? new int[0]
                : Arrays.stream(shapeText.split(",")).mapToInt(x -> Integer.parseInt(x.trim())).toArray();
        int colon = line.indexOf(':', close);
        double[] v = colon < 0 ? new double[0] : numbers(line.substring(colon + 1));
        switch (dtype) {
            case "int64":
            case "int32":
            case "int16":
            case "int8":
            case "uint8": {
                long[] l = new long[v.length];
                for (int i = 0; i < l.length; i++) {
                    l[i] = (long) v[i];
                }
                Tensor t = Tensor.tensor(l, DType.INT64, Device.CPU).reshape(shape);
                // the narrow integer types as themselves (their values fit: PyTorch printed them)
                switch (dtype) {
                    case "int32": return t.to(DType.INT32);
                    case "int16": return t.to(DType.INT16);
                    case "int8": return t.to(DType.INT8);
                    case "uint8": return t.to(DType.UINT8);
                    default: return t;
                }
            }
            case "bool": {
                boolean[] b = new boolean[v.length];
                for (int i = 0; i < b.length; i++) {
                    b[i] = v[i] != 0;
                }
                return Tensor.tensor(b, DType.BOOL, Device.CPU).reshape(shape);
            }
            case "complex64":
            case "complex128": {
                // the parts, interleaved (refcases.fmt_tensor writes view_as_real's values)
                int[] pairs = Arrays.copyOf(shape, shape.length + 1);
                pairs[shape.length] = 2;
                DType part = dtype.equals("complex64") ? DType.FLOAT32 : DType.FLOAT64;
                return Tensor.tensor(v, DType.FLOAT64, Device.CPU).to(part).reshape(pairs).viewAsComplex().clone();
            }
            default: {
                // float16 and bfloat16 values are exact in float64, so the conversion back is exact too
                DType type = dtype.equals("float32") ? DType.FLOAT32 : dtype.equals("float16") ? DType.FLOAT16
                        : dtype.equals("bfloat16") ? DType.BFLOAT16 : DType.FLOAT64;
                return Tensor.tensor(v, DType.FLOAT64, Device.CPU).to(type).reshape(shape);
            }
        }
    }

    /** Python's repr of a number or a (nested) list of numbers, flattened. */
    static double[] numbers(String repr) {
        String v = repr.replace("[", " ").replace("]", " ").replace(",", " ").trim();
        if (v.isEmpty()) {
            return new double[0];
        }
        String[] parts = v.split("\\s+");
        double[] out = new double[parts.length];
        for (int i = 0; i < parts.length; i++) {
            switch (parts[i]) {
                case "nan": out[i] = Double.NaN; break;
                case "inf": out[i] = Double.POSITIVE_INFINITY; break;
                case "-inf": out[i] = Double.NEGATIVE_INFINITY; break;
                case "True": out[i] = 1; break;
                case "False": out[i] = 0; break;
                default: out[i] = Double.parseDouble(parts[i]);
            }
        }
        return out;
    }
}
