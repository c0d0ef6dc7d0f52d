package dev.ember;

/**
 * The Bessel functions and orthogonal polynomials of {@code torch.special} as PyTorch 2.x's
 * aten/src/ATen/native/Math.h computes them (airy_ai, bessel_j0/j1/y0/y1, modified_bessel_i0/i1/k0/k1,
 * scaled_modified_bessel_k0/k1 and spherical_bessel_j0 from the Cephes Math Library's rational and Chebyshev
 * approximations, 3-clause BSD license, as PyTorch's; the Chebyshev T/U/V/W, shifted Chebyshev, Hermite H and He,
 * Laguerre L and Legendre P polynomials by their three-term recurrences and trigonometric forms), transcribed once in
 * double and once in float arithmetic (float32 tensors use PyTorch's float instantiation; the two spots where
 * Math.h's float code mixes in a double, k0's {@code std::log(0.5 * x)} and airy_ai's {@code M_PI}, run in double
 * as there). PyTorch 2.x's changes to 1.13's code are kept: the recurrences stop at a NaN, and the Hermite
 * polynomials give NaN above degree 128 (float) or 512 (double).
 *
 * <p>The multiply-adds PyTorch's compiled kernels fuse (its CPU kernels are built for AVX2 with FMA, and GCC contracts
 * {@code a * b + c}) are {@link Math#fma} here: Horner's and Clenshaw's steps, the recurrences, and the final
 * combinations of the Bessel functions. With them the results match PyTorch 1.13's bit for bit in float64 and within one
 * ulp in float32 (libm's float functions) on SpecialBesselTest's grids; without them the cancellations (a polynomial
 * near a root, airy_ai's series) differed by up to tens of ulps.
 */
final class CephesBessel {
    private CephesBessel() {
    }

    private static float[] toFloat(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }

    private static final double EPS_D = Math.ulp(1.0);
    private static final float EPS_F = Math.ulp(1.0f);
    /** Math.h's getHermitianLimit: the largest degree the Hermite recurrences run to (NaN above). */
    private static final long HERMITE_LIMIT_D = 512;
    private static final long HERMITE_LIMIT_F = 128;

    /**
     * The degree a polynomial kernel reads from {@code n} in the computation type: C++'s {@code static_cast<int64_t>}
     * (truncation; NaN, the infinities and values out of range give x86's {@code INT64_MIN}, so the polynomial is 0,
     * as 2.x's hermite_polynomial_h maps them to -1 on purpose).
     */
    static long degree(double n) {
        if (Double.isNaN(n) || n >= 0x1p63 || n < -0x1p63) {
            return Long.MIN_VALUE;
        }
        return (long) n;
    }

    private static float sqrtf(float x) {
        return (float) Math.sqrt(x);
    }

    private static float expf(float x) {
        return (float) Math.exp(x);
    }

    private static float logf(float x) {
        return (float) Math.log(x);
    }

    private static float sinf(float x) {
        return (float) Math.sin(x);
    }

    private static float cosf(float x) {
        return (float) Math.cos(x);
    }

    private static float acosf(float x) {
        return (float) Math.acos(x);
    }

    // ------------------------------------------------------------------ Math.h's coefficient tables

    private static final double[] AIRY_AN = {
        3.46538101525629032477e-01, 1.20075952739645805542e+01, 7.62796053615234516538e+01, 1.68089224934630576269e+02,
        1.59756391350164413639e+02, 7.05360906840444183113e+01, 1.40264691163389668864e+01, 9.99999999999999995305e-01,
    };
    private static final double[] AIRY_AD = {
        5.67594532638770212846e-01, 1.47562562584847203173e+01, 8.45138970141474626562e+01, 1.77318088145400459522e+02,
        1.64234692871529701831e+02, 7.14778400825575695274e+01, 1.40959135607834029598e+01, 1.00000000000000000470e+00,
    };
    private static final double[] AIRY_AFN = {
        -1.31696323418331795333e-01, -6.26456544431912369773e-01, -6.93158036036933542233e-01, -2.79779981545119124951e-01,
        -4.91900132609500318020e-02, -4.06265923594885404393e-03, -1.59276496239262096340e-04, -2.77649108155232920844e-06,
        -1.67787698489114633780e-08,
    };
    private static final double[] AIRY_AFD = {
        1.33560420706553243746e+01, 3.26825032795224613948e+01, 2.67367040941499554804e+01, 9.18707402907259625840e+00,
        1.47529146771666414581e+00, 1.15687173795188044134e-01, 4.40291641615211203805e-03, 7.54720348287414296618e-05,
        4.51850092970580378464e-07,
    };
    private static final double[] AIRY_AGN = {
        1.97339932091685679179e-02, 3.91103029615688277255e-01, 1.06579897599595591108e+00, 9.39169229816650230044e-01,
        3.51465656105547619242e-01, 6.33888919628925490927e-02, 5.85804113048388458567e-03, 2.82851600836737019778e-04,
        6.98793669997260967291e-06, 8.11789239554389293311e-08, 3.41551784765923618484e-10,
    };
    private static final double[] AIRY_AGD = {
        9.30892908077441974853e+00, 1.98352928718312140417e+01, 1.55646628932864612953e+01, 5.47686069422975497931e+00,
        9.54293611618961883998e-01, 8.64580826352392193095e-02, 4.12656523824222607191e-03, 1.01259085116509135510e-04,
        1.17166733214413521882e-06, 4.91834570062930015649e-09,
    };
    private static final double[] J0_PP = {
        7.96936729297347051624e-04, 8.28352392107440799803e-02, 1.23953371646414299388e+00, 5.44725003058768775090e+00,
        8.74716500199817011941e+00, 5.30324038235394892183e+00, 9.99999999999999997821e-01,
    };
    private static final double[] J0_PQ = {
        9.24408810558863637013e-04, 8.56288474354474431428e-02, 1.25352743901058953537e+00, 5.47097740330417105182e+00,
        8.76190883237069594232e+00, 5.30605288235394617618e+00, 1.00000000000000000218e+00,
    };
    private static final double[] J0_QP = {
        -1.13663838898469149931e-02, -1.28252718670509318512e+00, -1.95539544257735972385e+01, -9.32060152123768231369e+01,
        -1.77681167980488050595e+02, -1.47077505154951170175e+02, -5.14105326766599330220e+01, -6.05014350600728481186e+00,
    };
    private static final double[] J0_QQ = {
        6.43178256118178023184e+01, 8.56430025976980587198e+02, 3.88240183605401609683e+03, 7.24046774195652478189e+03,
        5.93072701187316984827e+03, 2.06209331660327847417e+03, 2.42005740240291393179e+02,
    };
    private static final double[] J0_RP = {
        -4.79443220978201773821e+09, 1.95617491946556577543e+12, -2.49248344360967716204e+14, 9.70862251047306323952e+15,
    };
    private static final double[] J0_RQ = {
        4.99563147152651017219e+02, 1.73785401676374683123e+05, 4.84409658339962045305e+07, 1.11855537045356834862e+10,
        2.11277520115489217587e+12, 3.10518229857422583814e+14, 3.18121955943204943306e+16, 1.71086294081043136091e+18,
    };
    private static final double[] J1_PP = {
        7.62125616208173112003e-04, 7.31397056940917570436e-02, 1.12719608129684925192e+00, 5.11207951146807644818e+00,
        8.42404590141772420927e+00, 5.21451598682361504063e+00, 1.00000000000000000254e+00,
    };
    private static final double[] J1_PQ = {
        5.71323128072548699714e-04, 6.88455908754495404082e-02, 1.10514232634061696926e+00, 5.07386386128601488557e+00,
        8.39985554327604159757e+00, 5.20982848682361821619e+00, 9.99999999999999997461e-01,
    };
    private static final double[] J1_QP = {
        5.10862594750176621635e-02, 4.98213872951233449420e+00, 7.58238284132545283818e+01, 3.66779609360150777800e+02,
        7.10856304998926107277e+02, 5.97489612400613639965e+02, 2.11688757100572135698e+02, 2.52070205858023719784e+01,
    };
    private static final double[] J1_QQ = {
        7.42373277035675149943e+01, 1.05644886038262816351e+03, 4.98641058337653607651e+03, 9.56231892404756170795e+03,
        7.99704160447350683650e+03, 2.82619278517639096600e+03, 3.36093607810698293419e+02,
    };
    private static final double[] J1_RP = {
        -8.99971225705559398224e+08, 4.52228297998194034323e+11, -7.27494245221818276015e+13, 3.68295732863852883286e+15,
    };
    private static final double[] J1_RQ = {
        6.20836478118054335476e+02, 2.56987256757748830383e+05, 8.35146791431949253037e+07, 2.21511595479792499675e+10,
        4.74914122079991414898e+12, 7.84369607876235854894e+14, 8.95222336184627338078e+16, 5.32278620332680085395e+18,
    };
    private static final double[] Y0_YP = {
        1.55924367855235737965e+04, -1.46639295903971606143e+07, 5.43526477051876500413e+09, -9.82136065717911466409e+11,
        8.75906394395366999549e+13, -3.46628303384729719441e+15, 4.42733268572569800351e+16, -1.84950800436986690637e+16,
    };
    private static final double[] Y0_YQ = {
        1.04128353664259848412e+03, 6.26107330137134956842e+05, 2.68919633393814121987e+08, 8.64002487103935000337e+10,
        2.02979612750105546709e+13, 3.17157752842975028269e+15, 2.50596256172653059228e+17,
    };
    private static final double[] Y1_YP = {
        1.26320474790178026440e+09, -6.47355876379160291031e+11, 1.14509511541823727583e+14, -8.12770255501325109621e+15,
        2.02439475713594898196e+17, -7.78877196265950026825e+17,
    };
    private static final double[] Y1_YQ = {
        5.94301592346128195359e+02, 2.35564092943068577943e+05, 7.34811944459721705660e+07, 1.87601316108706159478e+10,
        3.88231277496238566008e+12, 6.20557727146953693363e+14, 6.87141087355300489866e+16, 3.97270608116560655612e+18,
    };
    private static final double[] I0_A = {
        -4.41534164647933937950e-18, 3.33079451882223809783e-17, -2.43127984654795469359e-16, 1.71539128555513303061e-15,
        -1.16853328779934516808e-14, 7.67618549860493561688e-14, -4.85644678311192946090e-13, 2.95505266312963983461e-12,
        -1.72682629144155570723e-11, 9.67580903537323691224e-11, -5.18979560163526290666e-10, 2.65982372468238665035e-09,
        -1.30002500998624804212e-08, 6.04699502254191894932e-08, -2.67079385394061173391e-07, 1.11738753912010371815e-06,
        -4.41673835845875056359e-06, 1.64484480707288970893e-05, -5.75419501008210370398e-05, 1.88502885095841655729e-04,
        -5.76375574538582365885e-04, 1.63947561694133579842e-03, -4.32430999505057594430e-03, 1.05464603945949983183e-02,
        -2.37374148058994688156e-02, 4.93052842396707084878e-02, -9.49010970480476444210e-02, 1.71620901522208775349e-01,
        -3.04682672343198398683e-01, 6.76795274409476084995e-01,
    };
    private static final double[] I0_B = {
        -7.23318048787475395456e-18, -4.83050448594418207126e-18, 4.46562142029675999901e-17, 3.46122286769746109310e-17,
        -2.82762398051658348494e-16, -3.42548561967721913462e-16, 1.77256013305652638360e-15, 3.81168066935262242075e-15,
        -9.55484669882830764870e-15, -4.15056934728722208663e-14, 1.54008621752140982691e-14, 3.85277838274214270114e-13,
        7.18012445138366623367e-13, -1.79417853150680611778e-12, -1.32158118404477131188e-11, -3.14991652796324136454e-11,
        1.18891471078464383424e-11, 4.94060238822496958910e-10, 3.39623202570838634515e-09, 2.26666899049817806459e-08,
        2.04891858946906374183e-07, 2.89137052083475648297e-06, 6.88975834691682398426e-05, 3.36911647825569408990e-03,
        8.04490411014108831608e-01,
    };
    private static final double[] I1_A = {
        2.77791411276104639959e-18, -2.11142121435816608115e-17, 1.55363195773620046921e-16, -1.10559694773538630805e-15,
        7.60068429473540693410e-15, -5.04218550472791168711e-14, 3.22379336594557470981e-13, -1.98397439776494371520e-12,
        1.17361862988909016308e-11, -6.66348972350202774223e-11, 3.62559028155211703701e-10, -1.88724975172282928790e-09,
        9.38153738649577178388e-09, -4.44505912879632808065e-08, 2.00329475355213526229e-07, -8.56872026469545474066e-07,
        3.47025130813767847674e-06, -1.32731636560394358279e-05, 4.78156510755005422638e-05, -1.61760815825896745588e-04,
        5.12285956168575772895e-04, -1.51357245063125314899e-03, 4.15642294431288815669e-03, -1.05640848946261981558e-02,
        2.47264490306265168283e-02, -5.29459812080949914269e-02, 1.02643658689847095384e-01, -1.76416518357834055153e-01,
        2.52587186443633654823e-01,
    };
    private static final double[] I1_B = {
        7.51729631084210481353e-18, 4.41434832307170791151e-18, -4.65030536848935832153e-17, -3.20952592199342395980e-17,
        2.96262899764595013876e-16, 3.30820231092092828324e-16, -1.88035477551078244854e-15, -3.81440307243700780478e-15,
        1.04202769841288027642e-14, 4.27244001671195135429e-14, -2.10154184277266431302e-14, -4.08355111109219731823e-13,
        -7.19855177624590851209e-13, 2.03562854414708950722e-12, 1.41258074366137813316e-11, 3.25260358301548823856e-11,
        -1.89749581235054123450e-11, -5.58974346219658380687e-10, -3.83538038596423702205e-09, -2.63146884688951950684e-08,
        -2.51223623787020892529e-07, -3.88256480887769039346e-06, -1.10588938762623716291e-04, -9.76109749136146840777e-03,
        7.78576235018280120474e-01,
    };
    private static final double[] K0_A = {
        1.37446543561352307156e-16, 4.25981614279661018399e-14, 1.03496952576338420167e-11, 1.90451637722020886025e-09,
        2.53479107902614945675e-07, 2.28621210311945178607e-05, 1.26461541144692592338e-03, 3.59799365153615016266e-02,
        3.44289899924628486886e-01, -5.35327393233902768720e-01,
    };
    private static final double[] K0_B = {
        5.30043377268626276149e-18, -1.64758043015242134646e-17, 5.21039150503902756861e-17, -1.67823109680541210385e-16,
        5.51205597852431940784e-16, -1.84859337734377901440e-15, 6.34007647740507060557e-15, -2.22751332699166985548e-14,
        8.03289077536357521100e-14, -2.98009692317273043925e-13, 1.14034058820847496303e-12, -4.51459788337394416547e-12,
        1.85594911495471785253e-11, -7.95748924447710747776e-11, 3.57739728140030116597e-10, -1.69753450938905987466e-09,
        8.57403401741422608519e-09, -4.66048989768794782956e-08, 2.76681363944501510342e-07, -1.83175552271911948767e-06,
        1.39498137188764993662e-05, -1.28495495816278026384e-04, 1.56988388573005337491e-03, -3.14481013119645005427e-02,
        2.44030308206595545468e+00,
    };
    private static final double[] K1_A = {
        -7.02386347938628759343e-18, -2.42744985051936593393e-15, -6.66690169419932900609e-13, -1.41148839263352776110e-10,
        -2.21338763073472585583e-08, -2.43340614156596823496e-06, -1.73028895751305206302e-04, -6.97572385963986435018e-03,
        -1.22611180822657148235e-01, -3.53155960776544875667e-01, 1.52530022733894777053e+00,
    };
    private static final double[] K1_B = {
        -5.75674448366501715755e-18, 1.79405087314755922667e-17, -5.68946255844285935196e-17, 1.83809354436663880070e-16,
        -6.05704724837331885336e-16, 2.03870316562433424052e-15, -7.01983709041831346144e-15, 2.47715442448130437068e-14,
        -8.97670518232499435011e-14, 3.34841966607842919884e-13, -1.28917396095102890680e-12, 5.13963967348173025100e-12,
        -2.12996783842756842877e-11, 9.21831518760500529508e-11, -4.19035475934189648750e-10, 2.01504975519703286596e-09,
        -1.03457624656780970260e-08, 5.74108412545004946722e-08, -3.50196060308781257119e-07, 2.40648494783721712015e-06,
        -1.93619797416608296024e-05, 1.95215518471351631108e-04, -2.85781685962277938680e-03, 1.03923736576817238437e-01,
        2.72062619048444266945e+00,
    };

    private static final float[] AIRY_AN_F = toFloat(AIRY_AN);
    private static final float[] AIRY_AD_F = toFloat(AIRY_AD);
    private static final float[] AIRY_AFN_F = toFloat(AIRY_AFN);
    private static final float[] AIRY_AFD_F = toFloat(AIRY_AFD);
    private static final float[] AIRY_AGN_F = toFloat(AIRY_AGN);
    private static final float[] AIRY_AGD_F = toFloat(AIRY_AGD);
    private static final float[] J0_PP_F = toFloat(J0_PP);
    private static final float[] J0_PQ_F = toFloat(J0_PQ);
    private static final float[] J0_QP_F = toFloat(J0_QP);
    private static final float[] J0_QQ_F = toFloat(J0_QQ);
    private static final float[] J0_RP_F = toFloat(J0_RP);
    private static final float[] J0_RQ_F = toFloat(J0_RQ);
    private static final float[] J1_PP_F = toFloat(J1_PP);
    private static final float[] J1_PQ_F = toFloat(J1_PQ);
    private static final float[] J1_QP_F = toFloat(J1_QP);
    private static final float[] J1_QQ_F = toFloat(J1_QQ);
    private static final float[] J1_RP_F = toFloat(J1_RP);
    private static final float[] J1_RQ_F = toFloat(J1_RQ);
    private static final float[] Y0_YP_F = toFloat(Y0_YP);
    private static final float[] Y0_YQ_F = toFloat(Y0_YQ);
    private static final float[] Y1_YP_F = toFloat(Y1_YP);
    private static final float[] Y1_YQ_F = toFloat(Y1_YQ);
    private static final float[] I0_A_F = toFloat(I0_A);
    private static final float[] I0_B_F = toFloat(I0_B);
    private static final float[] I1_A_F = toFloat(I1_A);
    private static final float[] I1_B_F = toFloat(I1_B);
    private static final float[] K0_A_F = toFloat(K0_A);
    private static final float[] K0_B_F = toFloat(K0_B);
    private static final float[] K1_A_F = toFloat(K1_A);
    private static final float[] K1_B_F = toFloat(K1_B);

    // ------------------------------------------------------------------ float64

    static double polevlD(double x, double[] a) {
        double r = 0.0;
        for (double c : a) {
            r = Math.fma(r, x, c);
        }
        return r;
    }

    /** The Chebyshev sum of Math.h's Bessel functions (Clenshaw: {@code 0.5 * (b0 - b2)}). */
    static double chebD(double y, double[] a) {
        double p = 0.0;
        double q = 0.0;
        double s = a[0];
        for (int i = 1; i < a.length; i++) {
            p = q;
            q = s;
            s = Math.fma(y, q, -p) + a[i];
        }
        return 0.5 * (s - p);
    }

    static double airyAi(double x) {
        if (Double.isInfinite(x)) {
            return Double.NaN;
        }
        if (x > 103.892) {
            return 0.0;
        }
        int domainFlag = 0;
        double ai = 0.0;
        if (x < -2.09) {
            double z = 1.0 / (-2.0 * x * Math.sqrt(-x) / 3.0);
            double zz = z * z;
            double afn = polevlD(zz, AIRY_AFN);
            double afd = polevlD(zz, AIRY_AFD);
            double agn = polevlD(zz, AIRY_AGN);
            double agd = polevlD(zz, AIRY_AGD);
            double t = -2.0 * x * Math.sqrt(-x) / 3.0 + 0.25 * Math.PI;
            return 5.64189583547756286948e-01 / Math.sqrt(Math.sqrt(-x))
                    * Math.fma(Math.sin(t), 1.0 + z * z * afn / afd, -(Math.cos(t) * (z * agn / agd)));
        }
        if (x >= 2.09) {
            domainFlag = 5;
            double zeta = 2.0 * x * Math.sqrt(x) / 3.0;
            double an = polevlD(1.0 / zeta, AIRY_AN);
            double ad = polevlD(1.0 / zeta, AIRY_AD);
            ai = 5.64189583547756286948e-01 * (an / ad) / (2.0 * Math.sqrt(Math.sqrt(x)) * Math.exp(zeta));
            if (x > 8.3203353) {
                return ai;
            }
        }
        double f = 1.0;
        double g = x;
        double k = 1.0;
        double m = 1.0;
        double n = x;
        double t = 1.0;
        double z = x * x * x;
        while (t > EPS_D) {
            m *= z;
            k += 1.0;
            m /= k;
            n *= z;
            k += 1.0;
            n /= k;
            m /= k;
            f += m;
            k += 1.0;
            n /= k;
            g += n;
            t = Math.abs(m / f);
        }
        if ((domainFlag & 1) == 0) {
            return Math.fma(0.355028053887817239260, f, -(0.258819403792806798405 * g));
        }
        return ai;
    }

    static double besselJ0(double x) {
        if (x < 0.0) {
            x = -x;
        }
        if (x <= 5.0) {
            if (x < 0.00001) {
                return 1.0 - x * x / 4.0;
            }
            double rp = polevlD(x * x, J0_RP);
            double rq = polevlD(x * x, J0_RQ);
            return (x * x - 5.78318596294678452118e+00) * (x * x - 3.04712623436620863991e+01) * rp / rq;
        }
        double w = 25.0 / (x * x);
        double pp = polevlD(w, J0_PP);
        double pq = polevlD(w, J0_PQ);
        double qp = polevlD(w, J0_QP);
        double qq = polevlD(w, J0_QQ);
        return Math.fma(pp / pq, Math.cos(x - 0.785398163397448309615660845819875721),
                -(5.0 / x * (qp / qq) * Math.sin(x - 0.785398163397448309615660845819875721)))
                * 0.797884560802865355879892119868763737 / Math.sqrt(x);
    }

    static double besselJ1(double x) {
        if (x < 0.0) {
            return -besselJ1(-x);
        }
        if (x <= 5.0) {
            double rp = polevlD(x * x, J1_RP);
            double rq = polevlD(x * x, J1_RQ);
            return rp / rq * x * (x * x - 1.46819706421238932572e+01) * (x * x - 4.92184563216946036703e+01);
        }
        double w = 5.0 / x * (5.0 / x);
        double pp = polevlD(w, J1_PP);
        double pq = polevlD(w, J1_PQ);
        double qp = polevlD(w, J1_QP);
        double qq = polevlD(w, J1_QQ);
        return Math.fma(pp / pq, Math.cos(x - 2.356194490192344928846982537459627163),
                -(5.0 / x * (qp / qq) * Math.sin(x - 2.356194490192344928846982537459627163)))
                * 0.797884560802865355879892119868763737 / Math.sqrt(x);
    }

    static double besselY0(double x) {
        if (x <= 5.0) {
            if (x == 0.0) {
                return Double.NEGATIVE_INFINITY;
            }
            if (x < 0.0) {
                return Double.NaN;
            }
            double yp = polevlD(x * x, Y0_YP);
            double yq = polevlD(x * x, Y0_YQ);
            return Math.fma(0.636619772367581343075535053490057448 * Math.log(x), besselJ0(x), yp / yq);
        }
        double w = 25.0 / (x * x);
        double pp = polevlD(w, J0_PP);
        double pq = polevlD(w, J0_PQ);
        double qp = polevlD(w, J0_QP);
        double qq = polevlD(w, J0_QQ);
        return Math.fma(pp / pq, Math.sin(x - 0.785398163397448309615660845819875721),
                (5.0 / x * (qp / qq) * Math.cos(x - 0.785398163397448309615660845819875721)))
                * 0.797884560802865355879892119868763737 / Math.sqrt(x);
    }

    static double besselY1(double x) {
        if (x <= 5.0) {
            if (x == 0.0) {
                return Double.NEGATIVE_INFINITY;
            }
            if (x <= 0.0) {
                return Double.NaN;
            }
            double yp = polevlD(x * x, Y1_YP);
            double yq = polevlD(x * x, Y1_YQ);
            return Math.fma(0.636619772367581343075535053490057448, Math.fma(besselJ1(x), Math.log(x), -(1.0 / x)), x * (yp / yq));
        }
        double w = 5.0 / x * (5.0 / x);
        double pp = polevlD(w, J1_PP);
        double pq = polevlD(w, J1_PQ);
        double qp = polevlD(w, J1_QP);
        double qq = polevlD(w, J1_QQ);
        return Math.fma(pp / pq, Math.sin(x - 2.356194490192344928846982537459627163),
                (5.0 / x * (qp / qq) * Math.cos(x - 2.356194490192344928846982537459627163)))
                * 0.797884560802865355879892119868763737 / Math.sqrt(x);
    }

    static double modifiedBesselI0(double x) {
        if (Math.abs(x) <= 8.0) {
            return Math.exp(Math.abs(x)) * chebD(Math.abs(x) / 2.0 - 2.0, I0_A);
        }
        return Math.exp(Math.abs(x)) * chebD(32.0 / Math.abs(x) - 2.0, I0_B) / Math.sqrt(Math.abs(x));
    }

    static double modifiedBesselI1(double x) {
        if (Math.abs(x) <= 8.0) {
            double r = chebD(Math.abs(x) / 2.0 - 2.0, I1_A) * Math.abs(x) * Math.exp(Math.abs(x));
            return x < 0.0 ? -r : r;
        }
        double r = Math.exp(Math.abs(x)) * chebD(32.0 / Math.abs(x) - 2.0, I1_B) / Math.sqrt(Math.abs(x));
        return x < 0.0 ? -r : r;
    }

    static double modifiedBesselK0(double x) {
        if (x == 0.0) {
            return Double.POSITIVE_INFINITY;
        }
        if (x < 0.0) {
            return Double.NaN;
        }
        if (x <= 2.0) {
            return chebD(x * x - 2.0, K0_A) - Math.log(0.5 * x) * modifiedBesselI0(x);
        }
        return Math.exp(-x) * chebD(8.0 / x - 2.0, K0_B) / Math.sqrt(x);
    }

    static double modifiedBesselK1(double x) {
        if (x == 0.0) {
            return Double.POSITIVE_INFINITY;
        }
        if (x < 0.0) {
            return Double.NaN;
        }
        if (x <= 2.0) {
            return Math.log(0.5 * x) * modifiedBesselI1(x) + chebD(x * x - 2.0, K1_A) / x;
        }
        return Math.exp(-x) * chebD(8.0 / x - 2.0, K1_B) / Math.sqrt(x);
    }

    static double scaledModifiedBesselK0(double x) {
        if (x == 0.0) {
            return Double.POSITIVE_INFINITY;
        }
        if (x < 0.0) {
            return Double.NaN;
        }
        if (x <= 2.0) {
            return (chebD(x * x - 2.0, K0_A) - Math.log(0.5 * x) * modifiedBesselI0(x)) * Math.exp(x);
        }
        return chebD(8.0 / x - 2.0, K0_B) / Math.sqrt(x);
    }

    static double scaledModifiedBesselK1(double x) {
        if (x == 0.0) {
            return Double.POSITIVE_INFINITY;
        }
        if (x < 0.0) {
            return Double.NaN;
        }
        if (x <= 2.0) {
            return (Math.log(0.5 * x) * modifiedBesselI1(x) + chebD(x * x - 2.0, K1_A) / x) * Math.exp(x);
        }
        return chebD(8.0 / x - 2.0, K1_B) / Math.sqrt(x);
    }

    static double sphericalBesselJ0(double x) {
        if (Double.isInfinite(x)) {
            return 0.0;
        }
        if (Math.abs(x) < 0.5) {
            return 1.0 + x * x * (-1.0 / 6.0 + x * x * (1.0 / 120.0 + x * x * (-1.0 / 5040.0 + x * x * (1.0 / 362880.0
                    + x * x * (-1.0 / 39916800.0 + x * x * (1.0 / 6227020800.0))))));
        }
        return Math.sin(x) / x;
    }

    static double chebyshevT(double x, long n) {
        if (n < 0) {
            return 0.0;
        }
        if (Math.abs(x) == 1.0) {
            if (x > 0.0 || n % 2 == 0) {
                return 1.0;
            }
            return -1.0;
        }
        if (n > 6 && Math.abs(x) < 1.0) {
            return Math.cos(n * Math.acos(x));
        }
        if (n == 0) {
            return 1.0;
        }
        if (n == 1) {
            return x;
        }
        return recurrenceD(x + x, 1.0, x, n);
    }

    /** {@code r = c q - p} from k = 2 to n (Math.h's loop, which 2.x stops at a NaN), the last r (q if none ran). */
    static double recurrenceD(double c, double p, double q, long n) {
        double r = q;
        for (long k = 2; k <= n && !Double.isNaN(q); k++) {
            r = Math.fma(c, q, -p);
            p = q;
            q = r;
        }
        return r;
    }

    static double chebyshevU(double x, long n) {
        if (n < 0) {
            return 0.0;
        }
        if (Math.abs(x) == 1.0) {
            if (x > 0.0 || n % 2 == 0) {
                return n + 1;
            }
            return -(n + 1);
        }
        if (n > 8 && Math.abs(x) < 1.0) {
            if (Math.sin(Math.acos(x)) != 0.0) {
                return Math.sin((n + 1) * Math.acos(x)) / Math.sin(Math.acos(x));
            }
            return (n + 1) * Math.cos((n + 1) * Math.acos(x)) / x;
        }
        if (n == 0) {
            return 1.0;
        }
        if (n == 1) {
            return x + x;
        }
        return recurrenceD(x + x, 1.0, x + x, n);
    }

    static double chebyshevV(double x, long n) {
        if (n < 0) {
            return 0.0;
        }
        if (Math.abs(x) == 1.0) {
            if (x > 0.0) {
                return 1.0;
            }
            if (n % 2 == 0) {
                return n + n + 1;
            }
            return -(n + n + 1);
        }
        if (n > 8 && Math.abs(x) < 1.0) {
            if (Math.sin(Math.acos(x) / 2.0) != 1.0) {
                return Math.cos((n + 0.5) * Math.acos(x)) / Math.cos(Math.acos(x) / 2.0);
            }
            if (n % 2 == 0) {
                return n + n + 1;
            }
            return -(n + n + 1);
        }
        if (n == 0) {
            return 1.0;
        }
        if (n == 1) {
            return x + x - 1.0;
        }
        return recurrenceD(x + x, 1.0, x + x - 1.0, n);
    }

    static double chebyshevW(double x, long n) {
        if (n < 0) {
            return 0.0;
        }
        if (Math.abs(x) == 1.0) {
            if (x > 0.0) {
                return n + n + 1;
            }
            if (n % 2 == 0) {
                return 1.0;
            }
            return -1.0;
        }
        if (n > 8 && Math.abs(x) < 1.0) {
            if (Math.cos(Math.acos(x) / 2.0) != 1.0) {
                return Math.sin((n + 0.5) * Math.acos(x)) / Math.sin(Math.acos(x) / 2.0);
            }
            if (x > 0.0) {
                return n + n + 1;
            }
            if (n % 2 == 0) {
                return 1.0;
            }
            return -1.0;
        }
        if (n == 0) {
            return 1.0;
        }
        if (n == 1) {
            return x + x + 1.0;
        }
        return recurrenceD(x + x, 1.0, x + x + 1.0, n);
    }

    static double shiftedChebyshevT(double x, long n) {
        if (n < 0) {
            return 0.0;
        }
        if (x == 1.0) {
            return 1.0;
        }
        if (x == 0.0) {
            if (n % 2 == 0) {
                return 1.0;
            }
            return -1.0;
        }
        double y = x + x - 1.0;
        if (n > 6 && Math.abs(y) < 1.0) {
            return Math.cos(n * Math.acos(y));
        }
        if (n == 0) {
            return 1.0;
        }
        if (n == 1) {
            return y;
        }
        return recurrenceD(y + y, 1.0, y, n);
    }

    static double shiftedChebyshevU(double x, long n) {
        if (n < 0) {
            return 0.0;
        }
        if (x == 1.0) {
            return n + 1;
        }
        if (x == 0.0) {
            if (n % 2 == 0) {
                return n + 1;
            }
            return -(n + 1);
        }
        double y = x + x - 1.0;
        if (n > 6 && Math.abs(y) < 1.0) {
            if (Math.sin(Math.acos(y)) != 0.0) {
                return Math.sin((n + 1) * Math.acos(y)) / Math.sin(Math.acos(y));
            }
            return (n + 1) * Math.cos((n + 1) * Math.acos(y)) / y;
        }
        if (n == 0) {
            return 1.0;
        }
        if (n == 1) {
            return y + y;
        }
        return recurrenceD(y + y, 1.0, y + y, n);
    }

    static double shiftedChebyshevV(double x, long n) {
        if (n < 0) {
            return 0.0;
        }
        if (x == 1.0) {
            return 1.0;
        }
        if (x == 0.0) {
            if (n % 2 == 0) {
                return n + n + 1;
            }
            return -(n + n + 1);
        }
        double y = x + x - 1.0;
        if (n > 6 && Math.abs(y) < 1.0) {
            if (Math.sin(Math.acos(y) / 2.0) != 1.0) {
                return Math.cos((n + 0.5) * Math.acos(y)) / Math.cos(Math.acos(y) / 2.0);
            }
            if (n % 2 == 0) {
                return n + n + 1;
            }
            return -(n + n + 1);
        }
        if (n == 0) {
            return 1.0;
        }
        if (n == 1) {
            return y + y - 1.0;
        }
        return recurrenceD(y + y, 1.0, y + y - 1.0, n);
    }

    static double shiftedChebyshevW(double x, long n) {
        if (n < 0) {
            return 0.0;
        }
        if (x == 1.0) {
            return n + n + 1;
        }
        if (x == 0.0) {
            if (n % 2 == 0) {
                return 1.0;
            }
            return -1.0;
        }
        double y = x + x - 1.0;
        if (n > 4 && Math.abs(y) < 1.0) {
            if (Math.cos(Math.acos(y) / 2.0) != 1.0) {
                return Math.sin((n + 0.5) * Math.acos(y)) / Math.sin(Math.acos(y) / 2.0);
            }
            if (n % 2 == 0) {
                return 1.0;
            }
            return -1.0;
        }
        if (n == 0) {
            return 1.0;
        }
        if (n == 1) {
            return y + y + 1.0;
        }
        return recurrenceD(y + y, 1.0, y + y + 1.0, n);
    }

    static double hermiteH(double x, long n) {
        if (n < 0) {
            return 0.0;
        }
        if (n == 0) {
            return 1.0;
        }
        if (n == 1) {
            return x + x;
        }
        if (n > HERMITE_LIMIT_D) {
            return Double.NaN;
        }
        double p = 1.0;
        double q = x + x;
        double r = 0.0;
        for (long k = 2; k < n + n; k += 2) {
            r = Math.fma(x + x, q, -(k * p));
            p = q;
            q = r;
        }
        return r;
    }

    static double hermiteHe(double x, long n) {
        if (n < 0) {
            return 0.0;
        }
        if (n == 0) {
            return 1.0;
        }
        if (n == 1) {
            return x;
        }
        if (n > HERMITE_LIMIT_D) {
            return Double.NaN;
        }
        double p = 1.0;
        double q = x;
        double r = 0.0;
        for (long k = 1; k < n; k++) {
            r = Math.fma(x, q, -(k * p));
            p = q;
            q = r;
        }
        return r;
    }

    static double laguerreL(double x, long n) {
        if (n < 0) {
            return 0.0;
        }
        if (Math.abs(x) == 0.0) {
            return 1.0;
        }
        if (n == 0) {
            return 1.0;
        }
        if (n == 1) {
            return 1.0 - x;
        }
        double p = 1.0;
        double q = 1.0 - x;
        double r = q;
        for (long k = 1; k < n && !Double.isNaN(q); k++) {
            r = Math.fma((k + k) + (1.0 - x), q, -(k * p)) / (k + 1);
            p = q;
            q = r;
        }
        return r;
    }

    static double legendreP(double x, long n) {
        if (n < 0) {
            return 0.0;
        }
        if (Math.abs(x) == 1.0) {
            if (x > 0.0 || n % 2 == 0) {
                return 1.0;
            }
            return -1.0;
        }
        if (n == 0) {
            return 1.0;
        }
        if (n == 1) {
            return x;
        }
        double p = 1.0;
        double q = x;
        double r = q;
        for (long k = 1; k < n && !Double.isNaN(q); k++) {
            r = Math.fma((k + k + 1) * x, q, -(k * p)) / (k + 1);
            p = q;
            q = r;
        }
        return r;
    }

    // ------------------------------------------------------------------ float32: the same in float arithmetic (PyTorch's float instantiation)

    static float polevlF(float x, float[] a) {
        float r = 0.0f;
        for (float c : a) {
            r = Math.fma(r, x, c);
        }
        return r;
    }

    /** The float Chebyshev sum of Math.h's Bessel functions (Clenshaw: {@code 0.5f * (b0 - b2)}). */
    static float chebF(float y, float[] a) {
        float p = 0.0f;
        float q = 0.0f;
        float s = a[0];
        for (int i = 1; i < a.length; i++) {
            p = q;
            q = s;
            s = Math.fma(y, q, -p) + a[i];
        }
        return 0.5f * (s - p);
    }

    static float airyAi(float x) {
        if (Float.isInfinite(x)) {
            return Float.NaN;
        }
        if (x > 103.892f) {
            return 0.0f;
        }
        int domainFlag = 0;
        float ai = 0.0f;
        if (x < -2.09f) {
            float z = 1.0f / (-2.0f * x * sqrtf(-x) / 3.0f);
            float zz = z * z;
            float afn = polevlF(zz, AIRY_AFN_F);
            float afd = polevlF(zz, AIRY_AFD_F);
            float agn = polevlF(zz, AIRY_AGN_F);
            float agd = polevlF(zz, AIRY_AGD_F);
            // T(0.25) * M_PI is a double: the sum runs in double and rounds to float
            float t = (float) (-2.0f * x * sqrtf(-x) / 3.0f + 0.25 * Math.PI);
            return 5.64189583547756286948e-01f / sqrtf(sqrtf(-x))
                    * Math.fma(sinf(t), 1.0f + z * z * afn / afd, -(cosf(t) * (z * agn / agd)));
        }
        if (x >= 2.09f) {
            domainFlag = 5;
            float zeta = 2.0f * x * sqrtf(x) / 3.0f;
            float an = polevlF(1.0f / zeta, AIRY_AN_F);
            float ad = polevlF(1.0f / zeta, AIRY_AD_F);
            ai = 5.64189583547756286948e-01f * (an / ad) / (2.0f * sqrtf(sqrtf(x)) * expf(zeta));
            if (x > 8.3203353f) {
                return ai;
            }
        }
        float f = 1.0f;
        float g = x;
        float k = 1.0f;
        float m = 1.0f;
        float n = x;
        float t = 1.0f;
        float z = x * x * x;
        while (t > EPS_F) {
            m *= z;
            k += 1.0f;
            m /= k;
            n *= z;
            k += 1.0f;
            n /= k;
            m /= k;
            f += m;
            k += 1.0f;
            n /= k;
            g += n;
            t = Math.abs(m / f);
        }
        if ((domainFlag & 1) == 0) {
            return Math.fma(0.355028053887817239260f, f, -(0.258819403792806798405f * g));
        }
        return ai;
    }

    static float besselJ0(float x) {
        if (x < 0.0f) {
            x = -x;
        }
        if (x <= 5.0f) {
            if (x < 0.00001f) {
                return 1.0f - x * x / 4.0f;
            }
            float rp = polevlF(x * x, J0_RP_F);
            float rq = polevlF(x * x, J0_RQ_F);
            return (x * x - 5.78318596294678452118e+00f) * (x * x - 3.04712623436620863991e+01f) * rp / rq;
        }
        float w = 25.0f / (x * x);
        float pp = polevlF(w, J0_PP_F);
        float pq = polevlF(w, J0_PQ_F);
        float qp = polevlF(w, J0_QP_F);
        float qq = polevlF(w, J0_QQ_F);
        return Math.fma(pp / pq, cosf(x - 0.785398163397448309615660845819875721f),
                -(5.0f / x * (qp / qq) * sinf(x - 0.785398163397448309615660845819875721f)))
                * 0.797884560802865355879892119868763737f / sqrtf(x);
    }

    static float besselJ1(float x) {
        if (x < 0.0f) {
            return -besselJ1(-x);
        }
        if (x <= 5.0f) {
            float rp = polevlF(x * x, J1_RP_F);
            float rq = polevlF(x * x, J1_RQ_F);
            return rp / rq * x * (x * x - 1.46819706421238932572e+01f) * (x * x - 4.92184563216946036703e+01f);
        }
        float w = 5.0f / x * (5.0f / x);
        float pp = polevlF(w, J1_PP_F);
        float pq = polevlF(w, J1_PQ_F);
        float qp = polevlF(w, J1_QP_F);
        float qq = polevlF(w, J1_QQ_F);
        return Math.fma(pp / pq, cosf(x - 2.356194490192344928846982537459627163f),
                -(5.0f / x * (qp / qq) * sinf(x - 2.356194490192344928846982537459627163f)))
                * 0.797884560802865355879892119868763737f / sqrtf(x);
    }

    static float besselY0(float x) {
        if (x <= 5.0f) {
            if (x == 0.0f) {
                return Float.NEGATIVE_INFINITY;
            }
            if (x < 0.0f) {
                return Float.NaN;
            }
            float yp = polevlF(x * x, Y0_YP_F);
            float yq = polevlF(x * x, Y0_YQ_F);
            return Math.fma(0.636619772367581343075535053490057448f * logf(x), besselJ0(x), yp / yq);
        }
        float w = 25.0f / (x * x);
        float pp = polevlF(w, J0_PP_F);
        float pq = polevlF(w, J0_PQ_F);
        float qp = polevlF(w, J0_QP_F);
        float qq = polevlF(w, J0_QQ_F);
        return Math.fma(pp / pq, sinf(x - 0.785398163397448309615660845819875721f),
                (5.0f / x * (qp / qq) * cosf(x - 0.785398163397448309615660845819875721f)))
                * 0.797884560802865355879892119868763737f / sqrtf(x);
    }

    static float besselY1(float x) {
        if (x <= 5.0f) {
            if (x == 0.0f) {
                return Float.NEGATIVE_INFINITY;
            }
            if (x <= 0.0f) {
                return Float.NaN;
            }
            float yp = polevlF(x * x, Y1_YP_F);
            float yq = polevlF(x * x, Y1_YQ_F);
            return Math.fma(0.636619772367581343075535053490057448f, Math.fma(besselJ1(x), logf(x), -(1.0f / x)), x * (yp / yq));
        }
        float w = 5.0f / x * (5.0f / x);
        float pp = polevlF(w, J1_PP_F);
        float pq = polevlF(w, J1_PQ_F);
        float qp = polevlF(w, J1_QP_F);
        float qq = polevlF(w, J1_QQ_F);
        return Math.fma(pp / pq, sinf(x - 2.356194490192344928846982537459627163f),
                (5.0f / x * (qp / qq) * cosf(x - 2.356194490192344928846982537459627163f)))
                * 0.797884560802865355879892119868763737f / sqrtf(x);
    }

    static float modifiedBesselI0(float x) {
        if (Math.abs(x) <= 8.0f) {
            return expf(Math.abs(x)) * chebF(Math.abs(x) / 2.0f - 2.0f, I0_A_F);
        }
        return expf(Math.abs(x)) * chebF(32.0f / Math.abs(x) - 2.0f, I0_B_F) / sqrtf(Math.abs(x));
    }

    static float modifiedBesselI1(float x) {
        if (Math.abs(x) <= 8.0f) {
            float r = chebF(Math.abs(x) / 2.0f - 2.0f, I1_A_F) * Math.abs(x) * expf(Math.abs(x));
            return x < 0.0f ? -r : r;
        }
        float r = expf(Math.abs(x)) * chebF(32.0f / Math.abs(x) - 2.0f, I1_B_F) / sqrtf(Math.abs(x));
        return x < 0.0f ? -r : r;
    }

    static float modifiedBesselK0(float x) {
        if (x == 0.0f) {
            return Float.POSITIVE_INFINITY;
        }
        if (x < 0.0f) {
            return Float.NaN;
        }
        if (x <= 2.0f) {
            // std::log(0.5 * x): a double product, so this line runs in double and rounds once
            return (float) (chebF(x * x - 2.0f, K0_A_F) - Math.log(0.5 * x) * modifiedBesselI0(x));
        }
        return expf(-x) * chebF(8.0f / x - 2.0f, K0_B_F) / sqrtf(x);
    }

    static float modifiedBesselK1(float x) {
        if (x == 0.0f) {
            return Float.POSITIVE_INFINITY;
        }
        if (x < 0.0f) {
            return Float.NaN;
        }
        if (x <= 2.0f) {
            return logf(0.5f * x) * modifiedBesselI1(x) + chebF(x * x - 2.0f, K1_A_F) / x;
        }
        return expf(-x) * chebF(8.0f / x - 2.0f, K1_B_F) / sqrtf(x);
    }

    static float scaledModifiedBesselK0(float x) {
        if (x == 0.0f) {
            return Float.POSITIVE_INFINITY;
        }
        if (x < 0.0f) {
            return Float.NaN;
        }
        if (x <= 2.0f) {
            return (chebF(x * x - 2.0f, K0_A_F) - logf(0.5f * x) * modifiedBesselI0(x)) * expf(x);
        }
        return chebF(8.0f / x - 2.0f, K0_B_F) / sqrtf(x);
    }

    static float scaledModifiedBesselK1(float x) {
        if (x == 0.0f) {
            return Float.POSITIVE_INFINITY;
        }
        if (x < 0.0f) {
            return Float.NaN;
        }
        if (x <= 2.0f) {
            return (logf(0.5f * x) * modifiedBesselI1(x) + chebF(x * x - 2.0f, K1_A_F) / x) * expf(x);
        }
        return chebF(8.0f / x - 2.0f, K1_B_F) / sqrtf(x);
    }

    static float sphericalBesselJ0(float x) {
        if (Float.isInfinite(x)) {
            return 0.0f;
        }
        if (Math.abs(x) < 0.5f) {
            return 1.0f + x * x * (-1.0f / 6.0f + x * x * (1.0f / 120.0f + x * x * (-1.0f / 5040.0f + x * x * (1.0f / 362880.0f
                    + x * x * (-1.0f / 39916800.0f + x * x * (1.0f / 6227020800.0f))))));
        }
        return sinf(x) / x;
    }

    static float chebyshevT(float x, long n) {
        if (n < 0) {
            return 0.0f;
        }
        if (Math.abs(x) == 1.0f) {
            if (x > 0.0f || n % 2 == 0) {
                return 1.0f;
            }
            return -1.0f;
        }
        if (n > 6 && Math.abs(x) < 1.0f) {
            return cosf(n * acosf(x));
        }
        if (n == 0) {
            return 1.0f;
        }
        if (n == 1) {
            return x;
        }
        return recurrenceF(x + x, 1.0f, x, n);
    }

    /** The float {@code r = c q - p} from k = 2 to n (Math.h's loop, which 2.x stops at a NaN), the last r (q if none ran). */
    static float recurrenceF(float c, float p, float q, long n) {
        float r = q;
        for (long k = 2; k <= n && !Float.isNaN(q); k++) {
            r = Math.fma(c, q, -p);
            p = q;
            q = r;
        }
        return r;
    }

    static float chebyshevU(float x, long n) {
        if (n < 0) {
            return 0.0f;
        }
        if (Math.abs(x) == 1.0f) {
            if (x > 0.0f || n % 2 == 0) {
                return n + 1;
            }
            return -(n + 1);
        }
        if (n > 8 && Math.abs(x) < 1.0f) {
            if (sinf(acosf(x)) != 0.0f) {
                return sinf((n + 1) * acosf(x)) / sinf(acosf(x));
            }
            return (n + 1) * cosf((n + 1) * acosf(x)) / x;
        }
        if (n == 0) {
            return 1.0f;
        }
        if (n == 1) {
            return x + x;
        }
        return recurrenceF(x + x, 1.0f, x + x, n);
    }

    static float chebyshevV(float x, long n) {
        if (n < 0) {
            return 0.0f;
        }
        if (Math.abs(x) == 1.0f) {
            if (x > 0.0f) {
                return 1.0f;
            }
            if (n % 2 == 0) {
                return n + n + 1;
            }
            return -(n + n + 1);
        }
        if (n > 8 && Math.abs(x) < 1.0f) {
            if (sinf(acosf(x) / 2.0f) != 1.0f) {
                return cosf((n + 0.5f) * acosf(x)) / cosf(acosf(x) / 2.0f);
            }
            if (n % 2 == 0) {
                return n + n + 1;
            }
            return -(n + n + 1);
        }
        if (n == 0) {
            return 1.0f;
        }
        if (n == 1) {
            return x + x - 1.0f;
        }
        return recurrenceF(x + x, 1.0f, x + x - 1.0f, n);
    }

    static float chebyshevW(float x, long n) {
        if (n < 0) {
            return 0.0f;
        }
        if (Math.abs(x) == 1.0f) {
            if (x > 0.0f) {
                return n + n + 1;
            }
            if (n % 2 == 0) {
                return 1.0f;
            }
            return -1.0f;
        }
        if (n > 8 && Math.abs(x) < 1.0f) {
            if (cosf(acosf(x) / 2.0f) != 1.0f) {
                return sinf((n + 0.5f) * acosf(x)) / sinf(acosf(x) / 2.0f);
            }
            if (x > 0.0f) {
                return n + n + 1;
            }
            if (n % 2 == 0) {
                return 1.0f;
            }
            return -1.0f;
        }
        if (n == 0) {
            return 1.0f;
        }
        if (n == 1) {
            return x + x + 1.0f;
        }
        return recurrenceF(x + x, 1.0f, x + x + 1.0f, n);
    }

    static float shiftedChebyshevT(float x, long n) {
        if (n < 0) {
            return 0.0f;
        }
        if (x == 1.0f) {
            return 1.0f;
        }
        if (x == 0.0f) {
            if (n % 2 == 0) {
                return 1.0f;
            }
            return -1.0f;
        }
        float y = x + x - 1.0f;
        if (n > 6 && Math.abs(y) < 1.0f) {
            return cosf(n * acosf(y));
        }
        if (n == 0) {
            return 1.0f;
        }
        if (n == 1) {
            return y;
        }
        return recurrenceF(y + y, 1.0f, y, n);
    }

    static float shiftedChebyshevU(float x, long n) {
        if (n < 0) {
            return 0.0f;
        }
        if (x == 1.0f) {
            return n + 1;
        }
        if (x == 0.0f) {
            if (n % 2 == 0) {
                return n + 1;
            }
            return -(n + 1);
        }
        float y = x + x - 1.0f;
        if (n > 6 && Math.abs(y) < 1.0f) {
            if (sinf(acosf(y)) != 0.0f) {
                return sinf((n + 1) * acosf(y)) / sinf(acosf(y));
            }
            return (n + 1) * cosf((n + 1) * acosf(y)) / y;
        }
        if (n == 0) {
            return 1.0f;
        }
        if (n == 1) {
            return y + y;
        }
        return recurrenceF(y + y, 1.0f, y + y, n);
    }

    static float shiftedChebyshevV(float x, long n) {
        if (n < 0) {
            return 0.0f;
        }
        if (x == 1.0f) {
            return 1.0f;
        }
        if (x == 0.0f) {
            if (n % 2 == 0) {
                return n + n + 1;
            }
            return -(n + n + 1);
        }
        float y = x + x - 1.0f;
        if (n > 6 && Math.abs(y) < 1.0f) {
            if (sinf(acosf(y) / 2.0f) != 1.0f) {
                return cosf((n + 0.5f) * acosf(y)) / cosf(acosf(y) / 2.0f);
            }
            if (n % 2 == 0) {
                return n + n + 1;
            }
            return -(n + n + 1);
        }
        if (n == 0) {
            return 1.0f;
        }
        if (n == 1) {
            return y + y - 1.0f;
        }
        return recurrenceF(y + y, 1.0f, y + y - 1.0f, n);
    }

    static float shiftedChebyshevW(float x, long n) {
        if (n < 0) {
            return 0.0f;
        }
        if (x == 1.0f) {
            return n + n + 1;
        }
        if (x == 0.0f) {
            if (n % 2 == 0) {
                return 1.0f;
            }
            return -1.0f;
        }
        float y = x + x - 1.0f;
        if (n > 4 && Math.abs(y) < 1.0f) {
            if (cosf(acosf(y) / 2.0f) != 1.0f) {
                return sinf((n + 0.5f) * acosf(y)) / sinf(acosf(y) / 2.0f);
            }
            if (n % 2 == 0) {
                return 1.0f;
            }
            return -1.0f;
        }
        if (n == 0) {
            return 1.0f;
        }
        if (n == 1) {
            return y + y + 1.0f;
        }
        return recurrenceF(y + y, 1.0f, y + y + 1.0f, n);
    }

    static float hermiteH(float x, long n) {
        if (n < 0) {
            return 0.0f;
        }
        if (n == 0) {
            return 1.0f;
        }
        if (n == 1) {
            return x + x;
        }
        if (n > HERMITE_LIMIT_F) {
            return Float.NaN;
        }
        float p = 1.0f;
        float q = x + x;
        float r = 0.0f;
        for (long k = 2; k < n + n; k += 2) {
            r = Math.fma(x + x, q, -(k * p));
            p = q;
            q = r;
        }
        return r;
    }

    static float hermiteHe(float x, long n) {
        if (n < 0) {
            return 0.0f;
        }
        if (n == 0) {
            return 1.0f;
        }
        if (n == 1) {
            return x;
        }
        if (n > HERMITE_LIMIT_F) {
            return Float.NaN;
        }
        float p = 1.0f;
        float q = x;
        float r = 0.0f;
        for (long k = 1; k < n; k++) {
            r = Math.fma(x, q, -(k * p));
            p = q;
            q = r;
        }
        return r;
    }

    static float laguerreL(float x, long n) {
        if (n < 0) {
            return 0.0f;
        }
        if (Math.abs(x) == 0.0f) {
            return 1.0f;
        }
        if (n == 0) {
            return 1.0f;
        }
        if (n == 1) {
            return 1.0f - x;
        }
        float p = 1.0f;
        float q = 1.0f - x;
        float r = q;
        for (long k = 1; k < n && !Float.isNaN(q); k++) {
            r = Math.fma((k + k) + (1.0f - x), q, -(k * p)) / (k + 1);
            p = q;
            q = r;
        }
        return r;
    }

    static float legendreP(float x, long n) {
        if (n < 0) {
            return 0.0f;
        }
        if (Math.abs(x) == 1.0f) {
            if (x > 0.0f || n % 2 == 0) {
                return 1.0f;
            }
            return -1.0f;
        }
        if (n == 0) {
            return 1.0f;
        }
        if (n == 1) {
            return x;
        }
        float p = 1.0f;
        float q = x;
        float r = q;
        for (long k = 1; k < n && !Float.isNaN(q); k++) {
            r = Math.fma((k + k + 1) * x, q, -(k * p)) / (k + 1);
            p = q;
            q = r;
        }
        return r;
    }
}
