using ClearingHouse.Domain.Parties;

namespace ClearingHouse.Grains.Commands;

/// <summary>Durable state of a command grain.</summary>
[GenerateSerializer]
public sealed class CommandState
{
    /// <summary>The command, or null before it is created.</summary>
    [Id(0)] public CommandRecord? Command { get; set; }
}

/// <summary>Durable state of a reservation grain.</summary>
[GenerateSerializer]
public sealed class ReservationState
{
    /// <summary>The EMSP that made the reservation.</summary>
    [Id(0)] public PartyKey? Owner { get; set; }
}
