using ClearingHouse.Application.Diagnostics;
using System.Diagnostics;
using ClearingHouse.Application.Access;
using ClearingHouse.Application.Channels;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Domain.Tariffs;
using ClearingHouse.Domain.Tokens;
using ClearingHouse.Grains;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Options;
using ClearingHouse.Grains.Tokens;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Application.Tokens;

/// <summary>A CPO's real-time authorization question.</summary>
/// <param name="Uid">The token uid presented.</param>
/// <param name="Type">The token type presented (checked: a defined <see cref="TokenType"/>).</param>
/// <param name="LocationId">The location id when the request names a location (then required), else null.</param>
/// <param name="EvseUids">The EVSE uids of the location (kept as given, not copied: the record keeps this list).</param>
public readonly record struct AuthorizationQuery(string Uid, TokenType Type, string? LocationId, IReadOnlyList<string> EvseUids);

/// <summary>The hub's answer to an authorization, as recorded under its reference.</summary>
/// <param name="Decision">What was decided and how.</param>
/// <param name="Reference">The authorization_reference that later sessions and CDRs link to.</param>
/// <param name="Info">The EMSP's display text, or the hub's explanation of a refusal it made, or null.</param>
/// <param name="Token">The hub's copy of the token, when it is known and its EMSP roams with the CPO; else null.</param>
public readonly record struct AuthorizationResult(AuthorizationDecision Decision, string Reference, DisplayText? Info, TokenRecord? Token);

/// <summary>
/// Real-time authorization (DESIGN.md, flow 2), for every edge: check the question, read the token's grain,
/// check the roaming agreement (<see cref="AccessPolicy"/>), plan with <see cref="AuthorizationRules"/>, ask the
/// EMSP on its channels (or its OCPI endpoint: <see cref="RemoteMspRoutes"/>) within its deadline (cut to the caller's), fall back by the whitelist rules, and record
/// the decision durably (<see cref="AuthorizationJournal"/>) before it is answered: no decision is answered
/// unless its reference is recorded.
/// </summary>
public sealed class AuthorizationCore(
    TokenGrainReferences tokenGrains,
    AccessPolicy policy,
    MspChannelHub channels,
    RemoteMspRoutes remoteRoutes,
    AuthorizationJournal journal,
    TokenMetrics metrics,
    HubClock clock,
    IOptions<TokensOptions> options)
{
    /// <summary>Most EVSE uids in one question.</summary>
    public const int MaxEvseUids = 100;

    // How much of the EMSP's share the hub's own work before the ask may take on a busy 2-core machine before a
    // timeout is no longer the EMSP's (a token load from a slow or recovering store takes far longer).
    private static readonly TimeSpan HubTimeTolerance = TimeSpan.FromMilliseconds(250);

    private static readonly DisplayText UnknownToken = Text("Unknown token");
    private static readonly DisplayText NoAgreement = Text("No roaming agreement with the token's provider");
    private static readonly DisplayText Expired = Text("Token expired");
    private static readonly DisplayText Blocked = Text("Token blocked");
    private static readonly DisplayText Unreachable = Text("The token's provider could not be reached to confirm it");

    /// <summary>
    /// Decides <paramref name="query"/> for <paramref name="caller"/> (a CPO, else PermissionDenied): InvalidArgument
    /// naming the field when malformed, Unavailable when the decision could not be recorded, or when the EMSP did not
    /// answer in time after the hub's own time (a token load, a slow store) had taken its share of the caller's deadline
    /// (the EMSP's clock is its share from the call's arrival, not what the hub left of it: a fallback then would be
    /// the hub's slowness deciding).
    /// </summary>
    /// <param name="caller">Who asks.</param>
    /// <param name="query">The question.</param>
    /// <param name="callDeadline">The caller's own deadline (UTC; <see cref="DateTime.MaxValue"/> for none): the EMSP's wait is cut to it.</param>
    /// <param name="cancellationToken">The caller going away.</param>
    public Task<AuthorizationResult> AuthorizeAsync(CallerIdentity caller, AuthorizationQuery query, DateTime callDeadline, CancellationToken cancellationToken) =>
        AuthorizeAsync(caller, query, callDeadline, static (result, _) => result, (object?)null, cancellationToken);

    /// <summary>
    /// As <see cref="AuthorizeAsync(CallerIdentity, AuthorizationQuery, DateTime, CancellationToken)"/>, answered
    /// through <paramref name="respond"/> (given <paramref name="state"/>, e.g. the edge's request): an edge maps
    /// the result to its response inside this one asynchronous method, so the hot path pays for one async frame,
    /// not one here and one more in the edge. Pass a static lambda (no closure per call).
    /// </summary>
    public async Task<TResponse> AuthorizeAsync<TState, TResponse>(
        CallerIdentity caller,
        AuthorizationQuery query,
        DateTime callDeadline,
        Func<AuthorizationResult, TState, TResponse> respond,
        TState state,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(respond);
        var started = Stopwatch.GetTimestamp();
        var cpo = caller.RequireParty(PartyRole.Cpo);
        Validate(query);
        var arrived = DateTime.UtcNow;
        var token = await tokenGrains.Get(query.Type, query.Uid).Get();
        var view = await policy.ViewAsync();
        var agreementActive = token is not null && policy.MayExchange(view, cpo, token.Owner);
        var reference = AuthorizationReferences.New(DateTimeOffset.UtcNow);
        var plan = AuthorizationRules.Plan(token?.Facts, agreementActive);
        DisplayText? info = null;
        AuthorizationDecision decision;
        Task? provisional = null;
        var timedOut = false;
        if (plan.Final is { } final)
        {
            decision = final;
        }
        else
        {
            var configured = options.Value.DeadlineFor(token!.Owner.ToString());
            var wait = CallDeadlines.PartnerWait(configured, callDeadline);
            var reply = MspReply.Timeout;
            if (wait > TimeSpan.Zero)
            {
                // The fallback is recorded while the EMSP is asked (group commit, off the critical path), so that a
                // timed-out ask is answered at the deadline instead of one disk flush after it. An answer in time
                // is recorded as final below and supersedes it.
                var fallback = AuthorizationRules.Resolve(token.Facts, MspOutcome.Timeout);
                provisional = journal.RecordAsync(Record(reference, cpo, token, query, fallback, clock.UtcNow + wait, provisional: true), cancellationToken);
                var asked = Stopwatch.GetTimestamp();
                using (var span = HubActivities.Source.StartActivity(HubActivities.AskEmsp))
                {
                    var ask = new MspAsk { Token = token, Cpo = cpo, LocationId = query.LocationId, EvseUids = [.. query.EvseUids], AuthorizationReference = reference, Timeout = wait };
                    // An EMSP on another protocol (OCPI) is asked there, with the same ask and the same outcomes.
                    reply = remoteRoutes.TryGet(token.Owner, out var remote)
                        ? await remote.AskAsync(ask, cancellationToken)
                        : await channels.AskAsync(ask);
                    span?.SetTag("clearinghouse.msp.outcome", reply.Kind.ToString());
                }

                metrics.MspAnswered(reply.Kind, asked);
            }

            timedOut = reply.Kind == MspOutcomeKind.Timeout;
            if (timedOut && EmspShareLost(configured, callDeadline, arrived, wait))
            {
                // The hub's own time (loading the token, a slow store) took the EMSP's share of the deadline: a timeout
                // fallback now would be a decision made by the hub's slowness, not by the EMSP. Retryable instead.
                throw new HubException(HubErrorCode.Unavailable, "the hub was too slow to give the EMSP its time to answer (a dependency is slow); retry");
            }
            decision = AuthorizationRules.Resolve(token.Facts, reply.Outcome);
            if (reply.InfoText is { } text)
            {
                info = new DisplayText { Language = reply.InfoLanguage ?? "", Text = text };
            }
        }

        using var recording = HubActivities.Source.StartActivity(HubActivities.RecordDecision);
        try
        {
            if (provisional is not null && timedOut)
            {
                // The provisional record is this decision.
                await provisional;
            }
            else
            {
                // Superseded by the final record (read first, whatever the order of writing); its own fault is only observed.
                _ = provisional?.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                await journal.RecordAsync(Record(reference, cpo, token, query, decision, clock.UtcNow, provisional: false), cancellationToken);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // No decision is answered unless its reference is recorded: sessions and CDRs link to it.
            throw new HubException(HubErrorCode.Unavailable, "the hub could not record the authorization; retry");
        }

        metrics.Decided(decision, started);
        return respond(new AuthorizationResult(decision, reference, info ?? HubInfo(decision, token is null, agreementActive), agreementActive ? token : null), state);
    }

    /// <summary>
    /// True when the EMSP got noticeably less time than its share: what it would have had, had the hub asked the moment
    /// the call arrived (its configured deadline, cut to the caller's as <see cref="CallDeadlines.PartnerWait"/> cuts
    /// it). A caller's own short deadline is no loss; the hub's own time before the ask is, beyond a tolerance for the
    /// hub's ordinary work on a busy machine.
    /// </summary>
    internal static bool EmspShareLost(TimeSpan configured, DateTime callDeadline, DateTime arrived, TimeSpan wait)
    {
        if (callDeadline == DateTime.MaxValue)
        {
            return false; // the EMSP always gets its whole configured deadline
        }

        var left = callDeadline - arrived;
        var share = left - CallDeadlines.Margin(left);
        share = share < configured ? share : configured;
        return share > TimeSpan.Zero && share - wait > HubTimeTolerance;
    }

    /// <summary>InvalidArgument naming the field (proto field paths) when <paramref name="query"/> is malformed.</summary>
    public static void Validate(in AuthorizationQuery query)
    {
        HubException.ThrowIfInvalid(TokenRules.ValidateUid(query.Uid), "uid");
        TokensCore.RequireType(query.Type, "type");
        if (query.LocationId is { } locationId)
        {
            HubException.ThrowIfInvalid(TokenRules.ValidateId(locationId, required: true), "location.location_id");
        }

        var evseUids = query.EvseUids ?? [];
        if (evseUids.Count > MaxEvseUids)
        {
            throw new HubException(HubErrorCode.InvalidArgument, $"location.evse_uids may hold at most {MaxEvseUids} uids", "location.evse_uids");
        }

        for (var i = 0; i < evseUids.Count; i++)
        {
            HubException.ThrowIfInvalid(TokenRules.ValidateId(evseUids[i], required: true), $"location.evse_uids[{i}]");
        }
    }

    private static AuthorizationRecord Record(string reference, PartyKey cpo, TokenRecord? token, in AuthorizationQuery query, AuthorizationDecision made, DateTimeOffset at, bool provisional) => new()
    {
        Reference = reference,
        Cpo = cpo,
        Emsp = token?.Owner,
        Uid = query.Uid,
        Type = query.Type,
        LocationId = query.LocationId,
        EvseUids = query.EvseUids ?? [],
        Allowed = made.Allowed,
        Source = made.Source,
        DecidedAt = at,
        Provisional = provisional,
    };

    private static DisplayText? HubInfo(AuthorizationDecision decision, bool unknown, bool agreementActive) => decision.Source switch
    {
        DecisionSource.HubRule when unknown => UnknownToken,
        DecisionSource.HubRule when !agreementActive => NoAgreement,
        DecisionSource.HubRule when decision.Allowed == AllowedType.Expired => Expired,
        DecisionSource.HubRule => Blocked,
        // A refusal the EMSP did not make itself: the driver should know it may be worth trying again.
        DecisionSource.FallbackTimeout or DecisionSource.FallbackNoChannel when decision.Allowed != AllowedType.Allowed => Unreachable,
        _ => null,
    };

    private static DisplayText Text(string text) => new() { Language = "en", Text = text };
}
