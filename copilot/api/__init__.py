"""FastAPI app: HTTP routes, WebSocket hub, auth."""
