using BenchmarkDotNet.Attributes;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Domain.Tokens;
using Google.Protobuf;
using AllowedType = ClearingHouse.Domain.Tokens.AllowedType;
using TokenType = ClearingHouse.Domain.Tokens.TokenType;
using WhitelistType = ClearingHouse.Domain.Tokens.WhitelistType;

namespace ClearingHouse.Benchmarks.Tokens;

/// <summary>
/// The hub's authorization decision path without I/O: the whitelist rules over a mix of 1,024 token
/// states and EMSP outcomes, and the wire cost of one AuthorizeResponse (serialize + parse). The rules
/// must be noise next to the ~7 us an empty gRPC call costs on this machine.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class AuthorizationDecisionBenchmarks
{
    private readonly (TokenFacts? Token, bool Agreement, MspOutcome Outcome)[] _cases = new (TokenFacts?, bool, MspOutcome)[1024];
    private AuthorizeResponse _response = null!;
    private byte[] _wire = null!;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        var whitelists = Enum.GetValues<WhitelistType>();
        var kinds = Enum.GetValues<MspOutcomeKind>();
        for (var i = 0; i < _cases.Length; i++)
        {
            TokenFacts? token = random.Next(20) == 0 ? null : new TokenFacts((TokenType)random.Next(1, 5), random.Next(10) != 0, whitelists[random.Next(whitelists.Length)]);
            _cases[i] = (token, random.Next(20) != 0, new MspOutcome(kinds[random.Next(kinds.Length)], (AllowedType)random.Next(1, 6)));
        }

        _response = new AuthorizeResponse
        {
            Source = Contracts.V1.DecisionSource.MspRealTime,
            Authorization = new AuthorizationInfo
            {
                Allowed = Contracts.V1.AllowedType.Allowed,
                AuthorizationReference = Guid.NewGuid().ToString("N"),
                Token = new Token { CountryCode = "DE", PartyId = "XYZ", Uid = "04A1B2C3D4E5F6", Type = Contracts.V1.TokenType.Rfid, ContractId = "DE-XYZ-C12345678-9", Issuer = "Xyz Mobility", Valid = true, Whitelist = Contracts.V1.WhitelistType.Allowed },
                Location = new LocationReferences { LocationId = "LOC-0001", EvseUids = { "EVSE-0001" } },
            },
        };
        _wire = _response.ToByteArray();
    }

    /// <summary>1,024 decisions (Plan + Resolve) per op.</summary>
    [Benchmark(OperationsPerInvoke = 1024)]
    public int Decide1024()
    {
        var allowed = 0;
        foreach (var (token, agreement, outcome) in _cases)
        {
            if (AuthorizationRules.Decide(token, agreement, outcome).Allowed == AllowedType.Allowed)
            {
                allowed++;
            }
        }

        return allowed;
    }

    /// <summary>One AuthorizeResponse to bytes and back: the answer's wire cost.</summary>
    [Benchmark]
    public AuthorizeResponse ResponseRoundTrip() => AuthorizeResponse.Parser.ParseFrom(_response.ToByteArray());

    /// <summary>Parse only, as a CPO does.</summary>
    [Benchmark]
    public AuthorizeResponse ResponseParse() => AuthorizeResponse.Parser.ParseFrom(_wire);
}
