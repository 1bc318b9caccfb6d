using System.Text.Json.Nodes;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains;
using ClearingHouse.Grains.Commands;
using ClearingHouse.Ocpi.Credentials;
using ClearingHouse.Ocpi.Transport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Ocpi.Outbound;

/// <inheritdoc cref="IOcpiOutboxGrain" />
/// <remarks>
/// A grain timer (kept alive while anything waits) checks the watched commands and delivers what is due; it
/// interleaves with <see cref="Enqueue"/> so a partner that hangs never delays the sender of the next push, and state
/// writes are serialized. OCPI itself forbids queueing pushes (a partner that was away re-syncs by GET); the hub
/// delivers what it acknowledged instead, and says so in docs/ocpi.md.
/// </remarks>
internal sealed partial class OcpiOutboxGrain(
    [PersistentState("ocpi-outbox", StorageProviders.Durable)] IPersistentState<OcpiOutboxState> state,
    OcpiPartnerDirectory directory,
    OcpiPartnerHttp http,
    OcpiDeliveryMetrics metrics,
    IOptions<OcpiDeliveryOptions> options,
    ILogger<OcpiOutboxGrain> logger) : Grain, IOcpiOutboxGrain
{
    private const int MaxPerTick = 50;
    private Task _lastWrite = Task.CompletedTask;
    private IGrainTimer? _timer;
    private bool _ticking;

    private PartyKey Partner => PartyKey.TryParse(this.GetPrimaryKeyString(), out var key) ? key.Value : throw new InvalidOperationException("bad outbox key");

    /// <inheritdoc />
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        foreach (var delivery in state.State.Deliveries)
        {
            metrics.Queued(delivery.What, 1);
        }

        Arm();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        foreach (var delivery in state.State.Deliveries)
        {
            metrics.Queued(delivery.What, -1);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task Enqueue(OcpiDelivery delivery)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        return EnqueueMany([delivery]);
    }

    /// <inheritdoc />
    public async Task EnqueueMany(IReadOnlyList<OcpiDelivery> deliveries)
    {
        ArgumentNullException.ThrowIfNull(deliveries);
        if (deliveries.Count == 0)
        {
            return;
        }

        var queue = state.State.Deliveries;
        foreach (var delivery in deliveries)
        {
            if (delivery.Replaceable && delivery.OrderKey is { } key)
            {
                // An attempt of a replaced push in flight finds its id gone and leaves the newer one queued.
                var replaced = queue.RemoveAll(d => d.Replaceable && d.OrderKey == key);
                metrics.Queued(delivery.What, -replaced);
            }

            if (queue.Count >= options.Value.MaxQueued)
            {
                Drop(queue[0], "overflow", "the outbox is full (Ocpi:Delivery:MaxQueued)");
                queue.RemoveAt(0);
            }

            queue.Add(delivery with { EnqueuedAt = DateTimeOffset.UtcNow, NextAttemptAt = DateTimeOffset.UtcNow, Attempts = 0 });
            metrics.Queued(delivery.What, 1);
        }

        await WriteAsync();
        Arm(soon: true);
    }

    /// <inheritdoc />
    public async Task WatchCommand(OcpiCommandWatch watch)
    {
        ArgumentNullException.ThrowIfNull(watch);
        state.State.Watches.Add(watch);
        await WriteAsync();
        Arm();
    }

    /// <inheritdoc />
    public Task Wake()
    {
        Arm(soon: true);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<OcpiOutboxView> Get()
    {
        var s = state.State;
        return Task.FromResult(new OcpiOutboxView
        {
            Queued = s.Deliveries.Count,
            Watching = s.Watches.Count,
            OldestQueuedAt = s.Deliveries.Count == 0 ? null : s.Deliveries.Min(d => d.EnqueuedAt),
            LastDeliveredAt = s.LastDeliveredAt,
            LastFailedAt = s.LastFailedAt,
            LastFailure = s.LastFailure,
            Dropped = s.Dropped,
        });
    }

    // A timer while anything waits: every second (command results are checked that often), sooner after an enqueue.
    private void Arm(bool soon = false)
    {
        if (state.State.Deliveries.Count == 0 && state.State.Watches.Count == 0)
        {
            return;
        }

        if (_timer is null)
        {
            _timer = this.RegisterGrainTimer(TickAsync, new GrainTimerCreationOptions
            {
                DueTime = soon ? TimeSpan.Zero : TimeSpan.FromSeconds(1),
                Period = TimeSpan.FromSeconds(1),
                KeepAlive = true,
                Interleave = true,
            });
        }
        else if (soon)
        {
            _timer.Change(TimeSpan.Zero, TimeSpan.FromSeconds(1));
        }
    }

    private async Task TickAsync(CancellationToken cancellationToken)
    {
        if (_ticking)
        {
            return;
        }

        _ticking = true;
        try
        {
            await CheckWatchesAsync();
            await DeliverDueAsync(cancellationToken);
            if (state.State.Deliveries.Count == 0 && state.State.Watches.Count == 0)
            {
                _timer?.Dispose();
                _timer = null;
            }
        }
        finally
        {
            _ticking = false;
        }
    }

    // A watched command with a result (the CPO's, or the TIMEOUT its grain records at the deadline) becomes a push.
    private async Task CheckWatchesAsync()
    {
        var watches = state.State.Watches;
        if (watches.Count == 0)
        {
            return;
        }

        var changed = false;
        foreach (var watch in watches.ToArray())
        {
            var command = await GrainFactory.GetGrain<ICommandGrain>(watch.CommandId).Get();
            int result;
            CommandText? message;
            if (command is { Result: > 0 })
            {
                (result, message) = (command.Result, command.ResultMessage);
            }
            else if (command is null || DateTimeOffset.UtcNow >= watch.GiveUpAt)
            {
                (result, message) = (CommandGrain.TimeoutResult, new CommandText("en", "no result from the CPO"));
            }
            else
            {
                continue;
            }

            watches.Remove(watch);
            var profile = Application.Commands.CommandFlow.IsChargingProfile(watch.Kind);
            var delivery = new OcpiDelivery
            {
                Id = "result-" + watch.CommandId,
                What = profile ? "charging profile result" : "command result",
                Method = "POST",
                Url = watch.ResponseUrl,
                // A charging profile result without one from the CPO in time is REJECTED (its result type has no TIMEOUT).
                Body = profile
                    ? ChargingProfiles.OcpiChargingProfiles.ResultJson(watch.Kind, command is { Result: > 0 } ? result : ChargingProfiles.OcpiChargingProfiles.RejectedResult, command?.ResultPayload)
                    : CommandResultJson(result, message),
                From = watch.Cpo,
                EnqueuedAt = DateTimeOffset.UtcNow,
                NextAttemptAt = DateTimeOffset.UtcNow,
            };
            state.State.Deliveries.Add(delivery);
            metrics.Queued(delivery.What, 1);
            changed = true;
        }

        if (changed)
        {
            await WriteAsync();
        }
    }

    private async Task DeliverDueAsync(CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.UtcNow;
        var blocked = new HashSet<string>(StringComparer.Ordinal);
        var due = new List<OcpiDelivery>();
        foreach (var delivery in state.State.Deliveries)
        {
            // Per object in order: only the first waiting push of a key may go.
            if (delivery.OrderKey is { } key && !blocked.Add(key))
            {
                continue;
            }

            if (delivery.NextAttemptAt <= now && due.Count < MaxPerTick)
            {
                due.Add(delivery);
            }
        }

        if (due.Count == 0)
        {
            return;
        }

        foreach (var delivery in due)
        {
            var (ok, refusal, failure) = await AttemptAsync(delivery, cancellationToken);
            var index = state.State.Deliveries.FindIndex(d => d.Id == delivery.Id);
            if (index < 0)
            {
                continue; // dropped by an overflow meanwhile
            }

            var attempts = delivery.Attempts + 1;
            if (ok)
            {
                state.State.Deliveries.RemoveAt(index);
                state.State.LastDeliveredAt = DateTimeOffset.UtcNow;
                metrics.Queued(delivery.What, -1);
                metrics.Delivered(delivery.What, attempts);
                continue;
            }

            state.State.LastFailedAt = DateTimeOffset.UtcNow;
            state.State.LastFailure = failure;
            if (refusal is not null || attempts >= options.Value.MaxAttempts)
            {
                state.State.Deliveries.RemoveAt(index);
                Drop(delivery, refusal is null ? "attempts" : "refused", failure);
                continue;
            }

            metrics.Retried(delivery.What);
            state.State.Deliveries[index] = delivery with { Attempts = attempts, NextAttemptAt = DateTimeOffset.UtcNow + Backoff(attempts) };
        }

        await WriteAsync();
    }

    // (accepted, refusal reason when retrying cannot help, failure text)
    private async Task<(bool Ok, string? Refusal, string Failure)> AttemptAsync(OcpiDelivery delivery, CancellationToken cancellationToken)
    {
        if (!directory.TryGet(Partner, out var link))
        {
            return (false, null, "the partner is not registered");
        }

        try
        {
            var answer = await http.SendAsync(new OcpiPartnerCall(new HttpMethod(delivery.Method), delivery.Url, link.TokenB, delivery.What)
            {
                Body = delivery.Body,
                From = delivery.From,
                To = Partner,
            }, cancellationToken);
            if (answer.Succeeded)
            {
                return (true, null, "");
            }

            var failure = $"answered HTTP {answer.Http} with status_code {answer.StatusCode}";
            // A client error other than the hub's token, a timeout or a rate limit: the same push will be refused again.
            var refused = answer.Http is >= 400 and < 500 and not (401 or 403 or 408 or 429)
                || (answer.StatusCode is >= 2000 and < 3000 && answer.Http is >= 200 and < 300);
            return (false, refused ? failure : null, failure);
        }
        catch (OcpiPartnerCallException ex)
        {
            return (false, null, ex.Message);
        }
    }

    private TimeSpan Backoff(int attempts)
    {
        var o = options.Value;
        var wait = o.RetryBase * Math.Pow(2, Math.Min(attempts - 1, 20));
        return wait > o.RetryMax ? o.RetryMax : wait;
    }

    private void Drop(OcpiDelivery delivery, string reason, string? failure)
    {
        state.State.Dropped++;
        metrics.Queued(delivery.What, -1);
        metrics.Dropped(delivery.What, reason);
        LogDropped(logger, delivery.What, delivery.Id, Partner.ToString(), OcpiPartnerHttp.Shown(delivery.Url), reason, failure ?? "");
    }

    private static string CommandResultJson(int result, CommandText? message)
    {
        var json = new JsonObject { ["result"] = OcpiFields.Name((OcpiCommandResult)result) };
        if (message is not null)
        {
            json["message"] = new JsonArray(new JsonObject { ["language"] = message.Language, ["text"] = message.Text });
        }

        return json.ToJsonString(OcpiJson.Options);
    }

    // Turns interleave (the timer) but run one at a time: chaining each write after the previous one serializes them.
    private async Task WriteAsync()
    {
        var previous = _lastWrite;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _lastWrite = done.Task;
        try
        {
            await previous;
            await state.CommitOrReloadAsync();
        }
        finally
        {
            done.SetResult();
        }
    }

    [LoggerMessage(EventId = 9513, Level = LogLevel.Warning, Message = "OCPI push {What} {DeliveryId} to {Partner} at {Url} given up ({Reason}): {Failure}")]
    private static partial void LogDropped(ILogger logger, string what, string deliveryId, string partner, string url, string reason, string failure);
}

/// <summary>The stored outbox of one partner.</summary>
[GenerateSerializer]
public sealed class OcpiOutboxState
{
    /// <summary>Pushes waiting, in the order they were stored.</summary>
    [Id(0)] public List<OcpiDelivery> Deliveries { get; set; } = [];

    /// <summary>Commands whose result the partner waits for.</summary>
    [Id(1)] public List<OcpiCommandWatch> Watches { get; set; } = [];

    /// <summary>When the partner last accepted a push.</summary>
    [Id(2)] public DateTimeOffset? LastDeliveredAt { get; set; }

    /// <summary>When a push last failed.</summary>
    [Id(3)] public DateTimeOffset? LastFailedAt { get; set; }

    /// <summary>Why it last failed.</summary>
    [Id(4)] public string? LastFailure { get; set; }

    /// <summary>Pushes given up.</summary>
    [Id(5)] public long Dropped { get; set; }
}

/// <summary>OCPI CommandResultType, by the hub's wire values (<c>CommandRecord.Result</c>).</summary>
internal enum OcpiCommandResult
{
    /// <summary>ACCEPTED.</summary>
    Accepted = 1,

    /// <summary>CANCELED_RESERVATION.</summary>
    CanceledReservation = 2,

    /// <summary>EVSE_OCCUPIED.</summary>
    EvseOccupied = 3,

    /// <summary>EVSE_INOPERATIVE.</summary>
    EvseInoperative = 4,

    /// <summary>FAILED.</summary>
    Failed = 5,

    /// <summary>NOT_SUPPORTED.</summary>
    NotSupported = 6,

    /// <summary>REJECTED.</summary>
    Rejected = 7,

    /// <summary>TIMEOUT.</summary>
    Timeout = 8,

    /// <summary>UNKNOWN_RESERVATION.</summary>
    UnknownReservation = 9,
}
