"""One client layer for every model call of the project (judge, generation, translation).

`make_backend(spec)` builds a backend (gemini, openai, local); `Client(backend, cache_path)` adds
retries, key scrubbing, the resumable answer cache and the Gemini Batch API. See backends.py and
client.py.
"""
