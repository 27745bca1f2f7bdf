"""Live updates: notifiers ("exercise X reached seq N") and WebSocket sessions."""
