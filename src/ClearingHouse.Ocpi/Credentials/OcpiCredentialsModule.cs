using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Ocpi.Hosting;
using ClearingHouse.Ocpi.Transport;
using ClearingHouse.Ocpi.Versions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Ocpi.Credentials;

/// <summary>
/// The credentials module: the registration handshake. A partner calls POST with its TOKEN_A, its TOKEN_B and its
/// versions URL; the hub reads the partner's versions and 2.2.1 endpoints with TOKEN_B, keeps TOKEN_B protected and
/// answers its own credentials with a new TOKEN_C. PUT re-registers (new TOKEN_C, endpoints read again), DELETE
/// unregisters; POST when registered and PUT/DELETE/GET when not are refused with HTTP 405.
/// </summary>
public static partial class OcpiCredentialsModule
{
    /// <summary>The module's path under the version.</summary>
    public const string Path = OcpiVersions.VersionPath + "/credentials";

    /// <summary>Maps GET, POST, PUT and DELETE of the credentials endpoint.</summary>
    public static RouteGroupBuilder MapOcpiCredentials(this RouteGroupBuilder ocpi)
    {
        var credentials = ocpi.MapGroup("/" + OcpiVersions.Version + "/credentials").WithMetadata(AllowsRegistrationTokenMetadata.Instance);
        credentials.MapGet("", (HttpContext context, OcpiResults results, IOptions<OcpiOptions> options) =>
        {
            var request = RequireRegistered(context);
            // The hub keeps TOKEN_C hashed only; the caller presented it, so the answer is the token it holds.
            var token = OcpiToken.FromHeader(context.Request.Headers.Authorization)!.Text;
            return results.Ok(HubCredentials(token, options.Value));
        });
        credentials.MapPost("", (HttpContext context, Registrar registrar) =>
        {
            if (context.Ocpi().Caller.Kind == OcpiTokenKind.Registered)
            {
                throw new OcpiException(405, OcpiStatus.ClientError, "already registered: PUT updates the credentials, DELETE unregisters");
            }

            return registrar.RegisterAsync(context, StatusCodes.Status200OK);
        });
        credentials.MapPut("", (HttpContext context, Registrar registrar) =>
        {
            RequireRegistered(context);
            return registrar.RegisterAsync(context, StatusCodes.Status200OK);
        });
        credentials.MapDelete("", async (HttpContext context, IGrainFactory grains, OcpiAuthenticator authenticator, Outbound.OcpiPartnerDirectory directory, OcpiResults results, ILogger<Registrar> logger) =>
        {
            var party = RequireRegistered(context).Caller.Party;
            await grains.GetGrain<IOcpiPartnerGrain>(party.ToString()).Unregister();
            authenticator.Invalidate();
            await directory.RefreshAsync();
            LogUnregistered(logger, party.ToString());
            return results.Ok(null);
        });
        return ocpi;
    }

    private static OcpiRequest RequireRegistered(HttpContext context)
    {
        var request = context.Ocpi();
        return request.Caller.Kind == OcpiTokenKind.Registered
            ? request
            : throw new OcpiException(405, OcpiStatus.ClientError, "not registered yet: POST the credentials first");
    }

    private static CredentialsJson HubCredentials(string token, OcpiOptions options) => new(
        token,
        OcpiVersions.Url(options, OcpiVersions.VersionsPath),
        [new CredentialsRoleJson("HUB", new BusinessDetailsJson(options.BusinessName, null), options.PartyId, options.CountryCode)]);

    [LoggerMessage(EventId = 9502, Level = LogLevel.Information, Message = "OCPI partner {Party} registered: {Endpoints} endpoints of version {Version} from {VersionUrl}")]
    private static partial void LogRegistered(ILogger logger, string party, int endpoints, string version, string versionUrl);

    [LoggerMessage(EventId = 9503, Level = LogLevel.Information, Message = "OCPI partner {Party} unregistered")]
    private static partial void LogUnregistered(ILogger logger, string party);

    /// <summary>POST and PUT: validate, read the partner's endpoints, store, issue TOKEN_C.</summary>
    internal sealed class Registrar(
        IGrainFactory grains,
        OcpiPartnerClient client,
        OcpiSecretProtector protector,
        OcpiAuthenticator authenticator,
        Outbound.OcpiPartnerDirectory directory,
        OcpiResults results,
        IOptions<OcpiOptions> options,
        ILogger<Registrar> logger)
    {
        public async Task<IResult> RegisterAsync(HttpContext context, int httpStatus)
        {
            var caller = context.Ocpi().Caller;
            var body = await OcpiBody.ReadAsync<CredentialsJson>(context.Request);
            var (tokenB, versionsUrl, businessName) = Validate(body, caller.Party);
            var (versionUrl, endpoints) = await client.FetchEndpointsAsync(versionsUrl, tokenB, context.RequestAborted);
            var registration = new OcpiRegistration
            {
                ProtectedTokenB = protector.Protect(tokenB),
                VersionsUrl = versionsUrl,
                Version = OcpiVersions.Version,
                Endpoints = endpoints,
                BusinessName = businessName,
            };
            var tokenC = await grains.GetGrain<IOcpiPartnerGrain>(caller.Party.ToString()).Register(caller.TokenHash, caller.Kind, registration);
            authenticator.Invalidate();
            await directory.RefreshAsync();
            LogRegistered(logger, caller.Party.ToString(), endpoints.Count, OcpiVersions.Version, versionUrl);
            return results.Ok(HubCredentials(tokenC, options.Value), httpStatus);
        }

        // Every field checked before the partner is called or anything stored; the caller's own party must be among
        // the roles (a platform's other parties register with their own TOKEN_A: not yet one registration for several).
        private (string TokenB, string VersionsUrl, string BusinessName) Validate(CredentialsJson body, PartyKey party)
        {
            var token = OcpiFields.Text(body.Token, "token", 64);
            if (token.Any(c => c is <= ' ' or > '~'))
            {
                throw new HubException(HubErrorCode.InvalidArgument, "token must be printable ASCII without spaces", "token");
            }

            var url = OcpiFields.Text(body.Url, "url", 255);
            if (client.Refusal(url) is { } refusal)
            {
                throw new HubException(HubErrorCode.InvalidArgument, $"url {refusal}", "url");
            }

            var roles = OcpiFields.Required(body.Roles, "roles");
            if (roles.Count is 0 or > 20)
            {
                throw new HubException(HubErrorCode.InvalidArgument, "roles must list 1 to 20 roles", "roles");
            }

            string? name = null;
            for (var i = 0; i < roles.Count; i++)
            {
                var field = $"roles[{i}]";
                var role = OcpiFields.Required(roles[i], field);
                var roleName = OcpiFields.Text(role.Role, field + ".role", 10);
                if (roleName is not ("CPO" or "EMSP" or "HUB" or "NAP" or "NSP" or "OTHER" or "SCSP"))
                {
                    throw new HubException(HubErrorCode.InvalidArgument, $"{field}.role: unknown value '{roleName}'", field + ".role");
                }

                var details = OcpiFields.Required(role.BusinessDetails, field + ".business_details");
                var businessName = OcpiFields.Text(details.Name, field + ".business_details.name", 100);
                OcpiFields.OptionalString(details.Website, field + ".business_details.website", 255);
                var partyId = OcpiFields.Text(role.PartyId, field + ".party_id", 3);
                var country = OcpiFields.Text(role.CountryCode, field + ".country_code", 2);
                if (string.Equals(country, party.CountryCode, StringComparison.OrdinalIgnoreCase)
                    && string.Equals(partyId, party.PartyId, StringComparison.OrdinalIgnoreCase)
                    && roleName == (party.Role == PartyRole.Cpo ? "CPO" : "EMSP"))
                {
                    name = businessName;
                }
            }

            return name is null
                ? throw new HubException(HubErrorCode.InvalidArgument, $"roles must include the party this token belongs to ({party.CountryCode}/{party.PartyId} as {(party.Role == PartyRole.Cpo ? "CPO" : "EMSP")})", "roles")
                : (token, url, name);
        }
    }

    private sealed record CredentialsJson(string? Token, string? Url, IReadOnlyList<CredentialsRoleJson?>? Roles);

    private sealed record CredentialsRoleJson(string? Role, BusinessDetailsJson? BusinessDetails, string? PartyId, string? CountryCode);

    private sealed record BusinessDetailsJson(string? Name, string? Website);
}
