using System.Globalization;
using ClearingHouse.Contracts.V1;
using ClearingHouse.LoadTests.Hub;
using Grpc.Core;

namespace ClearingHouse.LoadTests.Scenarios.Shared;

/// <summary>Uploads an EMSP's tokens with <c>TokenService.PutTokens</c>, in messages of a given size, and logs the durable rate.</summary>
public static class TokenUpload
{
    /// <summary>Puts <paramref name="count"/> tokens made by <paramref name="token"/> (0..count-1) as <paramref name="emsp"/>; returns how many the hub stored.</summary>
    public static async Task<long> PutAsync(TokenService.TokenServiceClient client, TestCredential emsp, int count, Func<int, Token> token, int batch, string batchSetting, Uri hub, TextWriter log, CancellationToken cancellationToken)
    {
        var started = DateTime.UtcNow;
        try
        {
            using var call = client.PutTokens(Bearer.Headers(emsp.Secret), DateTime.UtcNow.AddMinutes(30), cancellationToken);
            var message = new PutTokensRequest();
            for (var i = 0; i < count; i++)
            {
                message.Tokens.Add(token(i));
                if (message.Tokens.Count == batch)
                {
                    await call.RequestStream.WriteAsync(message, cancellationToken);
                    message = new PutTokensRequest();
                }
            }

            if (message.Tokens.Count > 0)
            {
                await call.RequestStream.WriteAsync(message, cancellationToken);
            }

            await call.RequestStream.CompleteAsync();
            var stored = await call;
            var seconds = (DateTime.UtcNow - started).TotalSeconds;
            await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"stored {stored.Stored} tokens in {seconds:0.00} s ({stored.Stored / seconds:0} tokens/s durable)"));
            return stored.Stored;
        }
        catch (RpcException e)
        {
            // ResourceExhausted: the hub's Hub:MaxReceiveMessageBytes is below one message of this many tokens (about 60 bytes each).
            throw HubErrors.Explain(e, hub, $"TokenService.PutTokens in messages of {batch} tokens ({batchSetting})");
        }
    }
}
