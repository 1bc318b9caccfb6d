using System.Net;
using ClearingHouse.LoadTests.Calibration.V1;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ClearingHouse.LoadTests.Calibration;

/// <summary>
/// Kestrel serving the empty <c>CalibrationService.Ping</c> over h2c on 127.0.0.1 and a free port,
/// with Kestrel's and gRPC's default limits (as the hub has), so the figure it gives is the raw
/// gRPC capacity of this machine with this load generator.
/// </summary>
public sealed class CalibrationServer : ICalibrationTarget
{
    private readonly WebApplication _app;

    private CalibrationServer(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    public static async Task<CalibrationServer> StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        var app = builder.Build();
        app.MapGrpcService<EmptyCalibrationService>();
        await app.StartAsync(cancellationToken);

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new CalibrationServer(app, new Uri(address));
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(timeout.Token);
        await _app.DisposeAsync();
    }

    private sealed class EmptyCalibrationService : CalibrationService.CalibrationServiceBase
    {
        private static readonly Task<PingResponse> Empty = Task.FromResult(new PingResponse());

        public override Task<PingResponse> Ping(PingRequest request, ServerCallContext context) => Empty;
    }
}
