using ClearingHouse.Storage.Postgres;

namespace ClearingHouse.Storage.Tests.Postgres;

public sealed class PostgresStorageOptionsValidatorUnitTests
{
    private readonly PostgresStorageOptionsValidator _validator = new();

    [Theory]
    [InlineData("Host=127.0.0.1;Port=5439;Username=postgres;Database=clearinghouse")]
    [InlineData("Host=db1,db2;Username=ch;Password=secret;Database=ch;Search Path=ch")]
    public void Validate_Accepts_ConnectionStringsWithHost(string connectionString)
    {
        var result = _validator.Validate(null, new PostgresStorageOptions { ConnectionString = connectionString });

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    [InlineData("Username=postgres;Database=clearinghouse")]
    [InlineData("Nonsense Key=1")]
    public void Validate_Rejects_MissingOrHostlessConnectionStrings(string? connectionString)
    {
        var result = _validator.Validate(null, new PostgresStorageOptions { ConnectionString = connectionString });

        Assert.True(result.Failed);
        Assert.Contains("Storage:Postgres:ConnectionString", result.FailureMessage, StringComparison.Ordinal);
    }
}
