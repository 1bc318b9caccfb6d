using ClearingHouse.Grains;
using ClearingHouse.Storage.Tests.Infrastructure;

namespace ClearingHouse.Storage.Tests.Hosting;

public interface ICounterGrain : IGrainWithStringKey
{
    Task<int> IncrementAsync();

    Task<TestState> GetAsync();

    Task<TestState> GetDefaultProviderStateAsync();

    Task DeactivateAsync();
}

/// <summary>A grain with one state on the named durable provider and one on the default provider.</summary>
public sealed class CounterGrain(
    [PersistentState("s", StorageProviders.Durable)] IPersistentState<TestState> durable,
    [PersistentState("d")] IPersistentState<TestState> byDefault) : Grain, ICounterGrain
{
    public async Task<int> IncrementAsync()
    {
        durable.State = durable.State with { Name = this.GetPrimaryKeyString(), Count = durable.State.Count + 1 };
        await durable.WriteStateAsync();
        byDefault.State = byDefault.State with { Count = byDefault.State.Count + 10 };
        await byDefault.WriteStateAsync();
        return durable.State.Count;
    }

    public Task<TestState> GetAsync() => Task.FromResult(durable.State);

    public Task<TestState> GetDefaultProviderStateAsync() => Task.FromResult(byDefault.State);

    public Task DeactivateAsync()
    {
        this.DeactivateOnIdle();
        return Task.CompletedTask;
    }
}
