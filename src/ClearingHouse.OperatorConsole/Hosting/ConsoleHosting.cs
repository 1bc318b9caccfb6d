using System.Net;
using ClearingHouse.Grains.Hosting;
using ClearingHouse.OperatorConsole.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ClearingHouse.OperatorConsole.Hosting;

/// <summary>Registers and maps the operator web console on its own Kestrel endpoint.</summary>
public static class ConsoleHosting
{
    /// <summary>
    /// Reads and validates <c>Console:*</c>; when the console is on (<see cref="ConsoleOptions.Enabled"/>, else
    /// <paramref name="enabledByDefault"/>) registers Razor Pages, antiforgery, the session cookie's data protection
    /// (keys under <paramref name="dataDirectory"/>/console-keys) and the console's Kestrel endpoint.
    /// </summary>
    public static WebApplicationBuilder AddClearingHouseConsole(this WebApplicationBuilder builder, bool enabledByDefault, string dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Configuration.GetSection(ConsoleOptions.Section).Get<ConsoleOptions>() ?? new();
        var result = new ConsoleOptionsValidator().Validate(null, options);
        if (result.Failed)
        {
            throw new OptionsValidationException(ConsoleOptions.Section, typeof(ConsoleOptions), result.Failures);
        }

        builder.Services.AddValidatedOptions<ConsoleOptions, ConsoleOptionsValidator>(builder.Configuration, ConsoleOptions.Section);
        if (!(options.Enabled ?? enabledByDefault))
        {
            return builder;
        }

        builder.Services.AddSingleton(new ConsoleEnabled());
        builder.Services.AddSingleton<ConsoleSessions>();
        builder.Services.AddDataProtection()
            .SetApplicationName("clearinghouse-console")
            .PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(Path.GetFullPath(dataDirectory), "console-keys")));
        builder.Services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "ch_console_csrf";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = Microsoft.AspNetCore.Http.CookieSecurePolicy.SameAsRequest;
            o.FormFieldName = "__csrf";
            o.HeaderName = null;
        });
        // MVC core with Razor Pages and views only: AddRazorPages() would also register authentication and authorization,
        // and the host then adds both middlewares in front of every gRPC call (the console authenticates on its own port).
        // Razor Pages' model reads [Authorize] attributes (there are none) through the policy provider alone.
        builder.Services.TryAddSingleton<IAuthorizationPolicyProvider, DefaultAuthorizationPolicyProvider>();
        builder.Services.AddMvcCore(o => o.Filters.Add(new AntiforgeryRefusal()))
            .AddRazorPages(o => o.RootDirectory = "/Pages")
            .AddApplicationPart(typeof(ConsoleHosting).Assembly)
            .AddCookieTempDataProvider(o =>
            {
                // The one-time notice after an action: same rules as the session cookie.
                o.Cookie.Name = "ch_console_notice";
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.Cookie.SecurePolicy = Microsoft.AspNetCore.Http.CookieSecurePolicy.SameAsRequest;
            });
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Parse(options.ListenAddress), options.Port, listen =>
        {
            listen.Protocols = HttpProtocols.Http1;
            if (options.TlsCertificatePath is { Length: > 0 } certificate)
            {
                listen.UseHttps(certificate, options.TlsCertificatePassword);
            }
        }));
        return builder;
    }

    /// <summary>Maps the console's pages (when it is on), reachable on its port only.</summary>
    public static WebApplication MapClearingHouseConsole(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (app.Services.GetService<ConsoleEnabled>() is null)
        {
            return app;
        }

        var port = app.Services.GetRequiredService<IOptions<ConsoleOptions>>().Value.Port;
        app.UseMiddleware<ConsoleMiddleware>();
        app.MapRazorPages().RequireHost($"*:{port}");
        app.MapGet("/console.css", () => Results.Text(ConsoleStyle.Css, "text/css")).RequireHost($"*:{port}");
        return app;
    }

    private sealed class ConsoleEnabled;
}
