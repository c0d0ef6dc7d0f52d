"""Computes the coefficients of ElementwiseKernels.erf (engine-cpu) and prints them as Java arrays.

    /usr/bin/python3 fit_erf.py

Below |x| = 1, erf(x) = x + x R(x^2) with R(t) = erf(sqrt t) / sqrt t - 1 interpolated at 13 Chebyshev nodes of
t in [0, 1] (degree 12, expanded in powers of t). From 1 to 6, erf(x) = 1 - erfc(x) with erfc interpolated at
Chebyshev nodes of ten pieces [1, 1.5), [1.5, 2), ..., [5.5, 6), each of degree 13 (the lowest degree for which
every piece's largest error is below 5e-18, a twentieth of an ulp of erf there; one degree for all, so that the
evaluation's loop always runs as long), in powers of x minus the piece's center: no exp, only a polynomial.
Everything at 50 digits with mpmath, then rounded to double. It prints each piece's largest absolute error on 2,001
points with the rounded coefficients, and the point from which erfc(x) is below half an ulp of 1 (5.922; Ember
switches to 1 at 5.921875).
"""
import mpmath as mp

mp.mp.dps = 50


def chebyshev(f, a, b, deg):
    """The interpolant of f at deg + 1 Chebyshev nodes of [a, b], as coefficients in powers of x - (a + b) / 2."""
    n = deg + 1
    half, center = (b - a) / 2, (a + b) / 2
    nodes = [mp.cos(mp.pi * (k + mp.mpf(1) / 2) / n) for k in range(n)]
    values = [f(center + half * t) for t in nodes]
    cheb = [2 * sum(values[k] * mp.cos(mp.pi * j * (k + mp.mpf(1) / 2) / n) for k in range(n)) / n for j in range(n)]
    cheb[0] /= 2
    T = [[mp.mpf(1)], [mp.mpf(0), mp.mpf(1)]]
    for j in range(2, n):
        t = [mp.mpf(0)] * (j + 1)
        for i, v in enumerate(T[j - 1]):
            t[i + 1] += 2 * v
        for i, v in enumerate(T[j - 2]):
            t[i] -= v
        T.append(t)
    mono = [mp.mpf(0)] * n
    for j in range(n):
        for i, v in enumerate(T[j]):
            mono[i] += cheb[j] * v
    return center, [mono[i] / half ** i for i in range(n)]


def horner(coefs, s):
    r = mp.mpf(0)
    for c in reversed(coefs):
        r = r * s + c
    return r


def largest_error(f, coefs, center, a, b, relative):
    rounded = [mp.mpf(float(c)) for c in coefs]
    worst = 0
    for k in range(2001):
        x = a + (b - a) * k / 2000
        v = f(x)
        worst = max(worst, abs(horner(rounded, x - center) - v) / (abs(v) if relative else 1))
    return worst


def R(t):
    if t == 0:
        return 2 / mp.sqrt(mp.pi) - 1
    s = mp.sqrt(t)
    return mp.erf(s) / s - 1




def java(coefs):
    return "{" + ", ".join(repr(float(c)) for c in coefs) + "}"


center, shifted = chebyshev(R, mp.mpf(0), mp.mpf(1), 12)
small = [mp.mpf(0)] * len(shifted)  # in powers of t rather than t - center
for i, v in enumerate(shifted):
    for j in range(i + 1):
        small[j] += v * mp.binomial(i, j) * (-center) ** (i - j)
print("ERF_SMALL (largest absolute error %s):" % mp.nstr(largest_error(R, small, 0, mp.mpf(0), mp.mpf(1), False), 3))
print(java(small))
centers = []
for k in range(10):
    a = 1 + mp.mpf(k) / 2
    b = a + mp.mpf(1) / 2
    deg = 13
    c, coefs = chebyshev(mp.erfc, a, b, deg)
    err = largest_error(mp.erfc, coefs, c, a, b, False)
    centers.append(float(c))
    print("ERFC_PIECES [%s, %s) degree %d (largest absolute error %s):" % (float(a), float(b), deg, mp.nstr(err, 3)))
    print(java(coefs))
print("ERFC_CENTER:", centers)
x = mp.mpf(5)
while mp.erfc(x) >= mp.mpf(2) ** -54:
    x += mp.mpf("0.001")
print("erfc(x) < 2^-54 from x =", mp.nstr(x, 6))
