using System.Collections.Concurrent;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains;
using ClearingHouse.Grains.Credentials;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Options;
using ClearingHouse.Grains.Parties;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Application.Access;

/// <summary>
/// The access policy applied to what stays open: every live stream and channel (session, status and CDR feeds,
/// command results, EMSP authorization channels, CPO command channels) registers here with its caller. Once per
/// <c>Directory:RefreshInterval</c> (and at once after a change made through this silo, see <see cref="RecheckNowAsync"/>)
/// this silo checks every open stream's party: a party that is suspended or whose credential was revoked or expired
/// loses every open stream at once (its <see cref="LiveStream.Token"/> is cancelled and <see cref="RunAsync"/> ends
/// with PermissionDenied). A party that loses one agreement keeps its streams but receives nothing more of that
/// counterpart: feeds ask <see cref="LiveStream.MayReceiveFromAsync"/> per item.
/// </summary>
/// <remarks>
/// Adopting it is one call: wrap the stream's body in <see cref="RunAsync"/> and use the <see cref="LiveStream.Token"/>
/// it hands over instead of the call's token. Cost: one directory read (cached) per pass, and one credentials-grain call
/// per party with open streams on this silo per pass; nothing per item beyond the cached agreement check.
/// </remarks>
public sealed partial class LiveAccess(
    AccessPolicy policy,
    IGrainFactory grains,
    IOptions<PartyDirectoryOptions> options,
    ILogger<LiveAccess> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<LiveStream, byte> _open = new();

    /// <summary>
    /// Registers an open stream of <paramref name="caller"/>: its <see cref="LiveStream.Token"/> is cancelled when the
    /// call is (<paramref name="callAborted"/>) or when the caller loses access. Dispose it when the stream ends.
    /// </summary>
    public LiveStream Open(CallerIdentity caller, CancellationToken callAborted)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var stream = new LiveStream(this, caller, callAborted);
        _open[stream] = 0;
        return stream;
    }

    /// <summary>
    /// Runs a stream's <paramref name="body"/> under watch: the body gets a <see cref="LiveStream"/> whose token stops it
    /// when the call ends or access is lost; in the second case this throws PermissionDenied (a <see cref="HubException"/>)
    /// naming the reason, whatever the body did on cancellation.
    /// </summary>
    public async Task RunAsync(CallerIdentity caller, Func<LiveStream, Task> body, CancellationToken callAborted)
    {
        ArgumentNullException.ThrowIfNull(body);
        using var stream = Open(caller, callAborted);
        try
        {
            await body(stream);
        }
        catch (Exception ex) when (stream.Denial is not null && ex is not HubException { Code: HubErrorCode.PermissionDenied })
        {
            // Whatever stopped the body (a cancelled read or write), the reason the caller needs is the denial.
        }

        if (stream.Denial is { } denial)
        {
            throw denial;
        }
    }

    /// <summary>
    /// The feed form of <see cref="RunAsync"/>: yields what <paramref name="source"/> yields (given the stream's
    /// token) while <paramref name="caller"/> may receive; when the party is suspended or its credential revoked
    /// the source is cancelled and the enumeration ends with PermissionDenied.
    /// </summary>
    public async IAsyncEnumerable<T> GuardAsync<T>(CallerIdentity caller, Func<CancellationToken, IAsyncEnumerable<T>> source, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken callAborted = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        using var stream = Open(caller, callAborted);
        var items = source(stream.Token).GetAsyncEnumerator(stream.Token);
        try
        {
            while (true)
            {
                bool more;
                try
                {
                    more = await items.MoveNextAsync();
                }
                catch (Exception ex) when (stream.Denial is not null && ex is not HubException { Code: HubErrorCode.PermissionDenied })
                {
                    // Whatever stopped the source (a cancelled read), the reason the caller needs is the denial.
                    more = false;
                }

                stream.ThrowIfDenied();
                if (!more)
                {
                    yield break;
                }

                yield return items.Current;
            }
        }
        finally
        {
            await items.DisposeAsync();
        }
    }

    /// <summary>
    /// Checks every open stream now (after a suspension, revocation or agreement change made through this silo, once the
    /// directory has the change): when it returns, the streams that lost access are denied.
    /// </summary>
    public Task RecheckNowAsync() => CheckAsync();

    /// <summary>One pass over the open streams: denies those whose party is suspended or whose credential stopped working.</summary>
    internal async Task CheckAsync()
    {
        if (_open.IsEmpty)
        {
            return;
        }

        var view = await policy.ViewAsync();
        var now = policy.Now;
        var byParty = new Dictionary<PartyKey, List<LiveStream>>();
        foreach (var stream in _open.Keys)
        {
            if (stream.Caller.Party is not { } party || stream.Denial is not null)
            {
                // The operator's credential is the host's configuration: it cannot be revoked while a stream is open.
                continue;
            }

            if (view.GetParty(party) is null)
            {
                // A view older than the party (parties are never removed): the next pass decides.
                continue;
            }

            if (!AccessPolicy.IsActive(view, party))
            {
                stream.Deny(PartyRefusals.NotActive(party, view.GetParty(party)?.Status));
                continue;
            }

            if (stream.Caller.CredentialId == CallerIdentity.DeliveryCredentialId)
            {
                // The hub's own delivery to the party's platform: only the party's standing (above) can end it.
                continue;
            }

            if (!byParty.TryGetValue(party, out var list))
            {
                byParty[party] = list = [];
            }

            list.Add(stream);
        }

        foreach (var (party, streams) in byParty)
        {
            IReadOnlyList<CredentialRecord> credentials;
            try
            {
                credentials = await grains.GetGrain<IPartyCredentialsGrain>(party.ToString()).List();
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // An outage is no revocation: the streams stay, the next pass checks again.
                LogCheckFailed(logger, party.ToString(), ex.GetType().Name);
                continue;
            }

            foreach (var stream in streams)
            {
                var credential = credentials.FirstOrDefault(c => c.Id == stream.Caller.CredentialId);
                var status = credential?.StatusAt(now) ?? CredentialStatus.Revoked;
                if (status is not (CredentialStatus.Active or CredentialStatus.Rotating))
                {
                    stream.Deny($"credential {stream.Caller.CredentialId} of {party} is {status.ToString().ToLowerInvariant()}");
                }
            }
        }
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.RefreshInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await CheckAsync();
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogCheckFailed(logger, "*", ex.GetType().Name);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    internal void Closed(LiveStream stream) => _open.TryRemove(stream, out _);

    internal void Denied(LiveStream stream, string reason) => LogDenied(logger, stream.Caller.Party?.ToString() ?? "operator", stream.Caller.CredentialId, reason);

    internal ValueTask<bool> MayReceiveFromAsync(CallerIdentity caller, PartyKey counterpart) =>
        caller.IsOperator ? ValueTask.FromResult(true) : MayReadAsync(caller, counterpart);

    private async ValueTask<bool> MayReadAsync(CallerIdentity caller, PartyKey counterpart) => policy.MayRead(await policy.ViewAsync(), caller, counterpart);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "Open stream of {Party} (credential {CredentialId}) closed: {Reason}")]
    private static partial void LogDenied(ILogger logger, string party, string credentialId, string reason);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Warning, Message = "Live access check of {Party} failed ({ExceptionType}); checked again on the next pass")]
    private static partial void LogCheckFailed(ILogger logger, string party, string exceptionType);
}

/// <summary>One open stream or channel watched by <see cref="LiveAccess"/>.</summary>
public sealed class LiveStream : IDisposable
{
    private readonly LiveAccess _owner;
    private readonly CancellationTokenSource _stop;
    private HubException? _denial;

    internal LiveStream(LiveAccess owner, CallerIdentity caller, CancellationToken callAborted)
    {
        _owner = owner;
        Caller = caller;
        _stop = CancellationTokenSource.CreateLinkedTokenSource(callAborted);
    }

    /// <summary>Whose stream it is.</summary>
    public CallerIdentity Caller { get; }

    /// <summary>Cancelled when the call ends or the caller loses access: use it for every read, write and wait of the stream.</summary>
    public CancellationToken Token => _stop.Token;

    /// <summary>Why the caller lost access (PermissionDenied), or null while it has it.</summary>
    public HubException? Denial => Volatile.Read(ref _denial);

    /// <summary>
    /// Whether an item of <paramref name="counterpart"/> (the CPO of a session, the EMSP of a command) may reach this
    /// stream now: the operator always, a party only while its agreement with the counterpart is active (the directory's
    /// cached view, at most <c>Directory:RefreshInterval</c> old). False once the stream is denied.
    /// </summary>
    public ValueTask<bool> MayReceiveFromAsync(PartyKey counterpart) =>
        Denial is not null ? ValueTask.FromResult(false) : _owner.MayReceiveFromAsync(Caller, counterpart);

    /// <summary>PermissionDenied when the caller lost access.</summary>
    public void ThrowIfDenied()
    {
        if (Denial is { } denial)
        {
            throw denial;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _owner.Closed(this);
        _stop.Dispose();
    }

    internal void Deny(string reason)
    {
        if (Interlocked.CompareExchange(ref _denial, new HubException(HubErrorCode.PermissionDenied, $"the stream was closed: {reason}"), null) is null)
        {
            _owner.Denied(this, reason);
            try
            {
                _stop.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The stream ended meanwhile.
            }
        }
    }
}
