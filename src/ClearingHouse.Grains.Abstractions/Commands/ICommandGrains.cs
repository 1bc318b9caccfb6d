using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Channels;

namespace ClearingHouse.Grains.Commands;

/// <summary>One command, keyed by its id. Durable: its record survives restarts.</summary>
public interface ICommandGrain : IGrainWithStringKey
{
    /// <summary>Records a new command (durable before it returns).</summary>
    Task Create(CommandRecord command);

    /// <summary>Records how the CPO answered. For ACCEPTED, the hub then waits for the result until a deadline and sets TIMEOUT after it.</summary>
    Task<CommandRecord> SetResponse(CommandReply reply);

    /// <summary>
    /// Records the CPO's result and tells the EMSP. False (nothing changed) when the command is unknown,
    /// not sent to <paramref name="cpo"/>, or already has a result. <paramref name="payload"/>: what the result carries
    /// beyond its type, as JSON (<see cref="CommandRecord.ResultPayload"/>), or null.
    /// </summary>
    Task<bool> ReportResult(PartyKey cpo, int result, CommandText? message, string? payload);

    /// <summary>The command, or null when unknown.</summary>
    Task<CommandRecord?> Get();
}

/// <summary>Which EMSP made a reservation at a CPO, keyed by <c>CPO/reservation_id</c>. Durable.</summary>
public interface IReservationGrain : IGrainWithStringKey
{
    /// <summary>Records the EMSP of an accepted RESERVE_NOW.</summary>
    Task SetOwner(PartyKey emsp);

    /// <summary>The EMSP that made the reservation, or null when the hub saw none.</summary>
    Task<PartyKey?> GetOwner();
}

/// <summary>A silo's command channels of one CPO, reachable from other silos.</summary>
public interface ICommandChannelObserver : IGrainObserver
{
    /// <summary>Sends the command on one of this silo's channels of the CPO (failing over between them).</summary>
    Task<CommandReply> Send(CommandAsk ask);
}

/// <summary>
/// The cluster-wide registry of one CPO's command channels, keyed by the CPO's party key: which silos
/// hold open channels. In memory: silos re-register periodically and after membership changes (as <c>IMspChannelGrain</c>).
/// </summary>
public interface ICommandChannelGrain : ISiloRegistryGrain<ICommandChannelObserver>
{
    /// <summary>Sends on the silos with channels, except <paramref name="exceptSilo"/>.</summary>
    Task<CommandReply> Send(CommandAsk ask, SiloAddress exceptSilo);
}
