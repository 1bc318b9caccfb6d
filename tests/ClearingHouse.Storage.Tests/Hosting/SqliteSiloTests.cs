using ClearingHouse.Storage.Sqlite;
using ClearingHouse.Storage.Tests.Sqlite;

namespace ClearingHouse.Storage.Tests.Hosting;

public sealed class SqliteSiloTests(SqliteFileFixture file) : SiloTestBase, IClassFixture<SqliteFileFixture>
{
    protected override string ConnectionStringSetting => "Storage:Sqlite:ConnectionString";

    protected override void AddStorage(ISiloBuilder silo) =>
        silo.AddClearingHouseSqliteStorage(o => o.ConnectionString = file.ConnectionString);

    protected override void AddStorageWithoutConnectionString(ISiloBuilder silo) =>
        silo.AddClearingHouseSqliteStorage(o => o.ConnectionString = " ");
}
