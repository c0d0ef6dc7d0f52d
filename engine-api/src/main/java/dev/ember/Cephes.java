package dev.ember;

/**
 * The Cephes series PyTorch evaluates for the modified Bessel functions and the inverse normal distribution
 * (aten/src/ATen/native/Math.h: chbevl, calc_i0, calc_i0e, calc_i1, calc_i1e, polevl, calc_ndtri), transcribed with
 * their coefficient tables, once in double and once in float arithmetic (float32 tensors use PyTorch's float
 * instantiation, with its shorter i1 tables). Derived from the Cephes Math Library (3-clause BSD license), as PyTorch's.
 * PyTorch's kernels are compiled with FMA contraction, so the steps {@code a * b + c} (Clenshaw's and Horner's, ndtri's
 * {@code y + y * r}) round once: {@link Math#fma} here, as in {@link CephesBessel}. float64 then matches PyTorch 1.13
 * bit for bit but where the C library's exp and Java's differ by an ulp (CephesFmaTest).
 */
final class Cephes {
    private Cephes() {
    }

    private static float[] toFloat(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }

    private static final double[] I0E_A = {
        -4.41534164647933937950E-18, 3.33079451882223809783E-17, -2.43127984654795469359E-16, 1.71539128555513303061E-15,
        -1.16853328779934516808E-14, 7.67618549860493561688E-14, -4.85644678311192946090E-13, 2.95505266312963983461E-12,
        -1.72682629144155570723E-11, 9.67580903537323691224E-11, -5.18979560163526290666E-10, 2.65982372468238665035E-9,
        -1.30002500998624804212E-8, 6.04699502254191894932E-8, -2.67079385394061173391E-7, 1.11738753912010371815E-6,
        -4.41673835845875056359E-6, 1.64484480707288970893E-5, -5.75419501008210370398E-5, 1.88502885095841655729E-4,
        -5.76375574538582365885E-4, 1.63947561694133579842E-3, -4.32430999505057594430E-3, 1.05464603945949983183E-2,
        -2.37374148058994688156E-2, 4.93052842396707084878E-2, -9.49010970480476444210E-2, 1.71620901522208775349E-1,
        -3.04682672343198398683E-1, 6.76795274409476084995E-1,
    };
    private static final float[] I0E_A_F32 = toFloat(I0E_A);

    private static final double[] I0E_B = {
        -7.23318048787475395456E-18, -4.83050448594418207126E-18, 4.46562142029675999901E-17, 3.46122286769746109310E-17,
        -2.82762398051658348494E-16, -3.42548561967721913462E-16, 1.77256013305652638360E-15, 3.81168066935262242075E-15,
        -9.55484669882830764870E-15, -4.15056934728722208663E-14, 1.54008621752140982691E-14, 3.85277838274214270114E-13,
        7.18012445138366623367E-13, -1.79417853150680611778E-12, -1.32158118404477131188E-11, -3.14991652796324136454E-11,
        1.18891471078464383424E-11, 4.94060238822496958910E-10, 3.39623202570838634515E-9, 2.26666899049817806459E-8,
        2.04891858946906374183E-7, 2.89137052083475648297E-6, 6.88975834691682398426E-5, 3.36911647825569408990E-3,
        8.04490411014108831608E-1,
    };
    private static final float[] I0E_B_F32 = toFloat(I0E_B);

    private static final double[] I1E_A = {
        2.77791411276104639959E-18, -2.11142121435816608115E-17, 1.55363195773620046921E-16, -1.10559694773538630805E-15,
        7.60068429473540693410E-15, -5.04218550472791168711E-14, 3.22379336594557470981E-13, -1.98397439776494371520E-12,
        1.17361862988909016308E-11, -6.66348972350202774223E-11, 3.62559028155211703701E-10, -1.88724975172282928790E-9,
        9.38153738649577178388E-9, -4.44505912879632808065E-8, 2.00329475355213526229E-7, -8.56872026469545474066E-7,
        3.47025130813767847674E-6, -1.32731636560394358279E-5, 4.78156510755005422638E-5, -1.61760815825896745588E-4,
        5.12285956168575772895E-4, -1.51357245063125314899E-3, 4.15642294431288815669E-3, -1.05640848946261981558E-2,
        2.47264490306265168283E-2, -5.29459812080949914269E-2, 1.02643658689847095384E-1, -1.76416518357834055153E-1,
        2.52587186443633654823E-1,
    };
    private static final float[] I1E_A_F32 = toFloat(I1E_A);

    private static final double[] I1E_A_F = {
        9.38153738649577178388E-9, -4.44505912879632808065E-8, 2.00329475355213526229E-7, -8.56872026469545474066E-7,
        3.47025130813767847674E-6, -1.32731636560394358279E-5, 4.78156510755005422638E-5, -1.61760815825896745588E-4,
        5.12285956168575772895E-4, -1.51357245063125314899E-3, 4.15642294431288815669E-3, -1.05640848946261981558E-2,
        2.47264490306265168283E-2, -5.29459812080949914269E-2, 1.02643658689847095384E-1, -1.76416518357834055153E-1,
        2.52587186443633654823E-1,
    };
    private static final float[] I1E_A_F_F32 = toFloat(I1E_A_F);

    private static final double[] I1E_B = {
        7.51729631084210481353E-18, 4.41434832307170791151E-18, -4.65030536848935832153E-17, -3.20952592199342395980E-17,
        2.96262899764595013876E-16, 3.30820231092092828324E-16, -1.88035477551078244854E-15, -3.81440307243700780478E-15,
        1.04202769841288027642E-14, 4.27244001671195135429E-14, -2.10154184277266431302E-14, -4.08355111109219731823E-13,
        -7.19855177624590851209E-13, 2.03562854414708950722E-12, 1.41258074366137813316E-11, 3.25260358301548823856E-11,
        -1.89749581235054123450E-11, -5.58974346219658380687E-10, -3.83538038596423702205E-9, -2.63146884688951950684E-8,
        -2.51223623787020892529E-7, -3.88256480887769039346E-6, -1.10588938762623716291E-4, -9.76109749136146840777E-3,
        7.78576235018280120474E-1,
    };
    private static final float[] I1E_B_F32 = toFloat(I1E_B);

    private static final double[] I1E_B_F = {
        -3.83538038596423702205E-9, -2.63146884688951950684E-8, -2.51223623787020892529E-7, -3.88256480887769039346E-6,
        -1.10588938762623716291E-4, -9.76109749136146840777E-3, 7.78576235018280120474E-1,
    };
    private static final float[] I1E_B_F_F32 = toFloat(I1E_B_F);

    private static final double[] P0 = {
        -5.99633501014107895267E1, 9.80010754185999661536E1, -5.66762857469070293439E1, 1.39312609387279679503E1,
        -1.23916583867381258016E0,
    };
    private static final float[] P0_F32 = toFloat(P0);

    private static final double[] Q0 = {
        1.00000000000000000000E0, 1.95448858338141759834E0, 4.67627912898881538453E0, 8.63602421390890590575E1,
        -2.25462687854119370527E2, 2.00260212380060660359E2, -8.20372256168333339912E1, 1.59056225126211695515E1,
        -1.18331621121330003142E0,
    };
    private static final float[] Q0_F32 = toFloat(Q0);

    private static final double[] P1 = {
        4.05544892305962419923E0, 3.15251094599893866154E1, 5.71628192246421288162E1, 4.40805073893200834700E1,
        1.46849561928858024014E1, 2.18663306850790267539E0, -1.40256079171354495875E-1, -3.50424626827848203418E-2,
        -8.57456785154685413611E-4,
    };
    private static final float[] P1_F32 = toFloat(P1);

    private static final double[] Q1 = {
        1.00000000000000000000E0, 1.57799883256466749731E1, 4.53907635128879210584E1, 4.13172038254672030440E1,
        1.50425385692907503408E1, 2.50464946208309415979E0, -1.42182922854787788574E-1, -3.80806407691578277194E-2,
        -9.33259480895457427372E-4,
    };
    private static final float[] Q1_F32 = toFloat(Q1);

    private static final double[] P2 = {
        3.23774891776946035970E0, 6.91522889068984211695E0, 3.93881025292474443415E0, 1.33303460815807542389E0,
        2.01485389549179081538E-1, 1.23716634817820021358E-2, 3.01581553508235416007E-4, 2.65806974686737550832E-6,
        6.23974539184983293730E-9,
    };
    private static final float[] P2_F32 = toFloat(P2);

    private static final double[] Q2 = {
        1.00000000000000000000E0, 6.02427039364742014255E0, 3.67983563856160859403E0, 1.37702099489081330271E0,
        2.16236993594496635890E-1, 1.34204006088543189037E-2, 3.28014464682127739104E-4, 2.89247864745380683936E-6,
        6.79019408009981274425E-9,
    };
    private static final float[] Q2_F32 = toFloat(Q2);

    // ------------------------------------------------------------------ Chebyshev series

    private static double chbevl(double x, double[] a) {
        double b0 = a[0];
        double b1 = 0;
        double b2 = 0;
        for (int i = 1; i < a.length; i++) {
            b2 = b1;
            b1 = b0;
            b0 = Math.fma(x, b1, -b2) + a[i];
        }
        return 0.5 * (b0 - b2);
    }

    private static float chbevl(float x, float[] a) {
        float b0 = a[0];
        float b1 = 0;
        float b2 = 0;
        for (int i = 1; i < a.length; i++) {
            b2 = b1;
            b1 = b0;
            b0 = Math.fma(x, b1, -b2) + a[i];
        }
        return 0.5f * (b0 - b2);
    }

    private static float expf(float x) {
        return (float) Math.exp(x);
    }

    private static float sqrtf(float x) {
        return (float) Math.sqrt(x);
    }

    // ------------------------------------------------------------------ i0, i0e, i1, i1e

    static double i0(double v) {
        double x = Math.abs(v);
        if (x <= 8.0) {
            return Math.exp(x) * chbevl(x / 2.0 - 2.0, I0E_A);
        }
        return Math.exp(x) * chbevl(32.0 / x - 2.0, I0E_B) / Math.sqrt(x);
    }

    static float i0(float v) {
        float x = Math.abs(v);
        if (x <= 8.0f) {
            return expf(x) * chbevl(x / 2.0f - 2.0f, I0E_A_F32);
        }
        return expf(x) * chbevl(32.0f / x - 2.0f, I0E_B_F32) / sqrtf(x);
    }

    static double i0e(double v) {
        double x = Math.abs(v);
        if (x <= 8.0) {
            return chbevl(x / 2.0 - 2.0, I0E_A);
        }
        return chbevl(32.0 / x - 2.0, I0E_B) / Math.sqrt(x);
    }

    static float i0e(float v) {
        float x = Math.abs(v);
        if (x <= 8.0f) {
            return chbevl(x / 2.0f - 2.0f, I0E_A_F32);
        }
        return chbevl(32.0f / x - 2.0f, I0E_B_F32) / sqrtf(x);
    }

    static double i1(double v) {
        double x = Math.abs(v);
        double out = x <= 8.0 ? Math.exp(x) * x * chbevl(x / 2.0 - 2.0, I1E_A)
                : Math.exp(x) * chbevl(32.0 / x - 2.0, I1E_B) / Math.sqrt(x);
        return v < 0 ? -out : out;
    }

    static float i1(float v) {
        float x = Math.abs(v);
        float out = x <= 8.0f ? expf(x) * x * chbevl(x / 2.0f - 2.0f, I1E_A_F_F32)
                : expf(x) * chbevl(32.0f / x - 2.0f, I1E_B_F_F32) / sqrtf(x);
        return v < 0 ? -out : out;
    }

    static double i1e(double v) {
        double x = Math.abs(v);
        double out = x <= 8.0 ? chbevl(x / 2.0 - 2.0, I1E_A) * x : chbevl(32.0 / x - 2.0, I1E_B) / Math.sqrt(x);
        return v < 0 ? -out : out;
    }

    static float i1e(float v) {
        float x = Math.abs(v);
        float out = x <= 8.0f ? chbevl(x / 2.0f - 2.0f, I1E_A_F_F32) * x : chbevl(32.0f / x - 2.0f, I1E_B_F_F32) / sqrtf(x);
        return v < 0 ? -out : out;
    }

    // ------------------------------------------------------------------ ndtri

    private static double polevl(double x, double[] a) {
        double r = 0;
        for (double c : a) {
            r = Math.fma(r, x, c);
        }
        return r;
    }

    private static float polevl(float x, float[] a) {
        float r = 0;
        for (float c : a) {
            r = Math.fma(r, x, c);
        }
        return r;
    }

    private static final double EXP_M2 = 0.13533528323661269189;
    private static final double S2PI = 2.50662827463100050242E0;

    /** The inverse of the standard normal distribution function: -inf at 0, inf at 1, NaN outside [0, 1]. */
    static double ndtri(double y0) {
        if (y0 == 0) {
            return Double.NEGATIVE_INFINITY;
        }
        if (y0 == 1) {
            return Double.POSITIVE_INFINITY;
        }
        if (y0 < 0 || y0 > 1) {
            return Double.NaN;
        }
        boolean code = true;
        double y = y0;
        if (y > 1 - EXP_M2) {
            y = 1 - y;
            code = false;
        }
        if (y > EXP_M2) {
            y = y - 0.5;
            double y2 = y * y;
            double x = Math.fma(y, y2 * polevl(y2, P0) / polevl(y2, Q0), y);
            return x * S2PI;
        }
        double x = Math.sqrt(-2.0 * Math.log(y));
        double x0 = x - Math.log(x) / x;
        double z = 1 / x;
        double x1 = x < 8.0 ? z * polevl(z, P1) / polevl(z, Q1) : z * polevl(z, P2) / polevl(z, Q2);
        x = x0 - x1;
        return code ? -x : x;
    }

    static float ndtri(float y0) {
        if (y0 == 0) {
            return Float.NEGATIVE_INFINITY;
        }
        if (y0 == 1) {
            return Float.POSITIVE_INFINITY;
        }
        if (y0 < 0 || y0 > 1) {
            return Float.NaN;
        }
        final float expM2 = (float) EXP_M2;
        boolean code = true;
        float y = y0;
        if (y > 1f - expM2) {
            y = 1f - y;
            code = false;
        }
        if (y > expM2) {
            y = y - 0.5f;
            float y2 = y * y;
            float x = Math.fma(y, y2 * polevl(y2, P0_F32) / polevl(y2, Q0_F32), y);
            return x * (float) S2PI;
        }
        // Math.h calls ::sqrt and ::log here, the C library's double functions: float in, double out, rounded once
        float x = (float) Math.sqrt(-2.0 * Math.log(y));
        float x0 = (float) (x - Math.log(x) / x);
        float z = 1f / x;
        float x1 = x < 8.0f ? z * polevl(z, P1_F32) / polevl(z, Q1_F32) : z * polevl(z, P2_F32) / polevl(z, Q2_F32);
        x = x0 - x1;
        return code ? -x : x;
    }
}
