using ClearingHouse.Application.Channels;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Tokens;

namespace ClearingHouse.Application.Tokens;

/// <summary>
/// Asks an EMSP that is reached by another protocol than the hub's gRPC authorization channel (an OCPI platform's
/// <c>tokens/{uid}/authorize</c>). Answers the same <see cref="MspReply"/> as the channel hub, so the decision,
/// fallback and record path of <see cref="AuthorizationCore"/> is one for every EMSP.
/// </summary>
public interface IRemoteMspAuthorizer
{
    /// <summary>
    /// Asks the EMSP within <see cref="MspAsk.Timeout"/>: Answered, Timeout (no answer in time) or NoChannel (the EMSP
    /// could not be used: unreachable, refused, or answered something the hub does not trust). Never throws for the
    /// EMSP's failures; an OperationCanceledException only when <paramref name="cancellationToken"/> (the caller) is cancelled.
    /// </summary>
    Task<MspReply> AskAsync(MspAsk ask, CancellationToken cancellationToken);
}

/// <summary>Which EMSPs <see cref="AuthorizationCore"/> asks through an <see cref="IRemoteMspAuthorizer"/> instead of their gRPC channels.</summary>
public sealed class RemoteMspRoutes : RemoteRoutes<IRemoteMspAuthorizer>;
