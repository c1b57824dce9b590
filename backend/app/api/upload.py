"""Upload: stream the body, never hold it whole in memory; report its size and checksum."""

import hashlib

from fastapi import APIRouter, HTTPException, Request, status

from app.schemas import UploadReceipt

router = APIRouter(tags=["upload"])


@router.post(
    "/upload",
    response_model=UploadReceipt,
    responses={413: {"description": "Body larger than the configured limit"}},
    # Not required: no body is a zero-byte file (size 0), which is what the endpoint answers.
    openapi_extra={"requestBody": {"content": {"application/octet-stream": {}}, "required": False}},
)
async def upload(request: Request) -> UploadReceipt:
    limit = request.app.state.settings.max_upload_bytes
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, f"body over {limit} bytes")
    digest, size = hashlib.sha256(), 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, f"body over {limit} bytes")
        digest.update(chunk)
    return UploadReceipt(size=size, sha256=digest.hexdigest())
