//! Placeholder module; filled in by its own change.
