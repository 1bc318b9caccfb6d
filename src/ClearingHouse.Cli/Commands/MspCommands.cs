using System.CommandLine;
using System.Globalization;
using ClearingHouse.Cli.Output;
using ClearingHouse.Contracts.V1;
using Grpc.Core;

namespace ClearingHouse.Cli.Commands;

/// <summary><c>msp answer</c>: a simple EMSP that answers authorization requests on its channel by a rule.</summary>
public static class MspCommands
{
    /// <summary>Builds the <c>msp</c> command group.</summary>
    public static Command Create(CommandContext ctx)
    {
        var msp = new Command("msp", "Act as an EMSP's real-time authorization endpoint");
        var rule = new Option<string>("--rule") { Description = "allow, deny, or slow:<ms> (allow after a delay)", DefaultValueFactory = _ => "allow" };
        var count = new Option<int>("--count") { Description = "Stop after answering this many requests (default: run until Ctrl+C)" };
        var answer = new Command("answer", "Open an AuthorizationChannel and answer every request by a rule, printing each") { rule, count };
        answer.SetAction(async (r, ct) =>
        {
            var (allowed, delay) = ParseRule(r.GetValue(rule)!);
            var limit = r.GetValue(count);
            using var channel = ctx.Channel(r);
            using var call = new TokenService.TokenServiceClient(channel).AuthorizationChannel(cancellationToken: ct);
            var printer = ctx.Printer(r);
            var answered = 0;
            var gate = new SemaphoreSlim(1, 1);
            var pending = new List<Task>();
            try
            {
                await foreach (var message in call.ResponseStream.ReadAllAsync(ct))
                {
                    if (message.Ready is { } ready)
                    {
                        printer.Line($"channel {ready.ChannelId} open; the hub waits up to {ready.DeadlineMs} ms per request");
                        continue;
                    }

                    var request = message.Request;
                    pending.Add(AnswerAsync(request));
                    if (limit > 0 && ++answered >= limit)
                    {
                        break;
                    }
                }

                await Task.WhenAll(pending);
                await ChannelEnd.CloseAsync(call.RequestStream, call.ResponseStream, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled && ct.IsCancellationRequested)
            {
            }

            gate.Dispose();
            return 0;

            async Task AnswerAsync(AuthorizationRequest request)
            {
                if (delay > TimeSpan.Zero)
                {
                    await Task.Delay(delay, ct);
                }

                await gate.WaitAsync(ct);
                try
                {
                    await call.RequestStream.WriteAsync(new AuthorizationChannelRequest
                    {
                        Answer = new AuthorizationAnswer { RequestId = request.RequestId, Allowed = allowed },
                    }, ct);
                }
                finally
                {
                    gate.Release();
                }

                printer.Line($"{DateTime.UtcNow:HH:mm:ss.fff} {request.RequestId} {TokensCommands.Name(request.Token.Type.ToString())} {request.Token.Uid} at {request.Location?.LocationId ?? "-"} from {Output.Format.Party(request.Cpo)} -> {TokensCommands.Name(allowed.ToString())}");
            }
        });
        msp.Subcommands.Add(answer);
        return msp;
    }

    private static (AllowedType Allowed, TimeSpan Delay) ParseRule(string text)
    {
        var t = text.Trim().ToLowerInvariant();
        if (t == "allow")
        {
            return (AllowedType.Allowed, TimeSpan.Zero);
        }

        if (t == "deny")
        {
            return (AllowedType.Blocked, TimeSpan.Zero);
        }

        if (t.StartsWith("slow:", StringComparison.Ordinal) && int.TryParse(t.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out var ms) && ms > 0)
        {
            return (AllowedType.Allowed, TimeSpan.FromMilliseconds(ms));
        }

        throw new UsageException($"--rule '{text}' is not allow, deny or slow:<ms>");
    }
}
