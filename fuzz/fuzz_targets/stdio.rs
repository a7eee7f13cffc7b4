//! The stdio line protocol: any byte stream, read line by line under a small line limit and
//! answered as `handoff serve --stdio` answers, against a fixed policy set. Every answer must be
//! one JSON line.
#![no_main]

use handoff::reload::Reloader;
use handoff::serve::Service;
use handoff::serve::limits::Limits;
use handoff::serve::stdio::{Got, answer, read_line};
use libfuzzer_sys::fuzz_target;
use std::io::BufReader;
use std::sync::{Arc, OnceLock};

fn service() -> &'static Service {
    static SERVICE: OnceLock<Service> = OnceLock::new();
    SERVICE.get_or_init(|| {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../policies");
        let Ok(reloader) = Reloader::load(dir) else {
            std::process::abort()
        };
        let limits = Limits {
            body: 4096,
            messages: 50,
            text: 1024,
            ..Limits::default()
        };
        Service::new(Arc::new(reloader), None, limits, None)
    })
}

fuzz_target!(|data: &[u8]| {
    let service = service();
    let mut input = BufReader::new(data);
    let mut buf = Vec::new();
    let mut number = 0;
    loop {
        buf.clear();
        let Ok(got) = read_line(&mut input, &mut buf, service.limits.body) else {
            return;
        };
        number += 1;
        let answered = match got {
            Got::Eof => return,
            Got::TooLong => continue,
            Got::Line => answer(service, &buf, number),
        };
        match answered {
            None => {}
            Some(Ok(decided)) => {
                assert!(serde_json::from_slice::<serde_json::Value>(&decided.json).is_ok());
                assert!(!decided.json.contains(&b'\n'));
            }
            Some(Err(error)) => assert!(error.get("error").is_some()),
        }
    }
});
