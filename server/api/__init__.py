"""The HTTP and WebSocket edges: parse, authenticate, call the service, map refusals to statuses."""
