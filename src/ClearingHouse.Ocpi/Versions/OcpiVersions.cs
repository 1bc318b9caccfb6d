using ClearingHouse.Ocpi.Hosting;
using ClearingHouse.Ocpi.Transport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Ocpi.Versions;

/// <summary>
/// The versions module: the one version the hub speaks (2.2.1) and its endpoints, each with the interface role the
/// hub implements there. A partner may read both with its TOKEN_A, before it registers.
/// </summary>
public static class OcpiVersions
{
    /// <summary>The OCPI version the hub implements.</summary>
    public const string Version = "2.2.1";

    /// <summary>The path of the versions list.</summary>
    public const string VersionsPath = "/ocpi/versions";

    /// <summary>The path of the 2.2.1 version details, under which every module lives.</summary>
    public const string VersionPath = "/ocpi/" + Version;

    /// <summary>The hub's endpoints: (module id, interface role, path under <see cref="VersionPath"/>).</summary>
    public static IReadOnlyList<(string Module, string Role, string Path)> Endpoints { get; } =
    [
        ("credentials", "SENDER", "/credentials"),
        ("locations", "SENDER", "/locations"),
        ("locations", "RECEIVER", "/receiver/locations"),
        ("tokens", "SENDER", "/tokens"),
        ("tokens", "RECEIVER", "/receiver/tokens"),
        ("sessions", "SENDER", "/sessions"),
        ("sessions", "RECEIVER", "/receiver/sessions"),
        ("cdrs", "SENDER", "/cdrs"),
        ("cdrs", "RECEIVER", "/receiver/cdrs"),
        ("tariffs", "SENDER", "/tariffs"),
        ("tariffs", "RECEIVER", "/receiver/tariffs"),
        ("commands", "RECEIVER", "/commands"),
        ("hubclientinfo", "SENDER", "/hubclientinfo"),
        ("chargingprofiles", "RECEIVER", "/chargingprofiles"),
    ];

    /// <summary>Maps the versions list and the version details.</summary>
    public static RouteGroupBuilder MapOcpiVersions(this RouteGroupBuilder ocpi)
    {
        ocpi.MapGet("/versions", (OcpiResults results, IOptions<OcpiOptions> options) =>
            results.Ok(new[] { new VersionJson(Version, Url(options.Value, VersionPath)) }))
            .WithMetadata(AllowsRegistrationTokenMetadata.Instance);
        ocpi.MapGet("/" + Version, (OcpiResults results, IOptions<OcpiOptions> options) =>
            results.Ok(new VersionDetailsJson(Version, [.. Endpoints.Select(e => new EndpointJson(e.Module, e.Role, Url(options.Value, VersionPath + e.Path)))])))
            .WithMetadata(AllowsRegistrationTokenMetadata.Instance);
        return ocpi;
    }

    /// <summary>An absolute URL of the hub's OCPI endpoint.</summary>
    public static string Url(OcpiOptions options, string path)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.BaseUrl.ToString().TrimEnd('/') + path;
    }

    private sealed record VersionJson(string Version, string Url);

    private sealed record VersionDetailsJson(string Version, IReadOnlyList<EndpointJson> Endpoints);

    private sealed record EndpointJson(string Identifier, string Role, string Url);
}
