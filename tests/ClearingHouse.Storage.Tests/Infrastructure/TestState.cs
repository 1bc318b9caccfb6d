namespace ClearingHouse.Storage.Tests.Infrastructure;

/// <summary>A grain state shaped like the product's: a [GenerateSerializer] record with explicit ids.</summary>
[GenerateSerializer]
public sealed record TestState
{
    [Id(0)] public string Name { get; init; } = string.Empty;
    [Id(1)] public int Count { get; init; }
    [Id(2)] public IReadOnlyList<string> Tags { get; init; } = [];
    [Id(3)] public DateTimeOffset UpdatedAt { get; init; }

    public bool SameAs(TestState? other) =>
        other is not null && Name == other.Name && Count == other.Count && UpdatedAt == other.UpdatedAt && Tags.SequenceEqual(other.Tags);
}
