using Microsoft.Extensions.Options;
using Npgsql;

namespace ClearingHouse.Storage.Postgres;

/// <summary>Fails start-up when <see cref="PostgresStorageOptions"/> has no usable connection string.</summary>
public sealed class PostgresStorageOptionsValidator : IValidateOptions<PostgresStorageOptions>
{
    private const string ConnectionStringKey = PostgresStorageOptions.SectionName + ":" + nameof(PostgresStorageOptions.ConnectionString);

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, PostgresStorageOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            return ValidateOptionsResult.Fail(
                $"{ConnectionStringKey} is required: set it to an Npgsql connection string such as 'Host=db;Username=clearinghouse;Database=clearinghouse'.");
        }

        try
        {
            var builder = new NpgsqlConnectionStringBuilder(options.ConnectionString);
            if (string.IsNullOrWhiteSpace(builder.Host))
            {
                return ValidateOptionsResult.Fail($"{ConnectionStringKey} must name a server (Host=...).");
            }
        }
        catch (ArgumentException ex)
        {
            return ValidateOptionsResult.Fail($"{ConnectionStringKey} is not a valid Npgsql connection string: {ex.Message}");
        }

        return ValidateOptionsResult.Success;
    }
}
