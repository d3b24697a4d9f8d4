//! The order of the processing passes.
