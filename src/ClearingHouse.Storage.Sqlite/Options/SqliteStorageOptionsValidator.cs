using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Storage.Sqlite;

/// <summary>Fails start-up when <see cref="SqliteStorageOptions"/> cannot open a database file.</summary>
public sealed class SqliteStorageOptionsValidator : IValidateOptions<SqliteStorageOptions>
{
    private const string ConnectionStringKey = SqliteStorageOptions.SectionName + ":" + nameof(SqliteStorageOptions.ConnectionString);

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, SqliteStorageOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            return ValidateOptionsResult.Fail(
                $"{ConnectionStringKey} is required: set it to a SQLite connection string such as 'Data Source=data/clearinghouse.db'.");
        }

        var failures = new List<string>();
        try
        {
            var builder = new SqliteConnectionStringBuilder(options.ConnectionString);
            if (string.IsNullOrWhiteSpace(builder.DataSource))
            {
                failures.Add($"{ConnectionStringKey} must name a database file (Data Source=...).");
            }
            else if (builder.Mode == SqliteOpenMode.Memory || builder.DataSource == ":memory:")
            {
                failures.Add($"{ConnectionStringKey} names an in-memory database; durable storage needs a file.");
            }
        }
        catch (ArgumentException ex)
        {
            failures.Add($"{ConnectionStringKey} is not a valid SQLite connection string: {ex.Message}");
        }

        if (options.BusyTimeout <= TimeSpan.Zero)
        {
            failures.Add($"{SqliteStorageOptions.SectionName}:{nameof(SqliteStorageOptions.BusyTimeout)} must be positive.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
