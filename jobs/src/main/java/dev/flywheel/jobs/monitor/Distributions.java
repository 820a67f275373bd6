package dev.flywheel.jobs.monitor;

/**
 * The few distribution functions the monitor's tests need: chi-square and F quantiles for drift
 * thresholds, the normal distribution for the champion-challenger test. Written out here rather
 * than taken from a statistics library so that the job jar brings no dependency for a hundred
 * lines; {@code DistributionsTest} holds them to Apache Commons Math (on the test class path
 * only) and to printed tables.
 *
 * <p>Methods: the log-gamma function by Lanczos (g = 607/128, 15 terms, relative error below
 * 1e-14), the regularized incomplete gamma and beta functions by series and Lentz continued
 * fractions, quantiles by bisection on the CDF (monotone, so bisection cannot fail; 200 halvings
 * reach the last bit of a double).
 */
public final class Distributions {
    private static final double[] LANCZOS = {
            0.99999999999999709182, 57.156235665862923517, -59.597960355475491248, 14.136097974741747174,
            -0.49191381609762019978, .33994649984811888699e-4, .46523628927048575665e-4,
            -.98374475304879564677e-4, .15808870322491248884e-3, -.21026444172410488319e-3,
            .21743961811521264320e-3, -.16431810653676389022e-3, .84418223983852743293e-4,
            -.26190838401581408670e-4, .36899182659531622704e-5};
    private static final double LANCZOS_G = 607.0 / 128.0;
    private static final double HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);
    private static final double EPSILON = 1e-15;
    private static final double TINY = 1e-300;
    private static final int MAX_ITERATIONS = 100_000;

    private Distributions() {
    }

    /** ln Γ(x) for x > 0. */
    public static double logGamma(double x) {
        if (!(x > 0)) {
            throw new IllegalArgumentException("logGamma needs x > 0, got " + x);
        }
        if (x < 0.5) {
            // Reflection keeps the approximation in its accurate range.
            return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
        }
        double z = x - 1;
        double sum = LANCZOS[0];
        for (int i = 1; i < LANCZOS.length; i++) {
            sum += LANCZOS[i] / (z + i);
        }
        double t = z + LANCZOS_G + 0.5;
        return HALF_LOG_2PI + (z + 0.5) * Math.log(t) - t + Math.log(sum);
    }

    /** P(a, x) = γ(a, x) / Γ(a), the regularized lower incomplete gamma function. */
    public static double regularizedGammaP(double a, double x) {
        if (!(a > 0) || x < 0) {
            throw new IllegalArgumentException("regularizedGammaP needs a > 0 and x >= 0, got " + a + ", " + x);
        }
        if (x == 0) {
            return 0;
        }
        if (Double.isInfinite(x)) {
            return 1;
        }
        if (x < a + 1) {
            double term = 1 / a;
            double sum = term;
            for (int n = 1; n < MAX_ITERATIONS; n++) {
                term *= x / (a + n);
                sum += term;
                if (Math.abs(term) < Math.abs(sum) * EPSILON) {
                    break;
                }
            }
            return Math.min(1, sum * Math.exp(-x + a * Math.log(x) - logGamma(a)));
        }
        return Math.max(0, 1 - upperGammaContinuedFraction(a, x));
    }

    /** Q(a, x) = 1 - P(a, x) by Lentz's continued fraction, valid for x >= a + 1. */
    private static double upperGammaContinuedFraction(double a, double x) {
        double b = x + 1 - a;
        double c = 1 / TINY;
        double d = 1 / b;
        double h = d;
        for (int i = 1; i < MAX_ITERATIONS; i++) {
            double an = -i * (i - a);
            b += 2;
            d = an * d + b;
            if (Math.abs(d) < TINY) {
                d = TINY;
            }
            c = b + an / c;
            if (Math.abs(c) < TINY) {
                c = TINY;
            }
            d = 1 / d;
            double delta = d * c;
            h *= delta;
            if (Math.abs(delta - 1) < EPSILON) {
                break;
            }
        }
        return Math.exp(-x + a * Math.log(x) - logGamma(a)) * h;
    }

    /** I_x(a, b), the regularized incomplete beta function. */
    public static double regularizedBeta(double x, double a, double b) {
        if (!(a > 0) || !(b > 0) || x < 0 || x > 1) {
            throw new IllegalArgumentException("regularizedBeta needs 0 <= x <= 1 and a, b > 0");
        }
        if (x == 0 || x == 1) {
            return x;
        }
        double front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log1p(-x));
        // The continued fraction converges fast on this side of the mean; the symmetry covers the other.
        if (x < (a + 1) / (a + b + 2)) {
            return front * betaContinuedFraction(x, a, b) / a;
        }
        return 1 - front * betaContinuedFraction(1 - x, b, a) / b;
    }

    private static double betaContinuedFraction(double x, double a, double b) {
        double c = 1;
        double d = 1 - (a + b) * x / (a + 1);
        if (Math.abs(d) < TINY) {
            d = TINY;
        }
        d = 1 / d;
        double h = d;
        for (int m = 1; m < MAX_ITERATIONS; m++) {
            int m2 = 2 * m;
            double aa = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
            d = 1 + aa * d;
            if (Math.abs(d) < TINY) {
                d = TINY;
            }
            c = 1 + aa / c;
            if (Math.abs(c) < TINY) {
                c = TINY;
            }
            d = 1 / d;
            h *= d * c;
            aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
            d = 1 + aa * d;
            if (Math.abs(d) < TINY) {
                d = TINY;
            }
            c = 1 + aa / c;
            if (Math.abs(c) < TINY) {
                c = TINY;
            }
            d = 1 / d;
            double delta = d * c;
            h *= delta;
            if (Math.abs(delta - 1) < EPSILON) {
                break;
            }
        }
        return h;
    }

    public static double chiSquareCdf(double x, double degreesOfFreedom) {
        return x <= 0 ? 0 : regularizedGammaP(degreesOfFreedom / 2, x / 2);
    }

    /** The value a chi-square variable stays below with probability {@code p}. */
    public static double chiSquareQuantile(double p, double degreesOfFreedom) {
        requireProbability(p);
        double high = Math.max(1, degreesOfFreedom);
        while (chiSquareCdf(high, degreesOfFreedom) < p) {
            high *= 2;
        }
        return bisect(0, high, p, x -> chiSquareCdf(x, degreesOfFreedom));
    }

    public static double fCdf(double x, double numeratorDf, double denominatorDf) {
        if (x <= 0) {
            return 0;
        }
        return regularizedBeta(numeratorDf * x / (numeratorDf * x + denominatorDf), numeratorDf / 2, denominatorDf / 2);
    }

    /** The value an F variable stays below with probability {@code p}. */
    public static double fQuantile(double p, double numeratorDf, double denominatorDf) {
        requireProbability(p);
        double high = 1;
        while (fCdf(high, numeratorDf, denominatorDf) < p) {
            high *= 2;
        }
        return bisect(0, high, p, x -> fCdf(x, numeratorDf, denominatorDf));
    }

    /** Φ(z), by the complementary error function of Numerical Recipes' erfc (relative error below 1.2e-7). */
    public static double normalCdf(double z) {
        return 0.5 * erfc(-z / Math.sqrt(2));
    }

    /** z with Φ(z) = p. */
    public static double normalQuantile(double p) {
        requireProbability(p);
        return bisect(-40, 40, p, Distributions::normalCdf);
    }

    private static double erfc(double x) {
        double z = Math.abs(x);
        double t = 1 / (1 + 0.5 * z);
        double r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
                + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587
                + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? r : 2 - r;
    }

    private static double bisect(double low, double high, double p, java.util.function.DoubleUnaryOperator cdf) {
        for (int i = 0; i < 200 && high - low > 0; i++) {
            double middle = 0.5 * (low + high);
            if (middle == low || middle == high) {
                break;
            }
            if (cdf.applyAsDouble(middle) < p) {
                low = middle;
            } else {
                high = middle;
            }
        }
        return 0.5 * (low + high);
    }

    private static void requireProbability(double p) {
        if (!(p > 0 && p < 1)) {
            throw new IllegalArgumentException("a probability strictly between 0 and 1 is needed, got " + p);
        }
    }
}
