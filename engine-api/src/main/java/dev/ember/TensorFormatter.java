package dev.ember;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;

/**
 * Prints tensors exactly as PyTorch 2.x's {@code torch._tensor_str} does under the print options in force
 * ({@link PrintOptions}; by default precision 4, line width 80, summarization above 1000 elements with 3 edge items):
 * the same choice of integer, fixed or scientific notation, and the same suffixes. One printout reads the options once.
 */
final class TensorFormatter {
    private TensorFormatter() {
    }

    static String format(Tensor t) {
        PrintOptions o = PrintOptions.current();
        String prefix = "tensor(";
        int indent = prefix.length();
        List<String> suffixes = new ArrayList<>();
        if (!t.device.isCpu()) {
            suffixes.add("device='" + t.device + "'");
        }
        String body;
        if (t.device.isMeta()) {
            // PyTorch 2.x's _str_intern of a meta tensor: its size always, its type unless the default, no values
            StringBuilder sb = new StringBuilder("size=(");
            for (int i = 0; i < t.dim(); i++) {
                sb.append(i > 0 ? ", " : "").append(t.shapeRef()[i]);
            }
            sb.append(t.dim() == 1 ? ",)" : ")");
            suffixes.add(sb.toString());
            if (t.dtype != Ember.getDefaultDtype()) {
                suffixes.add("dtype=" + t.dtype.torchName());
            }
            body = "...";
        } else if (t.numel() == 0) {
            if (t.dim() != 1) {
                StringBuilder sb = new StringBuilder("size=(");
                for (int i = 0; i < t.dim(); i++) {
                    sb.append(i > 0 ? ", " : "").append(t.shapeRef()[i]);
                }
                sb.append(t.dim() == 1 ? ",)" : ")");
                suffixes.add(sb.toString());
            }
            // an empty tensor has no elements to show its type by: every type but the default float type is named
            if (t.dtype != Ember.getDefaultDtype()) {
                suffixes.add("dtype=" + t.dtype.torchName());
            }
            body = "[]";
        } else {
            // PyTorch names every type but the default float type, its complex type (complex128 under a float64
            // default, complex64 under any other), int64 and bool
            DType defaultFloat = Ember.getDefaultDtype();
            DType defaultComplex = defaultFloat == DType.FLOAT64 ? DType.COMPLEX128 : DType.COMPLEX64;
            if (t.dtype != defaultFloat && t.dtype != defaultComplex && t.dtype != DType.INT64 && t.dtype != DType.BOOL) {
                suffixes.add("dtype=" + t.dtype.torchName());
            }
            body = tensorStr(t, indent, o);
        }
        Node fn = t.gradNode();
        if (fn != null) {
            suffixes.add("grad_fn=<" + fn.name() + ">");
        } else if (t.requiresGrad) {
            suffixes.add("requires_grad=True");
        }
        String s = addSuffixes(prefix + body, suffixes, indent, o.linewidth());
        return t.isParameter ? "Parameter containing:\n" + s : s;
    }

    private static String addSuffixes(String tensorStr, List<String> suffixes, int indent, int linewidth) {
        return addSuffixes(tensorStr, suffixes, indent, linewidth, false);
    }

    /** PyTorch's {@code _add_suffixes}: {@code forceNewline} puts the first suffix on a line of its own (sparse tensors). */
    static String addSuffixes(String tensorStr, List<String> suffixes, int indent, int linewidth, boolean forceNewline) {
        StringBuilder out = new StringBuilder(tensorStr);
        int lastLineLen = tensorStr.length() - tensorStr.lastIndexOf('\n') + 1;
        for (String suffix : suffixes) {
            if (forceNewline || lastLineLen + suffix.length() + 2 > linewidth) {
                forceNewline = false;
                out.append(",\n").append(" ".repeat(indent)).append(suffix);
                lastLineLen = indent + suffix.length();
            } else {
                out.append(", ").append(suffix);
                lastLineLen += suffix.length() + 2;
            }
        }
        return out.append(')').toString();
    }

    /** The values, row-major, as doubles (exact for float32 and float64; int64 beyond 2^53 uses {@code longs}). */
    private static final class Values {
        final double[] doubles;
        final long[] longs;
        final boolean[] bools;
        /** The printed tensor's shape; the values are of its summary, whose shape is {@code kept}. */
        final int[] shape;
        final int[] kept;
        final int[] strides;
        /** The edge items of a summarized dimension. */
        final int edge;
        /** Whether the longs are uint64 bits, printed unsigned (2.3's uint64 prints 18446744073709551615). */
        final boolean unsigned64;

        /**
         * The values printed: all of them, or with {@code summarize} only the edge items of each long dimension
         * (PyTorch's {@code get_summarized_data}), so a broadcast view of billions of elements prints from a few.
         */
        Values(Tensor t, boolean summarize, int edge) {
            this.edge = edge;
            this.unsigned64 = t.dtype == DType.UINT64;
            Tensor summary = t;
            if (summarize && edge == 0 && t.dim() > 1) {
                // 2.x's get_summarized_data without edge items: nothing (a vector keeps its values: self[-0:] is all)
                summary = t.reshape(-1).narrow(0, 0, 0).reshape(new int[t.dim()]);
            } else if (summarize && edge > 0) {
                try (GradMode off = Ember.noGrad()) {
                    for (int d = 0; d < t.dim(); d++) {
                        int n = summary.shapeRef()[d];
                        if (n > 2 * edge) {
                            summary = ViewOps.cat(List.of(summary.narrow(d, 0, edge), summary.narrow(d, n - edge, edge)), d);
                        }
                    }
                }
            }
            // the narrow integer types print as int64 does (uint8, uint16, uint32 unsigned; uint64's bits, unsigned)
            // float16, bfloat16 and the fp8 types print their exact values, widened to float32 (PyTorch 2.x's
            // _tensor_str does self.float() for them)
            Object a = summary.dtype.isIntegral() || summary.dtype.isBarebonesUnsigned() ? summary.toLongArray()
                    : summary.dtype.isReducedFloatingPoint() || summary.dtype.isFloat8() ? summary.toFloatArray()
                    : summary.hostArray();
            shape = t.shapeRef();
            kept = summary.shapeRef();
            strides = dev.ember.backend.Layout.contiguousStrides(kept);
            if (a instanceof float[]) {
                float[] f = (float[]) a;
                doubles = new double[f.length];
                for (int i = 0; i < f.length; i++) {
                    doubles[i] = f[i];
                }
                longs = null;
                bools = null;
            } else if (a instanceof double[]) {
                doubles = (double[]) a;
                longs = null;
                bools = null;
            } else if (a instanceof long[]) {
                doubles = null;
                longs = (long[]) a;
                bools = null;
            } else {
                doubles = null;
                longs = null;
                bools = (boolean[]) a;
            }
        }

        /**
         * Where index {@code i} of dimension {@code dim} (an edge item when summarized) sits in the values: a cut
         * dimension keeps its first and last {@code edge}, so index {@code i >= edge} is a trailing one
         * (for a dimension of 7 or 8, index 4 is trailing though below the 6 kept).
         */
        int offset(int dim, int i) {
            boolean cut = kept[dim] < shape[dim];
            return (cut && i >= edge ? i - (shape[dim] - kept[dim]) : i) * strides[dim];
        }

        String plain(int i) {
            return longs != null ? (unsigned64 ? Long.toUnsignedString(longs[i]) : Long.toString(longs[i]))
                    : bools[i] ? "True" : "False";
        }
    }

    /** PyTorch's {@code _tensor_str(t, indent)}: the bracketed elements alone ({@code []} when there are none). */
    static String body(Tensor t, int indent) {
        return t.numel() == 0 ? "[]" : tensorStr(t, indent, PrintOptions.current());
    }

    private static String tensorStr(Tensor t, int indent, PrintOptions o) {
        boolean summarize = t.numel() > o.threshold();
        boolean complex = t.dtype.isComplex();
        Values v;
        Values vi = null;
        try (GradMode off = Ember.noGrad()) {
            // a complex tensor: its real and imaginary parts, each with a formatter of its own (PyTorch's _tensor_str)
            v = new Values(complex ? t.real() : t, summarize, o.edgeitems());
            if (complex) {
                vi = new Values(t.imag(), summarize, o.edgeitems());
            }
        }
        List<Integer> shown = new ArrayList<>();
        if (!(summarize && o.edgeitems() == 0 && t.dim() > 1)) {
            collect(v, 0, 0, summarize && o.edgeitems() > 0, shown);
        }
        Formatter f = new Formatter(v, shown, o);
        Elements e = new Elements(v, f, vi, complex ? new Formatter(vi, shown, o) : null);
        return strWithFormatter(v, 0, 0, indent, summarize, e, o);
    }

    /** How one element prints: a real value, or a complex one as {@code re+imj} with the two parts' formatters. */
    private static final class Elements {
        final Values v;
        final Formatter f;
        final Values vi;
        final Formatter fi;
        /** The width of one element, for the elements per line. */
        final int width;

        Elements(Values v, Formatter f, Values vi, Formatter fi) {
            this.v = v;
            this.f = f;
            this.vi = vi;
            this.fi = fi;
            this.width = f.maxWidth + (fi == null ? 0 : fi.maxWidth + 1);
        }

        String format(int i) {
            String re = f.format(v, i);
            if (fi == null) {
                return re;
            }
            String im = (fi.format(vi, i) + "j").strip();
            return im.startsWith("+") || im.startsWith("-") ? re + im : re + "+" + im;
        }
    }

    /** Indices of the elements the printout shows (all, or the summarized edges). */
    private static void collect(Values v, int dim, int base, boolean summarize, List<Integer> out) {
        if (dim == v.shape.length) {
            out.add(base);
            return;
        }
        int n = v.shape[dim];
        for (int i = 0; i < n; i++) {
            if (summarize && n > 2 * v.edge && i >= v.edge && i < n - v.edge) {
                continue;
            }
            collect(v, dim + 1, base + v.offset(dim, i), summarize, out);
        }
    }

    private static String strWithFormatter(Values v, int dim, int base, int indent, boolean summarize, Elements f,
                                           PrintOptions o) {
        int rank = v.shape.length;
        if (rank == 0) {
            return f.format(base);
        }
        int n = v.shape[dim];
        int edge = o.edgeitems();
        if (summarize && edge == 0) {
            return "[...]"; // 2.x's _vector_str, and a higher dimension whose slices are all cut
        }
        if (dim == rank - 1) {
            int elementLength = f.width + 2;
            int perLine = (int) Math.max(1, Math.floor((o.linewidth() - indent) / (double) elementLength));
            List<String> data = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                if (summarize && n > 2 * edge && i >= edge && i < n - edge) {
                    if (i == edge) {
                        data.add(" ...");
                    }
                    continue;
                }
                data.add(f.format(base + v.offset(dim, i)));
            }
            List<String> lines = new ArrayList<>();
            for (int i = 0; i < data.size(); i += perLine) {
                lines.add(String.join(", ", data.subList(i, Math.min(data.size(), i + perLine))));
            }
            return "[" + String.join(",\n" + " ".repeat(indent + 1), lines) + "]";
        }
        List<String> slices = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (summarize && n > 2 * edge && i >= edge && i < n - edge) {
                if (i == edge) {
                    slices.add("...");
                }
                continue;
            }
            slices.add(strWithFormatter(v, dim + 1, base + v.offset(dim, i), indent + 1, summarize, f, o));
        }
        int remaining = rank - dim;
        return "[" + String.join("," + "\n".repeat(remaining - 1) + " ".repeat(indent + 1), slices) + "]";
    }

    /** PyTorch's {@code _Formatter}: chooses integer, fixed or scientific notation and the column width. */
    private static final class Formatter {
        boolean floating;
        boolean intMode = true;
        boolean sciMode;
        int maxWidth = 1;
        final int precision;

        Formatter(Values v, List<Integer> shown, PrintOptions o) {
            precision = o.precision();
            // set_printoptions(sci_mode=...) overrides the choice, not the width; PyTorch's _Formatter returns before
            // the override when no value is finite and nonzero, so zeros, nan and inf keep the integer notation
            // ("-0.", "nan") under sci_mode=True
            if (choose(v, shown) && floating && o.sciMode() != null) {
                sciMode = o.sciMode();
            }
        }

        /** Chooses the notation and width; false when no value is finite and nonzero (the choice stays as it was). */
        private boolean choose(Values v, List<Integer> shown) {
            floating = v.doubles != null;
            if (!floating) {
                for (int i : shown) {
                    maxWidth = Math.max(maxWidth, v.plain(i).length());
                }
                return true;
            }
            List<Double> vals = new ArrayList<>();
            for (int i : shown) {
                double d = v.doubles[i];
                if (Double.isFinite(d) && d != 0) {
                    vals.add(d);
                }
            }
            if (vals.isEmpty()) {
                return false;
            }
            double min = Double.POSITIVE_INFINITY;
            double max = 0;
            for (double d : vals) {
                min = Math.min(min, Math.abs(d));
                max = Math.max(max, Math.abs(d));
                if (d != Math.ceil(d)) {
                    intMode = false;
                }
            }
            if (intMode) {
                if (max / min > 1000. || max > 1.e8) {
                    sciMode = true;
                    for (double d : vals) {
                        maxWidth = Math.max(maxWidth, sci(d, precision).length());
                    }
                } else {
                    for (double d : vals) {
                        maxWidth = Math.max(maxWidth, fixed(d, 0).length() + 1);
                    }
                }
            } else if (max / min > 1000. || max > 1.e8 || min < 1.e-4) {
                sciMode = true;
                for (double d : vals) {
                    maxWidth = Math.max(maxWidth, sci(d, precision).length());
                }
            } else {
                for (double d : vals) {
                    maxWidth = Math.max(maxWidth, fixed(d, precision).length());
                }
            }
            return true;
        }

        String format(Values v, int i) {
            String ret;
            if (floating) {
                double d = v.doubles[i];
                if (sciMode) {
                    ret = sci(d, precision);
                } else if (intMode) {
                    ret = fixed(d, 0);
                    if (Double.isFinite(d)) {
                        ret += ".";
                    }
                } else {
                    ret = fixed(d, precision);
                }
            } else {
                ret = v.plain(i);
            }
            return " ".repeat(Math.max(0, maxWidth - ret.length())) + ret;
        }
    }

    /** Python's {@code '{:.Nf}'.format(d)}: exact value, rounded half to even. */
    static String fixed(double d, int digits) {
        if (Double.isNaN(d)) {
            return "nan";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "inf" : "-inf";
        }
        String s = new BigDecimal(d).setScale(digits, RoundingMode.HALF_EVEN).toPlainString();
        boolean negative = d < 0 || (d == 0 && 1 / d < 0);
        if (negative && !s.startsWith("-")) {
            s = "-" + s;
        }
        return s;
    }

    /** Python's {@code '{:.Ne}'.format(d)} for {@code N = precision}. */
    static String sci(double d, int precision) {
        if (Double.isNaN(d)) {
            return "nan";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "inf" : "-inf";
        }
        boolean negative = d < 0 || (d == 0 && 1 / d < 0);
        String digits;
        int exponent;
        if (d == 0) {
            digits = "0".repeat(precision + 1);
            exponent = 0;
        } else {
            BigDecimal bd = new BigDecimal(Math.abs(d)).round(new MathContext(precision + 1, RoundingMode.HALF_EVEN));
            String u = bd.unscaledValue().toString();
            exponent = u.length() - 1 - bd.scale();
            digits = (u + "0".repeat(precision + 1)).substring(0, precision + 1);
        }
        String exp = String.format("%02d", Math.abs(exponent));
        return (negative ? "-" : "") + digits.charAt(0) + (precision > 0 ? "." + digits.substring(1) : "") + "e"
                + (exponent < 0 ? "-" : "+") + exp;
    }
}
