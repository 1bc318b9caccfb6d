using ClearingHouse.Application.Locations;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Server.Grpc;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using DomainStatus = ClearingHouse.Domain.Locations.EvseStatus;
using ProtoStatus = ClearingHouse.Contracts.V1.EvseStatus;

namespace ClearingHouse.Server.Locations;

/// <summary>A status stream's messages as the ingest reads them: each update mapped into the ingest's columns as received.</summary>
internal sealed class StatusMessageSource(IAsyncStreamReader<StreamStatusUpdatesRequest> stream) : IStatusMessageSource
{
    /// <inheritdoc />
    public int CurrentCount => stream.Current.Updates.Count;

    /// <inheritdoc />
    public Task<bool> MoveNext(CancellationToken cancellationToken) => stream.MoveNext(cancellationToken);

    /// <inheritdoc />
    public void AddCurrent(StatusWork work)
    {
        var updates = stream.Current.Updates;
        for (var i = 0; i < updates.Count; i++)
        {
            // Malformed values go in as "unknown" (status) and 0 (time): the ingest rejects them with their position.
            var u = updates[i];
            var valid = u.LastUpdated is { } ts && ts.Seconds is >= 0 and <= 253402300799 && ts.Nanos is >= 0 and <= 999_999_999;
            work.Add(
                u.LocationId,
                u.EvseUid,
                u.Status is > ProtoStatus.Unspecified and <= ProtoStatus.Unknown ? (DomainStatus)(int)u.Status : DomainStatus.Unspecified,
                valid ? u.LastUpdated!.ToDateTimeOffset().UtcTicks : 0);
        }
    }
}

/// <summary>Status ingest and subscription records to and from their wire form.</summary>
internal static class StatusProtoMapping
{
    /// <summary>The wire form of a stream's tally.</summary>
    public static StreamStatusUpdatesResponse ToProto(this StatusIngestSummary summary)
    {
        var response = new StreamStatusUpdatesResponse
        {
            Messages = summary.Messages,
            Accepted = summary.Accepted,
            Stale = summary.Stale,
            Rejected = summary.Rejected,
        };
        foreach (var r in summary.Rejections)
        {
            response.Rejections.Add(new RejectedUpdate
            {
                MessageIndex = r.MessageIndex,
                UpdateIndex = r.UpdateIndex,
                LocationId = r.LocationId,
                EvseUid = r.EvseUid,
                Reason = r.Reason switch
                {
                    StatusRejectReason.UnknownLocation => RejectReason.UnknownLocation,
                    StatusRejectReason.UnknownEvse => RejectReason.UnknownEvse,
                    _ => RejectReason.Invalid,
                },
                Detail = r.Detail,
            });
        }

        return response;
    }

    /// <summary>Validates a subscription request and converts it.</summary>
    public static StatusSubscriptionRequest ToSubscription(SubscribeStatusRequest request)
    {
        for (var i = 0; i < request.CountryCodes.Count; i++)
        {
            HubException.ThrowIfInvalid(PartyRules.ValidateCountryCode(request.CountryCodes[i]), $"country_codes[{i}]");
        }

        for (var i = 0; i < request.LocationIds.Count; i++)
        {
            LocationMapping.RequireId(request.LocationIds[i], $"location_ids[{i}]");
        }

        var cpos = new PartyKey[request.Cpos.Count];
        for (var i = 0; i < cpos.Length; i++)
        {
            cpos[i] = LocationMapping.ToCpoKey(request.Cpos[i], $"cpos[{i}]");
        }

        return new StatusSubscriptionRequest
        {
            Cpos = cpos,
            CountryCodes = request.CountryCodes.ToHashSet(StringComparer.Ordinal),
            LocationIds = request.LocationIds.Count > 0 ? request.LocationIds.ToHashSet(StringComparer.Ordinal) : null,
            ResumeCursor = request.ResumeCursor.Length > 0 ? request.ResumeCursor : null,
        };
    }
}

/// <summary>
/// A subscription's messages in their wire form, for one call: each CPO's reference is built once, not per event.
/// </summary>
internal sealed class StatusEventMapper
{
    private readonly Dictionary<string, PartyRef> _cpos = new(StringComparer.Ordinal);

    /// <summary>The response carrying <paramref name="message"/>.</summary>
    public SubscribeStatusResponse ToProto(StatusSubscriptionMessage message)
    {
        switch (message)
        {
            case StatusResync resync:
                var signal = new ResyncRequired { Cursor = resync.Cursor };
                signal.Cpos.AddRange(resync.Cpos.Select(Cpo));
                return new SubscribeStatusResponse { ResyncRequired = signal };
            case StatusChanges changes:
                var batch = new StatusEventBatch { Cursor = changes.Cursor };
                foreach (var (cpo, sequence, ev) in changes.Changes)
                {
                    batch.Events.Add(new StatusEvent
                    {
                        Cpo = Cpo(cpo),
                        LocationId = ev.LocationId,
                        EvseUid = ev.EvseUid,
                        Status = (ProtoStatus)(int)ev.Status,
                        LastUpdated = Timestamp.FromDateTime(new DateTime(ev.LastUpdatedTicks, DateTimeKind.Utc)),
                        Sequence = sequence,
                        HubReceivedAt = Timestamp.FromDateTime(new DateTime(ev.ReceivedTicks, DateTimeKind.Utc)),
                    });
                }

                return new SubscribeStatusResponse { Batch = batch };
            default:
                throw new ArgumentOutOfRangeException(nameof(message), message.GetType().Name, "not a status subscription message");
        }
    }

    private PartyRef Cpo(string cpo)
    {
        if (!_cpos.TryGetValue(cpo, out var reference))
        {
            reference = PartyKey.TryParse(cpo, out var key) ? key.Value.ToProto() : new PartyRef();
            _cpos[cpo] = reference;
        }

        return reference;
    }
}
