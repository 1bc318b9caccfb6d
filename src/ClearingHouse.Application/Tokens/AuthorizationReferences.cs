namespace ClearingHouse.Application.Tokens;

/// <summary>
/// New authorization_references: UUIDv7 in 32 lowercase hex digits (the form <c>Guid.CreateVersion7().ToString("N")</c>
/// gives), the random bits from <see cref="Random.Shared"/> instead of the operating system's CSPRNG.
/// </summary>
/// <remarks>
/// On Linux <c>Guid.NewGuid</c> (under <c>CreateVersion7</c>) is a <c>getrandom</c> system call per reference, a visible
/// share of an Authorize's CPU in a profile of the hot path. A reference needs to be unique, not secret: it is sent to the
/// CPO and the EMSP, and a session or CDR naming it is linked only when the recorded CPO and EMSP are its own. 74 random
/// bits per millisecond from a per-thread generator seeded by the operating system keep collisions out of reach.
/// </remarks>
public static class AuthorizationReferences
{
    /// <summary>A new reference for a decision made at <paramref name="now"/>.</summary>
    public static string New(DateTimeOffset now)
    {
        var ms = now.ToUnixTimeMilliseconds();
        var high = (ulong)Random.Shared.NextInt64();
        var low = (ulong)Random.Shared.NextInt64();
        return new Guid(
            (int)(ms >> 16),
            (short)ms,
            (short)(0x7000 | (int)(high & 0x0FFF)), // version 7, 12 random bits
            (byte)(0x80 | (int)((high >> 12) & 0x3F)), // variant 10, 6 random bits
            (byte)low,
            (byte)(low >> 8),
            (byte)(low >> 16),
            (byte)(low >> 24),
            (byte)(low >> 32),
            (byte)(low >> 40),
            (byte)(low >> 48)).ToString("N");
    }
}
