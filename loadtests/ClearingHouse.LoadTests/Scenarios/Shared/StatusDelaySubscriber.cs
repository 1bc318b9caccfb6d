using ClearingHouse.Contracts.V1;
using ClearingHouse.LoadTests.Hub;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using HdrHistogram;

namespace ClearingHouse.LoadTests.Scenarios.Shared;

/// <summary>
/// One EMSP's SubscribeStatus: counts events and their end-to-end delay (receive time minus the event's
/// <c>last_updated</c>, which the load tool sets to the send time), by second of send time. A subscriber the hub cuts as
/// too slow (ResourceExhausted) resumes from its last cursor, as an MSP would, and is counted.
/// </summary>
public sealed class StatusDelaySubscriber
{
    private readonly Lock _lock = new();
    private readonly Dictionary<long, Bucket> _perSecond = [];
    private readonly TaskCompletionSource _subscribed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _total;

    public StatusDelaySubscriber(TestCredential emsp, LocationService.LocationServiceClient client, CancellationToken stop)
    {
        Party = emsp.Party;
        Completion = ReadAsync(client, Bearer.Headers(emsp.Secret), stop);
    }

    public TestParty Party { get; }

    public Task Subscribed => _subscribed.Task;

    public Task Completion { get; }

    public string? Failure { get; private set; }

    public long Resyncs { get; private set; }

    /// <summary>Times the hub cut this subscriber as too slow (it resumed from its cursor each time).</summary>
    public long Overflows { get; private set; }

    public long Total => Interlocked.Read(ref _total);

    public (long Count, LongHistogram Delay, LongHistogram HubDelay) In(long firstSecond, long lastSecond)
    {
        var delay = new LongHistogram(1, StatusDelays.MaxMicros, 3);
        var hub = new LongHistogram(1, StatusDelays.MaxMicros, 3);
        long count = 0;
        lock (_lock)
        {
            foreach (var (second, bucket) in _perSecond)
            {
                if (second >= firstSecond && second <= lastSecond)
                {
                    count += bucket.Count;
                    delay.Add(bucket.Delay);
                    hub.Add(bucket.HubDelay);
                }
            }
        }

        return (count, delay, hub);
    }

    private async Task ReadAsync(LocationService.LocationServiceClient client, Metadata headers, CancellationToken stop)
    {
        var cursor = string.Empty;
        try
        {
            while (true)
            {
                try
                {
                    using var call = client.SubscribeStatus(new SubscribeStatusRequest { ResumeCursor = cursor }, headers, cancellationToken: stop);
                    await foreach (var response in call.ResponseStream.ReadAllAsync(stop))
                    {
                        switch (response.KindCase)
                        {
                            case SubscribeStatusResponse.KindOneofCase.SubscribedCursor:
                                cursor = response.SubscribedCursor;
                                _subscribed.TrySetResult();
                                break;
                            case SubscribeStatusResponse.KindOneofCase.ResyncRequired:
                                Resyncs++;
                                cursor = response.ResyncRequired.Cursor;
                                break;
                            case SubscribeStatusResponse.KindOneofCase.Batch:
                                Record(response.Batch);
                                cursor = response.Batch.Cursor;
                                break;
                        }
                    }

                    Failure ??= "the hub ended the subscription";
                    _subscribed.TrySetException(new RpcException(new Status(StatusCode.Unavailable, "the subscription ended before it was confirmed")));
                    return;
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.ResourceExhausted && cursor.Length > 0 && !stop.IsCancellationRequested)
                {
                    // The hub's overflow policy: a too slow subscriber is cut and resumes from its
                    // last cursor (the missed events are replayed from retention), as an MSP would.
                    Overflows++;
                }
            }
        }
        catch (RpcException e) when (stop.IsCancellationRequested && e.StatusCode == StatusCode.Cancelled)
        {
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        catch (RpcException e)
        {
            Failure = $"{e.StatusCode}: {e.Status.Detail}";
            _subscribed.TrySetException(e);
        }
    }

    private void Record(StatusEventBatch batch)
    {
        var now = DateTime.UtcNow.Ticks;
        lock (_lock)
        {
            Bucket? bucket = null;
            var bucketSecond = long.MinValue;
            foreach (var e in batch.Events)
            {
                var sent = ToTicks(e.LastUpdated);
                var second = sent / TimeSpan.TicksPerSecond;
                if (second != bucketSecond || bucket is null)
                {
                    bucketSecond = second;
                    if (!_perSecond.TryGetValue(second, out bucket))
                    {
                        bucket = new Bucket();
                        _perSecond[second] = bucket;
                    }
                }

                bucket.Count++;
                bucket.Delay.RecordValue(Math.Clamp((now - sent) / 10, 0, StatusDelays.MaxMicros));
                bucket.HubDelay.RecordValue(Math.Clamp((ToTicks(e.HubReceivedAt) - sent) / 10, 0, StatusDelays.MaxMicros));
            }
        }

        Interlocked.Add(ref _total, batch.Events.Count);
    }

    private static long ToTicks(Timestamp? t) =>
        t is null ? 0 : DateTime.UnixEpoch.Ticks + (t.Seconds * TimeSpan.TicksPerSecond) + (t.Nanos / 100);

    private sealed class Bucket
    {
        public long Count { get; set; }

        // Microseconds, up to 60 s.
        public LongHistogram Delay { get; } = new(1, StatusDelays.MaxMicros, 3);

        public LongHistogram HubDelay { get; } = new(1, StatusDelays.MaxMicros, 3);
    }
}
