package dev.ember;

import java.util.Arrays;
import java.util.List;

/**
 * Replays one case of differential fuzz round 25 ({@code differentialfuzzr25/make_cases.py}, whose header describes the
 * format): sets the default type and the print options, builds the leaf from its exact bits, applies the steps, prints
 * the tensor (or the result of the op named by {@code w}) and compares the whole string with PyTorch's repr. The
 * default type and the print options are restored afterwards.
 */
final class FuzzR25Interpreter {
    private FuzzR25Interpreter() {
    }

    /** Null when Ember prints what PyTorch printed, else both strings. */
    static String run(List<String> lines) {
        DType defaultBefore = Ember.getDefaultDtype();
        Ember.setPrintOptions(PrintOptions.builder().profile("default"));
        try {
            Tensor t = null;
            Object shown = null;
            for (String line : lines) {
                String[] w = line.split(" ");
                switch (w[0]) {
                    case "dflt":
                        Ember.setDefaultDtype(DType.valueOf(w[1].toUpperCase()));
                        break;
                    case "call":
                        Ember.setPrintOptions(PrintOptionsTest.call(line));
                        break;
                    case "x":
                        t = leaf(w);
                        break;
                    case "leaf":
                        if (w[1].equals("rg")) {
                            t.requiresGrad_(true);
                        } else if (w[1].equals("param")) {
                            t.asParameter();
                        }
                        break;
                    case "v":
                        t = step(t, w);
                        break;
                    case "w":
                        shown = wrap(t, w);
                        break;
                    case "=": {
                        String expected = line.substring(2).replace("\\n", "\n");
                        String actual = String.valueOf(shown != null ? shown : t);
                        return expected.equals(actual) ? null
                                : "\n--- PyTorch:\n" + expected + "\n--- Ember:\n" + actual;
                    }
                    default:
                        throw new IllegalStateException("unknown line " + line);
                }
            }
            throw new IllegalStateException("no expected printout");
        } finally {
            Ember.setPrintOptions(PrintOptions.builder().profile("default"));
            Ember.setDefaultDtype(defaultBefore);
        }
    }

    /** {@code x DTYPE SHAPE DATA}: the leaf from its exact values (complex: real,imag pairs of its parts' bits). */
    private static Tensor leaf(String[] w) {
        DType dtype = DType.valueOf(w[1].toUpperCase());
        int[] shape = w[2].equals("-") ? new int[0] : Arrays.stream(w[2].split(",")).mapToInt(Integer::parseInt).toArray();
        String[] data = w[3].equals("-") ? new String[0] : Arrays.copyOfRange(w, 3, w.length);
        if (!dtype.isComplex()) {
            return PrintingSweepTest.build(dtype, shape, data);
        }
        DType part = dtype == DType.COMPLEX64 ? DType.FLOAT32 : DType.FLOAT64;
        Tensor pairs = PrintingSweepTest.build(part, new int[] {data.length / 2, 2}, data);
        return Tensor.complex(pairs.select(1, 0).contiguous(), pairs.select(1, 1).contiguous()).reshape(shape);
    }

    private static Tensor step(Tensor t, String[] w) {
        switch (w[1]) {
            case "mul2": return t.mul(2L);
            case "addself": return t.add(t);
            case "neg": return t.neg();
            case "abs": return t.abs();
            case "clone": return t.clone();
            case "relu": return t.relu();
            case "double": return t.to(DType.FLOAT64);
            case "flat": return t.view(-1);
            case "t": return t.t();
            case "T": return t.T();
            case "mT": return t.mT();
            case "unsq": return t.unsqueeze(Integer.parseInt(w[2]));
            case "detach": return t.detach();
            case "imul2": return t.clone().mul_(2L);
            case "tr": return t.transpose(Integer.parseInt(w[2]), Integer.parseInt(w[3]));
            case "perm": {
                int[] dims = new int[w.length - 2];
                for (int i = 0; i < dims.length; i++) {
                    dims[i] = Integer.parseInt(w[i + 2]);
                }
                return t.permute(dims);
            }
            case "step": {
                int dim = Integer.parseInt(w[2]);
                return t.slice(dim, 0, t.shape()[dim], Integer.parseInt(w[3]));
            }
            case "sel": return t.select(Integer.parseInt(w[2]), Integer.parseInt(w[3]));
            case "exp": {
                int[] s = new int[t.dim() + 1];
                s[0] = Integer.parseInt(w[2]);
                System.arraycopy(t.shape(), 0, s, 1, t.dim());
                return t.expand(s);
            }
            case "conj": return t.conj();
            default: throw new IllegalStateException("unknown step " + w[1]);
        }
    }

    private static Object wrap(Tensor t, String[] w) {
        int a = w.length > 2 && !w[2].equals("-") ? Integer.parseInt(w[2]) : 0;
        int b = w.length > 3 ? Integer.parseInt(w[3]) : 0;
        int c = w.length > 4 ? Integer.parseInt(w[4]) : 0;
        switch (w[1]) {
            case "max": return t.max(a, b == 1);
            case "min": return t.min(a, b == 1);
            case "median": return t.median(a, b == 1);
            case "mode": return t.mode(a, b == 1);
            case "sort": return t.sort(a, b == 1);
            case "topk": return t.topk(a, b);
            case "kthvalue": return t.kthvalue(a, b, c == 1);
            case "cummax": return t.cummax(a);
            case "cummin": return t.cummin(a);
            case "aminmax": return w[2].equals("-") ? t.aminmax() : t.aminmax(a, b == 1);
            case "frexp": return t.frexp();
            case "unique": return t.unique(true, a == 1, b == 1);
            default: throw new IllegalStateException("unknown op " + w[1]);
        }
    }
}
