using System.Reflection;
using ClearingHouse.Server.Hosting;

namespace ClearingHouse.Server.Tests.Hosting;

/// <summary>
/// Which failures <see cref="FailoverRetryFilter"/> sends again: only Orleans' rejections of messages it never sent
/// (the target silo refused the connection, or is already known dead); never a call that reached a silo.
/// </summary>
public sealed class FailoverRetryFilterUnitTests
{
    [Theory]
    [InlineData("Exception while sending message: Orleans.Runtime.Messaging.ConnectionFailedException: Unable to connect to endpoint S127.0.0.1:11111:0", true)]
    [InlineData("Exception while sending message: Orleans.Networking.Shared.SocketConnectionException: Connection refused", true)]
    [InlineData("Target silo is known to be dead", true)]
    [InlineData("Forwarding failed: tried to forward message 3 times", false)]
    public void NeverSent_OrleansRejection_OnlyWhenTheMessageNeverLeft(string text, bool expected) =>
        Assert.Equal(expected, FailoverRetryFilter.NeverSent(Rejection(text)));

    [Fact]
    public void NeverSent_SiloUnavailable_False() =>
        // The message reached the silo before it died: it may have run there, so it is not sent again.
        Assert.False(FailoverRetryFilter.NeverSent(new SiloUnavailableException("The target silo became unavailable for message: ... ConnectionFailedException")));

    // Orleans creates its rejections itself (the constructor is internal).
    private static OrleansMessageRejectionException Rejection(string text) =>
        (OrleansMessageRejectionException)Activator.CreateInstance(typeof(OrleansMessageRejectionException), BindingFlags.NonPublic | BindingFlags.Instance, null, [text], null)!;
}
