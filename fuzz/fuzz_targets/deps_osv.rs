//! OSV import: the first byte picks one record (JSON), an export zip, the compiled database
//! file, or the KEV / EPSS feeds. A record that loads is compiled into a database, which must
//! read back from its own encoding.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_deps::db::Database;
use rampart_deps::osv::Record;
use rampart_deps::update;

#[derive(Clone, Copy)]
enum Input {
    Record,
    Zip,
    Database,
    Kev,
    Epss,
}

fuzz_target!(|data: &[u8]| {
    let (input, body) = rampart_fuzz::pick(
        data,
        &[
            Input::Record,
            Input::Zip,
            Input::Database,
            Input::Kev,
            Input::Epss,
        ],
    );
    match input {
        Input::Record => {
            let Ok(record) = serde_json::from_slice::<Record>(body) else {
                return;
            };
            if record.validate().is_err() {
                return;
            }
            let mut db = Database::default();
            db.add_records(&[record]);
            let bytes = db.encode();
            if let Err(e) = Database::decode(&bytes) {
                panic!("a database does not read back from its own encoding: {e}");
            }
        }
        Input::Zip => {
            let _ = update::read_zip(std::io::Cursor::new(body), "all.zip");
        }
        Input::Database => {
            let _ = Database::decode(body);
        }
        Input::Kev => {
            let _ = update::parse_kev(body);
        }
        Input::Epss => {
            let _ = update::parse_epss(body);
        }
    }
});
