using ClearingHouse.Application.Access;
using ClearingHouse.Grains;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Operations;

namespace ClearingHouse.Application.Operations.Audit;

/// <summary>One page of the audit log, newest first, and where the next one starts.</summary>
/// <param name="Entries">The entries of this page.</param>
/// <param name="NextBeforeSequence">The sequence to pass as <c>before_sequence</c> for the next (older) page; 0 on the last page.</param>
public sealed record AuditPage(IReadOnlyList<AuditEntry> Entries, long NextBeforeSequence);

/// <summary>
/// The hub's durable audit log, for every edge (gRPC today, the operator console next): the changes of who may do what
/// (parties registered, suspended, reinstated, archived; credentials issued, rotated, revoked; agreements set and ended)
/// and the operator's settlement and operations actions (statements closed, disputes moved, resends). Each entry says
/// who (the operator's or a party's credential id), when, what, on what, and the reason given or the outcome. An entry is
/// written after its change is durable and before the call returns, so a change the caller saw succeed is in the log.
/// </summary>
public sealed class AuditLog(IAuditStore store, HubClock clock)
{
    /// <summary>Default and largest page sizes.</summary>
    public const int DefaultLimit = 100, MaxLimit = 1000;

    /// <summary>Longest filter text accepted.</summary>
    public const int MaxFilterLength = 200;

    /// <summary>Appends what <paramref name="caller"/> did (durable when it returns).</summary>
    public Task RecordAsync(CallerIdentity caller, string action, string target, string detail, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var who = caller.IsOperator ? "operator" : caller.Party!.Value.ToString();
        return store.AppendAsync(new AuditEntry { At = clock.UtcNow, Actor = $"{who} ({caller.CredentialId})", Action = action, Target = target, Detail = detail }, cancellationToken);
    }

    /// <summary>
    /// One page of the log for the operator (PermissionDenied for anyone else), newest first, filtered by
    /// <paramref name="query"/>; its limit 0 means <see cref="DefaultLimit"/>, larger than <see cref="MaxLimit"/> is cut.
    /// </summary>
    public async Task<AuditPage> ListAsync(CallerIdentity caller, AuditQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(query);
        caller.RequireOperator();
        var limit = query.Limit switch
        {
            < 0 => throw new HubException(HubErrorCode.InvalidArgument, "limit must not be negative", "limit"),
            0 => DefaultLimit,
            var n => Math.Min(n, MaxLimit),
        };
        if (query.BeforeSequence < 0)
        {
            throw new HubException(HubErrorCode.InvalidArgument, "before_sequence must not be negative", "before_sequence");
        }

        Filter(query.Action, "action");
        Filter(query.Target, "target");
        Filter(query.Actor, "actor");
        if (query is { From: { } from, Until: { } until } && until <= from)
        {
            throw new HubException(HubErrorCode.InvalidArgument, "until must be after from", "until");
        }

        var entries = await store.ListAsync(query with { Limit = limit }, cancellationToken);
        return new AuditPage(entries, entries.Count == limit ? entries[^1].Sequence : 0);
    }

    private static void Filter(string? value, string field)
    {
        if (value is { Length: > MaxFilterLength } || (value is not null && value.Any(char.IsControl)))
        {
            throw new HubException(HubErrorCode.InvalidArgument, $"{field} must be at most {MaxFilterLength} printable characters", field);
        }
    }
}
