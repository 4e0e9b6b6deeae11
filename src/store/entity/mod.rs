//! sea-orm entities: the tables as the migrations create them. Behaviour lives
//! in the query modules beside, not here.

pub mod acknowledgement;
pub mod audit_log;
pub mod escalation;
pub mod household;
pub mod import_upload;
pub mod job_run;
pub mod key_household;
pub mod link_token;
pub mod match_event;
pub mod match_token;
pub mod matches;
pub mod meeting;
pub mod need;
pub mod need_suggestion;
pub mod offer;
pub mod offer_cover;
pub mod outbox;
pub mod pairing;
pub mod raised_need;
pub mod region;
pub mod round;
pub mod round_lock;
pub mod session;
pub mod standing_helper;
pub mod throttle_event;
pub mod user;
pub mod visit;
pub mod work_visit;
