using System.Globalization;
using ClearingHouse.Server.Tests.Infrastructure;
using Microsoft.Playwright;

namespace ClearingHouse.Server.Tests.Console;

/// <summary>
/// A real Embedded hub with its console on a free port, and Debian's headless Chromium driven by Playwright (launched from
/// <see cref="ChromiumPath"/>; Playwright downloads no browser). One hub and one browser for the whole class; each test
/// opens its own browser context (its own cookies).
/// </summary>
public sealed class ConsoleFixture : IAsyncLifetime
{
    /// <summary>Where Debian's chromium package installs the browser (.ci/run installs it).</summary>
    public const string ChromiumPath = "/usr/bin/chromium";

    private readonly TempDirectory _data = new();
    private IPlaywright? _playwright;

    /// <summary>The running hub.</summary>
    public HubHost Hub { get; private set; } = null!;

    /// <summary>The console's address.</summary>
    public string ConsoleUrl { get; private set; } = "";

    /// <summary>The browser.</summary>
    public IBrowser Browser { get; private set; } = null!;

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        var port = HubHost.FreePort().ToString(CultureInfo.InvariantCulture);
        Hub = await HubHost.StartEmbeddedAsync(_data.Path, settings: new Dictionary<string, string?> { ["Console:Port"] = port });
        ConsoleUrl = $"http://127.0.0.1:{port}";
        Assert.True(File.Exists(ChromiumPath), $"{ChromiumPath} is missing: install Debian's chromium package (apt-get install chromium), as .ci/run does");
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            // Root in CI containers: Chromium's sandbox needs user namespaces it may not have there.
            Args = ["--no-sandbox", "--disable-dev-shm-usage"],
            Timeout = 120_000,
        });
    }

    /// <summary>A new browser context (no cookies) on the console, with generous timeouts for a busy 2-core machine.</summary>
    public async Task<IPage> NewPageAsync()
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = ConsoleUrl, AcceptDownloads = true, ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        context.SetDefaultTimeout(60_000);
        context.SetDefaultNavigationTimeout(60_000);
        return await context.NewPageAsync();
    }

    /// <summary>A new page, signed in as the operator.</summary>
    public async Task<IPage> SignedInPageAsync()
    {
        var page = await NewPageAsync();
        await page.GotoAsync("/");
        await page.FillAsync("#secret", Hub.OperatorSecret);
        await page.ClickAsync("#signin");
        await page.WaitForSelectorAsync("#signout");
        return page;
    }

    /// <summary>
    /// Saves a screenshot of <paramref name="page"/> as <paramref name="name"/>.png into the folder named by
    /// CLEARINGHOUSE_CONSOLE_SCREENSHOTS (how docs/console/ is made); does nothing when it is not set.
    /// </summary>
    public static async Task ShotAsync(IPage page, string name)
    {
        ArgumentNullException.ThrowIfNull(page);
        if (Environment.GetEnvironmentVariable("CLEARINGHOUSE_CONSOLE_SCREENSHOTS") is { Length: > 0 } folder)
        {
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, $"{name}.png"), FullPage = true });
        }
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        _playwright?.Dispose();
        await Hub.DisposeAsync();
        _data.Dispose();
    }
}
