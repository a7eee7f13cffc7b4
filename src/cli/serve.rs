//! `handoff serve`: turns the command line into [`crate::serve::Options`] and runs the service.

use super::ServeArgs;
use crate::reload::WatchOptions;
use crate::serve::{self, Options, ServeError, limits::Limits};
use std::io::IsTerminal;

pub fn run(args: &ServeArgs) -> u8 {
    let options = Options {
        policies: args.policy.policies.clone(),
        listen: args.listen.clone(),
        stdio: args.stdio,
        decision_log: args.decision_log.clone(),
        log_text: args.log_text,
        limits: Limits {
            body: args.max_body,
            messages: args.max_messages,
            text: args.max_text,
            batch: args.max_batch,
            timeout: args.timeout,
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
                eprint!("{}", error.render(std::io::stderr().is_terminal(), 100));
            }
            eprintln!("handoff serve: {e}");
            super::exit::COULD_NOT_RUN
        }
    }
}
