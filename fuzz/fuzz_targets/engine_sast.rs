//! The whole SAST engine on one file (Python, JavaScript, TypeScript, TSX, Java or Go, chosen by the
//! first byte): parsing, lowering, structural and taint rules, then `finish`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_sast::SastEngine;
use std::sync::LazyLock;

static ENGINE: LazyLock<SastEngine> = LazyLock::new(SastEngine::new);

fuzz_target!(|data: &[u8]| {
    let (path, body) = rampart_fuzz::pick(
        data,
        &[
            "app/views.py",
            "app/server.js",
            "app/route.ts",
            "app/Page.tsx",
            "app/Main.java",
            "app/main.go",
        ],
    );
    rampart_fuzz::scan_one(&*ENGINE, path, body);
    // The route reader on its own, also as a Django urls.py.
    let text = String::from_utf8_lossy(body);
    let _ = rampart_sast::routes::find(path, &text);
    let _ = rampart_sast::routes::find("app/urls.py", &text);
});
