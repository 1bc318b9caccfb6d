using ClearingHouse.Domain.Tariffs;

namespace ClearingHouse.Domain.Tests.Tariffs;

/// <summary>Access to the copied tandemdrive/ocpi-tariffs vectors under TestData/ocpi-tariffs/test_data.</summary>
internal static class ReferenceData
{
    public static string Root { get; } = Path.Combine(AppContext.BaseDirectory, "TestData", "ocpi-tariffs", "test_data");

    /// <summary>Relative paths such as "simple_025kwh/cdr1.json", sorted.</summary>
    public static IReadOnlyList<string> CdrPaths() => Relative("cdr*.json");

    /// <summary>Relative paths such as "complex/tariff.json", sorted.</summary>
    public static IReadOnlyList<string> TariffPaths() => Relative("tariff.json");

    public static Tariff ReadTariff(string relativePath) => OcpiJson.ReadTariff(File.ReadAllText(Full(relativePath)));

    /// <summary>Reads the tariff of a case by its folder name, e.g. "complex".</summary>
    public static Tariff TariffOfCase(string caseName) => ReadTariff(caseName + "/tariff.json");

    public static Cdr ReadCdr(string relativePath) => OcpiJson.ReadCdr(File.ReadAllText(Full(relativePath)));

    public static string Full(string relativePath) => Path.Combine(Root, relativePath);

    private static string[] Relative(string pattern) =>
        [.. Directory.GetFiles(Root, pattern, SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(Root, path).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)];
}
