"""Long-lived connections: a WebSocket echo and a Server-Sent-Events stream."""

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Query, WebSocket, WebSocketDisconnect, status
from fastapi.responses import StreamingResponse

router = APIRouter(tags=["streams"])


@router.websocket("/ws/echo")
async def echo(ws: WebSocket) -> None:
    """Echo every text or binary message; a message over the configured size closes with 1009."""
    limit = ws.app.state.settings.max_websocket_message_bytes
    await ws.accept()
    try:
        while True:
            message = await ws.receive()
            if message["type"] == "websocket.disconnect":
                return
            text, data = message.get("text"), message.get("bytes")
            size = len(text.encode()) if text is not None else len(data or b"")
            if size > limit:
                await ws.close(code=status.WS_1009_MESSAGE_TOO_BIG, reason=f"message over {limit} bytes")
                return
            if text is not None:
                await ws.send_text(text)
            else:
                await ws.send_bytes(data or b"")
    except WebSocketDisconnect:
        return


async def _events(count: int, interval_ms: int) -> AsyncIterator[str]:
    yield "retry: 2000\n\n"
    for seq in range(1, count + 1):
        yield f"id: {seq}\nevent: tick\ndata: {json.dumps({'seq': seq, 'of': count})}\n\n"
        if seq < count:
            await asyncio.sleep(interval_ms / 1000)


@router.get("/events", response_class=StreamingResponse)
async def events(
    count: Annotated[int, Query(ge=1, le=100)] = 5,
    interval_ms: Annotated[int, Query(ge=0, le=1000)] = 200,
) -> StreamingResponse:
    """A finite SSE stream of `count` events (at most 100 events, 1 s apart: bounded to ~100 s)."""
    return StreamingResponse(
        _events(count, interval_ms),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
