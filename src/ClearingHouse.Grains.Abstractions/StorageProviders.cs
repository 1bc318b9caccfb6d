namespace ClearingHouse.Grains;

/// <summary>Names of the Orleans grain storage providers the grains use.</summary>
public static class StorageProviders
{
    /// <summary>
    /// The durable store for grain state: SQLite in the Embedded profile, PostgreSQL in the Cluster
    /// profile. State written here is durable before the grain call that wrote it returns.
    /// </summary>
    public const string Durable = "clearinghouse";
}
