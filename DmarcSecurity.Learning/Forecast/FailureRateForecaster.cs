namespace DmarcSecurity.Learning.Forecast;

/// <summary>A domain's failure-rate forecast: one point per day ahead, rates and bounds within [0, 1].</summary>
public sealed record FailureRateForecast(IReadOnlyList<ForecastPoint> Days, SmoothingModel Model);

/// <summary>Forecasts a domain's daily DMARC failure rate (failed messages over all messages, one value a day).</summary>
public static class FailureRateForecaster
{
    /// <summary>Days in the season: mail volume and failures follow the week.</summary>
    public const int DaysPerWeek = 7;

    /// <summary>
    /// Fits <see cref="ExponentialSmoothing.Fit"/> with a weekly season to <paramref name="dailyRates"/> (oldest
    /// first, one per consecutive day) and forecasts <paramref name="days"/> ahead with a
    /// <paramref name="confidence"/> prediction interval; points and bounds are clamped to [0, 1]. With one day of
    /// data the forecast is that day's rate and the interval all of [0, 1].
    /// </summary>
    /// <exception cref="ArgumentException">No rates, or a rate that is NaN or outside [0, 1].</exception>
    public static FailureRateForecast Forecast(IReadOnlyList<double> dailyRates, int days = 7, double confidence = 0.95)
    {
        ArgumentNullException.ThrowIfNull(dailyRates);
        for (var i = 0; i < dailyRates.Count; i++)
        {
            if (!(dailyRates[i] is >= 0 and <= 1))
            {
                throw new ArgumentException($"Rate {i} is {dailyRates[i]}; a failure rate is between 0 and 1.", nameof(dailyRates));
            }
        }

        var model = ExponentialSmoothing.Fit(dailyRates, DaysPerWeek);
        var points = model.Forecast(days, confidence)
            .Select(p => new ForecastPoint(p.StepsAhead, Clamp(p.Value), Clamp(p.Lower), Clamp(p.Upper)))
            .ToArray();
        return new FailureRateForecast(points, model);
    }

    private static double Clamp(double rate) => double.IsNaN(rate) ? rate : Math.Clamp(rate, 0, 1);
}
