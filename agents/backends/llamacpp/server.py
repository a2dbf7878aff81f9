"""Child process that runs llama.cpp's OpenAI-compatible server (``xllamacpp``).

Run as ``python -m agents.backends.llamacpp.server --model FILE ...``. It prints
``READY <url>`` once listening and exits when its standard input closes, so the
server never outlives the run that started it (even if that run is killed).
"""

from __future__ import annotations

import argparse
import os
import sys


def main(argv: list[str] | None = None) -> int:
    """Start the server and wait for stdin to close."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--alias", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--n-parallel", type=int, default=8, help="server slots")
    ap.add_argument("--ctx-per-slot", type=int, default=4096)
    ap.add_argument(
        "--n-ctx",
        type=int,
        default=None,
        help="key/value tokens in all (default: n-parallel x ctx-per-slot)",
    )
    ap.add_argument(
        "--kv-unified",
        action="store_true",
        help="one key/value store shared by every slot",
    )
    ap.add_argument(
        "--keep-idle-slots",
        action="store_true",
        help="idle slots keep their state in the shared store (by default the server "
        "moves it to its host-memory prompt cache, from which a similar prompt reloads it)",
    )
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--chat-template-file", default=None)
    args = ap.parse_args(argv)

    import xllamacpp

    params = xllamacpp.CommonParams()
    params.model.path = args.model
    params.model_alias = {args.alias}
    params.n_parallel = args.n_parallel
    params.n_ctx = args.n_ctx or args.n_parallel * args.ctx_per_slot
    params.kv_unified = args.kv_unified
    params.cache_idle_slots = not args.keep_idle_slots
    params.cpuparams.n_threads = args.threads
    params.cpuparams_batch.n_threads = args.threads
    params.hostnames = ["127.0.0.1"]
    params.port = args.port
    if args.chat_template_file:
        with open(args.chat_template_file, encoding="utf-8") as fh:
            params.chat_template = fh.read()
    server = xllamacpp.Server(params)
    print(f"READY {server.listening_address}", flush=True)
    sys.stdin.read()  # returns at EOF: the parent closed the pipe or died
    # Exit at once: a normal interpreter exit waits on the server's native threads,
    # which kept an orphaned server running after its parent was killed mid-request.
    os._exit(0)


if __name__ == "__main__":
    raise SystemExit(main())
