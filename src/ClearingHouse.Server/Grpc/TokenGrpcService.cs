using ClearingHouse.Application.Channels;
using ClearingHouse.Application.Tokens;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Domain.Tokens;
using ClearingHouse.Grains;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Options;
using ClearingHouse.Grains.Parties;
using ClearingHouse.Grains.Tokens;
using ClearingHouse.Server.Identity;
using ClearingHouse.Server.Tokens;
using Grpc.Core;
using Microsoft.Extensions.Options;
using AllowedType = ClearingHouse.Domain.Tokens.AllowedType;
using DecisionSource = ClearingHouse.Domain.Tokens.DecisionSource;
using PartyRole = ClearingHouse.Domain.Parties.PartyRole;
using TokenType = ClearingHouse.Domain.Tokens.TokenType;

namespace ClearingHouse.Server.Grpc;

/// <summary>Tokens for EMSPs and real-time authorization for CPOs (see tokens.proto).</summary>
public sealed partial class TokenGrpcService(
    ITokenStore store,
    ITokenCache cache,
    PartyDirectory directory,
    MspChannelHub channels,
    AuthorizationJournal journal,
    TokenGrainReferences tokenGrains,
    TokenMetrics metrics,
    HubClock clock,
    IOptions<TokensOptions> options,
    ILogger<TokenGrpcService> logger) : TokenService.TokenServiceBase
{
    /// <summary>Most tokens in one PutTokens message.</summary>
    public const int MaxTokensPerMessage = 10_000;

    /// <summary>Most conflicts listed in a PutTokens response.</summary>
    public const int MaxConflictSamples = 100;


    /// <inheritdoc />
    public override async Task<PutTokenResponse> PutToken(PutTokenRequest request, ServerCallContext context)
    {
        var emsp = context.GetCaller().RequireParty(PartyRole.Emsp);
        var token = TokenProtoMapping.ToRecord(request.Token, emsp, clock.UtcNow, "token");
        try
        {
            var created = await tokenGrains.Get(token.Type, token.Uid).Put(token);
            return new PutTokenResponse { Token = token.ToProto(), Created = created };
        }
        catch (HubException ex) when (ex.Code == HubErrorCode.AlreadyExists)
        {
            metrics.Conflicted(1);
            LogConflict(logger, emsp.ToString(), token.Type.ToString(), token.Uid);
            throw;
        }
    }

    /// <inheritdoc />
    public override async Task<PatchTokenResponse> PatchToken(PatchTokenRequest request, ServerCallContext context)
    {
        var emsp = context.GetCaller().RequireParty(PartyRole.Emsp);
        HubException.ThrowIfInvalid(TokenRules.ValidateUid(request.Uid), "uid");
        var type = TokenProtoMapping.ToType(request.Type, "type");
        var patch = TokenProtoMapping.ToPatch(request, clock.UtcNow);
        var token = await tokenGrains.Get(type, request.Uid).Patch(emsp, patch);
        return new PatchTokenResponse { Token = token.ToProto() };
    }

    /// <inheritdoc />
    public override async Task<GetTokenResponse> GetToken(GetTokenRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        if (!caller.IsOperator)
        {
            caller.RequireParty(PartyRole.Emsp);
        }

        HubException.ThrowIfInvalid(TokenRules.ValidateUid(request.Uid), "uid");
        var type = TokenProtoMapping.ToType(request.Type, "type");
        var token = await tokenGrains.Get(type, request.Uid).Get();
        if (token is null || (!caller.IsOperator && token.Owner != caller.Party))
        {
            throw new HubException(HubErrorCode.NotFound, "no such token of the caller");
        }

        return new GetTokenResponse { Token = token.ToProto() };
    }

    /// <inheritdoc />
    public override async Task<PutTokensResponse> PutTokens(IAsyncStreamReader<PutTokensRequest> requestStream, ServerCallContext context)
    {
        var emsp = context.GetCaller().RequireParty(PartyRole.Emsp);
        var batchSize = options.Value.UploadBatchSize;
        // Keyed by type + uid: a later copy in the same batch replaces an earlier one, as a later PUT would.
        var batch = new Dictionary<(TokenType, string), TokenRecord>(batchSize);
        var response = new PutTokensResponse();
        long index = 0;
        await foreach (var message in requestStream.ReadAllAsync(context.CancellationToken))
        {
            if (message.Tokens.Count > MaxTokensPerMessage)
            {
                throw new HubException(HubErrorCode.InvalidArgument, $"a message may hold at most {MaxTokensPerMessage} tokens", "tokens");
            }

            var now = clock.UtcNow;
            foreach (var proto in message.Tokens)
            {
                var token = TokenProtoMapping.ToRecord(proto, emsp, now, $"tokens[{index++}]");
                batch[(token.Type, token.Uid)] = token;
                if (batch.Count >= batchSize)
                {
                    await FlushAsync(batch, response, context.CancellationToken);
                }
            }
        }

        await FlushAsync(batch, response, context.CancellationToken);
        if (response.Conflicts > 0)
        {
            metrics.Conflicted(response.Conflicts);
            LogBulkConflicts(logger, emsp.ToString(), response.Conflicts);
        }

        return response;
    }

    /// <inheritdoc />
    public override async Task<AuthorizeResponse> Authorize(AuthorizeRequest request, ServerCallContext context)
    {
        var cpo = context.GetCaller().RequireParty(PartyRole.Cpo);
        HubException.ThrowIfInvalid(TokenRules.ValidateUid(request.Uid), "uid");
        var type = TokenProtoMapping.ToType(request.Type, "type");
        string? locationId = null;
        // The request's own list (never changed after parsing) for the record; an array only for an EMSP ask.
        IReadOnlyList<string> evseUids = [];
        if (request.Location is { } location)
        {
            HubException.ThrowIfInvalid(TokenRules.ValidateId(location.LocationId, required: true), "location.location_id");
            if (location.EvseUids.Count > TokenProtoMapping.MaxEvseUids)
            {
                throw new HubException(HubErrorCode.InvalidArgument, $"location.evse_uids may hold at most {TokenProtoMapping.MaxEvseUids} uids", "location.evse_uids");
            }

            for (var i = 0; i < location.EvseUids.Count; i++)
            {
                HubException.ThrowIfInvalid(TokenRules.ValidateId(location.EvseUids[i], required: true), $"location.evse_uids[{i}]");
            }

            locationId = location.LocationId;
            evseUids = location.EvseUids;
        }

        var token = await tokenGrains.Get(type, request.Uid).Get();
        var view = await directory.GetAsync();
        var agreementActive = token is not null && view.IsAgreementActive(cpo, token.Owner, clock.UtcNow);
        var reference = Guid.CreateVersion7().ToString("N");
        var plan = AuthorizationRules.Plan(token?.Facts, agreementActive);
        DisplayText? info = null;
        AuthorizationDecision decision;
        Task? provisional = null;
        var timedOut = false;
        if (plan.Final is { } final)
        {
            decision = final;
        }
        else
        {
            var wait = CallDeadlines.PartnerWait(options.Value.DeadlineFor(token!.Owner.ToString()), context.Deadline);
            var reply = MspReply.Timeout;
            if (wait > TimeSpan.Zero)
            {
                // The fallback is recorded while the EMSP is asked (group commit, off the critical path), so that a
                // timed-out ask is answered at the deadline instead of one disk flush after it. An answer in time
                // is recorded as final below and supersedes it.
                var fallback = AuthorizationRules.Resolve(token.Facts, MspOutcome.Timeout);
                provisional = journal.RecordAsync(Record(fallback, clock.UtcNow + wait) with { Provisional = true }, context.CancellationToken);
                reply = await channels.AskAsync(new MspAsk { Token = token, Cpo = cpo, LocationId = locationId, EvseUids = [.. evseUids], AuthorizationReference = reference, Timeout = wait });
            }

            timedOut = reply.Kind == MspOutcomeKind.Timeout;
            decision = AuthorizationRules.Resolve(token.Facts, reply.Outcome);
            if (reply.InfoText is { } text)
            {
                info = new DisplayText { Language = reply.InfoLanguage ?? "", Text = text };
            }
        }

        try
        {
            if (provisional is not null && timedOut)
            {
                // The provisional record is this decision.
                await provisional;
            }
            else
            {
                // Superseded by the final record (read first, whatever the order of writing); its own fault is only observed.
                _ = provisional?.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                await journal.RecordAsync(Record(decision, clock.UtcNow), context.CancellationToken);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // No decision is answered unless its reference is recorded: sessions and CDRs link to it.
            throw new RpcException(new Status(StatusCode.Unavailable, "the hub could not record the authorization; retry"));
        }

        metrics.Decided(decision);
        var authorization = new AuthorizationInfo
        {
            Allowed = (Contracts.V1.AllowedType)decision.Allowed,
            AuthorizationReference = reference,
            Info = info ?? HubInfo(decision, token is null, agreementActive),
        };
        if (token is not null && agreementActive)
        {
            authorization.Token = token.ToProto();
        }

        if (request.Location is not null)
        {
            authorization.Location = request.Location;
        }

        return new AuthorizeResponse { Authorization = authorization, Source = (Contracts.V1.DecisionSource)decision.Source };

        AuthorizationRecord Record(AuthorizationDecision made, DateTimeOffset at) => new()
        {
            Reference = reference,
            Cpo = cpo,
            Emsp = token?.Owner,
            Uid = request.Uid,
            Type = type,
            LocationId = locationId,
            EvseUids = evseUids,
            Allowed = made.Allowed,
            Source = made.Source,
            DecidedAt = at,
        };
    }

    /// <inheritdoc />
    public override async Task AuthorizationChannel(IAsyncStreamReader<AuthorizationChannelRequest> requestStream, IServerStreamWriter<AuthorizationChannelResponse> responseStream, ServerCallContext context)
    {
        var emsp = context.GetCaller().RequireParty(PartyRole.Emsp);
        var channel = await channels.OpenAsync(emsp);
        using var writing = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        Task? writer = null;
        try
        {
            var deadline = options.Value.DeadlineFor(emsp.ToString());
            await responseStream.WriteAsync(new AuthorizationChannelResponse
            {
                Ready = new AuthorizationChannelReady { ChannelId = channel.Id, DeadlineMs = (int)deadline.TotalMilliseconds },
            });
            writer = WriteRequestsAsync(channel, responseStream, writing.Token);
            await ReadAnswersAsync(channel, emsp, requestStream, context.CancellationToken);
        }
        finally
        {
            await channels.CloseAsync(channel);
            await writing.CancelAsync();
            if (writer is not null)
            {
                try
                {
                    await writer;
                }
                catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidOperationException)
                {
                    // The stream is over either way.
                }
            }
        }
    }

    private static DisplayText? HubInfo(AuthorizationDecision decision, bool unknown, bool agreementActive) => decision.Source switch
    {
        DecisionSource.HubRule when unknown => new DisplayText { Language = "en", Text = "Unknown token" },
        DecisionSource.HubRule when !agreementActive => new DisplayText { Language = "en", Text = "No roaming agreement with the token's provider" },
        DecisionSource.HubRule when decision.Allowed == AllowedType.Expired => new DisplayText { Language = "en", Text = "Token expired" },
        DecisionSource.HubRule => new DisplayText { Language = "en", Text = "Token blocked" },
        // A refusal the EMSP did not make itself: the driver should know it may be worth trying again.
        DecisionSource.FallbackTimeout or DecisionSource.FallbackNoChannel when decision.Allowed != AllowedType.Allowed =>
            new DisplayText { Language = "en", Text = "The token's provider could not be reached to confirm it" },
        _ => null,
    };

    private static async Task WriteRequestsAsync(MspChannel channel, IServerStreamWriter<AuthorizationChannelResponse> stream, CancellationToken cancellationToken)
    {
        await foreach (var request in channel.Outbox.ReadAllAsync(cancellationToken))
        {
            await stream.WriteAsync(new AuthorizationChannelResponse { Request = request }, cancellationToken);
        }
    }

    private async Task ReadAnswersAsync(MspChannel channel, PartyKey emsp, IAsyncStreamReader<AuthorizationChannelRequest> stream, CancellationToken cancellationToken)
    {
        var limit = options.Value.MaxUnknownAnswersPerSecond;
        var windowStart = Environment.TickCount64;
        var unknownInWindow = 0;
        await foreach (var message in stream.ReadAllAsync(cancellationToken))
        {
            var answer = message.Answer;
            var allowed = answer is null ? null : TokenProtoMapping.ToAllowed(answer.Allowed);
            string? problem = answer is null ? "a message without an answer"
                : answer.RequestId.Length is 0 or > 64 ? "an answer without a valid request_id"
                : allowed is null ? "an answer without a valid allowed value"
                : answer.Info is { } i && (i.Text.Length > TokenProtoMapping.MaxInfoLength || TokenRules.ValidateLanguage(i.Language) is not null) ? "an answer with a malformed info"
                : null;
            if (problem is not null)
            {
                metrics.ChannelCut("malformed");
                LogChannelCut(logger, emsp.ToString(), channel.Id, problem);
                throw new RpcException(new Status(StatusCode.InvalidArgument, $"the channel was closed: the EMSP sent {problem}"));
            }

            var reply = new MspReply
            {
                Kind = MspOutcomeKind.Answered,
                Allowed = allowed!.Value,
                InfoLanguage = answer!.Info is { } info ? info.Language : null,
                InfoText = answer.Info is { Text.Length: > 0 } withText ? withText.Text : null,
            };
            if (channel.TryAnswer(answer.RequestId, reply))
            {
                continue;
            }

            // An answer for a request that timed out, was never sent here, or belongs to another EMSP's
            // channel: ignored, counted, and limited so that a flood cannot take the silo's CPU.
            metrics.UnknownAnswer(emsp.ToString());
            var now = Environment.TickCount64;
            if (now - windowStart >= 1000)
            {
                windowStart = now;
                unknownInWindow = 0;
            }

            if (++unknownInWindow > limit)
            {
                metrics.ChannelCut("flood");
                LogChannelCut(logger, emsp.ToString(), channel.Id, "too many answers for unknown requests");
                throw new RpcException(new Status(StatusCode.ResourceExhausted, $"the channel was closed: more than {limit} answers per second for unknown or expired requests"));
            }
        }
    }

    private async Task FlushAsync(Dictionary<(TokenType, string), TokenRecord> batch, PutTokensResponse response, CancellationToken cancellationToken)
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
        response.Stored += result.Stored;
        response.Conflicts += result.Conflicts.Count;
        foreach (var (type, uid) in result.Conflicts.Take(MaxConflictSamples - response.ConflictSamples.Count))
        {
            response.ConflictSamples.Add(new TokenConflict { Type = (Contracts.V1.TokenType)type, Uid = uid });
        }

        batch.Clear();
    }

    [LoggerMessage(EventId = 4020, Level = LogLevel.Warning, Message = "EMSP {Emsp} tried to claim token {Type} {Uid}, which another EMSP owns")]
    private static partial void LogConflict(ILogger logger, string emsp, string type, string uid);

    [LoggerMessage(EventId = 4021, Level = LogLevel.Warning, Message = "EMSP {Emsp} uploaded {Count} tokens that other EMSPs own; not applied")]
    private static partial void LogBulkConflicts(ILogger logger, string emsp, long count);

    [LoggerMessage(EventId = 4022, Level = LogLevel.Warning, Message = "EMSP {Emsp} authorization channel {ChannelId} cut off: {Reason}")]
    private static partial void LogChannelCut(ILogger logger, string emsp, string channelId, string reason);
}
