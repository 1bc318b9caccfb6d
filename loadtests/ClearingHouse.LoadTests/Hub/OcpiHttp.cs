using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace ClearingHouse.LoadTests.Hub;

/// <summary>An OCPI call the hub did not answer with HTTP 2xx and status_code 1000: its HTTP status, OCPI code and message.</summary>
public sealed class OcpiCallException(string what, int httpStatus, int? statusCode, string? statusMessage)
    : Exception($"{what}: HTTP {httpStatus}, status_code {statusCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}: {statusMessage ?? "(no status_message)"}")
{
    /// <summary>The HTTP status.</summary>
    public int HttpStatus { get; } = httpStatus;

    /// <summary>The envelope's status_code, when the body was an OCPI envelope.</summary>
    public int? StatusCode { get; } = statusCode;
}

/// <summary>
/// The OCPI side of the load tool: HTTP/1.1 clients (one connection each, as <c>--connections</c> counts them), the
/// <c>Authorization: Token</c> header in the 2.2.1 form (base64), and the response envelope read and checked.
/// </summary>
public static class OcpiHttp
{
    /// <summary>An HTTP client of one keep-alive HTTP/1.1 connection (requests beyond it wait: latency, as in an open model).</summary>
    public static HttpClient CreateClient(int connections = 1) => new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = connections,
        UseProxy = false,
        AllowAutoRedirect = false,
        ConnectTimeout = TimeSpan.FromSeconds(5),
        PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    /// <summary>The 2.2.1 Authorization header value for a credentials token.</summary>
    public static AuthenticationHeaderValue Token(string token) => new("Token", Convert.ToBase64String(Encoding.UTF8.GetBytes(token)));

    /// <summary>
    /// Sends one request and returns the envelope's <c>data</c> (null when none); throws <see cref="OcpiCallException"/>
    /// unless the answer is HTTP 2xx with status_code 1000. <paramref name="deadline"/> bounds the whole call.
    /// </summary>
    public static async Task<JsonNode?> SendAsync(HttpClient client, HttpMethod method, string url, AuthenticationHeaderValue token, JsonNode? body, string what, DateTime deadline, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Max(deadline - DateTime.UtcNow, TimeSpan.FromMilliseconds(1)));
        using var request = new HttpRequestMessage(method, url);
        request.Headers.Authorization = token;
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        try
        {
            using var response = await client.SendAsync(request, timeout.Token);
            var text = await response.Content.ReadAsStringAsync(timeout.Token);
            JsonObject? envelope = null;
            try
            {
                envelope = JsonNode.Parse(text) as JsonObject;
            }
            catch (System.Text.Json.JsonException)
            {
                // Not an envelope: reported below with the HTTP status alone.
            }

            var code = envelope?["status_code"] is JsonValue v && v.TryGetValue<int>(out var c) ? c : (int?)null;
            if (!response.IsSuccessStatusCode || code != 1000)
            {
                var message = envelope?["status_message"]?.GetValue<string>() ?? (envelope is null ? Truncate(text) : null);
                throw new OcpiCallException(what, (int)response.StatusCode, code, message);
            }

            return envelope!["data"];
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{what}: no answer before the call's deadline");
        }
    }

    /// <summary>Whether a failure is the hub refusing plain-http partner URLs (it calls only https ones unless told otherwise).</summary>
    public static bool IsInsecureUrlRefusal(Exception e) =>
        e is OcpiCallException { HttpStatus: (int)HttpStatusCode.BadRequest } && e.Message.Contains("https URL", StringComparison.Ordinal);

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static string Truncate(string text) => text.Length <= 200 ? text : text[..200] + "...";
}
