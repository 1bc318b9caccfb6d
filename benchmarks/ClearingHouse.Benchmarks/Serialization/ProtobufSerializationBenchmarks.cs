using BenchmarkDotNet.Attributes;
using ClearingHouse.Contracts.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace ClearingHouse.Benchmarks.Serialization;

/// <summary>
/// Protobuf encode (ToByteArray) and decode (Parser.ParseFrom) of the hub's busiest messages as they
/// travel: a status stream message of 100 EVSE updates, an authorization request and its response,
/// and a CDR submit message (one OCPI CDR as JSON text, as CPOs send them). gRPC does exactly this
/// once per message on each side, so these are the floor of the wire cost per call.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class ProtobufSerializationBenchmarks
{
    private const string CdrJson =
        "{\"id\":\"CDR-2026-000001\",\"country_code\":\"NL\",\"party_id\":\"ABC\",\"session_id\":\"LT-1f-2a\"," +
        "\"authorization_reference\":\"a1b2c3d4e5f60718293a4b5c\",\"start_date_time\":\"2026-01-13T14:30:00Z\",\"end_date_time\":\"2026-01-13T15:30:00Z\"," +
        "\"cdr_token\":{\"country_code\":\"NL\",\"party_id\":\"MSP\",\"uid\":\"012345678\",\"type\":\"RFID\",\"contract_id\":\"NL-MSP-C12345678-X\"}," +
        "\"auth_method\":\"AUTH_REQUEST\",\"cdr_location\":{\"id\":\"LOC1\",\"address\":\"Kerkstraat 1\",\"city\":\"Amsterdam\",\"postal_code\":\"1011AB\"," +
        "\"country\":\"NLD\",\"coordinates\":{\"latitude\":\"52.3702157\",\"longitude\":\"4.8951679\"},\"evse_uid\":\"E1\",\"evse_id\":\"NL*ABC*E1\"," +
        "\"connector_id\":\"1\",\"connector_standard\":\"IEC_62196_T2\",\"connector_format\":\"SOCKET\",\"connector_power_type\":\"AC_3_PHASE\"}," +
        "\"currency\":\"EUR\",\"tariffs\":[{\"id\":\"FLOOD\",\"currency\":\"EUR\",\"elements\":[]}]," +
        "\"charging_periods\":[{\"start_date_time\":\"2026-01-13T14:30:00Z\",\"dimensions\":[{\"type\":\"ENERGY\",\"volume\":12},{\"type\":\"TIME\",\"volume\":1}]}]," +
        "\"total_cost\":{\"excl_vat\":4.7,\"incl_vat\":5.687},\"total_energy\":12,\"total_time\":1,\"last_updated\":\"2026-01-13T15:31:00Z\"}";

    private StreamStatusUpdatesRequest _statusBatch = null!;
    private AuthorizeRequest _authorizeRequest = null!;
    private AuthorizeResponse _authorizeResponse = null!;
    private SubmitCdrBatchRequest _cdrSubmit = null!;
    private byte[] _statusBatchWire = null!;
    private byte[] _authorizeRequestWire = null!;
    private byte[] _authorizeResponseWire = null!;
    private byte[] _cdrSubmitWire = null!;

    [GlobalSetup]
    public void Setup()
    {
        var t0 = new DateTime(2026, 1, 13, 14, 30, 0, DateTimeKind.Utc);
        _statusBatch = new StreamStatusUpdatesRequest();
        for (var i = 0; i < 100; i++)
        {
            _statusBatch.Updates.Add(new StatusUpdate
            {
                LocationId = $"LOC{i % 10}",
                EvseUid = $"E{i}",
                Status = i % 3 == 0 ? EvseStatus.Charging : EvseStatus.Available,
                LastUpdated = Timestamp.FromDateTime(t0.AddMilliseconds(i)),
            });
        }

        var location = new LocationReferences { LocationId = "LOC1", EvseUids = { "E1" } };
        _authorizeRequest = new AuthorizeRequest { Uid = "012345678", Type = TokenType.Rfid, Location = location };
        _authorizeResponse = new AuthorizeResponse
        {
            Source = DecisionSource.MspRealTime,
            Authorization = new AuthorizationInfo
            {
                Allowed = AllowedType.Allowed,
                AuthorizationReference = "a1b2c3d4e5f60718293a4b5c",
                Location = location,
                Token = new Token
                {
                    CountryCode = "NL", PartyId = "MSP", Uid = "012345678", Type = TokenType.Rfid, ContractId = "NL-MSP-C12345678-X",
                    Issuer = "MSP BV", Valid = true, Whitelist = WhitelistType.Allowed, LastUpdated = Timestamp.FromDateTime(t0),
                },
            },
        };
        _cdrSubmit = new SubmitCdrBatchRequest { Cdrs = { CdrJson } };

        _statusBatchWire = _statusBatch.ToByteArray();
        _authorizeRequestWire = _authorizeRequest.ToByteArray();
        _authorizeResponseWire = _authorizeResponse.ToByteArray();
        _cdrSubmitWire = _cdrSubmit.ToByteArray();
    }

    [Benchmark(Description = "status batch x100: encode")]
    public byte[] StatusBatchEncode() => _statusBatch.ToByteArray();

    [Benchmark(Description = "status batch x100: decode")]
    public StreamStatusUpdatesRequest StatusBatchDecode() => StreamStatusUpdatesRequest.Parser.ParseFrom(_statusBatchWire);

    [Benchmark(Description = "AuthorizeRequest: encode")]
    public byte[] AuthorizeRequestEncode() => _authorizeRequest.ToByteArray();

    [Benchmark(Description = "AuthorizeRequest: decode")]
    public AuthorizeRequest AuthorizeRequestDecode() => AuthorizeRequest.Parser.ParseFrom(_authorizeRequestWire);

    [Benchmark(Description = "AuthorizeResponse: encode")]
    public byte[] AuthorizeResponseEncode() => _authorizeResponse.ToByteArray();

    [Benchmark(Description = "AuthorizeResponse: decode")]
    public AuthorizeResponse AuthorizeResponseDecode() => AuthorizeResponse.Parser.ParseFrom(_authorizeResponseWire);

    [Benchmark(Description = "CDR submit (1 CDR): encode")]
    public byte[] CdrSubmitEncode() => _cdrSubmit.ToByteArray();

    [Benchmark(Description = "CDR submit (1 CDR): decode")]
    public SubmitCdrBatchRequest CdrSubmitDecode() => SubmitCdrBatchRequest.Parser.ParseFrom(_cdrSubmitWire);
}
