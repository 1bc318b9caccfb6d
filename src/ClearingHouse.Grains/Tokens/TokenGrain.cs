using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Options;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Grains.Tokens;

/// <inheritdoc cref="ITokenGrain" />
public sealed class TokenGrain(ITokenStore store, HubClock clock, IOptions<TokensOptions> options) : Grain, ITokenGrain
{
    private TokenRecord? _token;
    private DateTimeOffset _loadedAt;

    /// <inheritdoc />
    public override async Task OnActivateAsync(CancellationToken cancellationToken) => await LoadAsync();

    /// <inheritdoc />
    public async Task<TokenRecord?> Get()
    {
        if (clock.UtcNow - _loadedAt > options.Value.HubCopyMaxAge)
        {
            await LoadAsync();
        }

        return _token;
    }

    /// <inheritdoc />
    public async Task<bool> Put(TokenRecord token)
    {
        ArgumentNullException.ThrowIfNull(token);
        if (TokenRecord.KeyOf(token.Type, token.Uid) != this.GetPrimaryKeyString())
        {
            throw new HubException(HubErrorCode.InvalidArgument, "the token does not belong to this grain");
        }

        // A bulk upload may have changed the store since this copy was read: decide on the store's view.
        await LoadAsync();
        if (_token is { } current && current.Owner != token.Owner)
        {
            throw Conflict(token);
        }

        var result = await store.UpsertAsync([token]);
        if (result.Conflicts.Count > 0)
        {
            await LoadAsync();
            throw Conflict(token);
        }

        var created = _token is null;
        _token = token;
        return created;
    }

    /// <inheritdoc />
    public async Task<TokenRecord> Patch(PartyKey owner, TokenPatch patch)
    {
        ArgumentNullException.ThrowIfNull(patch);
        await LoadAsync();
        if (_token is not { } current || current.Owner != owner)
        {
            // Another EMSP's token is reported as absent: an EMSP learns nothing about others' tokens.
            throw new HubException(HubErrorCode.NotFound, "no such token of the caller");
        }

        var updated = patch.ApplyTo(current);
        var result = await store.UpsertAsync([updated]);
        if (result.Conflicts.Count > 0)
        {
            await LoadAsync();
            throw new HubException(HubErrorCode.NotFound, "no such token of the caller");
        }

        _token = updated;
        return updated;
    }

    private static HubException Conflict(TokenRecord token) => new(
        HubErrorCode.AlreadyExists,
        $"token {token.Type.ToString().ToUpperInvariant()} {token.Uid} is already owned by another EMSP; the hub does not move tokens between EMSPs");

    private async Task LoadAsync()
    {
        var key = this.GetPrimaryKeyString();
        var separator = key.IndexOf(':', StringComparison.Ordinal);
        var type = (Domain.Tokens.TokenType)int.Parse(key.AsSpan(0, separator), System.Globalization.CultureInfo.InvariantCulture);
        _token = await store.GetAsync(type, key[(separator + 1)..]);
        _loadedAt = clock.UtcNow;
    }
}
