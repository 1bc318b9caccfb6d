using System.Collections.Concurrent;
using Orleans.Storage;

namespace ClearingHouse.Storage.Tests.Infrastructure;

/// <summary>
/// The contract every ClearingHouse grain storage must meet, run against each backend by a
/// subclass that knows how to start (and restart) its provider on a real database.
/// </summary>
public abstract class GrainStorageTestBase
{
    private const string StateName = "state";

    /// <summary>Creates a provider on the test database with its schema in place.</summary>
    protected abstract Task<StorageUnderTest> StartAsync();

    [Fact]
    public async Task WriteState_NewGrain_ReadReturnsWrittenState()
    {
        await using var sut = await StartAsync();
        var grainId = NewGrainId();
        var written = new GrainState<TestState>(Sample("first", 1));

        await sut.Storage.WriteStateAsync(StateName, grainId, written);
        var read = NewState();
        await sut.Storage.ReadStateAsync(StateName, grainId, read);

        Assert.True(read.RecordExists);
        Assert.NotNull(read.ETag);
        Assert.Equal(written.ETag, read.ETag);
        Assert.True(written.State!.SameAs(read.State), $"read back {read.State}");
    }

    [Fact]
    public async Task ReadState_MissingGrain_RecordDoesNotExist()
    {
        await using var sut = await StartAsync();
        var read = new GrainState<TestState>(Sample("stale in memory", 9));

        await sut.Storage.ReadStateAsync(StateName, NewGrainId(), read);

        Assert.False(read.RecordExists);
        Assert.Null(read.ETag);
        Assert.NotNull(read.State);
        Assert.Equal(0, read.State!.Count);
    }

    [Fact]
    public async Task WriteState_SecondWriteWithFreshETag_ChangesETag()
    {
        await using var sut = await StartAsync();
        var grainId = NewGrainId();
        var state = new GrainState<TestState>(Sample("v1", 1));
        await sut.Storage.WriteStateAsync(StateName, grainId, state);
        var first = state.ETag;

        state.State = Sample("v2", 2);
        await sut.Storage.WriteStateAsync(StateName, grainId, state);

        Assert.NotEqual(first, state.ETag);
        var read = NewState();
        await sut.Storage.ReadStateAsync(StateName, grainId, read);
        Assert.Equal("v2", read.State!.Name);
        Assert.Equal(state.ETag, read.ETag);
    }

    [Fact]
    public async Task WriteState_StaleETag_ThrowsInconsistentStateAndKeepsStoredValue()
    {
        await using var sut = await StartAsync();
        var grainId = NewGrainId();
        var winner = new GrainState<TestState>(Sample("v1", 1));
        await sut.Storage.WriteStateAsync(StateName, grainId, winner);
        var stale = new GrainState<TestState>(Sample("stale", -1)) { ETag = winner.ETag, RecordExists = true };
        winner.State = Sample("v2", 2);
        await sut.Storage.WriteStateAsync(StateName, grainId, winner);

        await Assert.ThrowsAsync<InconsistentStateException>(() => sut.Storage.WriteStateAsync(StateName, grainId, stale));

        var read = NewState();
        await sut.Storage.ReadStateAsync(StateName, grainId, read);
        Assert.Equal("v2", read.State!.Name);
        Assert.Equal(winner.ETag, read.ETag);
    }

    [Fact]
    public async Task WriteState_NoETagButRecordExists_ThrowsInconsistentState()
    {
        await using var sut = await StartAsync();
        var grainId = NewGrainId();
        await sut.Storage.WriteStateAsync(StateName, grainId, new GrainState<TestState>(Sample("first", 1)));

        var second = new GrainState<TestState>(Sample("second", 2));

        await Assert.ThrowsAsync<InconsistentStateException>(() => sut.Storage.WriteStateAsync(StateName, grainId, second));
        var read = NewState();
        await sut.Storage.ReadStateAsync(StateName, grainId, read);
        Assert.Equal("first", read.State!.Name);
    }

    [Fact]
    public async Task WriteState_UnknownETagFormat_ThrowsInconsistentState()
    {
        await using var sut = await StartAsync();
        var state = new GrainState<TestState>(Sample("x", 1)) { ETag = "not-a-version" };

        await Assert.ThrowsAsync<InconsistentStateException>(() => sut.Storage.WriteStateAsync(StateName, NewGrainId(), state));
    }

    [Fact]
    public async Task ClearState_ThenRead_RecordDoesNotExist()
    {
        await using var sut = await StartAsync();
        var grainId = NewGrainId();
        var state = new GrainState<TestState>(Sample("doomed", 3));
        await sut.Storage.WriteStateAsync(StateName, grainId, state);

        await sut.Storage.ClearStateAsync(StateName, grainId, state);

        Assert.False(state.RecordExists);
        Assert.Equal(0, state.State!.Count);
        var read = NewState();
        await sut.Storage.ReadStateAsync(StateName, grainId, read);
        Assert.False(read.RecordExists);
        Assert.Equal(0, read.State!.Count);
        Assert.Equal(state.ETag, read.ETag);
    }

    [Fact]
    public async Task ClearState_StaleETag_ThrowsInconsistentStateAndKeepsStoredValue()
    {
        await using var sut = await StartAsync();
        var grainId = NewGrainId();
        var winner = new GrainState<TestState>(Sample("v1", 1));
        await sut.Storage.WriteStateAsync(StateName, grainId, winner);
        var stale = new GrainState<TestState>(winner.State) { ETag = winner.ETag, RecordExists = true };
        winner.State = Sample("v2", 2);
        await sut.Storage.WriteStateAsync(StateName, grainId, winner);

        await Assert.ThrowsAsync<InconsistentStateException>(() => sut.Storage.ClearStateAsync(StateName, grainId, stale));

        var read = NewState();
        await sut.Storage.ReadStateAsync(StateName, grainId, read);
        Assert.True(read.RecordExists);
        Assert.Equal("v2", read.State!.Name);
    }

    [Fact]
    public async Task WriteState_AfterClear_StoresNewStateWithNewerETag()
    {
        await using var sut = await StartAsync();
        var grainId = NewGrainId();
        var state = new GrainState<TestState>(Sample("v1", 1));
        await sut.Storage.WriteStateAsync(StateName, grainId, state);
        var beforeClear = state.ETag;
        await sut.Storage.ClearStateAsync(StateName, grainId, state);

        state.State = Sample("reborn", 5);
        await sut.Storage.WriteStateAsync(StateName, grainId, state);

        // A stale activation holding the pre-clear ETag must not win after the clear.
        var stale = new GrainState<TestState>(Sample("stale", 0)) { ETag = beforeClear };
        await Assert.ThrowsAsync<InconsistentStateException>(() => sut.Storage.WriteStateAsync(StateName, grainId, stale));
        var read = NewState();
        await sut.Storage.ReadStateAsync(StateName, grainId, read);
        Assert.True(read.RecordExists);
        Assert.Equal("reborn", read.State!.Name);
    }

    [Fact]
    public async Task WriteState_SameGrainDifferentStateNames_KeepsThemApart()
    {
        await using var sut = await StartAsync();
        var grainId = NewGrainId();
        await sut.Storage.WriteStateAsync("a", grainId, new GrainState<TestState>(Sample("a", 1)));
        await sut.Storage.WriteStateAsync("b", grainId, new GrainState<TestState>(Sample("b", 2)));

        var a = NewState();
        var b = NewState();
        await sut.Storage.ReadStateAsync("a", grainId, a);
        await sut.Storage.ReadStateAsync("b", grainId, b);

        Assert.Equal("a", a.State!.Name);
        Assert.Equal("b", b.State!.Name);
    }

    [Fact]
    public async Task WriteState_ConcurrentWritesToDifferentGrains_AllStored()
    {
        await using var sut = await StartAsync();
        var grains = Enumerable.Range(0, 64).Select(_ => NewGrainId()).ToArray();
        var states = new ConcurrentDictionary<GrainId, GrainState<TestState>>();

        await Task.WhenAll(grains.Select(grainId => Task.Run(async () =>
        {
            var state = new GrainState<TestState>(Sample(grainId.ToString(), 0));
            for (var i = 1; i <= 5; i++)
            {
                state.State = state.State! with { Count = i };
                await sut.Storage.WriteStateAsync(StateName, grainId, state);
            }

            states[grainId] = state;
        })));

        foreach (var grainId in grains)
        {
            var read = NewState();
            await sut.Storage.ReadStateAsync(StateName, grainId, read);
            Assert.Equal(grainId.ToString(), read.State!.Name);
            Assert.Equal(5, read.State!.Count);
            Assert.Equal(states[grainId].ETag, read.ETag);
        }
    }

    [Fact]
    public async Task WriteState_ConcurrentWritesToSameGrainWithSameETag_ExactlyOneWins()
    {
        await using var sut = await StartAsync();
        var grainId = NewGrainId();
        var seed = new GrainState<TestState>(Sample("seed", 0));
        await sut.Storage.WriteStateAsync(StateName, grainId, seed);

        var attempts = Enumerable.Range(1, 8).Select(i => Task.Run(async () =>
        {
            var mine = new GrainState<TestState>(Sample("writer", i)) { ETag = seed.ETag, RecordExists = true };
            try
            {
                await sut.Storage.WriteStateAsync(StateName, grainId, mine);
                return true;
            }
            catch (InconsistentStateException)
            {
                return false;
            }
        })).ToArray();
        var results = await Task.WhenAll(attempts);

        Assert.Single(results, won => won);
    }

    [Fact]
    public async Task ReadState_AfterProviderRestart_ReturnsStateWrittenBefore()
    {
        var grainId = NewGrainId();
        var written = new GrainState<TestState>(Sample("survivor", 42));
        await using (var before = await StartAsync())
        {
            await before.Storage.WriteStateAsync(StateName, grainId, written);
        }

        await using var after = await StartAsync();
        var read = NewState();
        await after.Storage.ReadStateAsync(StateName, grainId, read);

        Assert.True(read.RecordExists);
        Assert.Equal(written.ETag, read.ETag);
        Assert.True(written.State!.SameAs(read.State));
    }

    [Fact]
    public async Task EnsureSchema_CalledTwice_KeepsStoredState()
    {
        await using var sut = await StartAsync();
        var grainId = NewGrainId();
        await sut.Storage.WriteStateAsync(StateName, grainId, new GrainState<TestState>(Sample("kept", 7)));

        await sut.EnsureSchemaAsync(CancellationToken.None);
        await sut.EnsureSchemaAsync(CancellationToken.None);

        var read = NewState();
        await sut.Storage.ReadStateAsync(StateName, grainId, read);
        Assert.Equal("kept", read.State!.Name);
    }

    protected static GrainId NewGrainId() => GrainId.Create("storagetest", Guid.NewGuid().ToString("N"));

    private static GrainState<TestState> NewState() => new(new TestState());

    private static TestState Sample(string name, int count) => new()
    {
        Name = name,
        Count = count,
        Tags = ["cpo:NL-ABC", "emsp:DE-XYZ", name],
        UpdatedAt = new DateTimeOffset(2026, 5, 1, 12, 30, 0, TimeSpan.FromHours(2)),
    };
}

/// <summary>A started provider and how to run its schema creation; disposing it stops the provider.</summary>
public sealed class StorageUnderTest(IGrainStorage storage, Func<CancellationToken, Task> ensureSchema, Func<ValueTask> stop) : IAsyncDisposable
{
    public IGrainStorage Storage { get; } = storage;

    public Task EnsureSchemaAsync(CancellationToken cancellationToken) => ensureSchema(cancellationToken);

    public ValueTask DisposeAsync() => stop();
}
