"""Web adapter: FastAPI + Jinja2 + htmx, server-rendered Turkish pages."""
