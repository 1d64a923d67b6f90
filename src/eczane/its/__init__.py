"""İTS adapter: protocol assumptions, HTTP client, bundled simulator, outbox worker.

- ``protocol``: the one module of assumptions about İTS, each with its source.
- ``client``: httpx client; ``ItsError(permanent=…, maybe_committed=…)``; retry policy.
- ``simulator``: ``eczane its-simulator``, the same protocol with the law's rules and faults.
- ``service``: creating, checking and approving submissions (CLI and web share it).
- ``outbox``: the worker that sends approved batches exactly once.
- ``credentials``: GLN/username/password encrypted at rest (Fernet), never logged.
"""
