//! `upload` (section 9). The list below is the cases' order; their bodies
//! are in `request.rs` (UPLOAD-1, UPLOAD-2: before any data), `storing.rs`
//! (UPLOAD-3, UPLOAD-4: the bytes stored) and `races.rs` (UPLOAD-5,
//! UPLOAD-6: one name, several writers, uploads in progress).

mod races;
mod request;
mod storing;

use crate::case::Case;

pub fn cases() -> Vec<Case> {
    vec![
        Case::new(
            "UPLOAD-1",
            "a malformed size or a missing name gets 501 and no data is read",
            &[("UPLOAD-1", "a6b5a5ca8c28"), ("PIPE-2", "064e9936195e")],
            request::malformed,
        ),
        Case::new(
            "UPLOAD-1",
            "size fields with leading zeros and 20 digits are accepted",
            &[("UPLOAD-1", "a6b5a5ca8c28"), ("UPLOAD-3", "305613a77ba8")],
            request::leading_zeros,
        ),
        Case::new(
            "UPLOAD-2",
            "checks run in order: size, name, parent, existence",
            &[("UPLOAD-2", "24890dc8f7d6"), ("PIPE-2", "064e9936195e")],
            request::order,
        ),
        Case::new(
            "UPLOAD-2",
            "an upload of 2^63-1 bytes to an existing name is refused before any data",
            &[("UPLOAD-2", "24890dc8f7d6"), ("UPLOAD-5", "b266f0e193c3")],
            request::huge_existing,
        )
        .no_snapshot(),
        Case::new(
            "UPLOAD-3",
            "upload of 0, 1, 4095, 4096, 4097 bytes gets 150 then 226 and stores the bytes",
            &[("UPLOAD-3", "305613a77ba8"), ("UPLOAD-4", "5b3d2fc25df5")],
            storing::basic,
        ),
        Case::new(
            "UPLOAD-4",
            "after 226 the file is complete and visible to every connection",
            &[("UPLOAD-4", "5b3d2fc25df5"), ("UPLOAD-6", "0934af2ded3d")],
            storing::visible,
        ),
        Case::new(
            "UPLOAD-4",
            "1 MiB + 1 of random bytes is stored intact",
            &[("UPLOAD-4", "5b3d2fc25df5"), ("DOWNLOAD-1", "c26fba13c235")],
            storing::mib,
        ),
        Case::new(
            "UPLOAD-4",
            "64 MiB of random bytes is stored intact",
            &[("UPLOAD-4", "5b3d2fc25df5")],
            storing::huge,
        )
        .slow(),
        Case::new(
            "UPLOAD-5",
            "upload never replaces a file, directory or symbolic link",
            &[("UPLOAD-5", "b266f0e193c3")],
            races::never_replaces,
        ),
        Case::new(
            "UPLOAD-5",
            "of 8 racing uploads of one name exactly one gets 226",
            &[
                ("UPLOAD-5", "b266f0e193c3"),
                ("UPLOAD-3", "305613a77ba8"),
                ("SEC-4", "6f2e42731876"),
            ],
            races::race,
        )
        .no_snapshot()
        .slow(),
        Case::new(
            "UPLOAD-6",
            "an upload in progress is invisible to ls, size and download",
            &[("UPLOAD-6", "0934af2ded3d"), ("LS-5", "ee5e6dc879d5")],
            races::invisible,
        ),
        Case::new(
            "UPLOAD-6",
            "a client that disconnects mid-upload leaves nothing behind",
            &[
                ("UPLOAD-6", "0934af2ded3d"),
                ("SEC-4", "6f2e42731876"),
                ("CONC-2", "6204c60c5fc3"),
            ],
            races::disconnect,
        ),
        Case::new(
            "UPLOAD-1",
            "size tokens other languages accept (+5, 5_0, Arabic digits, 21 digits) get 501",
            &[("UPLOAD-1", "a6b5a5ca8c28")],
            request::foreign_size_tokens,
        ),
        Case::new(
            "UPLOAD-3",
            "announced sizes up to 2^63-1 get 150 and an abandoned upload leaves nothing",
            &[("UPLOAD-3", "305613a77ba8"), ("SEC-4", "6f2e42731876")],
            request::huge_announcements,
        )
        .no_snapshot(),
        Case::new(
            "UPLOAD-5",
            "two uploads of one name interleaved step by step: the first to finish wins",
            &[("UPLOAD-5", "b266f0e193c3"), ("UPLOAD-3", "305613a77ba8")],
            races::interleaved_race,
        )
        .no_snapshot(),
        Case::new(
            "UPLOAD-6",
            "rm of a name being uploaded gets 550 and the upload completes",
            &[("UPLOAD-6", "0934af2ded3d"), ("UPLOAD-4", "5b3d2fc25df5")],
            races::rm_during_upload,
        ),
    ]
}
