using System.Globalization;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Domain.Tokens;

namespace ClearingHouse.OperatorConsole.Pages;

/// <summary>The console's URLs to one object, every part escaped.</summary>
public static class Links
{
    /// <summary>A CDR's page.</summary>
    public static string Cdr(PartyKey cpo, string id) => $"/cdr?cpo={E(cpo.ToString())}&id={E(id)}";

    /// <summary>A session's page.</summary>
    public static string Session(PartyKey cpo, string id) => $"/session?cpo={E(cpo.ToString())}&id={E(id)}";

    /// <summary>A location's page.</summary>
    public static string Location(PartyKey cpo, string id) => $"/location?cpo={E(cpo.ToString())}&id={E(id)}";

    /// <summary>An authorization's page.</summary>
    public static string Authorization(string reference) => $"/authorization?reference={E(reference)}";

    /// <summary>A token's page.</summary>
    public static string Token(TokenType type, string uid) => $"/token?type={E(type.ToString())}&uid={E(uid)}";

    /// <summary>A dispute's page.</summary>
    public static string Dispute(long id) => $"/dispute?id={id.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>A partner's page.</summary>
    public static string Partner(PartyKey party) => $"/partner?party={E(party.ToString())}";

    /// <summary>A closed statement's export.</summary>
    public static string Export(long number, string format) => $"/statements?handler=export&number={number.ToString(CultureInfo.InvariantCulture)}&format={E(format)}";

    /// <summary>The search for a text.</summary>
    public static string Search(string text) => $"/search?q={E(text)}";

    private static string E(string text) => Uri.EscapeDataString(text);
}
