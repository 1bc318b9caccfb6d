using System.IO.Compression;
using Grpc.Core;
using Grpc.Net.Compression;

namespace ClearingHouse.Server.Grpc;

/// <summary>
/// gzip as grpc-dotnet's own provider, except that a message flagged as compressed whose bytes are not gzip ends
/// the call with Internal "the message is not valid gzip" (what the gRPC spec asks for a decompression failure)
/// instead of Unknown and an error log with a stack trace.
/// </summary>
internal sealed class GuardedGzipProvider : ICompressionProvider
{
    private readonly GzipCompressionProvider _gzip = new(CompressionLevel.Fastest);

    /// <inheritdoc />
    public string EncodingName => _gzip.EncodingName;

    /// <inheritdoc />
    public Stream CreateCompressionStream(Stream stream, CompressionLevel? compressionLevel) => _gzip.CreateCompressionStream(stream, compressionLevel);

    /// <inheritdoc />
    public Stream CreateDecompressionStream(Stream stream) => new Guarded(_gzip.CreateDecompressionStream(stream));

    private sealed class Guarded(Stream inner) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            try
            {
                return inner.Read(buffer, offset, count);
            }
            catch (InvalidDataException)
            {
                throw Invalid();
            }
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            try
            {
                return await inner.ReadAsync(buffer, cancellationToken);
            }
            catch (InvalidDataException)
            {
                throw Invalid();
            }
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }

        private static RpcException Invalid() => new(new Status(StatusCode.Internal, "the message is flagged as gzip-compressed but is not valid gzip"));
    }
}
