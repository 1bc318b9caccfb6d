using Microsoft.Extensions.Options;

namespace ClearingHouse.Ocpi.Outbound;

/// <summary>The durable delivery of the hub's pushes to OCPI partners, section <c>Ocpi:Delivery</c>.</summary>
public sealed record OcpiDeliveryOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Ocpi:Delivery";

    /// <summary>The wait after the first failed attempt; each further failure doubles it (default 2 s).</summary>
    public TimeSpan RetryBase { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The longest wait between two attempts (default 5 minutes).</summary>
    public TimeSpan RetryMax { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Attempts before a push is given up, counted and logged (default 12: about 20 minutes with the defaults).</summary>
    public int MaxAttempts { get; init; } = 12;

    /// <summary>The most pushes one partner's outbox holds; beyond it the oldest is given up (default 10,000).</summary>
    public int MaxQueued { get; init; } = 10_000;
}

/// <summary>Fails start-up on an <see cref="OcpiDeliveryOptions"/> setting out of range, naming it.</summary>
public sealed class OcpiDeliveryOptionsValidator : IValidateOptions<OcpiDeliveryOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, OcpiDeliveryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.RetryBase < TimeSpan.FromMilliseconds(100) || options.RetryBase > TimeSpan.FromMinutes(10))
        {
            failures.Add("Ocpi:Delivery:RetryBase must be between 100 ms and 10 minutes");
        }

        if (options.RetryMax < options.RetryBase || options.RetryMax > TimeSpan.FromHours(6))
        {
            failures.Add("Ocpi:Delivery:RetryMax must be at least RetryBase and at most 6 hours");
        }

        if (options.MaxAttempts is < 1 or > 100)
        {
            failures.Add("Ocpi:Delivery:MaxAttempts must be between 1 and 100");
        }

        if (options.MaxQueued is < 10 or > 1_000_000)
        {
            failures.Add("Ocpi:Delivery:MaxQueued must be between 10 and 1,000,000");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
