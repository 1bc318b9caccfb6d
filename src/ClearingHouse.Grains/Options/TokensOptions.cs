namespace ClearingHouse.Grains.Options;

/// <summary>Tokens and real-time authorization, bound from section <c>Tokens</c>.</summary>
public sealed class TokensOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Tokens";

    /// <summary>
    /// How old a token grain's copy may get before it reads the store again. Tokens put one by one
    /// change the grain at once; a bulk upload (written straight to the store) reaches tokens already
    /// in memory within this time.
    /// </summary>
    public TimeSpan HubCopyMaxAge { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long the hub waits for an EMSP's real-time answer unless <see cref="MspDeadlines"/> says otherwise.</summary>
    public TimeSpan DefaultMspDeadline { get; set; } = TimeSpan.FromMilliseconds(1500);

    /// <summary>Per-EMSP deadlines, keyed by party (<c>DE-XYZ-EMSP</c>).</summary>
    public Dictionary<string, TimeSpan> MspDeadlines { get; set; } = [];

    /// <summary>Requests waiting to be written to one channel; a full channel is skipped (the next one is tried).</summary>
    public int ChannelQueueCapacity { get; set; } = 1024;

    /// <summary>Answers for unknown or expired requests a channel may send per second before it is cut off.</summary>
    public int MaxUnknownAnswersPerSecond { get; set; } = 200;

    /// <summary>How often a silo re-registers its channels with each EMSP's registry grain.</summary>
    public TimeSpan ChannelRegistrationPeriod { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Authorization records written to the store in one transaction at most.</summary>
    public int AuthorizationBatchSize { get; set; } = 2000;

    /// <summary>Tokens written to the store in one transaction at most by PutTokens.</summary>
    public int UploadBatchSize { get; set; } = 5000;

    /// <summary>
    /// Cluster profile: keep the token index in Redis in front of the token store, so a token grain that
    /// activates (first use on a silo, after idle collection or a restart) reads Redis instead of
    /// PostgreSQL (default true). See <see cref="ClearingHouse.Grains.Tokens.ITokenCache"/>.
    /// </summary>
    public bool RedisCache { get; set; } = true;

    /// <summary>How long a token stays in the Redis cache after it was last read from the store or written (default 1 hour).</summary>
    public TimeSpan RedisCacheTtl { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The deadline for an EMSP.</summary>
    public TimeSpan DeadlineFor(string emsp) => MspDeadlines.TryGetValue(emsp, out var d) ? d : DefaultMspDeadline;
}
