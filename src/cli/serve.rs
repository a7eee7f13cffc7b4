//! `handoff serve`: turns the command line into [`crate::serve::Options`] and runs the service.

use super::ServeArgs;
use crate::reload::WatchOptions;
use crate::serve::log::{Fields, LogOptions};
use crate::serve::{self, Options, ServeError, limits::Limits};
use std::io::IsTerminal;

pub fn run(args: &ServeArgs) -> u8 {
    let defaults = Limits::default();
    let options = Options {
        policies: args.policy.policies.clone(),
        listen: args.listen.clone(),
        stdio: args.stdio,
        decision_log: args.decision_log.clone().map(|path| LogOptions {
            path,
            sync: args.decision_log_sync,
            fields: Fields {
                extra: args.log_fields.clone(),
                text: args.log_text,
            },
        }),
        limits: Limits {
            body: args.max_body,
            messages: args.max_messages,
            text: args.max_text,
            batch: args.max_batch,
            timeout: args.timeout,
            connections: args.max_connections,
            inflight: args.max_inflight,
            batches: args.max_batches.unwrap_or(defaults.batches).max(1),
            idle: args.idle_timeout,
        },
        token_file: args.token_file.clone(),
        insecure_no_auth: args.insecure_no_auth,
        tls: args.tls_cert.clone().zip(args.tls_key.clone()),
        reload: crate::reload::ReloadOptions {
            limits: crate::set::SizeLimits {
                file: args.max_policy_file as u64,
                set: args.max_policy_set as u64,
            },
            archive: args.archive.clone(),
        },
        watch: WatchOptions {
            debounce: args.debounce,
            poll: args.poll,
        },
        no_watch: args.no_watch,
        shutdown_timeout: args.shutdown_timeout,
    };
    match serve::run(options) {
        Ok(()) => super::exit::OK,
        Err(e) => {
            if let ServeError::Load { error, .. } = &e {
                eprintln!("{}", crate::reload::report(error, std::io::stderr().is_terminal()));
            }
            eprintln!("handoff serve: {e}");
            super::exit::COULD_NOT_RUN
        }
    }
}
