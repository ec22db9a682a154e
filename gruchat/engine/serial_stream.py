"""One request at a time through an engine whose iterator blocks in native code: a
worker thread reads the chunks, and a lock keeps the next request (or token count) until
the previous one is drained. Apart from the engine so the rule can be read and tested
on its own."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any

_END = object()


def serial_stream(runner: Callable[[], Any], request: Any, lock: threading.Lock) -> Iterator[Any]:
    """Chunks read by a worker thread, so Ctrl-C in the main thread is seen at once.

    The engine's iterator blocks in Rust and notices a signal only when the whole answer
    is done; here the main thread waits on a queue instead. When the consumer stops
    (Ctrl-C, error), the worker drops the engine's iterator at the next chunk, which
    cancels the sequence. The worker holds ``lock`` from the request until the iterator
    is gone, so the next request (or token count) starts only once this one is drained;
    the consumer waits for the lock first, interruptibly, which also keeps a request
    from being sent behind the user's back after Ctrl-C. ``runner`` is called under the
    lock, since a reload may have replaced the Runner.
    """
    chunks: queue.Queue[Any] = queue.Queue()
    stop = threading.Event()
    while not lock.acquire(timeout=0.1):  # a plain acquire() would defer Ctrl-C
        pass

    def pump() -> None:
        try:
            stream = runner().send_chat_completion_request(request)
            for chunk in stream:
                if stop.is_set():
                    break
                chunks.put(chunk)
            chunks.put(_END)
        except BaseException as exc:  # handed to the consumer as it is
            chunks.put(exc)
        finally:
            stream = None  # drop the engine's iterator (cancels the sequence) ...
            lock.release()  # ... before anyone else may use the Runner

    try:
        worker = threading.Thread(target=pump, name="gruchat-engine", daemon=True)
        worker.start()
    except BaseException:
        lock.release()
        raise
    try:
        while True:
            try:
                item = chunks.get(timeout=0.1)
            except queue.Empty:
                continue
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
