using ClearingHouse.Storage.Postgres;
using ClearingHouse.Storage.Tests.Postgres;

namespace ClearingHouse.Storage.Tests.Hosting;

public sealed class PostgresSiloTests(PostgresDatabaseFixture database) : SiloTestBase, IClassFixture<PostgresDatabaseFixture>
{
    protected override string ConnectionStringSetting => "Storage:Postgres:ConnectionString";

    protected override void AddStorage(ISiloBuilder silo) =>
        silo.AddClearingHousePostgresStorage(o => o.ConnectionString = database.ConnectionString);

    protected override void AddStorageWithoutConnectionString(ISiloBuilder silo) =>
        silo.AddClearingHousePostgresStorage(o => o.ConnectionString = null);
}
