using ClearingHouse.Contracts.V1;
using ClearingHouse.Ocpi.Credentials;
using ClearingHouse.Ocpi.Hosting;
using ClearingHouse.Ocpi.Versions;
using ClearingHouse.Server.Grpc;
using ClearingHouse.Server.Identity;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Server.Ocpi;

/// <summary>The operator's OCPI onboarding over gRPC (see ocpi_admin.proto): one call into <see cref="OcpiPartners"/> each.</summary>
public sealed class OcpiAdminGrpcService(OcpiPartners partners, IOptions<OcpiOptions> options) : OcpiAdminService.OcpiAdminServiceBase
{
    /// <inheritdoc />
    public override async Task<IssueTokenAResponse> IssueTokenA(IssueTokenARequest request, ServerCallContext context)
    {
        var token = await partners.IssueTokenAAsync(context.GetCaller(), ProtoMapping.ToKey(request.Party, "party"));
        return new IssueTokenAResponse { Token = token, VersionsUrl = OcpiVersions.Url(options.Value, OcpiVersions.VersionsPath) };
    }

    /// <inheritdoc />
    public override async Task<ListOcpiPartnersResponse> ListPartners(ListOcpiPartnersRequest request, ServerCallContext context)
    {
        var response = new ListOcpiPartnersResponse();
        foreach (var p in await partners.ListAsync(context.GetCaller()))
        {
            var partner = new OcpiPartner
            {
                Party = p.Party.ToProto(),
                State = p.Registration is not null ? "REGISTERED" : p.TokenAOutstanding ? "PENDING" : "UNREGISTERED",
                VersionsUrl = p.Registration?.VersionsUrl ?? "",
                TokenId = p.TokenCId ?? "",
            };
            if (p.RegisteredAt is { } at)
            {
                partner.ChangedAt = Timestamp.FromDateTimeOffset(at);
            }

            partner.Endpoints.AddRange(p.Registration?.Endpoints.Select(e => $"{e.Identifier}:{e.Role}") ?? []);
            response.Partners.Add(partner);
        }

        return response;
    }
}
