using System.Collections.Concurrent;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Server.Tests.Infrastructure;
using Grpc.Core;
using Microsoft.Data.Sqlite;
using Npgsql;
using Xunit.Abstractions;

namespace ClearingHouse.Server.Tests.Tokens;

/// <summary>
/// "Nothing the hub answered is contradicted by what it stored": the real server in its own OS process, CPOs' Authorize
/// calls in flight from many callers, the process SIGKILLed, restarted on the same data; every decision a CPO got an
/// answer for is stored under its reference with the same outcome and source (a provisional fallback alone would be a
/// contradiction: the answer it stands for was the final one). On SQLite (Embedded) and PostgreSQL (Cluster).
/// </summary>
public sealed class AuthorizationKillTests(ITestOutputHelper output)
{
    private const int Callers = 16;
    private const int KillAfterAnswered = 1_500;
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    // Every hub-made outcome without an EMSP channel: the hub's copy, a hub rule, an unknown token, the no-channel fallbacks.
    private static readonly (string Uid, WhitelistType Whitelist, bool Valid)[] Tokens =
    [
        ("KILL-ALWAYS", WhitelistType.Always, true),
        ("KILL-BLOCKED", WhitelistType.Always, false),
        ("KILL-ALLOWED", WhitelistType.Allowed, true),
        ("KILL-OFFLINE", WhitelistType.AllowedOffline, true),
        ("KILL-NEVER", WhitelistType.Never, true),
    ];

    private static readonly string[] Presented = [.. Tokens.Select(t => t.Uid), "KILL-UNKNOWN"];

    private sealed record Answer(string Uid, int Allowed, int Source);

    private sealed record Stored(string Uid, string Cpo, int Allowed, int Source, bool Provisional);

    [Fact]
    public async Task Authorize_EmbeddedServerKilledUnderLoad_EveryAnswerStoredAsAnswered()
    {
        using var data = new TempDirectory();
        await KillUnderLoadAndCheckAsync(HubProcess.Settings.Embedded(data.Path), async () =>
        {
            await using var connection = new SqliteConnection($"Data Source={Path.Combine(data.Path, "clearinghouse.db")};Mode=ReadOnly;Pooling=False");
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = StoredQuery;
            await using var reader = await command.ExecuteReaderAsync();
            return await ReadStoredAsync(reader);
        });
    }

    [Fact]
    public async Task Authorize_ClusterServerKilledUnderLoad_EveryAnswerStoredAsAnswered()
    {
        using var data = new TempDirectory();
        var postgres = await TestServices.CreateDatabaseAsync();
        try
        {
            await KillUnderLoadAndCheckAsync(HubProcess.Settings.Cluster(data.Path, $"ch-akill-{Guid.NewGuid():N}", postgres), async () =>
            {
                await using var connection = new NpgsqlConnection(postgres);
                await connection.OpenAsync();
                await using var command = new NpgsqlCommand(StoredQuery, connection);
                await using var reader = await command.ExecuteReaderAsync();
                return await ReadStoredAsync(reader);
            });
        }
        finally
        {
            await TestServices.DropDatabaseAsync(postgres);
        }
    }

    private const string StoredQuery = """
        SELECT reference, uid, cpo, allowed, source, 0 FROM authorizations
        UNION ALL SELECT reference, uid, cpo, allowed, source, 1 FROM authorization_fallbacks
        """;

    private static async Task<ILookup<string, Stored>> ReadStoredAsync(System.Data.Common.DbDataReader reader)
    {
        var rows = new List<(string Reference, Stored Row)>();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetString(0), new Stored(reader.GetString(1), reader.GetString(2), Convert.ToInt32(reader.GetValue(3)), Convert.ToInt32(reader.GetValue(4)), Convert.ToInt32(reader.GetValue(5)) != 0)));
        }

        return rows.ToLookup(r => r.Reference, r => r.Row, StringComparer.Ordinal);
    }

    // A token write answers Unavailable when the Cluster's Redis cache cannot be invalidated in time (nothing applied,
    // retry): on a loaded machine that happens; an EMSP retries, so does this test.
    private static async Task PutWithRetriesAsync(TokenService.TokenServiceClient emsp, PutTokenRequest request)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await emsp.PutTokenAsync(request, deadline: DateTime.UtcNow.AddSeconds(60));
                return;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable && attempt < 30)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200 * Math.Min(attempt, 10)));
            }
        }
    }

    // The restart keeps the data. Its ports were free when the test began, but while the killed hub was down another test
    // running in parallel may have taken one: then the hub starts on fresh ports (the HTTP ones first, the silo's only if
    // one of those was taken), as an operator would.
    private static async Task<HubProcess> RestartAsync(HubProcess.Settings settings)
    {
        string[] http = ["Hub:GrpcPort", "Hub:MetricsPort", "Ocpi:Port"];
        string[] silo = ["Silo:SiloPort", "Silo:GatewayPort"];
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await HubProcess.StartAsync(settings);
            }
            catch (InvalidOperationException e) when (attempt < 4 && e.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
                var values = new Dictionary<string, string>(settings.Values);
                foreach (var key in attempt == 1 ? http : [.. http, .. silo])
                {
                    values[key] = HubHost.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
                }

                settings = settings with { Values = values };
            }
        }
    }

    /// <param name="settings">The hub; started twice with them.</param>
    /// <param name="readStored">Every stored decision (final and provisional rows), read directly from the store.</param>
    private async Task KillUnderLoadAndCheckAsync(HubProcess.Settings settings, Func<Task<ILookup<string, Stored>>> readStored)
    {
        var answered = new ConcurrentDictionary<string, Answer>(StringComparer.Ordinal);
        var failures = new ConcurrentQueue<string>();
        Roaming roaming;

        await using (var hub = await HubProcess.StartAsync(settings))
        {
            roaming = await Roaming.SetUpAsync(hub);
            var emsp = new TokenService.TokenServiceClient(roaming.EmspChannel(hub));
            foreach (var (uid, whitelist, valid) in Tokens)
            {
                await PutWithRetriesAsync(emsp, new PutTokenRequest
                {
                    Token = new Token
                    {
                        CountryCode = roaming.Emsp.CountryCode, PartyId = roaming.Emsp.PartyId, Uid = uid, Type = TokenType.Rfid,
                        ContractId = $"{roaming.Emsp.CountryCode}-{roaming.Emsp.PartyId}-C{uid.Length:D8}", Issuer = "Kill test", Valid = valid, Whitelist = whitelist,
                    },
                });
            }

            var enough = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var cpo = new TokenService.TokenServiceClient(roaming.CpoChannel(hub));
            var callers = Enumerable.Range(0, Callers).Select(c => Task.Run(async () =>
            {
                for (var i = c; ; i++)
                {
                    var uid = Presented[i % Presented.Length];
                    AuthorizeResponse response;
                    try
                    {
                        response = await cpo.AuthorizeAsync(
                            new AuthorizeRequest { Uid = uid, Type = TokenType.Rfid, Location = new LocationReferences { LocationId = "LOC1", EvseUids = { "EVSE1" } } },
                            deadline: DateTime.UtcNow.AddSeconds(60));
                    }
                    catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.Internal or StatusCode.Cancelled or StatusCode.DeadlineExceeded)
                    {
                        // The server died under the call: no answer, nothing to hold the store to.
                        return;
                    }
                    catch (Exception e)
                    {
                        failures.Enqueue($"{uid}: {e.GetType().Name}: {e.Message}");
                        return;
                    }

                    answered[response.Authorization.AuthorizationReference] = new Answer(uid, (int)response.Authorization.Allowed, (int)response.Source);
                    if (answered.Count >= KillAfterAnswered)
                    {
                        enough.TrySetResult();
                    }
                }
            })).ToArray();

            _ = Task.WhenAny(callers).ContinueWith(_ => enough.TrySetException(new InvalidOperationException(
                $"a caller stopped before {KillAfterAnswered} answers ({answered.Count}): {string.Join("; ", failures)}{Environment.NewLine}{hub.RecentOutput}")), TaskScheduler.Default);
            await enough.Task.WaitAsync(Patience);
            // Calls are in flight while the process dies: some decided, some recorded, some answered.
            await hub.KillAsync();
            await Task.WhenAll(callers).WaitAsync(Patience);
        }

        Assert.True(failures.IsEmpty, string.Join(Environment.NewLine, failures));
        Assert.True(answered.Count >= KillAfterAnswered);

        await using (var hub = await RestartAsync(settings))
        {
            // The restarted hub has opened (and recovered) the store; read what it holds.
            var stored = await readStored();
            var contradictions = new List<string>();
            foreach (var (reference, answer) in answered)
            {
                var rows = stored[reference].ToList();
                var final = rows.Where(r => !r.Provisional).ToList();
                var standing = final.Count > 0 ? final : rows; // what a reader of the reference gets: the final record, else the provisional one
                if (standing.Count != 1 || standing[0] is not { } row || row.Uid != answer.Uid || row.Cpo != $"{roaming.Cpo.CountryCode}-{roaming.Cpo.PartyId}-CPO"
                    || row.Allowed != answer.Allowed || row.Source != answer.Source)
                {
                    contradictions.Add($"{reference} answered {answer}, stored [{string.Join(", ", rows)}]");
                }
            }

            output.WriteLine($"{answered.Count} decisions answered before the kill, {stored.Count} references stored after the restart");
            Assert.True(contradictions.Count == 0, $"{contradictions.Count} of {answered.Count} answers contradicted by the store, e.g.{Environment.NewLine}{string.Join(Environment.NewLine, contradictions.Take(5))}");
            Assert.Contains(answered.Values, a => a.Source == (int)DecisionSource.HubCopy);
            Assert.Contains(answered.Values, a => a.Source == (int)DecisionSource.FallbackNoChannel);
            Assert.Contains(answered.Values, a => a.Source == (int)DecisionSource.HubRule);

            // The restarted hub still decides.
            var after = await new TokenService.TokenServiceClient(roaming.CpoChannel(hub)).AuthorizeAsync(new AuthorizeRequest { Uid = "KILL-ALWAYS", Type = TokenType.Rfid });
            Assert.Equal(AllowedType.Allowed, after.Authorization.Allowed);
        }
    }
}
