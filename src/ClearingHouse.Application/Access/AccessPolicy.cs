using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Parties;

namespace ClearingHouse.Application.Access;

/// <summary>
/// The one access policy of the hub: who may read or change what. A party acts only on what is its own;
/// data flows between a CPO and an EMSP only while both are active and their roaming agreement is in force;
/// the hub operator may read and change everything. Every edge (gRPC, OCPI, the console) and every open
/// stream asks this class, never the directory directly, so a rule changes in one place.
/// </summary>
public sealed class AccessPolicy(PartyDirectory directory, HubClock clock)
{
    /// <summary>The silo's current view of parties and agreements (at most <c>Directory:RefreshInterval</c> old).</summary>
    public ValueTask<DirectoryView> ViewAsync() => directory.GetAsync();

    /// <summary>The hub's clock, for callers that decide at the same instant as the policy.</summary>
    public DateTimeOffset Now => clock.UtcNow;

    /// <summary>Whether data may flow between <paramref name="cpo"/> and <paramref name="emsp"/> in <paramref name="view"/> now.</summary>
    public bool MayExchange(DirectoryView view, PartyKey cpo, PartyKey emsp)
    {
        ArgumentNullException.ThrowIfNull(view);
        return view.IsAgreementActive(cpo, emsp, clock.UtcNow);
    }

    /// <summary>Whether data may flow between <paramref name="cpo"/> and <paramref name="emsp"/> now.</summary>
    public async ValueTask<bool> MayExchangeAsync(PartyKey cpo, PartyKey emsp) => MayExchange(await directory.GetAsync(), cpo, emsp);

    /// <summary>PermissionDenied unless data may flow between <paramref name="cpo"/> and <paramref name="emsp"/> now.</summary>
    public async ValueTask RequireExchangeAsync(PartyKey cpo, PartyKey emsp)
    {
        if (!await MayExchangeAsync(cpo, emsp))
        {
            throw new HubException(HubErrorCode.PermissionDenied, $"no active roaming agreement between {cpo} and {emsp}");
        }
    }

    /// <summary>The CPOs <paramref name="emsp"/> may receive from now, in <paramref name="view"/>.</summary>
    public IEnumerable<PartyKey> AgreedCpos(DirectoryView view, PartyKey emsp)
    {
        ArgumentNullException.ThrowIfNull(view);
        var now = clock.UtcNow;
        return view.Snapshot.Agreements.Where(a => a.Emsp == emsp && view.IsAgreementActive(a.Cpo, emsp, now)).Select(a => a.Cpo);
    }

    /// <summary>The EMSPs <paramref name="cpo"/> may exchange data with now, in <paramref name="view"/>.</summary>
    public IEnumerable<PartyKey> AgreedEmsps(DirectoryView view, PartyKey cpo)
    {
        ArgumentNullException.ThrowIfNull(view);
        var now = clock.UtcNow;
        return view.Snapshot.Agreements.Where(a => a.Cpo == cpo && view.IsAgreementActive(cpo, a.Emsp, now)).Select(a => a.Emsp);
    }

    /// <summary>Whether <paramref name="party"/> is registered and active (not suspended) in <paramref name="view"/>.</summary>
    public static bool IsActive(DirectoryView view, PartyKey party)
    {
        ArgumentNullException.ThrowIfNull(view);
        return view.IsActive(party);
    }

    /// <summary>
    /// Whether <paramref name="caller"/> may read an object owned by <paramref name="owner"/>: the operator, the
    /// owner itself, or a party with an active agreement with the owner (a CPO's data to its EMSPs and back).
    /// </summary>
    public bool MayRead(DirectoryView view, CallerIdentity caller, PartyKey owner)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (caller.IsOperator || caller.Party == owner)
        {
            return true;
        }

        var party = caller.Party!.Value;
        return (party.Role, owner.Role) switch
        {
            (PartyRole.Emsp, PartyRole.Cpo) => MayExchange(view, owner, party),
            (PartyRole.Cpo, PartyRole.Emsp) => MayExchange(view, party, owner),
            _ => false,
        };
    }
}
