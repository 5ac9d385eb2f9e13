//! Kubernetes AdmissionReview bodies (`POST /k8s/admission` of `rampart server`): the whole
//! input through `review::parse`, the pure reader the webhook calls before any database
//! lookup; for a review it reads, every image through `review::image_ref` and the answer
//! through `review::response`.
//!
//! Whatever the input: no panic; a review that reads has a non-empty uid within the limit and at
//! most `MAX_CONTAINERS` images; a digest-pinned image has a name and a 64-digit digest; the
//! answer echoes the uid.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_server::admission::review::{self, Gated, ImageRef};

fuzz_target!(|data: &[u8]| {
    let Ok(r) = review::parse(data) else {
        return;
    };
    assert!(!r.uid.is_empty() && r.uid.len() <= review::MAX_UID_BYTES);
    let mut warnings = Vec::new();
    match &r.gated {
        Gated::Images(images) => {
            assert!(images.len() <= review::MAX_CONTAINERS);
            for i in images {
                match review::image_ref(&i.image) {
                    ImageRef::Digest { name, digest } => {
                        assert!(!name.is_empty());
                        assert_eq!(digest.hex().len(), 64);
                    }
                    ImageRef::BadDigest(m) => assert!(!m.is_empty()),
                    ImageRef::TagOnly => warnings.push(i.image.clone()),
                }
            }
        }
        Gated::No(why) | Gated::Unreadable(why) => assert!(!why.is_empty()),
    }
    let v = review::response(&r.uid, warnings.is_empty(), "refused", &warnings);
    assert_eq!(v["response"]["uid"].as_str(), Some(r.uid.as_str()));
});
