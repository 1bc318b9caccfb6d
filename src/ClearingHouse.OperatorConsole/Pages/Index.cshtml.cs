namespace ClearingHouse.OperatorConsole.Pages;

/// <summary>The start page.</summary>
public sealed class IndexModel : ConsolePage
{
    /// <summary>Shows it.</summary>
    public void OnGet()
    {
    }
}
