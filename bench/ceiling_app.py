"""The stack's own ceiling: a bare FastAPI endpoint with the same server, loop and HTTP parser as
`ttx serve` (uvicorn with the options of `server.serving`), doing the least a command must do:
parse the JSON body into a model, check a bearer token against its stored SHA-256, append one row
to a SQLite file (WAL, synchronous=NORMAL, one transaction per request) and answer JSON.

`python -m bench.ceiling_app --port P --db FILE --token T` serves it on 127.0.0.1 (bench/ceiling.py
starts it; it is not part of the product).
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import sqlite3
from typing import Annotated, Union

from fastapi import FastAPI, Header, HTTPException, Request
from pydantic import BaseModel, Field


class Inject(BaseModel):
    type: str = Field(max_length=64)
    title: str = Field(max_length=200)
    body: str = Field(default="", max_length=4000)
    to: Union[str, list[str]] = "all"


def create_app(db_path: str, token: str) -> FastAPI:
    conn = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, exercise_id TEXT NOT NULL, "
                 "idempotency_key TEXT, data TEXT NOT NULL)")
    stored = hashlib.sha256(token.encode()).digest()
    app = FastAPI()

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/api/exercises/{exercise_id}/commands")
    async def command(exercise_id: str, request: Request,
                      authorization: Annotated[str | None, Header()] = None,
                      idempotency_key: Annotated[str | None, Header()] = None) -> dict:
        given = (authorization or "").removeprefix("Bearer ")
        if not hmac.compare_digest(hashlib.sha256(given.encode()).digest(), stored):
            raise HTTPException(401, "bad token")
        inject = Inject.model_validate_json(await request.body())
        data = json.dumps(inject.model_dump(), separators=(",", ":"))
        conn.execute("BEGIN")
        cur = conn.execute("INSERT INTO events (exercise_id, idempotency_key, data) VALUES (?, ?, ?)",
                           (exercise_id, idempotency_key, data))
        conn.execute("COMMIT")
        return {"events": [{"seq": cur.lastrowid, "type": "inject_sent", "data": inject.model_dump()}]}

    return app


def main() -> None:
    import uvicorn

    from server.serving import uvicorn_options
    from server.settings import Settings

    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--db", required=True)
    p.add_argument("--token", required=True)
    args = p.parse_args()
    config = uvicorn.Config(create_app(args.db, args.token), host="127.0.0.1", port=args.port, log_level="warning",
                            access_log=False, lifespan="on", **uvicorn_options(Settings()))
    uvicorn.Server(config).run()


if __name__ == "__main__":
    main()
