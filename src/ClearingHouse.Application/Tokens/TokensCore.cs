using ClearingHouse.Application.Access;
using ClearingHouse.Application.Errors;
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
    ClockSkewBound skew,
    IOptions<TokensOptions> options,
    ILogger<TokensCore> logger)
{
    /// <summary>Most tokens in one message of a bulk upload.</summary>
    public const int MaxTokensPerMessage = 10_000;

    /// <summary>Most conflicts listed in a bulk upload's result.</summary>
    public const int MaxConflictSamples = 100;

    /// <summary>
    /// Puts <paramref name="token"/> (as sent: checked here, InvalidArgument naming the field under <c>token</c>) for
    /// <paramref name="caller"/> (an EMSP, owning the token, else PermissionDenied); AlreadyExists when another EMSP
    /// owns its uid + type.
    /// </summary>
    public async Task<TokenPutResult> PutAsync(CallerIdentity caller, TokenRecord? token)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var emsp = caller.RequireParty(PartyRole.Emsp);
        if (token is null)
        {
            throw new HubException(HubErrorCode.InvalidArgument, "token is required", "token");
        }

        ValidateToken(token, emsp, "token");
        skew.Check(token.LastUpdated, "token.last_updated");
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

    /// <summary>
    /// Patches a token of <paramref name="caller"/> (an EMSP, else PermissionDenied; NotFound unless it owns it);
    /// InvalidArgument naming the field when the uid, type or patch is malformed.
    /// </summary>
    public Task<TokenRecord> PatchAsync(CallerIdentity caller, TokenType type, string uid, TokenPatch patch)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(patch);
        var emsp = caller.RequireParty(PartyRole.Emsp);
        HubException.ThrowIfInvalid(TokenRules.ValidateUid(uid), "uid");
        RequireType(type, "type");
        ValidatePatch(patch);
        skew.Check(patch.LastUpdated, "last_updated");
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
    /// across messages) and checked here (InvalidArgument naming the field). Tokens are written in batches
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
                ValidateToken(token, emsp, field);
                skew.Check(token.LastUpdated, field + ".last_updated");
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

    /// <summary>
    /// Checks a token an EMSP sent, under <paramref name="field"/> (e.g. <c>token</c>, <c>tokens[17]</c>): InvalidArgument
    /// naming the first malformed field (<c>token.uid</c>, ...), PermissionDenied when it is not <paramref name="emsp"/>'s.
    /// </summary>
    public static void ValidateToken(TokenRecord token, PartyKey emsp, string field)
    {
        ArgumentNullException.ThrowIfNull(token);
        Check(TokenRules.ValidateUid(token.Uid), field, ".uid");
        if (!IsDefined(token.Type))
        {
            RequireType(token.Type, field + ".type");
        }

        RequireOwn(token.Owner, emsp, field);
        Check(TokenRules.ValidateId(token.ContractId, required: true), field, ".contract_id");
        Check(TokenRules.ValidateText(token.VisualNumber, required: false), field, ".visual_number");
        Check(TokenRules.ValidateText(token.Issuer, required: true), field, ".issuer");
        Check(TokenRules.ValidateId(token.GroupId, required: false), field, ".group_id");
        Check(TokenRules.ValidateLanguage(token.Language), field, ".language");
        if (token.Whitelist is < WhitelistType.Always or > WhitelistType.Never)
        {
            throw WhitelistError(field + ".whitelist");
        }

        if (token.DefaultProfileType is < ProfileType.Cheapest or > ProfileType.Regular)
        {
            throw ProfileError(field + ".default_profile_type");
        }

        if (token.EnergySupplierName is { } supplier)
        {
            ValidateEnergy(supplier, token.EnergyContractId, field + ".energy_contract");
        }
    }

    /// <summary>Checks a patch's fields: InvalidArgument naming the first malformed one.</summary>
    public static void ValidatePatch(TokenPatch patch)
    {
        ArgumentNullException.ThrowIfNull(patch);
        if (patch.ContractId is not null)
        {
            HubException.ThrowIfInvalid(TokenRules.ValidateId(patch.ContractId, required: true), "contract_id");
        }

        if (patch.VisualNumber is not null)
        {
            HubException.ThrowIfInvalid(TokenRules.ValidateText(patch.VisualNumber, required: false), "visual_number");
        }

        if (patch.Issuer is not null)
        {
            HubException.ThrowIfInvalid(TokenRules.ValidateText(patch.Issuer, required: true), "issuer");
        }

        if (patch.GroupId is not null)
        {
            HubException.ThrowIfInvalid(TokenRules.ValidateId(patch.GroupId, required: false), "group_id");
        }

        if (patch.Language is not null)
        {
            HubException.ThrowIfInvalid(TokenRules.ValidateLanguage(patch.Language), "language");
        }

        if (patch.EnergySupplierName is { } supplier)
        {
            ValidateEnergy(supplier, patch.EnergyContractId, "energy_contract");
        }

        if (patch.Whitelist is < WhitelistType.Always or > WhitelistType.Never)
        {
            throw WhitelistError("whitelist");
        }

        if (patch.DefaultProfileType is < ProfileType.Cheapest or > ProfileType.Regular)
        {
            throw ProfileError("default_profile_type");
        }
    }

    /// <summary>InvalidArgument naming <paramref name="field"/> unless <paramref name="type"/> is a defined token type.</summary>
    public static TokenType RequireType(TokenType type, string field) =>
        IsDefined(type) ? type : throw new HubException(HubErrorCode.InvalidArgument, $"{field} must be one of AD_HOC_USER, APP_USER, OTHER, RFID", field);

    private static bool IsDefined(TokenType type) => type is TokenType.AdHocUser or TokenType.AppUser or TokenType.Other or TokenType.Rfid;

    // The field path is built only for a refusal: a bulk upload checks ten fields of every token.
    private static void Check(string? error, string field, string name)
    {
        if (error is not null)
        {
            var path = field + name;
            throw new HubException(HubErrorCode.InvalidArgument, $"{path} {error}", path);
        }
    }

    private static void ValidateEnergy(string supplier, string? contractId, string field)
    {
        HubException.ThrowIfInvalid(TokenRules.ValidateText(supplier, required: true), $"{field}.supplier_name");
        HubException.ThrowIfInvalid(TokenRules.ValidateId(contractId, required: false, maxLength: TokenRules.MaxTextLength), $"{field}.contract_id");
    }

    private static HubException WhitelistError(string field) =>
        new(HubErrorCode.InvalidArgument, $"{field} must be one of ALWAYS, ALLOWED, ALLOWED_OFFLINE, NEVER", field);

    private static HubException ProfileError(string field) =>
        new(HubErrorCode.InvalidArgument, $"{field} must be one of CHEAPEST, FASTEST, GREEN, REGULAR", field);

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
