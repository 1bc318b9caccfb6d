using System.Net;
using System.Text.RegularExpressions;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Server.Tests.Infrastructure;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Playwright;

namespace ClearingHouse.Server.Tests.Console;

/// <summary>
/// The operator console in a real browser (headless Chromium) against a real hub over real HTTP: the operator's daily
/// tasks end to end, and the refusals (no antiforgery token, no session, bad ids and sizes, script in a text field).
/// </summary>
public sealed partial class ConsoleBrowserTests(ConsoleFixture fixture) : IClassFixture<ConsoleFixture>
{
    private const string Script = "<script>alert('x')</script>";

    private HubHost Hub => fixture.Hub;

    // A CPO and an EMSP roaming, the reference tariff, two CDRs (one priced too high) and a dispute the EMSP opened.
    private async Task<(Roaming Roaming, long DisputeId)> SetUpAsync()
    {
        var roaming = await Roaming.SetUpAsync(Hub);
        await new TariffService.TariffServiceClient(roaming.CpoChannel(Hub)).PutTariffAsync(new PutTariffRequest { OcpiJson = Roaming.MinPriceTariff });
        var acks = await new CdrService.CdrServiceClient(roaming.CpoChannel(Hub)).SubmitCdrBatchAsync(new SubmitCdrBatchRequest { Cdrs = { roaming.Cdr("CDR-OK"), roaming.Cdr("CDR-HIGH", total: 7m) } });
        Assert.All(acks.Acks, a => Assert.Equal(CdrAckStatus.Accepted, a.Status));
        var dispute = await new DisputeService.DisputeServiceClient(roaming.EmspChannel(Hub)).OpenDisputeAsync(
            new OpenDisputeRequest { Cpo = roaming.Cpo, CdrId = "CDR-HIGH", Reason = "declared 7.00, tariff says 0.50" });
        return (roaming, dispute.Dispute.Id);
    }

    private static string Key(PartyRef party) => $"{party.CountryCode}-{party.PartyId}-{(party.Role == PartyRole.Cpo ? "CPO" : "EMSP")}";

    [Fact]
    public async Task Investigation_CdrToDisputeMovedWithReason_StateChangedAndAudited()
    {
        var (roaming, disputeId) = await SetUpAsync();
        var page = await fixture.SignedInPageAsync();
        await ConsoleFixture.ShotAsync(page, "home");

        // Find the CDR by its id with its owner (CPO/id): one hit opens its page.
        await page.GotoAsync("/search");
        await page.FillAsync("#q", $"{Key(roaming.Cpo)}/CDR-HIGH");
        await page.ClickAsync("#find");
        await page.WaitForSelectorAsync("#cdr-id");
        Assert.Equal("CDR-HIGH", await page.InnerTextAsync("#cdr-id"));
        var price = await page.InnerTextAsync("#price");
        Assert.Contains("TOTAL", price, StringComparison.Ordinal);
        Assert.Contains("7", price, StringComparison.Ordinal);
        await ConsoleFixture.ShotAsync(page, "cdr");

        // Follow it to its dispute and resolve it, with script in the reason.
        await page.ClickAsync("#dispute-link");
        await page.WaitForSelectorAsync("#dispute-id");
        Assert.Equal(disputeId.ToString(System.Globalization.CultureInfo.InvariantCulture), await page.InnerTextAsync("#dispute-id"));
        var dialogs = 0;
        page.Dialog += (_, dialog) => { dialogs++; _ = dialog.DismissAsync(); };
        await page.SelectOptionAsync("#to", "Resolved");
        await page.FillAsync("#reason", $"settled by phone {Script}");
        await page.ClickAsync("#move");
        await page.WaitForSelectorAsync("#notice");
        Assert.Equal("Resolved", await page.InnerTextAsync("#dispute-state"));
        Assert.Contains($"settled by phone {Script}", await page.InnerTextAsync("#history"), StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;", await page.ContentAsync(), StringComparison.Ordinal);
        await ConsoleFixture.ShotAsync(page, "dispute");

        // The move is in the audit log, with its reason shown as text.
        await page.GotoAsync("/audit?action=disputes");
        var audit = await page.InnerTextAsync("#audit");
        Assert.Contains("disputes.move", audit, StringComparison.Ordinal);
        Assert.Contains($"dispute {disputeId} ({Key(roaming.Cpo)}/CDR-HIGH)", audit, StringComparison.Ordinal);
        Assert.Contains($"OPEN -> RESOLVED: settled by phone {Script}", audit, StringComparison.Ordinal);
        await ConsoleFixture.ShotAsync(page, "audit");
        Assert.Equal(0, dialogs);
    }

    [Fact]
    public async Task Partner_SuspendThenReinstate_PartyRefusedThenServedAndBothAudited()
    {
        var (roaming, _) = await SetUpAsync();
        var cpo = Key(roaming.Cpo);
        var page = await fixture.SignedInPageAsync();
        await page.GotoAsync("/partners?role=Cpo");
        await page.WaitForSelectorAsync("#partners");
        await ConsoleFixture.ShotAsync(page, "partners");

        await page.GotoAsync($"/partner?party={cpo}");
        await page.SelectOptionAsync("#status", "Suspended");
        await page.FillAsync("#reason", "unpaid invoices");
        await page.ClickAsync("#set-status");
        await page.WaitForSelectorAsync("#notice");
        Assert.Equal("Suspended", await page.InnerTextAsync("#state"));
        await ConsoleFixture.ShotAsync(page, "partner");
        var whoami = new IdentityService.IdentityServiceClient(roaming.CpoChannel(Hub));
        var refused = await Assert.ThrowsAsync<RpcException>(() => whoami.WhoAmIAsync(new WhoAmIRequest()).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);

        await page.SelectOptionAsync("#status", "Active");
        await page.FillAsync("#reason", "paid");
        await page.ClickAsync("#set-status");
        // The page before the post showed a notice too: wait for the new page's state, not for a notice.
        await Assertions.Expect(page.Locator("#state")).ToHaveTextAsync("Active", new LocatorAssertionsToHaveTextOptions { Timeout = 60_000 });
        await whoami.WhoAmIAsync(new WhoAmIRequest());

        await page.GotoAsync($"/audit?action=parties&target={cpo}");
        var audit = await page.InnerTextAsync("#audit");
        Assert.Contains("SUSPENDED -> ACTIVE; reason: paid", audit, StringComparison.Ordinal);
        Assert.Contains("ACTIVE -> SUSPENDED; reason: unpaid invoices", audit, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Statement_PreviewCloseAndExportCsv_NumberedStatementWithItsCdrs()
    {
        var (roaming, _) = await SetUpAsync();
        var page = await fixture.SignedInPageAsync();
        await page.GotoAsync("/statements");
        await page.FillAsync("#cpo", Key(roaming.Cpo));
        await page.FillAsync("#emsp", Key(roaming.Emsp));
        await page.FillAsync("#currency", "EUR");
        await page.FillAsync("#from", "2022-01-13T00:00:00Z");
        await page.FillAsync("#to", "2022-01-14T00:00:00Z");
        await page.ClickAsync("#preview");
        await page.WaitForSelectorAsync("#close");
        await page.FillAsync("#reason", "month end");
        await page.ClickAsync("#close");
        await page.WaitForSelectorAsync("#notice");
        var notice = await page.InnerTextAsync("#notice");
        var number = Regex.Match(notice, @"closed into statement (\d+)");
        Assert.True(number.Success, $"notice: {notice}");
        Assert.StartsWith("statement " + number.Groups[1].Value, await page.InnerTextAsync("#closed"), StringComparison.Ordinal);
        await ConsoleFixture.ShotAsync(page, "statements");

        var download = await page.RunAndWaitForDownloadAsync(() => page.Locator($"#statements a.csv[href*='number={number.Groups[1].Value}&']").ClickAsync());
        var csv = await File.ReadAllTextAsync(await download.PathAsync());
        Assert.Contains("CDR-OK", csv, StringComparison.Ordinal);
        Assert.Equal($"statement-{number.Groups[1].Value}.csv", download.SuggestedFilename);

        await page.GotoAsync($"/audit?action=statements&target={Uri.EscapeDataString($"statement {number.Groups[1].Value}")}");
        Assert.Contains("reason: month end", await page.InnerTextAsync("#audit"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Post_WithoutAntiforgeryTokenOrSession_RefusedAndNothingChanged()
    {
        var (roaming, _) = await SetUpAsync();
        var cpo = Key(roaming.Cpo);
        var page = await fixture.SignedInPageAsync();
        var form = new Dictionary<string, string> { ["party"] = cpo, ["status"] = "Suspended", ["reason"] = "forged" };

        // Signed in, but no antiforgery token: refused with a message, the party stays active.
        var forged = await page.APIRequest.PostAsync("/partner?handler=status", new APIRequestContextOptions { Form = Form(page, form), MaxRedirects = 0 });
        Assert.Equal((int)HttpStatusCode.BadRequest, forged.Status);
        Assert.Contains("nothing was changed", await forged.TextAsync(), StringComparison.Ordinal);

        // Signed out: refused before anything runs; a GET goes to the sign-in page.
        var anonymous = await fixture.NewPageAsync();
        var signedOut = await anonymous.APIRequest.PostAsync("/partner?handler=status", new APIRequestContextOptions { Form = Form(anonymous, form), MaxRedirects = 0 });
        Assert.Equal((int)HttpStatusCode.Unauthorized, signedOut.Status);
        await anonymous.GotoAsync($"/partner?party={cpo}");
        Assert.Contains("/signin", anonymous.Url, StringComparison.Ordinal);

        // After sign-out, the old session cookie (replayed in another browser) is refused too.
        var cookies = await page.Context.CookiesAsync();
        await page.ClickAsync("#signout");
        await page.WaitForSelectorAsync("#secret");
        await ConsoleFixture.ShotAsync(page, "signin");
        var replay = await fixture.NewPageAsync();
        await replay.Context.AddCookiesAsync(cookies.Select(c => new Microsoft.Playwright.Cookie { Name = c.Name, Value = c.Value, Domain = c.Domain, Path = c.Path }));
        await replay.GotoAsync($"/partner?party={cpo}");
        Assert.Contains("/signin", replay.Url, StringComparison.Ordinal);

        var party = await new PartyAdminService.PartyAdminServiceClient(Hub.Channel(Hub.OperatorSecret)).GetPartyAsync(new GetPartyRequest { Party = roaming.Cpo });
        Assert.Equal(PartyStatus.Active, party.Party.Status);
    }

    [Fact]
    public async Task BadInput_UnknownIdsWrongCredentialHugePage_ClearMessages()
    {
        var anonymous = await fixture.NewPageAsync();
        await anonymous.GotoAsync("/signin");
        await anonymous.FillAsync("#secret", "chs_operator_nope_nope");
        await anonymous.ClickAsync("#signin");
        await anonymous.WaitForSelectorAsync("#error");
        Assert.Contains("Unauthenticated", await anonymous.InnerTextAsync("#error"), StringComparison.Ordinal);

        var page = await fixture.SignedInPageAsync();
        var missing = await page.GotoAsync("/cdr?cpo=NL-ZZZ-CPO&id=NO-SUCH-CDR");
        Assert.Equal(404, missing!.Status);
        Assert.Contains("NotFound: there is no CDR 'NO-SUCH-CDR' of NL-ZZZ-CPO", await page.InnerTextAsync("#error"), StringComparison.Ordinal);
        await ConsoleFixture.ShotAsync(page, "not-found");

        var huge = await page.GotoAsync("/partners?size=100000");
        Assert.Equal(400, huge!.Status);
        Assert.Contains("size must be at most", await page.InnerTextAsync("#error"), StringComparison.Ordinal);

        var badParty = await page.GotoAsync($"/partner?party={Uri.EscapeDataString(Script)}");
        Assert.Equal(400, badParty!.Status);
        Assert.Contains(Script, await page.InnerTextAsync("#error"), StringComparison.Ordinal);
        Assert.DoesNotContain(Script, await page.ContentAsync(), StringComparison.Ordinal);

        await page.GotoAsync($"/search?q={Uri.EscapeDataString(Script)}");
        Assert.Contains(Script, await page.InnerTextAsync("#nothing"), StringComparison.Ordinal);

        await page.GotoAsync("/quality?since=2022-01-01T00:00:00Z");
        await page.WaitForSelectorAsync("#findings");
        await ConsoleFixture.ShotAsync(page, "quality");
        await page.GotoAsync("/live");
        await page.WaitForSelectorAsync("#live");
        await ConsoleFixture.ShotAsync(page, "live");
        await page.GotoAsync("/disputes");
        await page.WaitForSelectorAsync("#disputes");
        await ConsoleFixture.ShotAsync(page, "disputes");
    }

    [Fact]
    public void Hosting_ConsoleOn_NoAuthenticationOrAuthorizationMiddlewareBeforeGrpc()
    {
        // The host adds these middlewares in front of every request (every gRPC call) when their services exist.
        Assert.Null(Hub.Services.GetService(typeof(Microsoft.AspNetCore.Authentication.IAuthenticationSchemeProvider)));
        Assert.Null(Hub.Services.GetService(typeof(Microsoft.AspNetCore.Authorization.IAuthorizationHandlerProvider)));
    }

    // A form post as a script would send it: the page's cookies ride along, but no antiforgery token.
    private static IFormData Form(IPage page, Dictionary<string, string> fields)
    {
        var form = page.APIRequest.CreateFormData();
        foreach (var (name, value) in fields)
        {
            form.Set(name, value);
        }

        return form;
    }
}
