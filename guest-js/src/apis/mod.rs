//! The web APIs, one folder each: the JS that implements the standard
//! interface and, where it needs the host, the native half (`mod.rs`) that
//! calls its WIT interface. Each folder is named like that interface and
//! the host module that implements it.

pub mod clone;
pub mod compression;
pub mod crypto;
pub mod fetch;
pub mod incoming;
pub mod url;
