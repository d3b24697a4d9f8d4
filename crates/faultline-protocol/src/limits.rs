//! Every limit on something that grows, in one place. Units come last in the name.
//! Each limit is tested at `max` and `max + 1` next to the code that enforces it.

// ---- Request and envelope limits (ingest) ----

// ---- Field limits (normalize) ----
