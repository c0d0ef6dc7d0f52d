package dev.ember;

/**
 * A complex number, Ember's counterpart of Python's {@code complex} where PyTorch takes or returns one: the value of a
 * one-element complex tensor ({@link Tensor#itemComplex()}) and a number in complex arithmetic
 * ({@code z.mul(Complex.I)}, PyTorch's {@code z * 1j}), which takes part in type promotion as a Python complex does (a
 * float32 tensor times {@code 1j} is complex64, a float64 one complex128).
 *
 * @param real the real part
 * @param imag the imaginary part
 */
public record Complex(double real, double imag) {
    /** The imaginary unit, Python's {@code 1j}. */
    public static final Complex I = new Complex(0, 1);

    /** The complex number {@code real + i imag}. */
    public static Complex of(double real, double imag) {
        return new Complex(real, imag);
    }

    /** The absolute value {@code sqrt(real^2 + imag^2)}, without intermediate overflow. */
    public double abs() {
        return Math.hypot(real, imag);
    }

    /** The angle in radians, in {@code (-pi, pi]}. */
    public double arg() {
        return Math.atan2(imag, real);
    }

    /** Printed as Python prints a complex number: {@code (1+2j)}, {@code 2j}, {@code (1-0j)}, {@code (1e-05+infj)}. */
    @Override
    public String toString() {
        if (real == 0 && Double.doubleToRawLongBits(real) == 0) {
            return py(imag) + "j";
        }
        boolean negative = !Double.isNaN(imag) && (imag < 0 || Double.doubleToRawLongBits(imag) == Long.MIN_VALUE);
        return "(" + py(real) + (negative ? "-" : "+") + py(Math.abs(imag)) + "j)";
    }

    /** Python's repr of a float as complex's repr writes a part: no fraction for integral values, 1e-05 and 1e+16. */
    static String py(double v) {
        if (Double.isNaN(v)) {
            return "nan";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "inf" : "-inf";
        }
        if (v == 0) {
            return Double.doubleToRawLongBits(v) == 0 ? "0" : "-0";
        }
        java.math.BigDecimal bd = new java.math.BigDecimal(Double.toString(v)).stripTrailingZeros();
        int exp = bd.precision() - bd.scale() - 1;
        if (exp < -4 || exp >= 16) {
            String digits = bd.unscaledValue().abs().toString();
            String mant = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
            return (v < 0 ? "-" : "") + mant + "e" + (exp < 0 ? "-" : "+") + (Math.abs(exp) < 10 ? "0" : "")
                    + Math.abs(exp);
        }
        return bd.toPlainString();
    }
}
