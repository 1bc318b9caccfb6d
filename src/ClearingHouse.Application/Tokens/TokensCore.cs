using ClearingHouse.Application.Access;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Domain.Tokens;
using ClearingHouse.Grains;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Options;
using ClearingHouse.Grains.Tokens;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Application.Tokens;

/// <summary>The outcome of putting one token.</summary>
/// <param name="Token">The token as stored.</param>
/// <param name="Created">Whether it was new (else it replaced the EMSP's earlier copy).</param>
public sealed record TokenPutResult(TokenRecord Token, bool Created);

/// <summary>The outcome of a bulk upload.</summary>
/// <param name="Stored">Tokens created or replaced.</param>
/// <param name="Conflicts">Tokens not applied because another EMSP owns the same uid + type.</param>
/// <param name="ConflictSamples">The first <see cref="TokensCore.MaxConflictSamples"/> of them.</param>
public sealed record TokenUploadResult(long Stored, long Conflicts, IReadOnlyList<(TokenType Type, string Uid)> ConflictSamples);

/// <summary>
/// The EMSPs' tokens, for every edge: put, patch and read one token through its grain (the hub-wide index of
/// which EMSP owns a uid + type), and bulk uploads straight into the store in batches, reporting the tokens
/// another EMSP owns as conflicts instead of applying them. A party acts only on its own tokens; the hub
/// operator may read any.
/// </summary>
public sealed partial class TokensCore(
    ITokenStore store,
    ITokenCache cache,
    TokenGrainReferences tokenGrains,
    TokenMetrics metrics,
    HubClock clock,
    IOptions<TokensOptions> options,
    ILogger<TokensCore> logger)
{
    /// <summary>Most tokens in one message of a bulk upload.</summary>
    public const int MaxTokensPerMessage = 10_000;

    /// <summary>Most conflicts listed in a bulk upload's result.</summary>
    public const int MaxConflictSamples = 100;

    /// <summary>
    /// Puts <paramref name="token"/> for <paramref name="caller"/> (an EMSP, owning the token, else PermissionDenied);
    /// AlreadyExists when another EMSP owns its uid + type.
    /// </summary>
    public async Task<TokenPutResult> PutAsync(CallerIdentity caller, TokenRecord token)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(token);
        var emsp = caller.RequireParty(PartyRole.Emsp);
        RequireOwn(token.Owner, emsp, "token");
        try
        {
            var created = await tokenGrains.Get(token.Type, token.Uid).Put(token);
            return new TokenPutResult(token, created);
        }
        catch (HubException ex) when (ex.Code == HubErrorCode.AlreadyExists)
        {
            metrics.Conflicted(1);
            LogConflict(logger, emsp.ToString(), token.Type.ToString(), token.Uid);
            throw;
        }
    }

    /// <summary>Patches a token of <paramref name="caller"/> (an EMSP, else PermissionDenied); NotFound unless it owns it.</summary>
    public Task<TokenRecord> PatchAsync(CallerIdentity caller, TokenType type, string uid, TokenPatch patch)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(patch);
        var emsp = caller.RequireParty(PartyRole.Emsp);
        HubException.ThrowIfInvalid(TokenRules.ValidateUid(uid), "uid");
        RequireType(type, "type");
        return tokenGrains.Get(type, uid).Patch(emsp, patch);
    }

    /// <summary>
    /// A token, for the operator or its own EMSP (any other party: PermissionDenied unless an EMSP; NotFound when
    /// the token is another EMSP's or unknown).
    /// </summary>
    public async Task<TokenRecord> GetAsync(CallerIdentity caller, TokenType type, string uid)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (!caller.IsOperator)
        {
            caller.RequireParty(PartyRole.Emsp);
        }

        HubException.ThrowIfInvalid(TokenRules.ValidateUid(uid), "uid");
        RequireType(type, "type");
        var token = await tokenGrains.Get(type, uid).Get();
        if (token is null || (!caller.IsOperator && token.Owner != caller.Party))
        {
            throw new HubException(HubErrorCode.NotFound, "no such token of the caller");
        }

        return token;
    }

    /// <summary>
    /// Stores an EMSP's bulk upload: <paramref name="messages"/> as the edge reads them, each turned into tokens by
    /// <paramref name="toRecord"/> (given the upload time and the token's field path, <c>tokens[i]</c>, counted
    /// across messages; it validates and throws InvalidArgument naming the field). Tokens are written in batches
    /// of <c>Tokens:UploadBatchSize</c>; a later copy of a token in the same batch replaces an earlier one, as a
    /// later PUT would. Tokens another EMSP owns are not applied and come back as conflicts.
    /// </summary>
    public async Task<TokenUploadResult> UploadAsync<TToken>(
        CallerIdentity caller,
        IAsyncEnumerable<IReadOnlyList<TToken>> messages,
        Func<TToken, DateTimeOffset, string, TokenRecord> toRecord,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentNullException.ThrowIfNull(toRecord);
        var emsp = caller.RequireParty(PartyRole.Emsp);
        var batchSize = options.Value.UploadBatchSize;
        var batch = new Dictionary<(TokenType, string), TokenRecord>(batchSize);
        var upload = new Upload();
        long index = 0;
        await foreach (var message in messages.WithCancellation(cancellationToken))
        {
            if (message.Count > MaxTokensPerMessage)
            {
                throw new HubException(HubErrorCode.InvalidArgument, $"a message may hold at most {MaxTokensPerMessage} tokens", "tokens");
            }

            var now = clock.UtcNow;
            for (var i = 0; i < message.Count; i++)
            {
                var field = $"tokens[{index++}]";
                var token = toRecord(message[i], now, field);
                RequireOwn(token.Owner, emsp, field);
                batch[(token.Type, token.Uid)] = token;
                if (batch.Count >= batchSize)
                {
                    await FlushAsync(batch, upload, cancellationToken);
                }
            }
        }

        await FlushAsync(batch, upload, cancellationToken);
        if (upload.Conflicts > 0)
        {
            metrics.Conflicted(upload.Conflicts);
            LogBulkConflicts(logger, emsp.ToString(), upload.Conflicts);
        }

        return new TokenUploadResult(upload.Stored, upload.Conflicts, upload.Samples);
    }

    /// <summary>InvalidArgument naming <paramref name="field"/> unless <paramref name="type"/> is a defined token type.</summary>
    public static TokenType RequireType(TokenType type, string field) =>
        type is TokenType.AdHocUser or TokenType.AppUser or TokenType.Other or TokenType.Rfid
            ? type
            : throw new HubException(HubErrorCode.InvalidArgument, $"{field} must be one of AD_HOC_USER, APP_USER, OTHER, RFID", field);

    /// <summary>PermissionDenied unless a token owned by <paramref name="owner"/> is <paramref name="emsp"/>'s own.</summary>
    public static void RequireOwn(PartyKey owner, PartyKey emsp, string field)
    {
        if (owner.CountryCode != emsp.CountryCode || owner.PartyId != emsp.PartyId)
        {
            throw new HubException(HubErrorCode.PermissionDenied, $"{field} belongs to {owner.CountryCode}-{owner.PartyId}; an EMSP may only put tokens under its own country_code and party_id ({emsp.CountryCode}-{emsp.PartyId})");
        }
    }

    private async Task FlushAsync(Dictionary<(TokenType, string), TokenRecord> batch, Upload upload, CancellationToken cancellationToken)
    {
        if (batch.Count == 0)
        {
            return;
        }

        // Invalidated before the commit (refused if that fails, nothing stored) and again after it: the
        // second one moves the epoch on, so a token grain that read the old row during the commit
        // cannot cache it afterwards. Tokens already in memory see the change within HubCopyMaxAge.
        var keys = batch.Keys;
        await cache.InvalidateAsync(keys);
        var result = await store.UpsertAsync([.. batch.Values], cancellationToken);
        await cache.InvalidateAsync(keys);
        upload.Stored += result.Stored;
        upload.Conflicts += result.Conflicts.Count;
        for (var i = 0; i < result.Conflicts.Count && upload.Samples.Count < MaxConflictSamples; i++)
        {
            upload.Samples.Add(result.Conflicts[i]);
        }

        batch.Clear();
    }

    private sealed class Upload
    {
        public long Stored { get; set; }

        public long Conflicts { get; set; }

        public List<(TokenType Type, string Uid)> Samples { get; } = [];
    }

    [LoggerMessage(EventId = 4020, Level = LogLevel.Warning, Message = "EMSP {Emsp} tried to claim token {Type} {Uid}, which another EMSP owns")]
    private static partial void LogConflict(ILogger logger, string emsp, string type, string uid);

    [LoggerMessage(EventId = 4021, Level = LogLevel.Warning, Message = "EMSP {Emsp} uploaded {Count} tokens that other EMSPs own; not applied")]
    private static partial void LogBulkConflicts(ILogger logger, string emsp, long count);
}
