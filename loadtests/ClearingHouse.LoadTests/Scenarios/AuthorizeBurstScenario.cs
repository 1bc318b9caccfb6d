using System.Globalization;
using ClearingHouse.Contracts.V1;
using ClearingHouse.LoadTests.Cli;
using ClearingHouse.LoadTests.Hub;
using ClearingHouse.LoadTests.Scenarios.Shared;
using Grpc.Core;
using HdrHistogram;

namespace ClearingHouse.LoadTests.Scenarios;

/// <summary>
/// Loads <c>TokenService.Authorize</c> as a CPO. Set-up provisions a roaming pair, uploads
/// <c>AUTHORIZE_TOKENS</c> (default 100,000) whitelist-ALWAYS tokens (hub-answered) and as many
/// whitelist-NEVER tokens (only the EMSP's answer counts), and opens one EMSP channel per connection
/// answering ALLOWED after <c>AUTHORIZE_MSP_LATENCY_MS</c> (default 0). Each arrival authorizes a
/// random token; <c>AUTHORIZE_MSP_SHARE</c> (0..1, default 0) of them are MSP-answered. An arrival
/// fails when the decision is not ALLOWED from the expected source, so a fallback counts as an error.
/// With <c>AUTHORIZE_MSP_SILENT=1</c> the simulated EMSP never answers: the MSP share must then come back
/// NOT_ALLOWED from FALLBACK_TIMEOUT, and the run reports how far past the EMSP's deadline (announced
/// on the channel) each fallback arrived (p50, p99, max), the "deadline + 5 ms" target.
/// </summary>
public sealed class AuthorizeBurstScenario : IScenario
{
    public string Name => "authorize-burst";

    public string Description => "TokenService.Authorize as a CPO: hub-answered (ALWAYS) and MSP-answered (NEVER) tokens, env AUTHORIZE_MSP_SHARE / AUTHORIZE_MSP_LATENCY_MS / AUTHORIZE_TOKENS";

    public bool UsesHub => true;

    public async Task<IScenarioRun> StartAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        var hub = context.Options.Hub;
        var tokens = ScenarioEnv.Get("AUTHORIZE_TOKENS", 100_000);
        var mspShare = ScenarioEnv.Get("AUTHORIZE_MSP_SHARE", 0.0);
        var latency = TimeSpan.FromMilliseconds(ScenarioEnv.Get("AUTHORIZE_MSP_LATENCY_MS", 0.0));
        var uploadBatch = ScenarioEnv.Get("AUTHORIZE_UPLOAD_BATCH", 2000);
        var silent = ScenarioEnv.Get("AUTHORIZE_MSP_SILENT", 0) != 0;
        if (tokens < 1 || mspShare is < 0 or > 1 || latency < TimeSpan.Zero || uploadBatch is < 1 or > 10_000)
        {
            throw new LoadTestSetupException("AUTHORIZE_TOKENS must be >= 1, AUTHORIZE_MSP_SHARE within 0..1, AUTHORIZE_MSP_LATENCY_MS >= 0, AUTHORIZE_UPLOAD_BATCH within 1..10000");
        }

        var provisioner = new TestPartyProvisioner(hub, context.RequireOperatorCredential(), Name, context.Log);
        ConnectionSet? connections = null;
        Run? run = null;
        try
        {
            var pair = await provisioner.ProvisionRoamingPairAsync(cancellationToken);
            connections = context.OpenConnections(hub);
            var upload = new TokenService.TokenServiceClient(connections[0]);
            await context.Log.WriteLineAsync($"uploading {tokens} ALWAYS and {tokens} NEVER tokens for {pair.Emsp.Party}");
            await TokenUpload.PutAsync(upload, pair.Emsp, tokens * 2, i =>
            {
                var never = i >= tokens;
                return new Token
                {
                    CountryCode = pair.Emsp.Party.Ref.CountryCode,
                    PartyId = pair.Emsp.Party.Ref.PartyId,
                    Uid = Uid(pair.Emsp.Party.Ref.PartyId, never, never ? i - tokens : i),
                    Type = TokenType.Rfid,
                    ContractId = $"NL-{pair.Emsp.Party.Ref.PartyId}-C{i:D8}",
                    Issuer = "load test",
                    Valid = true,
                    Whitelist = never ? WhitelistType.Never : WhitelistType.Always,
                };
            }, uploadBatch, "AUTHORIZE_UPLOAD_BATCH", hub, context.Log, cancellationToken);

            run = new Run(provisioner, connections, pair, tokens, mspShare, latency, silent, context.Log);
            await run.OpenChannelsAsync(cancellationToken);
            for (var i = 0; i < connections.Count; i++)
            {
                try
                {
                    await run.ExecuteAsync(i, DateTime.UtcNow.AddSeconds(10), cancellationToken);
                }
                catch (RpcException e)
                {
                    throw HubErrors.Explain(e, hub, "TokenService.Authorize with the test CPO's credential");
                }
            }

            // The probes above and the warm-up do not count in the fallback lateness.
            run.MeasureLatenessAfter(context.Options.Warmup);
            return run;
        }
        catch
        {
            if (run is not null)
            {
                await run.DisposeAsync();
            }
            else
            {
                connections?.Dispose();
                await provisioner.DisposeAsync();
            }

            throw;
        }
    }

    // Prefixed with the run's EMSP: a uid + type stays owned by the EMSP of an earlier run (the hub
    // never moves tokens between EMSPs), so each run needs uids of its own.
    private static string Uid(string emsp, bool never, int i) => $"{emsp}{(never ? "N" : "A")}{i.ToString("D8", CultureInfo.InvariantCulture)}";

    private sealed class Run(TestPartyProvisioner provisioner, ConnectionSet connections, RoamingPair pair, int tokens, double mspShare, TimeSpan latency, bool silent, TextWriter log) : IScenarioRun, IScenarioFigures
    {
        // Service time (send to answer, microseconds) of each kind of decision, apart: the hub's own answer and the
        // EMSP's real-time one have different targets, and one mixed histogram hides both.
        private readonly LongConcurrentHistogram _hubAnswered = new(1, 60_000_000, 3);
        private readonly LongConcurrentHistogram _mspAnswered = new(1, 60_000_000, 3);

        private readonly Metadata _cpo = Bearer.Headers(pair.Cpo.Secret);
        // Microseconds past the EMSP's deadline at which a timed-out request's fallback arrived (silent mode).
        private readonly LongConcurrentHistogram _late = new(1, 60_000_000, 3);
        private long _early;
        private int _deadlineMs;
        private long _measureFrom = long.MaxValue;

        public void MeasureLatenessAfter(TimeSpan warmup) =>
            _measureFrom = System.Diagnostics.Stopwatch.GetTimestamp() + (long)(warmup.TotalSeconds * System.Diagnostics.Stopwatch.Frequency);
        private readonly TokenService.TokenServiceClient[] _clients = connections.CreateClients(c => new TokenService.TokenServiceClient(c));
        private readonly CancellationTokenSource _stop = new();
        private readonly List<Task> _channels = [];

        public string Target => silent
            ? $"TokenService.Authorize as {pair.Cpo.Party} ({mspShare:P0} to a silent EMSP: fallback at its deadline, {tokens} tokens each) at {connections.Address}"
            : $"TokenService.Authorize as {pair.Cpo.Party} ({mspShare:P0} MSP-answered after {latency.TotalMilliseconds} ms, {tokens} tokens each) at {connections.Address}";

        public async Task OpenChannelsAsync(CancellationToken cancellationToken)
        {
            if (mspShare <= 0)
            {
                return;
            }

            var ready = new List<Task>();
            for (var i = 0; i < connections.Count; i++)
            {
                var opened = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                ready.Add(opened.Task);
                _channels.Add(AnswerAsync(_clients[i], opened));
            }

            await Task.WhenAll(ready).WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
            await log.WriteLineAsync(silent
                ? $"opened {connections.Count} EMSP channels that never answer; the hub's deadline is {_deadlineMs} ms"
                : $"opened {connections.Count} EMSP channels answering after {latency.TotalMilliseconds} ms");
        }

        public async Task ExecuteAsync(int connection, DateTime deadline, CancellationToken cancellationToken)
        {
            var viaMsp = mspShare > 0 && Random.Shared.NextDouble() < mspShare;
            var request = new AuthorizeRequest { Uid = Uid(pair.Emsp.Party.Ref.PartyId, viaMsp, Random.Shared.Next(tokens)), Type = TokenType.Rfid };
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            var response = await _clients[connection].AuthorizeAsync(request, _cpo, deadline, cancellationToken);
            var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started);
            var expected = !viaMsp ? DecisionSource.HubCopy : silent ? DecisionSource.FallbackTimeout : DecisionSource.MspRealTime;
            var expectedAllowed = viaMsp && silent ? AllowedType.NotAllowed : AllowedType.Allowed;
            if (response.Authorization.Allowed != expectedAllowed || response.Source != expected)
            {
                throw new RpcException(new Status(StatusCode.Aborted, $"expected {expectedAllowed} from {expected}, got {response.Authorization.Allowed} from {response.Source}"));
            }

            if (started >= _measureFrom)
            {
                (viaMsp ? _mspAnswered : _hubAnswered).RecordValue(Math.Max(1, (long)elapsed.TotalMicroseconds));
            }

            if (viaMsp && silent && started >= _measureFrom)
            {
                // Seen from the CPO, so it includes the call's own way there and back: an upper bound.
                var late = (long)(elapsed.TotalMicroseconds - (_deadlineMs * 1000.0));
                if (late < 0)
                {
                    Interlocked.Increment(ref _early);
                }

                _late.RecordValue(Math.Max(1, late));
            }
        }

        public Task<IReadOnlyDictionary<string, double>> CollectFiguresAsync(DateTime measuredFromUtc, DateTime measuredToUtc, CancellationToken cancellationToken)
        {
            var figures = new Dictionary<string, double>();
            foreach (var (name, histogram) in new[] { ("hub-answered", _hubAnswered), (silent ? "fallback (EMSP silent)" : "EMSP-answered", _mspAnswered) })
            {
                figures[$"{name} decisions"] = histogram.TotalCount;
                if (histogram.TotalCount > 0)
                {
                    figures[$"{name} p50 ms (service time)"] = histogram.GetValueAtPercentile(50) / 1000.0;
                    figures[$"{name} p99 ms (service time)"] = histogram.GetValueAtPercentile(99) / 1000.0;
                    figures[$"{name} max ms (service time)"] = histogram.GetMaxValue() / 1000.0;
                }
            }

            return Task.FromResult<IReadOnlyDictionary<string, double>>(figures);
        }

        public async ValueTask DisposeAsync()
        {
            if (silent && _late.TotalCount > 0)
            {
                await log.WriteLineAsync(
                    $"timed-out fallbacks: {_late.TotalCount}, past the {_deadlineMs} ms deadline (as the CPO saw it): " +
                    $"p50 {_late.GetValueAtPercentile(50) / 1000.0:0.00} ms, p99 {_late.GetValueAtPercentile(99) / 1000.0:0.00} ms, " +
                    $"p99.9 {_late.GetValueAtPercentile(99.9) / 1000.0:0.00} ms, max {_late.GetMaxValue() / 1000.0:0.00} ms; " +
                    $"{Interlocked.Read(ref _early)} before the deadline; target max <= 5 ms");
            }

            await _stop.CancelAsync();
            try
            {
                await Task.WhenAll(_channels).WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (Exception)
            {
                // The channels end with the run; their status is of no interest.
            }

            _stop.Dispose();
            connections.Dispose();
            await provisioner.DisposeAsync();
        }

        private async Task AnswerAsync(TokenService.TokenServiceClient client, TaskCompletionSource opened)
        {
            using var call = client.AuthorizationChannel(Bearer.Headers(pair.Emsp.Secret), cancellationToken: _stop.Token);
            var gate = new SemaphoreSlim(1, 1);
            try
            {
                await foreach (var message in call.ResponseStream.ReadAllAsync(_stop.Token))
                {
                    if (message.Ready is not null)
                    {
                        _deadlineMs = message.Ready.DeadlineMs;
                        opened.TrySetResult();
                        continue;
                    }

                    if (!silent)
                    {
                        _ = AnswerOneAsync(message.Request.RequestId);
                    }
                }
            }
            catch (Exception ex)
            {
                opened.TrySetException(ex);
            }

            async Task AnswerOneAsync(string requestId)
            {
                try
                {
                    if (latency > TimeSpan.Zero)
                    {
                        await Task.Delay(latency, _stop.Token);
                    }

                    await gate.WaitAsync(_stop.Token);
                    try
                    {
                        await call.RequestStream.WriteAsync(new AuthorizationChannelRequest { Answer = new AuthorizationAnswer { RequestId = requestId, Allowed = AllowedType.Allowed } });
                    }
                    finally
                    {
                        gate.Release();
                    }
                }
                catch (Exception ex) when (ex is OperationCanceledException or RpcException or InvalidOperationException)
                {
                }
            }
        }
    }
}
