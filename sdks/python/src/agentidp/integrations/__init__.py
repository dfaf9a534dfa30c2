"""Adapters for web frameworks: ``agentidp.integrations.fastapi`` (also Starlette) and
``agentidp.integrations.flask``. Each imports its framework, so install it first."""
