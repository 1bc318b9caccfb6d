using System.Reflection;
using ClearingHouse.Application.Diagnostics;
using Google.Protobuf.Reflection;

namespace ClearingHouse.Server.Tests.Hosting;

/// <summary>Metric label values of the core's enums are the proto enums' names, as the CLI prints them.</summary>
public sealed class MetricLabelsUnitTests
{
    [Fact]
    public void TagsOf_EveryCoreEnumWithAProtoTwin_GivesTheProtoNameWithoutItsPrefix()
    {
        Check<ClearingHouse.Domain.Tokens.DecisionSource, ClearingHouse.Contracts.V1.DecisionSource>("DECISION_SOURCE_");
        Check<ClearingHouse.Domain.Tokens.AllowedType, ClearingHouse.Contracts.V1.AllowedType>("ALLOWED_TYPE_");
        Check<ClearingHouse.Grains.Commands.CommandKind, ClearingHouse.Contracts.V1.CommandType>("COMMAND_TYPE_");
        Check<ClearingHouse.Grains.Commands.CommandDeliveryKind, ClearingHouse.Contracts.V1.CommandDelivery>("COMMAND_DELIVERY_");
    }

    private static void Check<TCore, TProto>(string prefix)
        where TCore : struct, Enum
        where TProto : struct, Enum
    {
        var tags = MetricLabels.TagsOf<TCore>("k");
        foreach (var field in typeof(TProto).GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            var number = Convert.ToInt32(field.GetValue(null), System.Globalization.CultureInfo.InvariantCulture);
            var protoName = field.GetCustomAttribute<OriginalNameAttribute>()!.Name;
            if (number == 0 || number >= tags.Length)
            {
                continue; // UNSPECIFIED has no core twin
            }

            Assert.Equal(protoName[prefix.Length..], tags[number].Value);
        }
    }
}
