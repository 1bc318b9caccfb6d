using ClearingHouse.Storage.Sqlite;

namespace ClearingHouse.Storage.Tests.Sqlite;

public sealed class SqliteStorageOptionsValidatorUnitTests
{
    private readonly SqliteStorageOptionsValidator _validator = new();

    [Theory]
    [InlineData("Data Source=data/clearinghouse.db")]
    [InlineData("Data Source=/var/lib/clearinghouse/ch.db;Cache=Shared")]
    public void Validate_Accepts_FileConnectionStrings(string connectionString)
    {
        var result = _validator.Validate(null, new SqliteStorageOptions { ConnectionString = connectionString });

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("Data Source=:memory:")]
    [InlineData("Data Source=x.db;Mode=Memory")]
    [InlineData("Cache=Shared")]
    [InlineData("Nonsense Key=1")]
    public void Validate_Rejects_MissingOrNonDurableConnectionStrings(string? connectionString)
    {
        var result = _validator.Validate(null, new SqliteStorageOptions { ConnectionString = connectionString });

        Assert.True(result.Failed);
        Assert.Contains("Storage:Sqlite:ConnectionString", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_NonPositiveBusyTimeout_Fails()
    {
        var result = _validator.Validate(null, new SqliteStorageOptions { ConnectionString = "Data Source=a.db", BusyTimeout = TimeSpan.Zero });

        Assert.True(result.Failed);
        Assert.Contains("Storage:Sqlite:BusyTimeout", result.FailureMessage, StringComparison.Ordinal);
    }
}
