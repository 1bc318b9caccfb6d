using ClearingHouse.LoadTests.Cli;

namespace ClearingHouse.LoadTests.Engine;

/// <summary>The target arrival rate as a function of time since the end of the warm-up.</summary>
public sealed class RateProfile
{
    public RateProfile(RateProfileKind kind, double startRate, double targetRate, TimeSpan duration, int steps)
    {
        Kind = kind;
        StartRate = startRate;
        TargetRate = targetRate;
        Duration = duration;
        Steps = Math.Max(1, steps);
    }

    public RateProfileKind Kind { get; }

    public double StartRate { get; }

    public double TargetRate { get; }

    public TimeSpan Duration { get; }

    public int Steps { get; }

    public static RateProfile Constant(double rate, TimeSpan duration) => new(RateProfileKind.Constant, rate, rate, duration, 1);

    /// <summary>Arrivals per second at <paramref name="sinceMeasureStart"/>; the warm-up (negative times) runs at the first rate.</summary>
    public double RateAt(TimeSpan sinceMeasureStart)
    {
        if (Kind == RateProfileKind.Constant)
        {
            return TargetRate;
        }

        var fraction = Duration <= TimeSpan.Zero ? 1 : Math.Clamp(sinceMeasureStart / Duration, 0, 1);
        return Kind switch
        {
            RateProfileKind.Ramp => StartRate + ((TargetRate - StartRate) * fraction),
            _ => Steps == 1
                ? TargetRate
                : StartRate + ((TargetRate - StartRate) * Math.Min(Steps - 1, Math.Floor(fraction * Steps)) / (Steps - 1)),
        };
    }

    public override string ToString() => Kind switch
    {
        RateProfileKind.Constant => $"constant {TargetRate:0.#}/s",
        RateProfileKind.Ramp => $"ramp {StartRate:0.#} -> {TargetRate:0.#}/s",
        _ => $"{Steps} steps {StartRate:0.#} -> {TargetRate:0.#}/s",
    };
}
