using System.Globalization;
using ClearingHouse.Contracts.V1;
using ClearingHouse.LoadTests.Cli;
using ClearingHouse.LoadTests.Hub;
using ClearingHouse.LoadTests.Scenarios.Shared;

namespace ClearingHouse.LoadTests.Scenarios;

/// <summary>
/// Loads real-time authorization over OCPI 2.2.1: a CPO registered over OCPI (the credentials handshake against the
/// tool's own partner platform, <see cref="OcpiPlatform"/>) calls <c>POST tokens/{uid}/authorize</c> on the hub's tokens
/// sender interface, one random token per arrival, answered by the hub: an EMSP with an agreement uploads
/// <c>OCPI_AUTHORIZE_TOKENS</c> (default 10,000) whitelist-ALWAYS tokens over gRPC (<c>PutTokens</c>, messages of
/// <c>OCPI_AUTHORIZE_UPLOAD_BATCH</c>, default 2,000). An answer other than HTTP 200, status_code 1000, <c>allowed</c>
/// ALLOWED and an <c>authorization_reference</c> is an error. The per-arrival latency is the hub-answered decision as an
/// OCPI CPO sees it (issue 15's target: p99 at most 3x the gRPC Authorize p99 at the same rate, authorize-burst). The
/// hub must run with <c>--Ocpi:AllowInsecurePartnerUrls true</c> (the platform is plain http on 127.0.0.1).
/// </summary>
public sealed class OcpiAuthorizeScenario : IScenario
{
    public string Name => "ocpi-authorize";

    public string Description =>
        "OCPI 2.2.1 POST tokens/{uid}/authorize as a CPO registered over OCPI (hub-answered, whitelist ALWAYS; --connections HTTP/1.1 connections); " +
        "env OCPI_AUTHORIZE_TOKENS / _UPLOAD_BATCH";

    public bool UsesHub => true;

    public async Task<IScenarioRun> StartAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        var tokens = ScenarioEnv.Get("OCPI_AUTHORIZE_TOKENS", 10_000);
        var uploadBatch = ScenarioEnv.Get("OCPI_AUTHORIZE_UPLOAD_BATCH", 2000);
        if (tokens < 1 || uploadBatch is < 1 or > 10_000)
        {
            throw new LoadTestSetupException("OCPI_AUTHORIZE_TOKENS must be >= 1, OCPI_AUTHORIZE_UPLOAD_BATCH within 1..10000");
        }

        var hub = context.Options.Hub;
        return await OcpiScenarioPartners.SetUpAsync(context, Name, async partners =>
        {
            var cpo = await partners.RegisterCpoAsync(cancellationToken);
            var emsp = await partners.Provisioner.ProvisionPartyAsync(PartyRole.Emsp, cancellationToken);
            await partners.Provisioner.SetAgreementAsync(cpo.Party, emsp.Party, cancellationToken);
            using (var channel = ConnectionSet.CreateChannel(hub))
            {
                await context.Log.WriteLineAsync($"uploading {tokens} ALWAYS tokens for {emsp.Party}");
                await TokenUpload.PutAsync(new TokenService.TokenServiceClient(channel), emsp, tokens, i => new Token
                {
                    CountryCode = emsp.Party.Ref.CountryCode,
                    PartyId = emsp.Party.Ref.PartyId,
                    Uid = Uid(emsp.Party.Ref.PartyId, i),
                    Type = TokenType.Rfid,
                    ContractId = $"NL-{emsp.Party.Ref.PartyId}-C{i:D8}",
                    Issuer = "load test",
                    Valid = true,
                    Whitelist = WhitelistType.Always,
                }, uploadBatch, "OCPI_AUTHORIZE_UPLOAD_BATCH", hub, context.Log, cancellationToken);
            }

            var run = new Run(partners, cpo, emsp, tokens);
            for (var i = 0; i < context.Options.Connections; i++)
            {
                try
                {
                    await run.ExecuteAsync(i, DateTime.UtcNow.AddSeconds(30), cancellationToken);
                }
                catch (Exception e) when (e is OcpiCallException or HttpRequestException or TimeoutException or InvalidOperationException)
                {
                    throw new LoadTestSetupException($"the first OCPI authorization failed: {e.Message}", e);
                }
            }

            return run;
        }, cancellationToken);
    }

    // Prefixed with the run's EMSP: a uid + type stays owned by the EMSP of an earlier run.
    private static string Uid(string emsp, int i) => $"{emsp}O{i.ToString("D8", CultureInfo.InvariantCulture)}";

    private sealed class Run(OcpiScenarioPartners partners, OcpiParty cpo, TestCredential emsp, int tokens) : IScenarioRun
    {
        private readonly HttpClient[] _clients = partners.Clients;
        private readonly string _sender = cpo.Endpoint("tokens", "SENDER");

        public string Target =>
            $"OCPI POST tokens/{{uid}}/authorize at {_sender} as {cpo.Party} ({tokens} ALWAYS tokens of {emsp.Party}, hub-answered), {_clients.Length} HTTP/1.1 connection(s)";

        public async Task ExecuteAsync(int connection, DateTime deadline, CancellationToken cancellationToken)
        {
            var uid = Uid(emsp.Party.Ref.PartyId, Random.Shared.Next(tokens));
            var info = await OcpiHttp.SendAsync(_clients[connection], HttpMethod.Post, $"{_sender}/{uid}/authorize?type=RFID", cpo.Authorization, null, "POST authorize", deadline, cancellationToken);
            var allowed = info?["allowed"]?.GetValue<string>();
            if (allowed != "ALLOWED" || info?["authorization_reference"]?.GetValue<string>() is not { Length: > 0 })
            {
                throw new InvalidOperationException($"expected ALLOWED with an authorization_reference for {uid}, got {info?.ToJsonString() ?? "no data"}");
            }
        }

        public ValueTask DisposeAsync() => partners.DisposeAsync();
    }
}
