using System.Collections.Frozen;
using ClearingHouse.Application.Commands;
using ClearingHouse.Application.Tokens;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Parties;
using ClearingHouse.Ocpi.Commands;
using ClearingHouse.Ocpi.Credentials;
using ClearingHouse.Ocpi.Hosting;
using ClearingHouse.Ocpi.Versions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Ocpi.Outbound;

/// <summary>A registered partner as the hub calls it: its endpoints and its TOKEN_B (in memory only, never logged).</summary>
/// <param name="Party">The party.</param>
/// <param name="TokenB">The token the hub presents to the partner.</param>
/// <param name="Endpoints">The partner's 2.2.1 endpoints.</param>
public sealed record OcpiPartnerLink(PartyKey Party, string TokenB, IReadOnlyList<OcpiPartnerEndpoint> Endpoints)
{
    /// <summary>The URL of the partner's <paramref name="module"/> endpoint in <paramref name="role"/>, or null.</summary>
    public string? Endpoint(string module, string role) =>
        Endpoints.FirstOrDefault(e => e.Identifier == module && e.Role == role)?.Url;

    /// <summary>Never prints the token.</summary>
    public override string ToString() => $"{Party} ({Endpoints.Count} endpoints)";
}

/// <summary>
/// This silo's view of the registered OCPI partners the hub calls: read from their registration grains at start (then
/// their durable outboxes are woken), after
/// every registration change made through this silo (<see cref="RefreshAsync"/>) and every 30 s (a change made through
/// another silo). It routes the real-time authorization of every EMSP whose platform publishes a tokens SENDER endpoint
/// to an <see cref="OcpiEmspAuthorizer"/> of its own (<see cref="RemoteMspRoutes"/>), and the commands to every CPO whose
/// platform publishes a commands RECEIVER endpoint to an <see cref="OcpiCpoCommandSender"/> (<see cref="RemoteCommandRoutes"/>);
/// other parties keep their gRPC channels.
/// </summary>
public sealed partial class OcpiPartnerDirectory(
    IGrainFactory grains,
    OcpiSecretProtector protector,
    RemoteMspRoutes routes,
    RemoteCommandRoutes commandRoutes,
    OcpiPartnerHttp http,
    OcpiDeliveryMetrics deliveryMetrics,
    IOptions<OcpiOptions> options,
    IHostApplicationLifetime lifetime,
    ILogger<OcpiPartnerDirectory> logger) : BackgroundService
{
    private static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(30);
    private readonly SemaphoreSlim _refreshing = new(1, 1);
    private FrozenDictionary<PartyKey, OcpiPartnerLink> _links = FrozenDictionary<PartyKey, OcpiPartnerLink>.Empty;

    /// <summary>The registered partner <paramref name="party"/>, when it is one.</summary>
    public bool TryGet(PartyKey party, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out OcpiPartnerLink? link) =>
        Volatile.Read(ref _links).TryGetValue(party, out link);

    /// <summary>Every registered partner this silo knows.</summary>
    public IReadOnlyCollection<OcpiPartnerLink> All => Volatile.Read(ref _links).Values;

    /// <summary>Reads every registration again and re-routes authorizations; concurrent calls share one read after the latest change.</summary>
    public async Task RefreshAsync()
    {
        await _refreshing.WaitAsync();
        try
        {
            // Straight from the registry, not through the silo's PartyDirectory: warming that cache here would make this
            // silo's readers serve a view up to Directory:RefreshInterval old where they would otherwise fetch a fresh one.
            var registry = await grains.GetGrain<IPartyRegistryGrain>(IPartyRegistryGrain.Key).GetSnapshot(0);
            var snapshot = registry?.Parties.Select(p => p.Key).ToArray() ?? [];
            var views = await Task.WhenAll(snapshot.Select(p => grains.GetGrain<IOcpiPartnerGrain>(p.ToString()).Get()));
            var links = new Dictionary<PartyKey, OcpiPartnerLink>();
            foreach (var view in views)
            {
                if (view.Registration is not { } registration)
                {
                    continue;
                }

                try
                {
                    links[view.Party] = new OcpiPartnerLink(view.Party, protector.Unprotect(registration.ProtectedTokenB), registration.Endpoints);
                }
                catch (System.Security.Cryptography.CryptographicException)
                {
                    // A token protected with a key the ring no longer has: the partner must register again (PUT).
                    LogUnreadableToken(logger, view.Party.ToString());
                }
            }

            Volatile.Write(ref _links, links.ToFrozenDictionary());
            var authorizers = new Dictionary<PartyKey, IRemoteMspAuthorizer>();
            foreach (var link in links.Values)
            {
                if (link.Party.Role == PartyRole.Emsp && link.Endpoint("tokens", "SENDER") is { } tokensUrl)
                {
                    authorizers[link.Party] = new OcpiEmspAuthorizer(link, tokensUrl, http);
                }
            }

            routes.Replace("ocpi", authorizers);
            var hubResults = OcpiVersions.Url(options.Value, OcpiCommandsModule.ResultPath);
            var hubProfileResults = OcpiVersions.Url(options.Value, ChargingProfiles.OcpiChargingProfiles.ResultPath);
            var senders = new Dictionary<PartyKey, IRemoteCommandSender>();
            foreach (var link in links.Values)
            {
                // Commands and charging profiles each go to the platform when it has their RECEIVER endpoint.
                if (link.Party.Role == PartyRole.Cpo
                    && (link.Endpoint("commands", "RECEIVER") is { } || link.Endpoint("chargingprofiles", "RECEIVER") is { }))
                {
                    senders[link.Party] = new OcpiCpoCommandSender(
                        link, link.Endpoint("commands", "RECEIVER"), hubResults, link.Endpoint("chargingprofiles", "RECEIVER"), hubProfileResults, http);
                }
            }

            commandRoutes.Replace("ocpi", senders);
        }
        finally
        {
            _refreshing.Release();
        }
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Not before the host has started: a grain call while the silo is still joining its cluster can wait for the
        // membership, and the party directory's readers (authentication) would wait behind it.
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        using (stoppingToken.Register(() => started.TrySetCanceled(stoppingToken)))
        {
            try
            {
                await started.Task;
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        // The outbox's instruments exist from the start (their series at zero), whether or not a push happens.
        GC.KeepAlive(deliveryMetrics);
        var wait = TimeSpan.Zero;
        var woken = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(wait, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                await RefreshAsync();
                wait = RefreshInterval;
                if (!woken)
                {
                    // After a restart nothing else activates the outboxes: what they hold is delivered from here.
                    await Task.WhenAll(All.Select(l => grains.GetGrain<IOcpiOutboxGrain>(l.Party.ToString()).Wake()));
                    woken = true;
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The silo may not be up yet, or the store is away: try again soon; the last view stays in use.
                LogRefreshFailed(logger, ex.GetType().Name);
                wait = TimeSpan.FromSeconds(2);
            }
        }
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _refreshing.Dispose();
        base.Dispose();
    }

    [LoggerMessage(EventId = 9511, Level = LogLevel.Debug, Message = "OCPI partner directory refresh failed ({ExceptionType}); retrying")]
    private static partial void LogRefreshFailed(ILogger logger, string exceptionType);

    [LoggerMessage(EventId = 9512, Level = LogLevel.Warning, Message = "OCPI partner {Party}: its TOKEN_B cannot be read (Data Protection key missing); it must register again")]
    private static partial void LogUnreadableToken(ILogger logger, string party);
}
