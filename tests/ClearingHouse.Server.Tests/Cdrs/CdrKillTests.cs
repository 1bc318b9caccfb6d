using System.Collections.Concurrent;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Server.Tests.Infrastructure;
using Grpc.Core;
using Microsoft.Data.Sqlite;
using Npgsql;
using Xunit.Abstractions;

namespace ClearingHouse.Server.Tests.Cdrs;

/// <summary>
/// "A killed server loses no acknowledged CDR": the real server in its own OS process, CDRs streamed to it over
/// SubmitCdrs, the process SIGKILLed while batches are in flight, restarted on the same data; every CDR that was
/// acknowledged as ACCEPTED is stored, and submitting everything again stores nothing twice. On SQLite (Embedded)
/// and PostgreSQL (Cluster).
/// </summary>
public sealed class CdrKillTests(ITestOutputHelper output)
{
    private const int BatchSize = 25;
    private const int PlannedBatches = 2_000; // far more than are sent before the kill
    private const int KillAfterAccepted = 1_000;
    private const int InFlightBatches = 8;
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task SubmitCdrs_EmbeddedServerKilledMidStream_NoAcknowledgedCdrLost()
    {
        using var data = new TempDirectory();
        var settings = HubProcess.Settings.Embedded(data.Path);
        await KillMidStreamAndCheckAsync(settings, async cpoParty =>
        {
            await using var connection = new SqliteConnection($"Data Source={Path.Combine(data.Path, "clearinghouse.db")};Mode=ReadOnly;Pooling=False");
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT count(*), count(DISTINCT cdr_id) FROM cdrs WHERE cpo_party = $p";
            command.Parameters.AddWithValue("$p", cpoParty);
            await using var reader = await command.ExecuteReaderAsync();
            await reader.ReadAsync();
            return (reader.GetInt64(0), reader.GetInt64(1));
        });
    }

    [Fact]
    public async Task SubmitCdrs_ClusterServerKilledMidStream_NoAcknowledgedCdrLost()
    {
        using var data = new TempDirectory();
        var postgres = await TestServices.CreateDatabaseAsync();
        try
        {
            var settings = HubProcess.Settings.Cluster(data.Path, $"ch-kill-{Guid.NewGuid():N}", postgres);
            await KillMidStreamAndCheckAsync(settings, async cpoParty =>
            {
                await using var connection = new NpgsqlConnection(postgres);
                await connection.OpenAsync();
                await using var command = new NpgsqlCommand("SELECT count(*), count(DISTINCT cdr_id) FROM cdrs WHERE cpo_party = $1", connection)
                {
                    Parameters = { new NpgsqlParameter<string> { TypedValue = cpoParty } },
                };
                await using var reader = await command.ExecuteReaderAsync();
                await reader.ReadAsync();
                return (reader.GetInt64(0), reader.GetInt64(1));
            });
        }
        finally
        {
            await TestServices.DropDatabaseAsync(postgres);
        }
    }

    /// <param name="settings">The hub; started twice with them.</param>
    /// <param name="countRows">Rows and distinct ids of the CPO in the store, read directly.</param>
    private async Task KillMidStreamAndCheckAsync(HubProcess.Settings settings, Func<string, Task<(long Rows, long Distinct)>> countRows)
    {
        var sent = new ConcurrentDictionary<string, byte>(StringComparer.Ordinal);
        var accepted = new ConcurrentDictionary<string, byte>(StringComparer.Ordinal);
        Roaming roaming;
        int batchesWritten;

        await using (var hub = await HubProcess.StartAsync(settings))
        {
            roaming = await Roaming.SetUpAsync(hub);
            await new TariffService.TariffServiceClient(roaming.CpoChannel(hub)).PutTariffAsync(new PutTariffRequest { OcpiJson = Roaming.MinPriceTariff });

            var enoughAcked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using var streamEnded = new CancellationTokenSource();
            using var window = new SemaphoreSlim(InFlightBatches);
            using var call = new CdrService.CdrServiceClient(roaming.CpoChannel(hub)).SubmitCdrs();

            var reader = Task.Run(async () =>
            {
                try
                {
                    await foreach (var response in call.ResponseStream.ReadAllAsync())
                    {
                        foreach (var ack in response.Acks)
                        {
                            Assert.True(ack.Status == CdrAckStatus.Accepted, $"CDR {ack.CdrId}: {ack.Status} {string.Join("; ", ack.Reasons.Select(r => r.Description))}");
                            accepted.TryAdd(ack.CdrId, 0);
                        }

                        window.Release();
                        if (accepted.Count >= KillAfterAccepted)
                        {
                            enoughAcked.TrySetResult();
                        }
                    }
                }
                catch (Exception e) when (e is RpcException or IOException or OperationCanceledException)
                {
                    // The server died under the stream: expected once it was killed.
                }
                finally
                {
                    enoughAcked.TrySetException(new InvalidOperationException($"the stream ended before {KillAfterAccepted} CDRs were acknowledged ({accepted.Count}):{Environment.NewLine}{hub.RecentOutput}"));
                    await streamEnded.CancelAsync();
                }
            });

            var written = 0;
            var writer = Task.Run(async () =>
            {
                try
                {
                    for (var b = 0; b < PlannedBatches; b++)
                    {
                        await window.WaitAsync(streamEnded.Token);
                        var request = new SubmitCdrsRequest { BatchId = (ulong)b };
                        for (var i = 0; i < BatchSize; i++)
                        {
                            var id = $"K{b:D5}-{i:D2}";
                            sent.TryAdd(id, 0); // before the write: a CDR that may have reached the server counts as sent
                            request.Cdrs.Add(roaming.Cdr(id));
                        }

                        await call.RequestStream.WriteAsync(request, streamEnded.Token);
                        written++;
                    }
                }
                catch (Exception e) when (e is RpcException or IOException or OperationCanceledException or InvalidOperationException)
                {
                    // The server died under the stream.
                }
            });

            await enoughAcked.Task.WaitAsync(Patience);
            // Mid-stream: batches are being written and acknowledged while the process dies.
            await hub.KillAsync();
            await Task.WhenAll(reader, writer).WaitAsync(Patience);
            batchesWritten = written;
        }

        Assert.True(batchesWritten < PlannedBatches, "the stream was not cut by the kill");
        Assert.True(accepted.Count >= KillAfterAccepted);
        Assert.True(sent.Count > accepted.Count || batchesWritten * BatchSize >= accepted.Count);

        await using (var hub = await HubProcess.StartAsync(settings))
        {
            // Every acknowledged CDR is stored, once.
            var listed = await ListAllAsync(new CdrService.CdrServiceClient(roaming.CpoChannel(hub)));
            Assert.Equal(listed.Count, listed.Distinct().Count());
            var missing = accepted.Keys.Except(listed).ToList();
            Assert.True(missing.Count == 0, $"{missing.Count} acknowledged CDRs lost, e.g. {string.Join(", ", missing.Take(5))}");
            Assert.Subset(sent.Keys.ToHashSet(), listed.ToHashSet());

            output.WriteLine($"sent {sent.Count} CDRs in {batchesWritten} batches, {accepted.Count} acknowledged before the kill, {listed.Count} stored after the restart");
            var emsp = new CdrService.CdrServiceClient(roaming.EmspChannel(hub));
            foreach (var chunk in accepted.Keys.Order().Chunk(32))
            {
                var got = await Task.WhenAll(chunk.Select(id => emsp.GetCdrAsync(new GetCdrRequest { Cpo = roaming.Cpo, CdrId = id }).ResponseAsync));
                Assert.All(got.Zip(chunk), g => Assert.Equal(g.Second, g.First.Cdr.Id));
            }

            // Submitting everything again: each acknowledged CDR is a duplicate; one sent but never acknowledged may
            // have been committed before the kill (duplicate) or not (accepted now). Nothing is rejected.
            var cpo = new CdrService.CdrServiceClient(roaming.CpoChannel(hub));
            var (duplicates, acceptedNow) = (0, 0);
            foreach (var chunk in sent.Keys.Order().Chunk(100))
            {
                var request = new SubmitCdrBatchRequest();
                request.Cdrs.AddRange(chunk.Select(id => roaming.Cdr(id)));
                var response = await cpo.SubmitCdrBatchAsync(request);
                duplicates += response.Acks.Count(a => a.Status == CdrAckStatus.Duplicate);
                acceptedNow += response.Acks.Count(a => a.Status == CdrAckStatus.Accepted);
                foreach (var ack in response.Acks)
                {
                    if (accepted.ContainsKey(ack.CdrId))
                    {
                        Assert.Equal(CdrAckStatus.Duplicate, ack.Status);
                    }
                    else
                    {
                        Assert.Contains(ack.Status, new[] { CdrAckStatus.Accepted, CdrAckStatus.Duplicate });
                    }
                }
            }

            output.WriteLine($"re-submitted all {sent.Count}: {duplicates} duplicate, {acceptedNow} accepted (sent, never acknowledged, not committed)");
            var after = await ListAllAsync(cpo);
            Assert.Equal(sent.Count, after.Count);
            Assert.Equal(sent.Count, after.Distinct().Count());
            var (rows, distinct) = await countRows(roaming.Cpo.PartyId);
            Assert.Equal(sent.Count, rows);
            Assert.Equal(sent.Count, distinct);
        }
    }

    private static async Task<List<string>> ListAllAsync(CdrService.CdrServiceClient client)
    {
        var ids = new List<string>();
        var token = "";
        do
        {
            var page = await client.ListCdrsAsync(new ListCdrsRequest { Page = new PageRequest { PageSize = 1000, PageToken = token } });
            ids.AddRange(page.Cdrs.Select(c => c.Id));
            token = page.Page.NextPageToken;
        }
        while (token.Length > 0);

        return ids;
    }
}
