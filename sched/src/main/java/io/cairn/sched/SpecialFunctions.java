package io.cairn.sched;

/** The few special functions the models need. */
final class SpecialFunctions {
  private SpecialFunctions() {}

  private static final double[] LANCZOS = {
      0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
      -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
      1.5056327351493116e-7};

  /** ln Γ(x) for x &gt; 0 (Lanczos, g=7; about 15 significant digits). */
  static double logGamma(double x) {
    if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
    x -= 1;
    double a = LANCZOS[0];
    double t = x + 7.5;
    for (int i = 1; i < 9; i++) a += LANCZOS[i] / (x + i);
    return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
  }

  /** Minimises f on [lo, hi] by golden-section search (f unimodal there). */
  static double goldenMin(java.util.function.DoubleUnaryOperator f, double lo, double hi, double relTol) {
    final double g = (Math.sqrt(5) - 1) / 2;
    double a = lo, b = hi;
    double c = b - g * (b - a), d = a + g * (b - a);
    double fc = f.applyAsDouble(c), fd = f.applyAsDouble(d);
    for (int i = 0; i < 200 && (b - a) > relTol * Math.abs(c + d) / 2; i++) {
      if (fc < fd) {
        b = d;
        d = c;
        fd = fc;
        c = b - g * (b - a);
        fc = f.applyAsDouble(c);
      } else {
        a = c;
        c = d;
        fc = fd;
        d = a + g * (b - a);
        fd = f.applyAsDouble(d);
      }
    }
    return (a + b) / 2;
  }
}
