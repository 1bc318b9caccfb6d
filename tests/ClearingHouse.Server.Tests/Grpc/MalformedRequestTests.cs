using System.Net;
using System.Net.Http.Headers;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Server.Tests.Infrastructure;

namespace ClearingHouse.Server.Tests.Grpc;

/// <summary>
/// Bodies that are not valid protobuf, posted as a fuzzer (or a broken client) would, on raw HTTP/2 to a real hub
/// process: each gets a clear status (Unauthenticated without a credential, InvalidArgument with one, Internal for a
/// body flagged gzip that is not), never Unknown, and the hub logs no error and no stack trace for them.
/// </summary>
public sealed class MalformedRequestTests(MalformedRequestTests.Hub hub) : IClassFixture<MalformedRequestTests.Hub>
{
    private const string RegisterParty = "/clearinghouse.v1.PartyAdminService/RegisterParty";

    public static TheoryData<string, string> Bodies => new()
    {
        { "a length that runs past the message", "00000000040affffffff" },
        { "random bytes", "0000000010" + "8f3a11c0de9b77e2a4105f6601fe2b93" },
        { "a truncated field", "00000000020a05" },
        { "wire type 7", "00000000020f01" },
        { "groups nested 500 deep", "00000001f4" + string.Concat(Enumerable.Repeat("0b", 500)) },
        { "invalid UTF-8 in a string", "0000000004" + "1202fffe" },
    };

    // Per call shape: the method and which party may call it (so the body, not the role, is what fails).
    public static TheoryData<string, string> Methods => new()
    {
        { "/clearinghouse.v1.PartyAdminService/RegisterParty", "operator" },
        { "/clearinghouse.v1.LocationService/StreamStatusUpdates", "cpo" },
        { "/clearinghouse.v1.LocationService/SubscribeStatus", "emsp" },
        { "/clearinghouse.v1.TokenService/AuthorizationChannel", "emsp" },
        { "/clearinghouse.v1.TokenService/PutTokens", "emsp" },
    };

    [Theory]
    [MemberData(nameof(Bodies))]
    public async Task Post_MalformedBodyWithoutCredential_IsUnauthenticated(string what, string frame)
    {
        var (status, message) = await hub.PostAsync(RegisterParty, Convert.FromHexString(frame), secret: null);
        Assert.True(status == 16, $"{what}: grpc-status {status} '{message}', expected 16 (Unauthenticated)");
    }

    [Theory]
    [MemberData(nameof(Bodies))]
    public async Task Post_MalformedBodyWithCredential_IsInvalidArgument(string what, string frame)
    {
        var (status, message) = await hub.PostAsync(RegisterParty, Convert.FromHexString(frame), hub.Secret("operator"));
        Assert.True(status == 3, $"{what}: grpc-status {status} '{message}', expected 3 (InvalidArgument)");
        Assert.Contains("RegisterPartyRequest", message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public async Task Post_MalformedBodyOnEveryCallShape_IsInvalidArgument(string method, string caller)
    {
        var (status, message) = await hub.PostAsync(method, Convert.FromHexString("00000000040affffffff"), hub.Secret(caller));
        Assert.True(status == 3, $"{method}: grpc-status {status} '{message}', expected 3 (InvalidArgument)");
    }

    [Fact]
    public async Task Post_GzipFlagWithPlainBody_IsInternalWithoutStack()
    {
        var (status, message) = await hub.PostAsync(RegisterParty, Convert.FromHexString("0100000004deadbeef"), hub.Secret("operator"), gzip: true);
        Assert.True(status == 13, $"grpc-status {status} '{message}', expected 13 (Internal)");
        Assert.Contains("gzip", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Log_AfterMalformedRequests_HasNoErrorOrStack()
    {
        foreach (var (_, frame) in new[] { ("", "00000000040affffffff"), ("", "00000000020f01") })
        {
            await hub.PostAsync(RegisterParty, Convert.FromHexString(frame), secret: null);
            await hub.PostAsync(RegisterParty, Convert.FromHexString(frame), hub.Secret("operator"));
        }

        await hub.PostAsync(RegisterParty, Convert.FromHexString("0100000004deadbeef"), hub.Secret("operator"), gzip: true);
        var log = hub.Process.RecentOutput;
        Assert.False(log.Contains("fail:", StringComparison.Ordinal) || log.Contains("   at ", StringComparison.Ordinal), $"the hub logged an error or a stack:{Environment.NewLine}{log}");
    }

    /// <summary>One Embedded hub process with a CPO and an EMSP.</summary>
    public sealed class Hub : IAsyncLifetime
    {
        private readonly TempDirectory _data = new();
        private readonly Dictionary<string, string> _secrets = [];
        private readonly HttpClient _http = new(new SocketsHttpHandler()) { Timeout = TimeSpan.FromSeconds(60) };

        public HubProcess Process { get; private set; } = null!;

        public string Secret(string caller) => _secrets[caller];

        public async Task InitializeAsync()
        {
            Process = await HubProcess.StartAsync(HubProcess.Settings.Embedded(_data.Path));
            _secrets["operator"] = Process.OperatorSecret;
            var admin = Process.Channel(Process.OperatorSecret);
            _secrets["cpo"] = await Parties.RegisterWithCredentialAsync(admin, Parties.Unique(PartyRole.Cpo));
            _secrets["emsp"] = await Parties.RegisterWithCredentialAsync(admin, Parties.Unique(PartyRole.Emsp));
        }

        /// <summary>Posts one gRPC frame and returns grpc-status and grpc-message (headers or trailers).</summary>
        public async Task<(int Status, string Message)> PostAsync(string path, byte[] frame, string? secret, bool gzip = false)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Process.Address, path))
            {
                Content = new ByteArrayContent(frame),
                Version = HttpVersion.Version20,
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
            request.Headers.TryAddWithoutValidation("te", "trailers");
            if (gzip)
            {
                request.Headers.TryAddWithoutValidation("grpc-encoding", "gzip");
            }

            if (secret is not null)
            {
                request.Headers.TryAddWithoutValidation("authorization", $"Bearer {secret}");
            }

            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead);
            string? Find(string name) =>
                response.Headers.TryGetValues(name, out var h) ? h.First()
                : response.TrailingHeaders.TryGetValues(name, out var t) ? t.First()
                : null;
            var status = Find("grpc-status") ?? throw new InvalidOperationException($"{path}: HTTP {(int)response.StatusCode} without grpc-status");
            return (int.Parse(status, System.Globalization.CultureInfo.InvariantCulture), Uri.UnescapeDataString(Find("grpc-message") ?? ""));
        }

        public async Task DisposeAsync()
        {
            _http.Dispose();
            await Process.DisposeAsync();
            _data.Dispose();
        }
    }
}
