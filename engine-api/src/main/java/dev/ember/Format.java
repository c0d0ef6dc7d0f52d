package dev.ember;

import java.math.BigDecimal;
import java.util.Arrays;
import java.util.Locale;

/**
 * How PyTorch writes numbers, sizes and types in its messages, so that Ember's messages, in every package, read as
 * PyTorch's do: Python's {@code repr} of a float where PyTorch's Python code formats it ({@code Invalid learning rate:
 * -0.1}), C++'s stream format where its C++ code does ({@code unsupported range: 0 -> nan}).
 */
public final class Format {
    private Format() {
    }

    /** A float as Python's {@code repr} prints it: {@code 0.5}, {@code 1e-08}, {@code -0.0}, {@code nan}, {@code inf}. */
    public static String repr(double v) {
        if (Double.isNaN(v)) {
            return "nan";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "inf" : "-inf";
        }
        if (v == 0) {
            return 1 / v < 0 ? "-0.0" : "0.0";
        }
        // the shortest digits that read back as v (Java's), laid out as Python does
        BigDecimal d = new BigDecimal(Double.toString(v)).stripTrailingZeros();
        String digits = d.unscaledValue().abs().toString();
        int exponent = digits.length() - 1 - d.scale(); // of the first digit
        String sign = v < 0 ? "-" : "";
        if (exponent < -4 || exponent >= 16) {
            String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
            return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + String.format(Locale.ROOT, "%02d", Math.abs(exponent));
        }
        String plain = d.abs().toPlainString();
        return sign + (plain.contains(".") ? plain : plain + ".0");
    }

    /**
     * A number as PyTorch's C++ messages print it (a stream's default: 6 significant digits, %g): {@code 0},
     * {@code 0.5}, {@code 1e+20}, {@code nan}, {@code -inf}.
     */
    public static String cpp(double v) {
        if (Double.isNaN(v)) {
            return "nan";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "inf" : "-inf";
        }
        String s = String.format(Locale.ROOT, "%.6g", v);
        String mantissa = s;
        String exponent = "";
        int e = s.indexOf('e');
        if (e >= 0) {
            mantissa = s.substring(0, e);
            exponent = s.substring(e);
        }
        if (mantissa.contains(".")) {
            // Java's %g keeps trailing zeros, C's drops them
            mantissa = mantissa.replaceAll("0+$", "").replaceAll("\\.$", "");
        }
        return mantissa + exponent;
    }

    /** {@code torch.Size([2, 3])}. */
    public static String size(int[] shape) {
        return "torch.Size(" + Arrays.toString(shape) + ")";
    }

    /** PyTorch's scalar-type name: {@code Float}, {@code Double}, {@code Long}, {@code Bool}. */
    public static String scalarType(DType t) {
        return t.legacyTypeName().replace("Tensor", "");
    }
}
