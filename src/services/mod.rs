//! Use cases. Each state change is one transaction; handlers and commands call
//! these, never the store directly for writes.

pub mod regions;
