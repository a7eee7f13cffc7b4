//! `handoff show DIGEST`: a policy set from the archive of `serve --archive`.

use super::{ShowArgs, exit};

pub fn run(args: &ShowArgs) -> u8 {
    let shown = crate::archive::find(&args.archive, &args.digest).and_then(|e| crate::archive::show(&e));
    match shown {
        Ok(text) => {
            print!("{text}");
            exit::OK
        }
        Err(message) => {
            eprintln!("handoff show: {message}");
            exit::FAILURE
        }
    }
}
