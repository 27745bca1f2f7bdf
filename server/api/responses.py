"""Fast JSON responses for the hot paths: the body is serialised once with orjson, without a second
pass through the response model (the model still documents the shape in the OpenAPI schema)."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi.responses import Response


def json_response(body: Any, status_code: int = 200) -> Response:
    return Response(orjson.dumps(body), status_code=status_code, media_type="application/json")
