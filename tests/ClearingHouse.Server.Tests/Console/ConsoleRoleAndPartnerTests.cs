using ClearingHouse.Contracts.V1;
using ClearingHouse.Server.Tests.Infrastructure;
using LocationTestData = ClearingHouse.Server.Tests.Locations.LocationTestData;
using Grpc.Core;
using Microsoft.Playwright;

namespace ClearingHouse.Server.Tests.Console;

/// <summary>
/// The console's partner actions (credentials and agreements), the read-only operator role, and the live EVSE status
/// counts, in a real browser against a real hub.
/// </summary>
public sealed partial class ConsoleBrowserTests
{
    private static readonly LocatorAssertionsToHaveTextOptions Slow = new() { Timeout = 90_000 };

    private static readonly LocatorAssertionsToContainTextOptions SlowContains = new() { Timeout = 90_000 };

    [Fact]
    public async Task Partner_IssueRotateRevokeCredentialSetEndAgreement_SecretShownOnceAndAllAudited()
    {
        var (roaming, _) = await SetUpAsync();
        var cpo = Key(roaming.Cpo);
        var emsp = Key(roaming.Emsp);
        var page = await fixture.SignedInPageAsync();
        await page.GotoAsync($"/partner?party={cpo}");

        // Issue: the secret is on this answer only, and works.
        await page.FillAsync("#issue-reason", "second system");
        await page.ClickAsync("#issue");
        await page.WaitForSelectorAsync("#secret");
        var secret = (await page.InnerTextAsync("#secret")).Trim();
        var id = (await page.InnerTextAsync("#issued-id")).Trim();
        await ConsoleFixture.ShotAsync(page, "partner-credential");
        var me = await new IdentityService.IdentityServiceClient(Hub.Channel(secret)).WhoAmIAsync(new WhoAmIRequest());
        Assert.Equal(id, me.CredentialId);
        await page.GotoAsync($"/partner?party={cpo}");
        Assert.Equal(0, await page.Locator("#secret").CountAsync());
        Assert.DoesNotContain(secret, await page.ContentAsync(), StringComparison.Ordinal);

        // Rotate it: a new secret is shown; then revoke the new one: it no longer authenticates.
        await page.FillAsync($"#reason-{id}", "leaked in a log");
        await page.ClickAsync($"#rotate-{id}");
        await page.WaitForSelectorAsync("#secret");
        var rotated = (await page.InnerTextAsync("#secret")).Trim();
        var rotatedId = (await page.InnerTextAsync("#issued-id")).Trim();
        Assert.NotEqual(secret, rotated);
        await page.FillAsync($"#reason-{rotatedId}", "system retired");
        await page.ClickAsync($"#revoke-{rotatedId}");
        await Assertions.Expect(page.Locator("#notice")).ToContainTextAsync($"credential {rotatedId} of {cpo} is Revoked", SlowContains);
        await Parties.AssertFails(StatusCode.Unauthenticated, () => new IdentityService.IdentityServiceClient(Hub.Channel(rotated)).WhoAmIAsync(new WhoAmIRequest()).ResponseAsync);

        // Set the agreement with an end date, then end it now.
        var until = DateTimeOffset.UtcNow.AddDays(30).ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
        await page.FillAsync("#agreement-with", emsp);
        await page.FillAsync("#valid-until", until);
        await page.FillAsync("#agreement-reason", "contract signed for 30 days");
        await page.ClickAsync("#set-agreement");
        await Assertions.Expect(page.Locator("#notice")).ToContainTextAsync($"agreement {cpo} / {emsp} is Active", SlowContains);
        await page.FillAsync("#end-with", emsp);
        await page.FillAsync("#end-reason", "contract cancelled");
        await page.ClickAsync("#end-agreement");
        await Assertions.Expect(page.Locator("#notice")).ToContainTextAsync($"agreement {cpo} / {emsp} ends", SlowContains);
        await ConsoleFixture.ShotAsync(page, "partner-agreement");
        Assert.False(await new IdentityService.IdentityServiceClient(roaming.EmspChannel(Hub)).WhoAmIAsync(new WhoAmIRequest()) is null);

        await page.GotoAsync($"/audit?target={cpo}");
        var audit = await page.InnerTextAsync("#audit");
        foreach (var expected in new[]
        {
            "issued; reason: second system", $"replaced by {rotatedId}", "reason: leaked in a log", "revoked; reason: system retired",
            "reason: contract signed for 30 days", "reason: contract cancelled",
        })
        {
            Assert.True(audit.Contains(expected, StringComparison.Ordinal), $"audit log lacks '{expected}':\n{audit}");
        }
    }

    [Fact]
    public async Task ReadOnlyOperator_SignedIn_NoActionFormsAndPostWithTokenRefused()
    {
        var (roaming, disputeId) = await SetUpAsync();
        var cpo = Key(roaming.Cpo);
        var issued = await new PartyAdminService.PartyAdminServiceClient(Hub.Channel(Hub.OperatorSecret))
            .IssueCredentialAsync(new IssueCredentialRequest { ReadOnly = true });
        var page = await fixture.NewPageAsync();
        await page.GotoAsync("/");
        await page.FillAsync("#secret", issued.Secret);
        await page.ClickAsync("#signin");
        await page.WaitForSelectorAsync("#read-only");

        // Reads work; no page offers an action.
        foreach (var url in new[] { $"/partner?party={cpo}", $"/cdr?cpo={cpo}&id=CDR-HIGH", $"/dispute?id={disputeId}" })
        {
            await page.GotoAsync(url);
            await page.WaitForSelectorAsync("#read-only");
            Assert.True(await page.Locator("main form").CountAsync() == 0, $"{url} shows a form to a read-only operator:\n{await page.InnerHTMLAsync("main")}");
        }

        await page.GotoAsync($"/partner?party={cpo}");
        await ConsoleFixture.ShotAsync(page, "read-only");

        // A post with a valid antiforgery token (the sign-out form's) is still refused by the core, and nothing changes.
        var token = await page.Locator("header form input[name='__csrf']").GetAttributeAsync("value");
        Assert.False(string.IsNullOrEmpty(token), "the sign-out form carries no antiforgery token");
        var form = page.APIRequest.CreateFormData();
        form.Set("party", cpo);
        form.Set("status", "Suspended");
        form.Set("reason", "read-only tries");
        form.Set("__csrf", token!);
        var answer = await page.APIRequest.PostAsync("/partner?handler=status", new APIRequestContextOptions { Form = form });
        var text = await answer.TextAsync();
        Assert.True(text.Contains("PermissionDenied", StringComparison.Ordinal) && text.Contains("read-only", StringComparison.Ordinal),
            $"the read-only post answered {answer.Status}:\n{text}");
        var party = await new PartyAdminService.PartyAdminServiceClient(Hub.Channel(Hub.OperatorSecret)).GetPartyAsync(new GetPartyRequest { Party = roaming.Cpo });
        Assert.Equal(PartyStatus.Active, party.Party.Status);
    }

    [Fact]
    public async Task IssuedOperator_CredentialRevokedAfterSignIn_SessionEndsAtNextRequest()
    {
        var admin = new PartyAdminService.PartyAdminServiceClient(Hub.Channel(Hub.OperatorSecret));
        var issued = await admin.IssueCredentialAsync(new IssueCredentialRequest());
        var page = await fixture.NewPageAsync();
        await page.GotoAsync("/");
        await page.FillAsync("#secret", issued.Secret);
        await page.ClickAsync("#signin");
        await page.WaitForURLAsync(url => !url.Contains("/signin", StringComparison.Ordinal), new PageWaitForURLOptions { Timeout = 90_000 });
        await page.GotoAsync("/partners");
        Assert.True(page.Url.Contains("/partners", StringComparison.Ordinal), $"signed in with an issued credential, /partners led to {page.Url}");

        await admin.RevokeCredentialAsync(new RevokeCredentialRequest { CredentialId = issued.Credential.CredentialId });

        // The cookie is still valid as a cookie; the revoked credential behind it is not.
        await page.GotoAsync("/partners");
        Assert.True(page.Url.Contains("/signin", StringComparison.Ordinal), $"after revoking its credential the session still opened {page.Url}:\n{await page.ContentAsync()}");
        var post = await page.APIRequest.PostAsync("/partner?handler=status", new APIRequestContextOptions { Form = page.APIRequest.CreateFormData() });
        Assert.True(post.Status == 401, $"a post after the revoke answered {post.Status}");
    }

    [Fact]
    public async Task Live_StatusChanges_CountsPerCpoAndStatusRefreshWithoutScript()
    {
        var roaming = await Roaming.SetUpAsync(Hub);
        var cpo = Key(roaming.Cpo);
        var locations = new LocationService.LocationServiceClient(roaming.CpoChannel(Hub));
        await locations.PutLocationAsync(new PutLocationRequest { Location = LocationTestData.Location("LIVE1", evses: 3) });
        var page = await fixture.SignedInPageAsync();
        await page.GotoAsync("/live");
        var row = page.Locator($"#evse-status tr[data-cpo='{cpo}']");
        await Assertions.Expect(row.Locator("td[data-status='Available']")).ToHaveTextAsync("3", Slow);

        // One EVSE starts charging: the page, refreshing itself (meta refresh, no script), shows the new counts.
        await LocationTestData.SendAsync(locations, [LocationTestData.Update("LIVE1", "E1", EvseStatus.Charging, 60)]);
        await Assertions.Expect(row.Locator("td[data-status='Charging']")).ToHaveTextAsync("1", Slow);
        await Assertions.Expect(row.Locator("td[data-status='Available']")).ToHaveTextAsync("2", Slow);
        await ConsoleFixture.ShotAsync(page, "live");
    }
}
