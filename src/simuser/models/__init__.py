"""Model access shared by simulators and assistants: local transformers models and HTTP endpoints.

``embedded`` finds and caches the offline default model; ``local`` loads causal LMs and generates in
batches; ``http`` and ``openai_client`` talk to OpenAI-compatible servers with retries.
"""
