using MathNet.Numerics.Distributions;
using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.Optimization;

namespace DmarcSecurity.Learning.Forecast;

/// <summary>Which exponential smoothing a series got: the richest its length supports.</summary>
public enum SmoothingMethod
{
    /// <summary>Level only (ETS(A,N,N)): fewer than <see cref="ExponentialSmoothing.MinimumForTrend"/> observations.</summary>
    Simple,

    /// <summary>Holt's linear method, level and trend (ETS(A,A,N)): fewer than two full seasons.</summary>
    HoltLinear,

    /// <summary>Additive Holt-Winters, level, trend and season (ETS(A,A,A)).</summary>
    HoltWinters,
}

/// <summary>One forecast step: the point forecast and its prediction interval.</summary>
public sealed record ForecastPoint(int StepsAhead, double Value, double Lower, double Upper);

/// <summary>
/// A fitted exponential smoothing model in the error-correction form of Hyndman et al. (2008), with one-step error
/// e_t = y_t − (ℓ_{t−1} + b_{t−1} + s_{t−m}):
/// ℓ_t = ℓ_{t−1} + b_{t−1} + α e_t, b_t = b_{t−1} + αβ e_t, s_t = s_{t−m} + γ e_t,
/// which is the additive Holt-Winters recursion ℓ_t = α(y_t − s_{t−m}) + (1 − α)(ℓ_{t−1} + b_{t−1}),
/// b_t = β(ℓ_t − ℓ_{t−1}) + (1 − β)b_{t−1}, s_t = γ(y_t − ℓ_{t−1} − b_{t−1}) + (1 − γ)s_{t−m}.
/// </summary>
/// <param name="Level">ℓ at the last observation.</param>
/// <param name="Trend">b at the last observation (0 for <see cref="SmoothingMethod.Simple"/>).</param>
/// <param name="Season">The seasonal terms of the next m days, tomorrow first (empty without a season).</param>
/// <param name="ResidualVariance">σ² = SSE / (errors − parameters) of the one-step errors.</param>
public sealed record SmoothingModel(
    SmoothingMethod Method,
    double Alpha,
    double Beta,
    double Gamma,
    double Level,
    double Trend,
    IReadOnlyList<double> Season,
    double ResidualVariance,
    int Observations)
{
    /// <summary>
    /// Point forecasts ℓ + h·b + s and intervals ± z·σ_h, with the class-1 forecast variance of Hyndman et al. (2008,
    /// table 6.1): σ_h² = σ²[1 + (h − 1){α² + αβ'h + β'²h(2h − 1)/6} + γk{2α + γ + β'm(k + 1)}], β' = αβ,
    /// k = ⌊(h − 1)/m⌋ (the trend terms vanish without a trend and the seasonal one without a season). It assumes
    /// normal, uncorrelated one-step errors.
    /// </summary>
    public IReadOnlyList<ForecastPoint> Forecast(int horizon, double confidence = 0.95)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(horizon, 1);
        if (!(confidence is > 0 and < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(confidence), confidence, "Confidence must be between 0 and 1.");
        }

        var z = Normal.InvCDF(0, 1, 0.5 + (confidence / 2));
        var m = Season.Count;
        var beta = Alpha * Beta;
        var points = new ForecastPoint[horizon];
        for (var h = 1; h <= horizon; h++)
        {
            var value = Level + (h * Trend) + (m > 0 ? Season[(h - 1) % m] : 0);
            var k = m > 0 ? (h - 1) / m : 0;
            var factor = 1 + ((h - 1) * ((Alpha * Alpha) + (Alpha * beta * h) + (beta * beta * h * ((2 * h) - 1) / 6.0)))
                + (m > 0 ? Gamma * k * ((2 * Alpha) + Gamma + (beta * m * (k + 1))) : 0);
            var half = z * Math.Sqrt(ResidualVariance * factor);
            points[h - 1] = new ForecastPoint(h, value, value - half, value + half);
        }

        return points;
    }
}

/// <summary>Fits exponential smoothing to a regular series by minimising the sum of squared one-step errors.</summary>
public static class ExponentialSmoothing
{
    /// <summary>Fewest observations for which a trend is fitted; below that, simple exponential smoothing.</summary>
    public const int MinimumForTrend = 6;

    /// <summary>
    /// Fits the richest model the series supports: additive Holt-Winters with at least two seasons of data (the
    /// initial level, trend and season need two seasons to tell trend from season apart), Holt's linear method with
    /// at least <see cref="MinimumForTrend"/> observations, simple exponential smoothing below that. α, β and γ are
    /// each kept in [0, 1] (a logistic map of the free variables) and found by MathNet's Nelder–Mead simplex.
    /// </summary>
    /// <exception cref="ArgumentException">No observation, or one that is not finite.</exception>
    public static SmoothingModel Fit(IReadOnlyList<double> series, int seasonLength = 7)
    {
        ArgumentNullException.ThrowIfNull(series);
        ArgumentOutOfRangeException.ThrowIfLessThan(seasonLength, 2);
        if (series.Count == 0)
        {
            throw new ArgumentException("The series has no observation.", nameof(series));
        }

        for (var i = 0; i < series.Count; i++)
        {
            if (!double.IsFinite(series[i]))
            {
                throw new ArgumentException($"Observation {i} is {series[i]}; observations must be finite.", nameof(series));
            }
        }

        var y = series.ToArray();
        var method = y.Length >= 2 * seasonLength ? SmoothingMethod.HoltWinters
            : y.Length >= MinimumForTrend ? SmoothingMethod.HoltLinear
            : SmoothingMethod.Simple;
        var m = method == SmoothingMethod.HoltWinters ? seasonLength : 0;
        var parameters = method switch { SmoothingMethod.HoltWinters => 3, SmoothingMethod.HoltLinear => 2, _ => 1 };
        if (y.Length == 1)
        {
            // One observation: the forecast is that value; no error to estimate a variance from.
            return new SmoothingModel(method, 0, 0, 0, y[0], 0, [], double.PositiveInfinity, 1);
        }

        var hasTrend = method != SmoothingMethod.Simple;
        var (alpha, beta, gamma) = Optimise(y, m, hasTrend, parameters);
        var run = Run(y, m, hasTrend, alpha, beta, gamma);
        var degrees = run.Errors - parameters;
        var variance = degrees > 0 ? run.Sse / degrees : double.PositiveInfinity;
        var season = new double[m];
        for (var h = 0; h < m; h++)
        {
            season[h] = run.Season[(y.Length + h) % m];
        }

        return new SmoothingModel(method, alpha, beta, gamma, run.Level, run.Trend, season, variance, y.Length);
    }

    private static (double Alpha, double Beta, double Gamma) Optimise(double[] y, int m, bool hasTrend, int parameters)
    {
        var best = (Sse: double.PositiveInfinity, Point: (Vector<double>?)null);
        var objective = ObjectiveFunction.Value(u =>
        {
            var (a, b, g) = Bounded(u);
            var sse = Run(y, m, hasTrend, a, b, g).Sse;
            if (sse < best.Sse)
            {
                best = (sse, u.Clone());
            }

            return sse;
        });
        // Start from α = 0.3, β = 0.1, γ = 0.1, common starting values for daily data.
        var start = Vector<double>.Build.DenseOfArray(new[] { Logit(0.3), Logit(0.1), Logit(0.1) }[..parameters]);
        var step = Vector<double>.Build.Dense(parameters, 1.0);
        try
        {
            NelderMeadSimplex.Minimum(objective, start, step, 1e-10, 2_000);
        }
        catch (MaximumIterationsException)
        {
            // A flat error surface (a noise-free series, say) may not meet the tolerance; the best point seen stands.
        }

        return Bounded(best.Point ?? start);
    }

    private static (double Alpha, double Beta, double Gamma) Bounded(Vector<double> u) =>
        (Logistic(u[0]), u.Count > 1 ? Logistic(u[1]) : 0, u.Count > 2 ? Logistic(u[2]) : 0);

    private static double Logistic(double u) => 1 / (1 + Math.Exp(-u));

    private static double Logit(double p) => Math.Log(p / (1 - p));

    /// <summary>Runs the recursion over the series from its initial state, summing squared one-step errors.</summary>
    private static (double Sse, int Errors, double Level, double Trend, double[] Season) Run(double[] y, int m, bool hasTrend, double alpha, double beta, double gamma)
    {
        double level, trend;
        var season = new double[Math.Max(m, 1)];
        int first;
        if (m > 0)
        {
            // Classical start from the first two seasons: level at time 0 from season 1's mean (centred at (m + 1)/2),
            // trend from the change in season means, season from the detrended values, shifted to sum to 0.
            double mean1 = 0, mean2 = 0;
            for (var i = 0; i < m; i++)
            {
                mean1 += y[i] / m;
                mean2 += y[i + m] / m;
            }

            trend = (mean2 - mean1) / m;
            level = mean1 - (trend * (m + 1) / 2.0);
            for (var i = 0; i < m; i++)
            {
                season[i] = ((y[i] - (level + ((i + 1) * trend))) + (y[i + m] - (level + ((i + 1 + m) * trend)))) / 2;
            }

            var shift = season.Average();
            for (var i = 0; i < m; i++)
            {
                season[i] -= shift;
            }

            first = 0;
        }
        else
        {
            // Start at the first observation: the level is it, the trend the first change (Holt) or none.
            level = y[0];
            trend = hasTrend ? y[1] - y[0] : 0;
            first = 1;
        }

        var sse = 0.0;
        for (var t = first; t < y.Length; t++)
        {
            var s = m > 0 ? season[t % m] : 0;
            var error = y[t] - (level + trend + s);
            sse += error * error;
            level += trend + (alpha * error);
            if (hasTrend)
            {
                trend += alpha * beta * error;
            }

            if (m > 0)
            {
                season[t % m] = s + (gamma * error);
            }
        }

        return (sse, y.Length - first, level, trend, m > 0 ? season : []);
    }
}
