//! sea-orm entities: the tables as the migrations create them. Behaviour lives
//! in the query modules beside, not here.

pub mod outbox;
pub mod region;
