"""`python -m bench.profserver --port P --out FILE`: `ttx serve` with a cProfile switch.

Starts the server exactly as `server.cli serve` does (Settings from the environment, create_app,
uvicorn with the same options), in the main thread. SIGUSR1 starts profiling the event loop's
thread, SIGUSR2 stops it and writes FILE, so a profile covers the measured window only, not the
imports and start-up."""

from __future__ import annotations

import argparse
import cProfile
import logging
import signal
import time


def main() -> None:
    import uvicorn

    from server.app import create_app
    from server.settings import Settings

    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--out", required=True)
    args = p.parse_args()
    settings = Settings()
    settings.host, settings.port = args.host, args.port
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = create_app(settings)
    config = uvicorn.Config(app, host=settings.host, port=settings.port, log_level=settings.log_level,
                            access_log=False, ws_max_size=16 * 1024 * 1024, lifespan="on",
                            ws_per_message_deflate=getattr(settings, "ws_compression", True))
    server = uvicorn.Server(config)
    prof = cProfile.Profile(time.thread_time)  # CPU time of the event loop's thread, not wall time

    def start(*_: object) -> None:
        prof.enable()

    def stop(*_: object) -> None:
        prof.disable()
        prof.dump_stats(args.out)

    signal.signal(signal.SIGUSR1, start)
    signal.signal(signal.SIGUSR2, stop)
    server.run()


if __name__ == "__main__":
    main()
