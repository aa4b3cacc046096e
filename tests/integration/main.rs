//! The one integration-test binary (links once): one module per subcommand, plus `support`.

mod support;

mod cli;
mod demo;
mod grpc;
mod house;
mod interop;
mod load;
mod load_export;
mod load_h2;
mod load_plans;
mod load_report;
mod load_shard_targets;
mod load_targets;
mod mtls;
mod probe;
mod proxy;
mod proxy_l4;
mod readme;
mod ring;
mod serve;
mod sim;
