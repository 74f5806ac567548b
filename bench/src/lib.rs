//! The benchmark's pieces: the generated sets ([`spec`]) and one adapter an
//! engine. The peers build only with the `peers` feature (on by default).

pub mod edict_engine;
pub mod rich;
pub mod spec;

#[cfg(feature = "peers")]
pub mod cedar;
#[cfg(feature = "peers")]
pub mod rego;
