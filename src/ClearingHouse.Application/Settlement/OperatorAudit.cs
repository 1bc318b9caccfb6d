using ClearingHouse.Grains;
using ClearingHouse.Grains.Settlement;
using ClearingHouse.Application.Access;

namespace ClearingHouse.Application.Settlement;

/// <summary>Records the hub operator's actions in the durable audit log; parties' calls are not recorded here.</summary>
public sealed class OperatorAudit(ISettlementStore store, HubClock clock)
{
    /// <summary>Appends an entry when <paramref name="caller"/> is the operator (durable when it returns).</summary>
    public Task RecordAsync(CallerIdentity caller, string action, string target, string detail, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return caller.IsOperator
            ? store.AppendAuditAsync(new AuditEntry { At = clock.UtcNow, Actor = $"operator ({caller.CredentialId})", Action = action, Target = target, Detail = detail }, cancellationToken)
            : Task.CompletedTask;
    }
}
