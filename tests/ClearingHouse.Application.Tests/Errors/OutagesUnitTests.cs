using System.Net.Sockets;
using ClearingHouse.Application.Errors;
using Microsoft.Data.Sqlite;
using Orleans.Storage;

namespace ClearingHouse.Application.Tests.Errors;

public sealed class OutagesUnitTests
{
    public static TheoryData<Exception, string> Outages_ => new()
    {
        { new TransientDbException(), "durable store" },
        { new InvalidOperationException("activation failed", new TransientDbException()), "durable store" },
        { new AggregateException(new ArgumentException("x"), new SiloUnavailableException("gone")), "silo" },
        { new InconsistentStateException("etag"), "durable store" },
        { new TimeoutException("late"), "cluster" },
        { new SocketException((int)SocketError.ConnectionRefused), "connection refused" },
    };

    public static TheoryData<Exception> Defects => new()
    {
        new InvalidOperationException("a bug"),
        new SqliteException("no such table: x", 1),
        new AggregateException(new ArgumentException("x")),
        new NullReferenceException(),
    };

    [Theory]
    [MemberData(nameof(Outages_))]
    public void Describe_Outage_NamesWhatIsDown(Exception exception, string named)
    {
        var down = Outages.Describe(exception);
        Assert.NotNull(down);
        Assert.Contains(named, down, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Defects))]
    public void Describe_Defect_IsNotAnOutage(Exception exception) => Assert.Null(Outages.Describe(exception));

    /// <summary>What Npgsql throws when PostgreSQL cannot be reached (its IsTransient is true).</summary>
    private sealed class TransientDbException() : System.Data.Common.DbException("Failed to connect to 127.0.0.1:5439")
    {
        public override bool IsTransient => true;
    }
}
