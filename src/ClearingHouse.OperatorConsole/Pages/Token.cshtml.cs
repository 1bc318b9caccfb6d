using ClearingHouse.Application.Operations.Investigation;
using ClearingHouse.Domain.Tokens;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Tokens;

namespace ClearingHouse.OperatorConsole.Pages;

/// <summary>One token as the hub holds it.</summary>
public sealed class TokenModel : ConsolePage
{
    /// <summary>The token.</summary>
    public TokenRecord? Token { get; private set; }

    /// <summary>Reads it.</summary>
    public async Task OnGetAsync(string? type, string? uid, CancellationToken cancellationToken)
    {
        if (!Enum.TryParse<TokenType>(type, ignoreCase: true, out var tokenType) || !Enum.IsDefined(tokenType))
        {
            throw new HubException(HubErrorCode.InvalidArgument, $"type must be one of {string.Join(", ", Enum.GetNames<TokenType>())}", "type");
        }

        Token = await Core<InvestigationFlow>().TokenAsync(Caller, tokenType, uid ?? "", cancellationToken);
    }
}
