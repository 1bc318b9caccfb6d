using System.Collections.Concurrent;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Server.Tests.Infrastructure;
using ClearingHouse.Server.Tests.Tokens;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Health.V1;
using Xunit.Abstractions;

namespace ClearingHouse.Server.Tests.Faults;

/// <summary>
/// The hub's PostgreSQL stopped as a crash stops it (<c>pg_ctl -m immediate stop</c>), for 5 s, while a CPO submits
/// CDRs and authorizes tokens whose EMSP answers ALLOWED on its channel (issue 16, finding 2): every failure is
/// retryable (Unavailable, or the caller's own deadline), never Internal; no authorization answered is other than
/// the EMSP's ALLOWED (whitelist NEVER: a fallback would be NOT_ALLOWED); the hub recovers by itself.
/// </summary>
[Collection(FaultTests.Name)]
public sealed class PostgresOutageTests(ITestOutputHelper output)
{
    private const int Tokens = 400;
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task PostgresStoppedDuringIngestAndAuthorization_RetryableFailuresOnlyAndNoDecisionFlipped()
    {
        await using var postgres = await OwnPostgres.StartAsync();
        using var data = new TempDirectory();
        var settings = HubProcess.Settings.Cluster(data.Path, $"ch-pg-{Guid.NewGuid():N}", postgres.ConnectionString);
        await using var hub = await HubProcess.StartAsync(settings);
        var roaming = await Roaming.SetUpAsync(hub);
        await new TariffService.TariffServiceClient(roaming.CpoChannel(hub)).PutTariffAsync(new PutTariffRequest { OcpiJson = Roaming.MinPriceTariff });
        var emspTokens = new TokenService.TokenServiceClient(roaming.EmspChannel(hub));
        for (var i = 0; i < Tokens; i++)
        {
            // A token write is refused Unavailable while the caches' Redis (shared by the test run) is away; a client
            // retries, and so does the set-up.
            await RetryUnavailableAsync(() => emspTokens.PutTokenAsync(new PutTokenRequest { Token = Token(roaming, i) }).ResponseAsync);
        }

        await using var msp = await MspSimulator.OpenAsync(roaming.EmspChannel(hub), MspBehaviour.Allow);
        var log = new CallLog();
        var decisions = new ConcurrentQueue<(double At, AuthorizeResponse Response)>();
        var cpoTokens = new TokenService.TokenServiceClient(roaming.CpoChannel(hub));
        var cdrs = new CdrService.CdrServiceClient(roaming.CpoChannel(hub));
        var health = new Health.HealthClient(hub.Channel(null));
        var healthSeen = new ConcurrentQueue<(double At, string Status)>();
        using var stop = new CancellationTokenSource();
        var loops = new[]
        {
            // What an orchestrator's probe sees meanwhile.
            log.LoopAsync("health", async _ =>
            {
                var reply = await health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(10));
                healthSeen.Enqueue((log.Now, reply.Status.ToString()));
                await Task.Delay(100);
            }, stop.Token),
            // Each token in turn: most asks during the outage meet a token grain that has to load its token.
            log.LoopAsync("authorize", async i =>
            {
                var response = await cpoTokens.AuthorizeAsync(
                    new AuthorizeRequest { Uid = Uid(i % Tokens), Type = TokenType.Rfid, Location = new LocationReferences { LocationId = "LOC1", EvseUids = { "EVSE1" } } },
                    deadline: DateTime.UtcNow.AddSeconds(3));
                decisions.Enqueue((log.Now, response));
            }, stop.Token),
            log.LoopAsync("cdr", async i =>
            {
                var reply = await cdrs.SubmitCdrBatchAsync(new SubmitCdrBatchRequest { Cdrs = { roaming.Cdr($"P{i:D6}") } }, deadline: DateTime.UtcNow.AddSeconds(15));
                Assert.True(reply.Acks[0].Status is CdrAckStatus.Accepted or CdrAckStatus.Duplicate, $"CDR P{i:D6}: {reply.Acks[0]}");
            }, stop.Token),
        };
        try
        {
            await log.WaitForSuccessesAsync("authorize", 20, 0, Patience);
            await log.WaitForSuccessesAsync("cdr", 20, 0, Patience);

            var stoppedAt = log.Now;
            await postgres.StopImmediateAsync();
            await Task.Delay(Outage); // the outage itself
            await postgres.StartServerAsync();
            var backAt = log.Now;
            await Task.WhenAll(
                log.WaitForSuccessesAsync("authorize", 50, backAt, Patience),
                log.WaitForSuccessesAsync("cdr", 20, backAt, Patience));
            // Calls succeed again: the probe must say so too (no NOT_SERVING once the hub serves).
            var servedAgainAt = log.Now;
            await WaitForHealthAsync(healthSeen, servedAgainAt);
            await stop.CancelAsync();
            await Task.WhenAll(loops).WaitAsync(Patience);

            var calls = log.Calls;
            var failed = calls.Where(c => c.Status != StatusCode.OK).ToList();
            var flipped = decisions.Where(d => d.Response.Authorization.Allowed != AllowedType.Allowed).ToList();
            var recovered = calls.Where(c => c.Status == StatusCode.OK && c.StartMs >= backAt).GroupBy(c => c.Kind).ToDictionary(g => g.Key, g => g.Min(c => c.EndMs) - backAt);
            output.WriteLine($"PostgreSQL down {backAt - stoppedAt:0} ms; {calls.Count} calls, {failed.Count} failed: " +
                string.Join(", ", failed.GroupBy(c => (c.Kind, c.Status)).Select(g => $"{g.Key.Kind} {g.Key.Status} {g.Count()}")));
            output.WriteLine($"first success after PostgreSQL was back: " + string.Join(", ", recovered.Select(r => $"{r.Key} {r.Value:0} ms")));
            output.WriteLine($"authorizations answered {decisions.Count}, of which not ALLOWED (flipped) {flipped.Count}");
            output.WriteLine($"health during the outage: " + string.Join(", ", healthSeen.Where(h => h.At >= stoppedAt && h.At <= backAt).GroupBy(h => h.Status).Select(g => $"{g.Key} {g.Count()}")) +
                "; after it: " + string.Join(", ", healthSeen.Where(h => h.At > backAt).GroupBy(h => h.Status).Select(g => $"{g.Key} {g.Count()}")));
            output.WriteLine(log.Summary());

            Assert.True(failed.All(c => c.Status is StatusCode.Unavailable or StatusCode.DeadlineExceeded),
                $"a failure that is not retryable:{Environment.NewLine}{log.Summary()}{Environment.NewLine}{hub.RecentOutput}");
            Assert.True(flipped.Count == 0, $"{flipped.Count} decisions other than the EMSP's ALLOWED: {string.Join("; ", flipped.Take(10).Select(f => $"{f.At:0} ms {f.Response}"))}");
        }
        finally
        {
            await stop.CancelAsync();
        }
    }

    // Waits until a health answer given after `afterMs` says SERVING.
    private static async Task WaitForHealthAsync(ConcurrentQueue<(double At, string Status)> seen, double afterMs)
    {
        using var cts = new CancellationTokenSource(Patience);
        while (!seen.Any(h => h.At > afterMs && h.Status == nameof(HealthCheckResponse.Types.ServingStatus.Serving)))
        {
            if (cts.IsCancellationRequested)
            {
                throw new TimeoutException($"health did not say SERVING again within {Patience} of the calls succeeding: {string.Join(", ", seen.TakeLast(10).Select(h => $"{h.At:0} ms {h.Status}"))}");
            }

            await Task.Delay(100, CancellationToken.None);
        }
    }

    private static async Task RetryUnavailableAsync(Func<Task> call)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            try
            {
                await call();
                return;
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Unavailable && DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }
        }
    }

    private static string Uid(int i) => $"PGTOK{i:D5}";

    private static Token Token(Roaming roaming, int i) => new()
    {
        CountryCode = roaming.Emsp.CountryCode,
        PartyId = roaming.Emsp.PartyId,
        Uid = Uid(i),
        Type = TokenType.Rfid,
        ContractId = $"DE-{roaming.Emsp.PartyId}-C{i:D5}",
        Issuer = "Test Mobility",
        Valid = true,
        Whitelist = WhitelistType.Never,
        LastUpdated = Timestamp.FromDateTime(new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc)),
    };
}
