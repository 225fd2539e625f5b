"""Processors: the protocol (`base`), the in-process card-network simulator, and a client
for a processor in another process (`remote`)."""

from __future__ import annotations

from tender.processor.base import Processor


def open_processor(url: str | None, fingerprint_key: bytes) -> Processor:
    """The in-process simulator when `url` is empty (the default), otherwise the remote
    processor at `url` (`TENDER_PROCESSOR=http://host:port`, e.g. `remote_sim`)."""
    if not url:
        from tender.processor.simulator import Simulator

        return Simulator(fingerprint_key)
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"unsupported processor: {url} (leave it empty for the simulator, or give http://HOST:PORT)")
    from tender.processor.remote import RemoteProcessor

    return RemoteProcessor(url, fingerprint_key)
