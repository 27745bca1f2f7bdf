"""The slices of the domain, one module per area; importing this package registers them all.

Order matters only where one slice reads another's tables: clock, then consultations (threats),
then the slices that refer to threats and decisions."""

from . import clock, consultations, assistance, decisions, membership, notifications, control  # noqa: F401
