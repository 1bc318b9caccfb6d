using ClearingHouse.Server.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Server.Tests.Hosting;

/// <summary>Every options type has its validator, run at start: a bad setting stops the hub with a message naming it.</summary>
public sealed class OptionsValidationTests
{
    [Theory]
    [InlineData("Tokens:HubCopyMaxAge", "00:00:00")]
    [InlineData("Tokens:RedisCacheTtl", "30.00:00:00")]
    [InlineData("Locations:FeedRetention", "2.00:00:00")]
    [InlineData("Locations:SnapshotCacheTtl", "-00:00:01")]
    [InlineData("Sessions:SubscriptionBatchSize", "0")]
    [InlineData("Commands:ResponseTimeout", "00:05:00")]
    [InlineData("Cdrs:MaxBatchSize", "0")]
    [InlineData("Cdrs:CurrencyTolerances:EUX", "0.05")]
    [InlineData("Cdrs:CurrencyTolerances:EUR", "-0.01")]
    [InlineData("Tariffs:HistoryRetention", "30.00:00:00")]
    [InlineData("Settlement:MaxPeriodDays", "0")]
    [InlineData("Ops:StaleStatusAfter", "00:00:00")]
    [InlineData("Directory:RefreshInterval", "00:05:00")]
    public async Task Start_BadSetting_FailsNamingIt(string key, string value)
    {
        using var data = new TempDirectory();

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(
            () => HubHost.StartEmbeddedAsync(data.Path, settings: new Dictionary<string, string?> { [key] = value }));

        Assert.Contains(ex.Failures, f => f.Contains(key, StringComparison.Ordinal));
    }
}
