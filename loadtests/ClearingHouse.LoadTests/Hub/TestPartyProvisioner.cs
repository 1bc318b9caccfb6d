using ClearingHouse.Contracts.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace ClearingHouse.LoadTests.Hub;

/// <summary>A party the load test registered for itself.</summary>
public sealed record TestParty(PartyRef Ref)
{
    public override string ToString() => $"{Ref.CountryCode}-{Ref.PartyId} {Ref.Role}";
}

/// <summary>A credential issued to a test party; <see cref="Secret"/> goes into the Bearer header.</summary>
public sealed record TestCredential(TestParty Party, string CredentialId, string Secret);

/// <summary>A CPO and an EMSP with one credential each and an active agreement between them.</summary>
public sealed record RoamingPair(TestCredential Cpo, TestCredential Emsp);

/// <summary>
/// Provisions test parties, credentials and agreements through the operator's PartyAdminService and
/// undoes all of it when disposed (end agreements, revoke credentials, archive parties: an archived
/// party is refused like a suspended one and left out of party listings; its data is kept). Clean-up is best effort, bounded in time, and never hides the run's own result.
/// Use it with <c>await using</c> so the clean-up runs in a finally.
/// </summary>
public sealed class TestPartyProvisioner : IAsyncDisposable
{
    /// <summary>Test parties are "L" + 2 random letters or digits, in this country.</summary>
    public const string Country = "NL";

    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    // Set-up and clean-up calls are not measured: generous, so a machine paused for a while (CI at load 17, a box shared
    // with builds) fails a run only when the hub really does not answer.
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(30);

    private readonly GrpcChannel _channel;
    private readonly PartyAdminService.PartyAdminServiceClient _admin;
    private readonly Metadata _operator;
    private readonly Uri _hub;
    private readonly TextWriter _log;
    private readonly string _runName;
    private readonly List<TestParty> _parties = [];
    private readonly List<TestCredential> _credentials = [];
    private readonly List<(TestParty Cpo, TestParty Emsp)> _agreements = [];

    public TestPartyProvisioner(Uri hub, string operatorCredential, string runName, TextWriter log)
    {
        _hub = hub;
        _log = log;
        _runName = runName;
        _channel = ConnectionSet.CreateChannel(hub);
        _admin = new PartyAdminService.PartyAdminServiceClient(_channel);
        _operator = Bearer.Headers(operatorCredential);
    }

    /// <summary>Registers a party with a random, unused party id.</summary>
    public async Task<TestParty> RegisterPartyAsync(PartyRole role, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var id = "L" + new string(Random.Shared.GetItems<char>(Alphabet, 2));
            var party = new PartyRef { CountryCode = Country, PartyId = id, Role = role };
            try
            {
                await _admin.RegisterPartyAsync(
                    new RegisterPartyRequest { Party = party, Name = $"load test {_runName}" },
                    _operator,
                    Deadline(),
                    cancellationToken);
                var registered = new TestParty(party);
                _parties.Add(registered);
                await _log.WriteLineAsync($"registered test party {registered}");
                return registered;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.AlreadyExists && attempt < 50)
            {
                // Earlier runs leave suspended parties behind (there is no delete): draw another id.
            }
            catch (RpcException e)
            {
                throw HubErrors.Explain(e, _hub, "PartyAdminService.RegisterParty");
            }
        }
    }

    /// <summary>Issues a credential for a test party.</summary>
    public async Task<TestCredential> IssueCredentialAsync(TestParty party, CancellationToken cancellationToken)
    {
        try
        {
            var response = await _admin.IssueCredentialAsync(
                new IssueCredentialRequest { Party = party.Ref },
                _operator,
                Deadline(),
                cancellationToken);
            var credential = new TestCredential(party, response.Credential.CredentialId, response.Secret);
            _credentials.Add(credential);
            return credential;
        }
        catch (RpcException e)
        {
            throw HubErrors.Explain(e, _hub, "PartyAdminService.IssueCredential");
        }
    }

    /// <summary>Creates an open-ended agreement between a test CPO and a test EMSP, valid now.</summary>
    public async Task SetAgreementAsync(TestParty cpo, TestParty emsp, CancellationToken cancellationToken)
    {
        try
        {
            await _admin.SetAgreementAsync(
                new SetAgreementRequest { Cpo = cpo.Ref, Emsp = emsp.Ref },
                _operator,
                Deadline(),
                cancellationToken);
            _agreements.Add((cpo, emsp));
        }
        catch (RpcException e)
        {
            throw HubErrors.Explain(e, _hub, "PartyAdminService.SetAgreement");
        }
    }

    /// <summary>A party of the given role with one credential.</summary>
    public async Task<TestCredential> ProvisionPartyAsync(PartyRole role, CancellationToken cancellationToken)
    {
        var party = await RegisterPartyAsync(role, cancellationToken);
        return await IssueCredentialAsync(party, cancellationToken);
    }

    /// <summary>A CPO and an EMSP, each with a credential, and an agreement between them.</summary>
    public async Task<RoamingPair> ProvisionRoamingPairAsync(CancellationToken cancellationToken)
    {
        var cpo = await ProvisionPartyAsync(PartyRole.Cpo, cancellationToken);
        var emsp = await ProvisionPartyAsync(PartyRole.Emsp, cancellationToken);
        await SetAgreementAsync(cpo.Party, emsp.Party, cancellationToken);
        return new RoamingPair(cpo, emsp);
    }

    /// <summary>Ends agreements, revokes credentials and suspends parties, newest first.</summary>
    public async ValueTask DisposeAsync()
    {
        // Clean-up must not be cut short by the run's own cancellation (Ctrl+C); it is bounded by the deadlines.
        foreach (var (cpo, emsp) in Enumerable.Reverse(_agreements))
        {
            await BestEffortAsync($"end agreement {cpo} / {emsp}", () =>
                _admin.EndAgreementAsync(new EndAgreementRequest { Cpo = cpo.Ref, Emsp = emsp.Ref }, _operator, Deadline()).ResponseAsync);
        }

        foreach (var credential in Enumerable.Reverse(_credentials))
        {
            await BestEffortAsync($"revoke credential {credential.CredentialId}", () =>
                _admin.RevokeCredentialAsync(
                    new RevokeCredentialRequest { Party = credential.Party.Ref, CredentialId = credential.CredentialId },
                    _operator,
                    Deadline()).ResponseAsync);
        }

        foreach (var party in Enumerable.Reverse(_parties))
        {
            await BestEffortAsync($"archive party {party}", () =>
                _admin.ArchivePartyAsync(
                    new ArchivePartyRequest { Party = party.Ref, Reason = $"load test {_runName} finished" },
                    _operator,
                    Deadline()).ResponseAsync);
        }

        _channel.Dispose();
    }

    private DateTime Deadline() => DateTime.UtcNow + CallTimeout;

    private async Task BestEffortAsync<T>(string what, Func<Task<T>> call)
    {
        try
        {
            await call();
            await _log.WriteLineAsync($"clean-up: {what}");
        }
        catch (RpcException e)
        {
            await _log.WriteLineAsync($"clean-up: could not {what}: {e.StatusCode} {e.Status.Detail}");
        }
    }
}
