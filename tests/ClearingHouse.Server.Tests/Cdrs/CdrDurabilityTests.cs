using ClearingHouse.Contracts.V1;
using ClearingHouse.Domain.Credentials;
using ClearingHouse.Server.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace ClearingHouse.Server.Tests.Cdrs;

/// <summary>Acknowledged CDRs are durable: on SQLite (Embedded) and PostgreSQL (Cluster, two silos).</summary>
public sealed class CdrDurabilityTests
{
    [Fact]
    public async Task SubmitCdrBatch_HubRestarted_AcknowledgedCdrsStillThere()
    {
        using var data = new TempDirectory();
        Roaming roaming;
        await using (var hub = await HubHost.StartEmbeddedAsync(data.Path))
        {
            roaming = await Roaming.SetUpAsync(hub);
            await new TariffService.TariffServiceClient(roaming.CpoChannel(hub)).PutTariffAsync(new PutTariffRequest { OcpiJson = Roaming.MinPriceTariff });
            var acks = await new CdrService.CdrServiceClient(roaming.CpoChannel(hub)).SubmitCdrBatchAsync(new SubmitCdrBatchRequest { Cdrs = { roaming.Cdr("D1"), roaming.Cdr("D2") } });
            Assert.All(acks.Acks, a => Assert.Equal(CdrAckStatus.Accepted, a.Status));

            // Acknowledged means committed: an independent connection to the file sees both rows at once.
            await using var connection = new SqliteConnection($"Data Source={Path.Combine(data.Path, "clearinghouse.db")};Pooling=False");
            await connection.OpenAsync();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT count(*) FROM cdrs WHERE cpo_party = $p";
            command.Parameters.AddWithValue("$p", roaming.Cpo.PartyId);
            Assert.Equal(2L, (long)(await command.ExecuteScalarAsync())!);
        }

        await using (var hub = await HubHost.StartEmbeddedAsync(data.Path))
        {
            var listed = await new CdrService.CdrServiceClient(roaming.EmspChannel(hub)).ListCdrsAsync(new ListCdrsRequest());
            Assert.Equal(["D1", "D2"], listed.Cdrs.Select(c => c.Id));
            var again = await new CdrService.CdrServiceClient(roaming.CpoChannel(hub)).SubmitCdrBatchAsync(new SubmitCdrBatchRequest { Cdrs = { roaming.Cdr("D1") } });
            Assert.Equal(CdrAckStatus.Duplicate, Assert.Single(again.Acks).Status);
            Assert.Equal("T-MIN", (await new TariffService.TariffServiceClient(roaming.EmspChannel(hub)).GetTariffAsync(new GetTariffRequest { Cpo = roaming.Cpo, TariffId = "T-MIN" })).Tariff.Id);
        }
    }

    [Fact]
    public async Task SubmitCdrBatch_ClusterRetriesThroughBothSilos_StoredOnceInPostgres()
    {
        var clusterId = $"ch-test-{Guid.NewGuid():N}";
        var operatorSecret = CredentialSecret.Generate(party: null).Text;
        var postgres = await TestServices.CreateDatabaseAsync();
        try
        {
            await using var a = await HubHost.StartClusterAsync(clusterId, postgres, operatorSecret);
            await using var b = await HubHost.StartClusterAsync(clusterId, postgres, operatorSecret);
            // Both silos know each other before the batch goes through both (what a load balancer's readiness does).
            await a.WaitForActiveSilosAsync(2, TimeSpan.FromSeconds(60));
            await b.WaitForActiveSilosAsync(2, TimeSpan.FromSeconds(60));
            var roaming = await Roaming.SetUpAsync(a);
            await new TariffService.TariffServiceClient(roaming.CpoChannel(a)).PutTariffAsync(new PutTariffRequest { OcpiJson = Roaming.MinPriceTariff });
            var batch = new SubmitCdrBatchRequest();
            for (var i = 0; i < 20; i++)
            {
                batch.Cdrs.Add(roaming.Cdr($"C{i:D2}"));
            }

            // The same batch retried 8 times at once, half through each silo.
            var clients = new[] { new CdrService.CdrServiceClient(roaming.CpoChannel(a)), new CdrService.CdrServiceClient(roaming.CpoChannel(b)) };
            var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(n => clients[n % 2].SubmitCdrBatchAsync(batch).ResponseAsync));

            var acks = responses.SelectMany(r => r.Acks).ToList();
            Assert.Equal(20, acks.Count(x => x.Status == CdrAckStatus.Accepted));
            Assert.Equal(140, acks.Count(x => x.Status == CdrAckStatus.Duplicate));
            Assert.Equal(20, acks.Where(x => x.Status == CdrAckStatus.Accepted).Select(x => x.CdrId).Distinct().Count());
            await using var connection = new NpgsqlConnection(postgres);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT count(*) FROM cdrs WHERE cpo_party = $1", connection) { Parameters = { new NpgsqlParameter<string> { TypedValue = roaming.Cpo.PartyId } } };
            Assert.Equal(20L, (long)(await command.ExecuteScalarAsync())!);
            var listed = await new CdrService.CdrServiceClient(roaming.EmspChannel(b)).ListCdrsAsync(new ListCdrsRequest { Page = new PageRequest { PageSize = 1000 } });
            Assert.Equal(20, listed.Cdrs.Count);
        }
        finally
        {
            await TestServices.DropDatabaseAsync(postgres);
        }
    }
}
