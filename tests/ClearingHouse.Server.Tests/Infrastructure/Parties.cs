using ClearingHouse.Contracts.V1;
using Google.Rpc;
using Grpc.Core;
using Grpc.Net.Client;

namespace ClearingHouse.Server.Tests.Infrastructure;

/// <summary>Helpers that set up parties through the real admin API.</summary>
public static class Parties
{
    private static int _counter;

    /// <summary>A party reference with a party_id unique within this test run.</summary>
    public static PartyRef Unique(PartyRole role, string country = "NL")
    {
        var n = Interlocked.Increment(ref _counter);
        const string chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        var id = $"{chars[n / 36 / 36 % 36]}{chars[n / 36 % 36]}{chars[n % 36]}";
        return new PartyRef { CountryCode = country, PartyId = id, Role = role };
    }

    /// <summary>Registers a party and issues it a credential; returns the secret.</summary>
    public static async Task<string> RegisterWithCredentialAsync(GrpcChannel operatorChannel, PartyRef party, string name = "Test party")
    {
        var admin = new PartyAdminService.PartyAdminServiceClient(operatorChannel);
        await admin.RegisterPartyAsync(new RegisterPartyRequest { Party = party, Name = name });
        return (await admin.IssueCredentialAsync(new IssueCredentialRequest { Party = party })).Secret;
    }

    /// <summary>Asserts the call fails with <paramref name="code"/>; returns the exception.</summary>
    public static async Task<RpcException> AssertFails(StatusCode code, Func<Task> call)
    {
        var ex = await Assert.ThrowsAsync<RpcException>(call);
        Assert.Equal(code, ex.StatusCode);
        return ex;
    }

    /// <summary>The fields named by a status's BadRequest details.</summary>
    public static IReadOnlyList<string> ViolatedFields(RpcException ex) =>
        ex.GetRpcStatus()?.GetDetail<BadRequest>()?.FieldViolations.Select(v => v.Field).ToArray() ?? [];
}
