"""Compute the table of log Z(alpha) that `keras_tailor.layers._partition` interpolates.

Z(alpha) is the normalizer of Barron's density p(x | alpha) = exp(-rho(x, alpha)) / Z(alpha)
at scale 1, where

    rho(x, alpha) = |alpha - 2| / alpha * ((x**2 / |alpha - 2| + 1)**(alpha / 2) - 1)

with the limits log(x**2 / 2 + 1) at alpha = 0 and x**2 / 2 at alpha = 2. The
integral Z(alpha) = integral of exp(-rho(x, alpha)) over the real line is finite
for alpha >= 0 only, so the table covers alpha in [0, 2].

The table stores a clamped cubic spline in the coordinate t = arccos(1 - alpha) / pi,
of the smooth part h(alpha) = log Z(alpha) + b * log(b) / 4 with b = 2 - alpha:

- near alpha = 2, log Z(alpha) = log(sqrt(2 * pi)) - b * log(b) / 4 + O(b), whose
  derivative diverges like log(b). Adding b * log(b) / 4 removes that term.
- the knots, uniform in t, are dense near both ends, where the derivatives of
  log Z grow fastest (near alpha = 0 the density's tails decay like 1 / x**2).
- both end slopes in t are 0, because d(alpha) / dt = pi * sin(pi * t) is 0 there.

Usage, from the repository root:

    python scripts/barron_partition_table.py            # print the table and its error
    python scripts/barron_partition_table.py --write    # also replace the table in _partition.py

Needs numpy and scipy (measured with scipy 1.17.1). The run takes about 2 seconds.
"""

import argparse
import pathlib
import re

import numpy as np
from scipy import integrate, interpolate

KNOTS = 129
TARGET = pathlib.Path(__file__).resolve().parent.parent / "src" / "keras_tailor" / "layers" / "_partition.py"
BEGIN_MARKER = "# BEGIN TABLE written by scripts/barron_partition_table.py"
END_MARKER = "# END TABLE"


def rho(x, alpha):
    """Return Barron's loss at scale 1 in float64, with its limits at alpha = 0 and alpha = 2."""
    squared = x * x
    if alpha == 0.0:
        return np.log1p(0.5 * squared)
    if alpha == 2.0:
        return 0.5 * squared
    gap = abs(alpha - 2.0)
    # expm1 and log1p keep the digits that (1 + z / gap)**(alpha / 2) - 1 loses for small alpha.
    return gap / alpha * np.expm1(0.5 * alpha * np.log1p(squared / gap))


def log_partition(alpha):
    """Return log Z(alpha) by adaptive quadrature, to a relative tolerance of 1e-13."""

    # With x = tan(theta), the integrand exp(-rho) / cos(theta)**2 on (0, pi / 2)
    # stays bounded even at alpha = 0, where exp(-rho) decays only like 1 / x**2.
    def integrand(theta):
        return np.exp(-rho(np.tan(theta), alpha)) / np.cos(theta) ** 2

    half = 0.0
    for lower, upper in ((0.0, np.pi / 4), (np.pi / 4, np.pi / 2)):
        value, _ = integrate.quad(integrand, lower, upper, epsabs=0.0, epsrel=1e-13, limit=500)
        half += value
    return float(np.log(2.0 * half))


def singular_part(alpha):
    """Return -b * log(b) / 4 with b = 2 - alpha, the term of log Z(alpha) whose derivative diverges at 2."""
    gap = 2.0 - np.asarray(alpha, dtype=np.float64)
    safe_gap = np.where(gap > 0.0, gap, 1.0)
    return np.where(gap > 0.0, -gap * np.log(safe_gap) / 4.0, 0.0)


def alpha_to_coordinate(alpha):
    return np.arccos(1.0 - np.asarray(alpha, dtype=np.float64)) / np.pi


def build_table(knots=KNOTS):
    """Return `(values, slopes)` of the smooth part at `knots` points uniform in t, slopes in units of t."""
    coordinates = np.linspace(0.0, 1.0, knots)
    alphas = 1.0 - np.cos(np.pi * coordinates)
    alphas[0], alphas[-1] = 0.0, 2.0
    smooth = np.array([log_partition(alpha) for alpha in alphas]) - singular_part(alphas)
    spline = interpolate.CubicSpline(coordinates, smooth, bc_type=((1, 0.0), (1, 0.0)))
    return smooth, spline(coordinates, 1)


def evaluate_table(values, slopes, alpha):
    """Return log Z(alpha) from the table in float64, by the Hermite formula that the library uses."""
    coordinate = alpha_to_coordinate(alpha) * (len(values) - 1)
    index = np.clip(np.floor(coordinate).astype(int), 0, len(values) - 2)
    offset = coordinate - index
    step = 1.0 / (len(values) - 1)
    h00 = (1.0 + 2.0 * offset) * (1.0 - offset) ** 2
    h10 = offset * (1.0 - offset) ** 2
    h01 = offset**2 * (3.0 - 2.0 * offset)
    h11 = offset**2 * (offset - 1.0)
    result = (
        h00 * values[index]
        + h10 * step * slopes[index]
        + h01 * values[index + 1]
        + h11 * step * slopes[index + 1]
    )
    return result + singular_part(alpha)


def measure_error(values, slopes):
    """Return `(max |error|, alpha where it occurs)` against quadrature at 400 random and 9 edge alphas."""
    rng = np.random.default_rng(2019)
    edges = [0.0, 1e-6, 1e-3, 0.01, 1.0, 1.99, 1.9999, 1.999999, 2.0]
    alphas = np.concatenate([rng.uniform(0.0, 2.0, size=400), edges])
    errors = np.abs(evaluate_table(values, slopes, alphas) - np.array([log_partition(a) for a in alphas]))
    worst = int(np.argmax(errors))
    return float(errors[worst]), float(alphas[worst])


def format_table(values, slopes):
    lines = [BEGIN_MARKER, f"# {len(values)} knots uniform in t = arccos(1 - alpha) / pi on [0, 1]."]
    for name, array in (("SMOOTH_VALUES", values), ("SMOOTH_SLOPES", slopes)):
        lines.append(f"{name} = (")
        lines.extend(f"    {float(v)!r}," for v in array)
        lines.append(")")
    lines.append(END_MARKER)
    return "\n".join(lines)


def write_table(text):
    source = TARGET.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(BEGIN_MARKER) + ".*?" + re.escape(END_MARKER), re.DOTALL)
    if not pattern.search(source):
        raise SystemExit(f"{TARGET} has no table between the markers {BEGIN_MARKER!r} and {END_MARKER!r}.")
    TARGET.write_text(pattern.sub(lambda _: text, source), encoding="utf-8")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"replace the table in {TARGET}")
    arguments = parser.parse_args()

    values, slopes = build_table()
    error, where = measure_error(values, slopes)
    text = format_table(values, slopes)
    print(text)
    print(f"# max |log Z error| in float64: {error:.3g} at alpha = {where!r}")
    if arguments.write:
        write_table(text)
        print(f"# wrote {TARGET}")


if __name__ == "__main__":
    main()
