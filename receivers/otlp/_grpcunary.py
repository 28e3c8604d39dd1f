"""A unary ``Export`` handler that always answers, even when the request never arrives whole.

grpcio's asyncio server runs a unary handler only after it has read one message; when the
client half-closes the stream first (END_STREAM with no message, or with a message cut short:
grpcio's core drops the partial bytes and reports end of stream), grpcio returns without
sending any status, and the stream stays open for as long as the connection does. grpc-go
answers such calls ``INTERNAL``. So the handler is registered on grpcio's stream-unary path,
which reports end of stream to us, and reads the one request itself with grpc-go's rules for a
non-client-streaming RPC: no request message, or more than one, is ``INTERNAL`` with grpc-go's
text. grpcio cannot tell a truncated message from a missing one, so both get the no-message
text (grpc-go says ``unexpected EOF`` for the truncated one).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import grpc
import grpc.aio

NO_REQUEST = "cardinality violation: received no request message from non-client-streaming RPC"
MULTIPLE_REQUESTS = "cardinality violation: received multiple request messages for non-client-streaming RPC"

Context = grpc.aio.ServicerContext[bytes, bytes]
UnaryBehavior = Callable[[bytes, Context], Awaitable[bytes]]


def unary_handler(behavior: UnaryBehavior) -> grpc.RpcMethodHandler[bytes, bytes]:
    """A raw-bytes method handler that serves ``behavior`` as a unary call, as grpc-go does."""

    async def serve(_requests: AsyncIterator[bytes], context: Context) -> bytes:
        request = await context.read()
        if not isinstance(request, bytes):  # grpc.aio.EOF: half-closed without a whole message
            await context.abort(grpc.StatusCode.INTERNAL, NO_REQUEST)
            raise AssertionError("unreachable: abort raises")
        # grpc-go reads on to the end of the stream before it runs a unary handler. Clients send
        # END_STREAM with the message, so this read returns at once.
        if isinstance(await context.read(), bytes):
            await context.abort(grpc.StatusCode.INTERNAL, MULTIPLE_REQUESTS)
        return await behavior(request, context)

    return grpc.stream_unary_rpc_method_handler(serve)
