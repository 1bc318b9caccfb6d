using Google.Protobuf;
using Grpc.Core;

namespace ClearingHouse.Cli.Output;

/// <summary>The loop of the <c>watch</c> commands: print a subscription's messages until it ends, Ctrl+C, or enough events.</summary>
public static class StreamWatch
{
    /// <summary>
    /// Reads <paramref name="stream"/> and prints each message (as JSON with <c>--json</c>, else with
    /// <paramref name="print"/>), until the stream ends, <paramref name="ct"/> is cancelled (a normal end),
    /// or, when <paramref name="limit"/> is positive, that many events were seen (<paramref name="eventsIn"/>
    /// counts a message's events).
    /// </summary>
    public static async Task<int> RunAsync<T>(IAsyncStreamReader<T> stream, Printer printer, int limit, Func<T, int> eventsIn, Action<T> print, CancellationToken ct)
        where T : IMessage
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(printer);
        ArgumentNullException.ThrowIfNull(eventsIn);
        ArgumentNullException.ThrowIfNull(print);
        var seen = 0;
        try
        {
            while (await stream.MoveNext(ct))
            {
                var m = stream.Current;
                if (printer.Json)
                {
                    // Not printer.Line: that one prints nothing under --json.
                    printer.Message(m);
                }
                else
                {
                    print(m);
                }

                seen += eventsIn(m);
                if (limit > 0 && seen >= limit)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }

        return 0;
    }
}
