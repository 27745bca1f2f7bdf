"""ttx: an event-sourced tabletop exercise service."""
