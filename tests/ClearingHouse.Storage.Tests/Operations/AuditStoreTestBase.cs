using ClearingHouse.Grains.Operations;
using ClearingHouse.Storage.Tests.Infrastructure;

namespace ClearingHouse.Storage.Tests.Operations;

/// <summary>The <see cref="IAuditStore"/> contract on each real backend: newest first, keyset pages, every filter.</summary>
public abstract class AuditStoreTestBase(StoreBackend backend) : IAsyncLifetime
{
    private static readonly DateTimeOffset Oct = new(2026, 10, 1, 0, 0, 0, TimeSpan.Zero);

    private IAuditStore _store = null!;

    public async Task InitializeAsync() => _store = await backend.CreateAuditStoreAsync();

    public async Task DisposeAsync() => await backend.DisposeAsync();

    [Fact]
    public async Task ListAsync_Appended_NewestFirstInKeysetPages()
    {
        var party = Party();
        await Append("parties.register", party, "1");
        await Append("parties.suspend", party, "2");

        var newest = await _store.ListAsync(new AuditQuery { Limit = 1, Target = party });
        var next = await _store.ListAsync(new AuditQuery { Limit = 1, Target = party, BeforeSequence = newest[0].Sequence });

        Assert.Equal(["parties.suspend"], newest.Select(e => e.Action));
        Assert.Equal(["parties.register"], next.Select(e => e.Action));
        Assert.Equal((Oct, "operator (abc)", "1"), (next[0].At, next[0].Actor, next[0].Detail));
    }

    [Fact]
    public async Task ListAsync_Filters_ActionTargetActorAndTimeApplyTogether()
    {
        var party = Party();
        await Append("parties.register", party, "register");
        await Append("credentials.issue", $"{party}/0123456789ab", "issue");
        await Append("agreements.set", $"{party}|DE-ZZZ-EMSP", "agreement");
        await Append("credentials.rotate", $"{party}/0123456789ab", "rotate by the party", actor: $"{party} (0123456789ab)", at: Oct.AddDays(2));
        await Append("parties.register", $"{party}X", "another party whose key starts the same");
        await Append("partiesX.other", party, "an action that only starts the same");

        async Task<string[]> Details(AuditQuery q) => [.. (await _store.ListAsync(q)).Select(e => e.Detail)];

        Assert.Equal(["an action that only starts the same", "rotate by the party", "agreement", "issue", "register"], await Details(new AuditQuery { Limit = 10, Target = party }));
        Assert.Equal(["rotate by the party", "issue"], await Details(new AuditQuery { Limit = 10, Target = party, Action = "credentials" }));
        Assert.Equal(["register"], await Details(new AuditQuery { Limit = 10, Target = party, Action = "parties" }));
        Assert.Equal(["rotate by the party"], await Details(new AuditQuery { Limit = 10, Target = party, Actor = party }));
        Assert.Equal(["rotate by the party"], await Details(new AuditQuery { Limit = 10, Target = party, From = Oct.AddDays(1) }));
        Assert.Equal(["an action that only starts the same", "agreement", "issue", "register"], await Details(new AuditQuery { Limit = 10, Target = party, Until = Oct.AddDays(1), Actor = "operator" }));
    }

    private static string Party() => $"NL-{Guid.NewGuid().ToString("N")[..8].ToUpperInvariant()}-CPO";

    private Task Append(string action, string target, string detail, string actor = "operator (abc)", DateTimeOffset? at = null) =>
        _store.AppendAsync(new AuditEntry { At = at ?? Oct, Actor = actor, Action = action, Target = target, Detail = detail });
}
